"""The validator finds the real errors, at the right cell, and raises no false alarm."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from fixtures import blank_inbox, typed_van_quan
from macros_py.commands.validate import validate_file

EXE = str(Path(sys.executable).parent / "giamngheo")
TOTAL = 23   # total row of the typed fixture


def findings(path, severity=None):
    result = validate_file(path)
    assert result.status == "ok", result.error
    return [(f.cell, f.rule) for s in result.sheets for f in s.findings
            if severity is None or f.severity == severity]


def errors(path):
    return findings(path, "error")


def test_shipped_van_quan_workbook_is_clean():
    assert findings(ROOT / "workbooks" / "van_quan_2021.xlsx") == []


def test_an_unfilled_template_is_not_a_list_of_errors(tmp_path):
    assert findings(ROOT / "workbooks" / "bieu_du_kien_giam_ngheo_mau.xlsx") == []
    # a named row without any figure (a unit that has not reported) is one warning, never
    # "type 0" per cell; once a figure is typed, the inputs still blank are named
    wb = openpyxl.load_workbook(ROOT / "workbooks" / "bieu_du_kien_giam_ngheo_mau.xlsx")
    wb["Biểu"]["B8"] = "Xã A"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert findings(path) == [("B8", "unit-no-figures")]
    result = validate_file(path)
    (finding,) = result.sheets[0].findings
    assert finding.severity == "warning" and "Xã A" in finding.message and "ghi 0" not in finding.message
    wb["Biểu"]["C8"] = 120
    wb.save(path)
    assert sorted(findings(path)) == sorted((f"{c}8", "blank-input") for c in "DFGJLM")


def test_published_table_typed_by_hand_has_no_error_only_one_note_per_typed_column(tmp_path):
    # The seed's deliberate rounding (Khánh Khê 10.67 % for 46/435) is not an error.
    got = findings(typed_van_quan(tmp_path / "t.xlsx"))
    assert sorted(got) == sorted((c, "column-typed") for c in ("E5", "H5", "I5", "K5", "N5", "O5"))


@pytest.mark.parametrize("edits, expected", [
    # a poor-household count mistyped: its rate, its change and the total all follow from it
    ({"D9": 89}, [("D9", "likely-culprit")]),
    # a rate with swapped digits (15.58 → 15.85): the change column follows from it
    ({"E12": 15.85}, [("E12", "likely-culprit")]),
    # the district total of poor households contradicts its communes (the seed's text says 1.761)
    ({f"D{TOTAL}": 1761}, [(f"D{TOTAL}", "likely-culprit")]),
    # a total rate computed as a sum of the unit rates instead of a ratio of the sums; the
    # change column typed consistently with it merely inherits the error and is not reported
    ({f"E{TOTAL}": 236.12, f"I{TOTAL}": -227.47}, [(f"E{TOTAL}", "rate-out-of-range"), (f"E{TOTAL}", "total-rate")]),
    # an end-of-year target that disagrees with its count by far more than half a household
    ({"G8": 7.75}, [("G8", "likely-culprit")]),
    # a target rate off by 7.5 households, with its change column typed consistently
    ({"M8": 20.54, "O8": -2.0}, [("M8", "rate-count-mismatch")]),
    # near-poor (and poor + near-poor) above all households: Tân Đoàn with 150 households
    (None, [("D8", "relation"), ("F8", "relation"), ("J8", "relation"), ("K8", "rate-out-of-range")]),
    # a blank input is named once, not as a cascade of totals
    ({"F10": None}, [("F10", "blank-input")]),
    # duplicate unit names that differ only by tone placement, case and spaces
    ({"B21": "hòa  Bình", "B10": "Hoà Bình"}, [("B21", "duplicate-unit")]),
    # a negative count, caught with its consequences
    ({"J10": -149}, [("J10", "likely-culprit")]),
])
def test_broken_variants_are_flagged_exactly(tmp_path, edits, expected):
    edits = edits if edits is not None else consistent_row_edits(8, households=150)
    assert sorted(errors(typed_van_quan(tmp_path / "b.xlsx", edits))) == sorted(expected)


def consistent_row_edits(row: int, households: int) -> dict:
    """Change one commune's households and retype every figure that depends on it consistently,
    as a careful officer would: only the figures themselves can then be wrong."""
    from conftest import published_van_quan
    from macros_py.forms import formulas
    from macros_py.forms.spec import get_form

    form = get_form()
    published, _ = published_van_quan()
    units = [{n: v[int(n) - 1] for n in ("1", "2", "4", "8", "10")} for _, v in published]
    units[row - 6]["1"] = households
    for u in units:
        u["5"], u["11"] = (round(u[a] / u["1"] * 100, 2) for a in ("4", "10"))
    edits = {}
    for i, u in enumerate(units):
        if i == row - 6:
            values = formulas.compute(form, u)
            edits.update({f"{chr(66 + int(n))}{row}": values[n] for n in values})
    totals = formulas.compute_total(form, units)
    edits.update({f"{chr(66 + int(n))}{TOTAL}": totals[n] for n in totals})
    return edits


def test_culprit_names_the_findings_that_follow_and_the_right_value(tmp_path):
    result = validate_file(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89}))
    (culprit,) = [f for f in result.sheets[0].findings if f.severity == "error"]
    assert (culprit.expected, culprit.actual) == (41, 89)
    assert culprit.follows == ["E9", "H9", f"D{TOTAL}"]
    assert "nếu là 41" in culprit.message


def test_number_text_is_read_as_meant_and_flagged(tmp_path):
    path = typed_van_quan(tmp_path / "t.xlsx", {"C13": "1.527", "E6": "8,25", "C9": "831"})
    result = validate_file(path)
    got = {f.cell: f for s in result.sheets for f in s.findings if f.rule == "text-number"}
    assert set(got) == {"C13", "E6", "C9"}
    assert got["C13"].expected == 1527 and "phân nghìn" in got["C13"].message
    assert got["E6"].expected == 8.25 and "thập phân" in got["E6"].message
    assert errors(path) == []


def test_typed_over_formula_in_a_live_table(tmp_path):
    wb = openpyxl.load_workbook(ROOT / "workbooks" / "van_quan_2021.xlsx")
    ws = wb["Biểu"]
    ws["E8"] = 8.25     # right number typed over the formula
    ws["H10"] = -20     # wrong number typed over the formula (should be -18)
    path = tmp_path / "t.xlsx"
    wb.save(path)       # openpyxl drops cached values: formula cells must be computed, not read as blank
    got = findings(path)
    assert sorted(got) == [("E8", "typed-over-formula"), ("H10", "typed-over-wrong")]    # H10 named once


def test_more_poor_households_at_the_end_is_a_warning(tmp_path):
    from macros_py.write.layout import Unit, make_layout
    from macros_py.forms.spec import get_form
    from macros_py.write.xlsx_writer import write_new_workbook

    units = [Unit("Xã A", {"1": 500, "2": 40, "4": 45, "5": 9.0, "8": 30, "10": 20, "11": 4.0}),
             Unit("Xã B", {"1": 400, "2": 40, "4": 30, "5": 7.5, "8": 30, "10": 20, "11": 5.0})]
    path = tmp_path / "n.xlsx"
    write_new_workbook(make_layout(get_form(), units), path)
    assert findings(path) == [("F8", "relation")]
    assert validate_file(path).sheets[0].findings[0].severity == "warning"


def test_subtotal_rows_are_checked_and_not_counted_twice(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
               "12=10-8", "13=11-9"])
    rows = [["I", "Huyện X", 1623, 164, 10.10, 114, 7.02, -50, -3.08, 352, 21.69, 309, 19.04, -43, -2.65],
            [1, "Yên Phúc", 1188, 98, 8.25, 68, 5.75, -30, -2.5, 296, 24.92, 260, 21.92, -36, -3],
            [2, "Khánh Khê", 435, 66, 15.17, 46, 10.67, -20, -4.5, 56, 12.87, 49, 11.37, -7, -1.5],
            # a subtotal's rates are ratios of its sums (72/998 = 7.21), not the unit's rounded target
            ["II", "Huyện Y", 998, 97, 9.72, 72, 7.21, -25, -2.51, 289, 28.96, 259, 25.95, -30, -3.01],
            [1, "Bình Phúc", 998, 97, 9.72, 72, 7.22, -25, -2.5, 289, 28.96, 259, 25.96, -30, -3],
            [None, "Tổng cộng", 2621, 261, 9.96, 186, 7.10, -75, -2.86, 641, 24.46, 568, 21.67, -73, -2.79]]
    for r in rows:
        ws.append(r)
    path = tmp_path / "s.xlsx"
    wb.save(path)
    assert errors(path) == []     # Tổng cộng = units only; counting subtotals too would give 5.242
    ws["C2"] = 1700
    wb.save(path)
    assert errors(path) == [("C2", "likely-culprit")]
    assert validate_file(path).sheets[0].findings[0].expected == 1623


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True)


def test_json_contract_and_exit_codes(tmp_path):
    clean, broken = ROOT / "workbooks" / "van_quan_2021.xlsx", typed_van_quan(tmp_path / "b.xlsx", {"D9": 89})
    r = run("validate", str(clean), "--format", "json")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    (f,) = doc["files"]
    assert (f["status"], f["error"], f["sheets"][0]["form"], f["sheets"][0]["findings"]) == \
        ("ok", None, "du-kien-giam-ngheo", [])
    r = run("validate", str(clean), str(broken), "--format", "json")
    assert r.returncode == 1
    finding = json.loads(r.stdout)["files"][1]["sheets"][0]["findings"][0]
    assert set(finding) >= {"cell", "row", "column", "rule", "severity", "message", "expected", "actual"}
    assert (finding["cell"], finding["row"], finding["column"], finding["expected"], finding["actual"]) == \
        ("D9", 9, "D", 41, 89)
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    r = run("validate", str(clean), str(tmp_path / "x.xlsx"), "--format", "json")
    assert r.returncode == 2
    bad = json.loads(r.stdout)["files"][1]
    assert bad["status"] == "unreadable" and "hỏng" in bad["error"]
    other = tmp_path / "khac.xlsx"
    openpyxl.Workbook().save(other)
    r = run("validate", str(other), "--format", "json")
    assert r.returncode == 2 and json.loads(r.stdout)["files"][0]["status"] == "no_form"


def test_a_folder_of_many_files_is_checked_on_all_cores_in_order(tmp_path):
    import shutil

    box = tmp_path / "hop_thu"
    box.mkdir()
    for i in range(20):
        shutil.copy(ROOT / "workbooks" / "van_quan_2021.xlsx", box / f"xa_{i:02d}.xlsx")
    typed_van_quan(box / "xa_07.xlsx", {"D9": 89})
    r = run("validate", str(box), "--format", "json")
    assert r.returncode == 1
    files = json.loads(r.stdout)["files"]
    assert [Path(f["path"]).name for f in files] == [f"xa_{i:02d}.xlsx" for i in range(20)]
    assert [i for i, f in enumerate(files) if f["sheets"][0]["findings"]] == [7]


def test_text_report_is_grouped_by_sheet_in_vietnamese(tmp_path):
    r = run("validate", str(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89})))
    assert r.returncode == 1
    assert "Trang 'Biểu 01' — Biểu dự kiến giảm nghèo, cận nghèo, 17 đơn vị: 1 lỗi, 3 cảnh báo, 6 lưu ý." in r.stdout
    # the culprit names its row and column; the cells that follow from it are counted naturally
    assert ("[Lỗi] Ô D9 (Tràng Phái, cột 2 — Số hộ nghèo đầu năm) có lẽ ghi sai: đang ghi 89; nếu là 41 thì "
            "3 ô khác sẽ đúng theo: E9, H9, D23.") in r.stdout
    assert "[Cảnh báo] Ô D23 (dòng Cộng, cột 2 — Số hộ nghèo đầu năm) không khớp (đang ghi 1.671) vì ô D9 có lẽ " \
        "ghi sai; sửa D9 thì ô này khớp." in r.stdout


def test_only_the_officers_own_sheets_are_named_as_holding_no_known_table(tmp_path):
    """The sheets the tool adds ('Kiểm tra', its hidden state, 'Biểu đồ', 'Nguồn', 'Tình hình nộp') are not
    "sheets without a known table"; nor is any hidden sheet. An officer's own visible sheet still is,
    even one that happens to be called 'Nguồn'."""
    from macros_py.cli import main

    src = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89})
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("Ghi chú")["A1"] = "Số liệu rà soát tháng 3"
    hidden = wb.create_sheet("Nháp")
    hidden["A1"], hidden.sheet_state = "tính thử", "hidden"
    wb.save(src)
    marked = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(src), "--annotate", str(marked)]) == 1
    assert openpyxl.load_workbook(marked).sheetnames == ["Biểu 01", "Ghi chú", "Nháp", "_giamngheo_danh_dau",
                                                          "Kiểm tra"]
    assert validate_file(marked).other_sheets == ["Ghi chú"]

    inbox = blank_inbox(tmp_path / "hop_thu")
    district = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(inbox), "--units", "Yên Phúc;Bình Phúc", "-o", str(district)]) == 0
    wb = openpyxl.load_workbook(district)
    assert wb.sheetnames == ["Biểu", "Biểu đồ", "Nguồn", "Tình hình nộp"]
    assert validate_file(district).other_sheets == []
    wb["Nguồn"]["A1"] = "Nguồn số liệu của phòng"         # the officer's own sheet of that name
    wb.save(district)
    assert validate_file(district).other_sheets == ["Nguồn"]
