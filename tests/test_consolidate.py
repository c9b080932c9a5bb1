"""Tổng hợp from the 17 communes of seed 003, each its own workbook with village rows."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from conftest import published_van_quan, van_quan_units
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.write.layout import Unit, make_layout
from macros_py.forms.notation import excel_round
from macros_py.forms.spec import get_form
from macros_py.write.xlsx_writer import write_new_workbook

COUNTS = ("1", "2", "4", "8", "10")
MESSY = ["Bieu (1).xlsx", "bieu_final_sua.xlsx", "BIEU GIAM NGHEO.xlsx", "bieu-2021 (2).xlsx", "Book1.xlsx"]


def villages(unit: Unit, n: int = 3) -> list[Unit]:
    """Split a commune's counts over n villages; each village's target rate from its own counts."""
    out = []
    for i in range(n):
        inputs = {k: float(int(unit.inputs[k]) // n + (1 if i < int(unit.inputs[k]) % n else 0)) for k in COUNTS}
        inputs["5"] = excel_round(inputs["4"] / inputs["1"] * 100, 2)
        inputs["11"] = excel_round(inputs["10"] / inputs["1"] * 100, 2)
        out.append(Unit(f"Thôn {i + 1}", inputs))
    return out


def commune_workbook(path: Path, unit: Unit, *, epoch: int, edit=None) -> Path:
    title_unit = "thị trấn Văn Quan" if unit.name == "Thị Trấn" else f"xã {unit.name}"
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        vs = villages(unit)
        if edit:
            edit(vs)
        write_new_workbook(make_layout(get_form(), vs, year=2021, unit=title_unit), path)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    return path


@pytest.fixture
def inbox(tmp_path) -> Path:
    """17 communes under messy names; Tân Đoàn sent twice (a wrong first version, then a correction)."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    for i, unit in enumerate(van_quan_units()):
        name = f"{i:02d}_{MESSY[i % len(MESSY)]}"
        commune_workbook(box / name, unit, epoch=1617235200 + i)       # April 2021
        if unit.name == "Tân Đoàn":
            def wrong(vs):
                vs[0].inputs["2"] += 5
            commune_workbook(box / "Tan Doan cu.xlsx", unit, epoch=1617000000, edit=wrong)
            # the old version's file time is newer: the workbook's own saved time must win
            os.utime(box / "Tan Doan cu.xlsx", (2_000_000_000, 2_000_000_000))
    (box / "ghi chu.xlsx").write_bytes(b"khong phai bang tinh")
    return box


def units_csv(tmp_path) -> Path:
    path = tmp_path / "don_vi.csv"
    path.write_text("Đơn vị\n" + "\n".join(u.name for u in van_quan_units()) + "\n", encoding="utf-8")
    return path


def _rows(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Biểu").to_python(skip_empty_area=False)


def test_consolidation_rebuilds_the_van_quan_district_table(inbox, tmp_path, capsys):
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "--year", "2021",
                 "--unit", "huyện Văn Quan", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "17/17 đơn vị có số liệu" in printed
    assert "Tân Đoàn: dùng '02_BIEU GIAM NGHEO.xlsx', để riêng: 'Tan Doan cu.xlsx'" in printed
    assert "Bỏ qua 'ghi chu.xlsx'" in printed
    published, total = published_van_quan()
    for source in (out, recalculate(out, tmp_path / "lo")):   # cached values, then LibreOffice's own
        rows = _rows(source)
        for i, (name, values) in enumerate(published):
            row = rows[7 + i]
            assert row[1] == name
            for number in ("1", "2", "3", "4", "6", "8", "9", "10", "12"):
                assert row[1 + int(number)] == pytest.approx(values[int(number) - 1], abs=1e-9), (name, number)
            # the commune's end-of-year rate is the ratio of its village sums, within half a household
            assert abs(row[6] * row[2] / 100 - row[5]) <= 0.5
        assert [rows[24][2 + j] for j in range(13)] == pytest.approx(total, abs=1e-9)


def table_rows(ws) -> list[tuple]:
    """A report sheet's rows below its title lines (the header first)."""
    rows = list(ws.iter_rows(values_only=True))
    return rows[next(i for i, r in enumerate(rows) if r[0] in ("Đơn vị", "STT")):]


def test_sources_and_completeness_sheets(inbox, tmp_path):
    out = tmp_path / "huyen.xlsx"
    main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "--unit", "huyện Văn Quan", "-o", str(out)])
    wb = openpyxl.load_workbook(out)
    title = [r[0] for r in wb["Nguồn"].iter_rows(max_row=3, values_only=True)]
    assert title[0] == "NGUỒN SỐ LIỆU: BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM 2021"
    assert title[1] == "Đơn vị tổng hợp: UBND huyện Văn Quan, từ biểu của các xã, thị trấn"
    assert title[2].startswith("Lập ngày ")
    sources = table_rows(wb["Nguồn"])
    assert sources[0] == ("Đơn vị", "Tệp", "Dùng", "Trang tính, dòng", "Năm của biểu", "Lưu lần cuối",
                          "Thời điểm theo", "Lỗi", "Cảnh báo", "Mã tệp", "Kiểm tra trước khi gửi", "SHA-256",
                          "Thời điểm đọc từ")     # no mail column: nothing came by mail
    tan_doan = [r for r in sources if r[0] == "Tân Đoàn"]
    assert [(r[1], r[2][:11]) for r in tan_doan] == [("02_BIEU GIAM NGHEO.xlsx", "Dùng"),
                                                      ("Tan Doan cu.xlsx", "Bản cũ hơn ")]
    assert tan_doan[0][3] == "'Biểu', dòng 8–10 (cộng 3 dòng)" and tan_doan[0][4] == "2021 (tiêu đề)"
    assert tan_doan[0][6] == "thời điểm lưu trong tệp" and tan_doan[0][12] == "docProps/core.xml (modified)"
    sha = hashlib.sha256((inbox / "02_BIEU GIAM NGHEO.xlsx").read_bytes()).hexdigest()
    assert tan_doan[0][11] == sha and tan_doan[0][9] == sha[:12]
    status = {r[1]: r for r in table_rows(wb["Tình hình nộp"])[1:]}
    assert status["Tân Đoàn"][2] == "Đạt" and "Tan Doan cu.xlsx" in status["Tân Đoàn"][5]
    assert status["(không rõ đơn vị)"][3] == "ghi chu.xlsx"


def test_missing_unit_is_reported_and_left_blank(inbox, tmp_path, capsys):
    (inbox / "04_Book1.xlsx").unlink()                       # Điềm He never sent its table
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "16/17 đơn vị có số liệu" in printed and "Chưa nộp: Điềm He" in printed
    rows = _rows(out)
    assert rows[11][1] == "Điềm He" and rows[11][2:15] == [""] * 13
    assert rows[24][1] == "Cộng (16/17 đơn vị)" and rows[2][0].startswith("Tổng hợp 16/17 đơn vị có số liệu, ngày ")
    status = {r[1]: r for r in table_rows(openpyxl.load_workbook(out)["Tình hình nộp"])[1:]}
    assert status["Điềm He"][2] == "Chưa nộp"


def test_unit_names_match_across_spellings(tmp_path):
    from macros_py.commands.inbox import find_unit

    units = ["Nâm N'Đir", "Đắk Nang", "TT Đắk Mâm", "Hoà Bình", "Thị Trấn", "Yên Phúc"]
    assert find_unit(["UBND xã Nâm N'Dir"], units) == "Nâm N'Đir"
    assert find_unit(["Biểu của UBND xã Đăk Nang"], units) == "Đắk Nang"
    assert find_unit(["UBND Thị trấn Đăk Mâm"], units) == "TT Đắk Mâm"
    assert find_unit(["xã Hòa  bình"], units) == "Hoà Bình"
    assert find_unit(["UBND thị trấn Văn Quan"], units) == "Thị Trấn"
    assert find_unit(["", "Sheet1", "bieu yen phuc final sua"], units) == "Yên Phúc"
    assert find_unit(["UBND xã Khánh Khê"], units) is None


def test_a_title_naming_several_listed_units_ties_the_file_to_none_of_them(tmp_path):
    """A commune merged from three ("xã Tràng Các, Tú Xuyên và Hữu Lễ") is none of the three: its figures
    are the three's. The title does not tie the file; nor does a file name naming one of the three; a
    sheet or file name naming another listed unit does."""
    from macros_py.commands.inbox import match_unit

    units = ["Tràng Các", "Tú Xuyên", "Hữu Lễ", "Yên Phúc", "Thị trấn Văn Quan"]
    title = "BIỂU DỰ KIẾN GIẢM NGHÈO NĂM 2026\n(Kèm theo … của UBND xã Tràng Các, Tú Xuyên và Hữu Lễ (xã mới sau sắp xếp))"
    assert match_unit([title, "Biểu", "trang cac moi"], units) == (None, ["Tràng Các", "Tú Xuyên", "Hữu Lễ"])
    assert match_unit([title, "Yên Phúc", "bieu"], units) == ("Yên Phúc", [])
    # a district named beside its commune is not the township of the same name; a name inside a longer one
    assert match_unit(["UBND xã Yên Phúc, huyện Văn Quan"], units) == ("Yên Phúc", [])
    assert match_unit(["UBND thị trấn Văn Quan"], ["Văn Quan", "Thị trấn Văn Quan"]) == ("Thị trấn Văn Quan", [])

    box = tmp_path / "hop_thu"
    box.mkdir()
    commune_workbook(box / "trang_cac_moi.xlsx", Unit("x", van_quan_units()[0].inputs), epoch=1617235200)
    wb = openpyxl.load_workbook(box / "trang_cac_moi.xlsx")
    wb["Biểu"]["A2"] = "(Kèm theo Kế hoạch … của UBND xã Tràng Các, Tú Xuyên và Hữu Lễ (xã mới sau sắp xếp))"
    wb.save(box / "trang_cac_moi.xlsx")
    commune_workbook(box / "yen_phuc.xlsx", van_quan_units()[0], epoch=1617235200)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", ";".join(units), "--year", "2021", "-o", str(out)]) == 0
    status = {r[1]: r for r in table_rows(openpyxl.load_workbook(out)["Tình hình nộp"])[1:]}
    assert status["Tràng Các"][2] == "Chưa nộp"
    unknown = status["(không rõ đơn vị)"]
    assert unknown[3] == "trang_cac_moi.xlsx" and "Tràng Các, Tú Xuyên, Hữu Lễ" in unknown[5]


def test_a_district_table_can_be_a_unit_of_the_province(inbox, tmp_path):
    """Two-level and three-level hierarchies: the district's own output feeds the province."""
    district = tmp_path / "tinh" / "Van Quan.xlsx"
    district.parent.mkdir()
    main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "--unit", "huyện Văn Quan",
          "-o", str(district)])
    province = tmp_path / "tinh.xlsx"
    assert main(["consolidate", str(district.parent), "--units", "Văn Quan;Bình Gia", "-o", str(province)]) == 0
    rows = _rows(province)
    published, total = published_van_quan()
    assert rows[7][1] == "Văn Quan" and rows[7][2:15] == pytest.approx(total, abs=1e-9)


def test_reconcile_reports_each_differing_cell(inbox, tmp_path):
    from fixtures import typed_van_quan

    upper = typed_van_quan(tmp_path / "huyen_go_tay.xlsx", {"D9": 42, "L12": 180})
    exe = str(Path(sys.executable).parent / "giamngheo")
    r = subprocess.run([exe, "reconcile", str(upper), str(inbox), "--format", "json"], capture_output=True,
                       text=True)
    assert r.returncode == 1, r.stderr
    findings = json.loads(r.stdout)["files"][0]["sheets"][0]["findings"]
    mismatches = sorted((f["cell"], f["expected"], f["actual"]) for f in findings if f["rule"] == "reconcile-mismatch")
    assert mismatches == [("D9", 41, 42), ("L12", 183, 180)]


def test_reconcile_in_process_reads_the_upper_table_as_typed(inbox, tmp_path, capsys):
    """The same comparison in this process (the command above runs in its own), with a count typed as
    text with a thousands dot ('1.400' households): each differing input cell, what the units' own tables add up to, what was typed. The formula
    columns follow their inputs and a target rate is judged through its count: G10's 9,8 is not listed."""
    from fixtures import typed_van_quan

    upper = typed_van_quan(tmp_path / "huyen_go_tay.xlsx", {"D9": 42, "L12": 180, "F10": 60, "G10": 9.8, "C11": "1.400"})
    capsys.readouterr()
    assert main(["reconcile", str(upper), str(inbox), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["files"][0]["sheets"][0]["findings"]
    mismatches = sorted((f["cell"], f["expected"], f["actual"]) for f in findings if f["rule"] == "reconcile-mismatch")
    from fixtures import FIRST_ROW

    published, _ = published_van_quan()

    def unit(row: int, number: int) -> float:        # the published figure of form column `number` at that row
        return published[row - FIRST_ROW][1][number - 1]

    # C is form column 1, D column 2, F column 4, L column 10
    assert mismatches == sorted([("D9", unit(9, 2), 42), ("L12", unit(12, 10), 180), ("F10", unit(10, 4), 60),
                                 ("C11", unit(11, 1), 1400)])


def test_reconcile_does_not_list_the_tools_own_sheets(inbox, tmp_path, capsys):
    """A consolidated workbook holds 'Nguồn', 'Tình hình nộp' and 'Biểu đồ' beside its table: they are the
    tool's own, not sheets "without a table"."""
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "--year", "2021", "-o", str(out)]) == 0
    assert {"Nguồn", "Tình hình nộp"} <= set(openpyxl.load_workbook(out).sheetnames)
    capsys.readouterr()
    assert main(["reconcile", str(out), str(inbox), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["files"][0]
    assert result["other_sheets"] == [] and [s["name"] for s in result["sheets"]] == ["Biểu"]


def test_formulas_are_written_exactly_as_xlsxwriter_itself_writes_them(inbox, tmp_path, monkeypatch):
    """The writer skips xlsxwriter's rewriting of dynamic-array functions (none in our formulas):
    every part of the consolidated workbook, table, charts and report sheets, is byte for byte what
    xlsxwriter's own formula preparation writes."""
    import zipfile

    from xlsxwriter.worksheet import Worksheet

    from macros_py.write import xlsx_writer

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    assert main(["consolidate", str(inbox), "--year", "2021", "-o", str(ours)]) == 0
    monkeypatch.setattr(xlsx_writer, "plain_formula_worksheet", lambda: Worksheet)
    assert main(["consolidate", str(inbox), "--year", "2021", "-o", str(theirs)]) == 0
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert a.namelist() == b.namelist()
        sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) >= 3 and sum(a.read(n).count(b"<f>") for n in sheets) > 300
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


@pytest.mark.parametrize("formula", [
    "=SUM(C9:C25)", "{=SUM(A1:A2*B1:B2)}", '=IF(COUNT(D8,C8)<2,"",ROUND(D8/C8*100,2))', "=SORT(A1:A9)",
    "=_xlfn.XLOOKUP(A1,B1:B9,C1:C9)", "=FILTER(A1:A9,B1:B9>0)", '="Chưa có số liệu: LAMBDA"', "=xSINGLE(A1)",
    "=MATCH(LARGE($X$4:$X$20,3),$X$4:$X$20,0)", "=UNIQUE(A1:A9)", "=LEN(A1)"])
def test_the_quick_formula_preparation_equals_xlsxwriters(formula, tmp_path):
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    from macros_py.write.xlsx_writer import plain_formula_worksheet

    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    plain, own = wb.add_worksheet("a", plain_formula_worksheet()), wb.add_worksheet("b", Worksheet)
    assert plain._prepare_formula(formula) == own._prepare_formula(formula)
    assert plain._prepare_formula(formula, True) == own._prepare_formula(formula, True)
    wb.close()
