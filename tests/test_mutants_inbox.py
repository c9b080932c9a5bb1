"""Tests written for mutants of commands/consolidate.py and commands/inbox.py that the suite let
live (tests/MUTATION.md): each asserts what an officer reads, with expectations worked out here."""
from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from commune_sheets import commune_sheet, summed, villages
from macros_py.cli import main

FIRST = 8            # first unit row of a consolidated table


def table_row(path, name: str) -> list:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Biểu").to_python(skip_empty_area=False)
    return next(r for r in rows[FIRST - 1:] if r[1] == name)


def sheet_rows(path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def status_of(path, name: str) -> tuple:
    return next(r for r in sheet_rows(path, "Tình hình nộp") if r[1] == name)


def source_of(path, file: str) -> dict:
    rows = sheet_rows(path, "Nguồn")
    head = next(r for r in rows if r[0] == "Đơn vị")
    return dict(zip(head, next(r for r in rows if r[1] == file)))


def with_more_poor(vs: list[dict], extra: dict[int, int]) -> tuple[list[dict], dict[str, object]]:
    """The villages with `extra` households more at the year's end (column 4) in village i, and the
    cells that type them (F11, F12, …); each such village's typed target rate (column 5) then
    disagrees with its count by more than half a household: one error per village changed."""
    out = [dict(v) for v in vs]
    cells = {}
    for i, n in extra.items():
        out[i]["4"] = out[i]["4"] + n
        cells[f"F{11 + i}"] = out[i]["4"]
    return out, cells


UNDATED = {"A5": "BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO", "A6": "(Kèm theo Kế hoạch của UBND xã Hoà Bình)",
           "H3": "Hoà Bình, ngày … tháng … năm …"}      # a table that says no year anywhere


def several_tables(path, sheets: list[tuple[str, dict[int, int]]], vs: list[dict], *, undated: bool = False) \
        -> dict[str, list[dict]]:
    """One commune's workbook holding one table per sheet, all of the same year (or none); returns each
    sheet's villages."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    out = {}
    for name, extra in sheets:
        rows, cells = with_more_poor(vs, extra)
        commune_sheet(wb.create_sheet(name), "xã", "Hoà Bình", vs, cells=cells | (UNDATED if undated else {}))
        out[name] = rows
    wb.save(path)
    return out


def figures(rows: list[dict]) -> list[float]:
    s = summed(rows)
    return [s[str(i)] for i in range(1, 14)]


@pytest.mark.parametrize("sheets, used, reason, others", [
    # 'A' has two planted errors, 'B' one, 'C' two: 'B' is taken for having fewer errors
    ([("A", {0: 3, 1: 3}), ("B", {0: 3}), ("C", {0: 2, 2: 3})], "B", "ít lỗi hơn", "'A' (2 lỗi), 'C' (2 lỗi)"),
    # the clean copy is second: taken for having no error
    ([("A", {1: 3}), ("B", {})], "B", "không có lỗi", "'A' (1 lỗi)"),
    # two clean tables with different figures: the first sheet, and the officer is told to ask
    ([("A", {}), ("B", {2: 0})], "A", "trang đứng trước", "'B'"),
    # both have errors, the same number: the first sheet, not "fewer errors"
    ([("A", {0: 3}), ("B", {1: 4})], "A", "trang đứng trước", "'B' (1 lỗi)"),
])
def test_several_tables_of_the_year_say_which_was_taken_and_why(tmp_path, capsys, sheets, used, reason, others):
    box = tmp_path / "hop_thu"
    box.mkdir()
    vs = villages(277, 76, 53, 162, 147)
    if sheets[1][1] == {2: 0}:                 # a clean second table with other counts: a village more poor
        vs2 = [dict(v) for v in vs]
        wb = openpyxl.Workbook()
        wb.active.title = "A"
        commune_sheet(wb.active, "xã", "Hoà Bình", vs)
        vs2[2]["1"] += 10                      # ten households more in village 3, its rates typed to match
        vs2[2]["5"] = round(vs2[2]["4"] / vs2[2]["1"] * 100, 2)
        vs2[2]["11"] = round(vs2[2]["10"] / vs2[2]["1"] * 100, 2)
        commune_sheet(wb.create_sheet("B"), "xã", "Hoà Bình", vs2)
        wb.save(box / "hoa_binh.xlsx")
        taken = {"A": vs, "B": vs2}
    else:
        taken = several_tables(box / "hoa_binh.xlsx", sheets, vs)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Hoà Bình", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    said = (f"Tệp có {len(sheets)} biểu năm 2026 với số liệu khác nhau: đã dùng trang '{used}' ({reason}), "
            f"không dùng trang {others}; hãy hỏi lại đơn vị biểu nào đúng.")
    assert f"Hoà Bình: {said}" in printed.splitlines()
    assert said in status_of(out, "Hoà Bình")[5]
    assert table_row(out, "Hoà Bình")[2:15] == pytest.approx(figures(taken[used]))
    assert source_of(out, "hoa_binh.xlsx")["Dùng"] == \
        f"Dùng trang '{used}' (tệp có {len(sheets)} biểu cùng năm, số liệu khác nhau)"
    assert f"Hoà Bình: dùng 'hoa_binh.xlsx' (trang '{used}')" not in printed     # one file: nothing set aside


def test_several_undated_tables_say_which_was_taken_without_a_year(tmp_path, capsys):
    box = tmp_path / "hop_thu"
    box.mkdir()
    taken = several_tables(box / "hoa_binh.xlsx", [("A", {0: 3}), ("B", {})], villages(277, 76, 53, 162, 147),
                           undated=True)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Hoà Bình", "-o", str(out)]) == 0
    said = ("Tệp có 2 biểu với số liệu khác nhau: đã dùng trang 'B' (không có lỗi), không dùng trang 'A' (1 lỗi); "
            "hãy hỏi lại đơn vị biểu nào đúng.")
    assert f"Hoà Bình: {said}" in capsys.readouterr().out.splitlines()
    assert table_row(out, "Hoà Bình")[2:15] == pytest.approx(figures(taken["B"]))


def rhu(x: float) -> float:
    from commune_sheets import rhu as round_half_up

    return round_half_up(x)


TRANG_PHAI = [dict(zip(("1", "2", "4", "5", "8", "10", "11"), v)) for v in (
    (214, 9, 7, 3.3, 25, 22, 10.3), (190, 10, 8, 4.2, 24, 21, 11.1), (205, 11, 9, 4.4, 26, 23, 11.2),
    (222, 11, 9, 4.1, 26, 23, 10.4))]


def test_the_likely_culprit_is_named_with_the_cells_that_agree_with_it(tmp_path, capsys):
    """Values only, as pasted from Word: Thôn 1's poor count typed 19 where its own rate (E11), change
    (H11) and the commune's Cộng (D15) were all worked out from 9."""
    from commune_sheets import commune_workbook

    box = tmp_path / "hop_thu"
    box.mkdir()
    src = commune_workbook(box / "tp.xlsx", "xã", "Tràng Phái", TRANG_PHAI, formulas=False, cells={"D11": 19})
    ws = openpyxl.load_workbook(src)["Biểu"]
    right = sum(v["2"] for v in TRANG_PHAI)                                   # 41
    assert (ws["E11"].value, ws["H11"].value, ws["D15"].value) == (rhu(9 / 214 * 100), 7 - 9, right)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Tràng Phái", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    culprit = "ô D11 (Thôn 1) trong biểu của xã ghi 19, có lẽ là 9 (các ô E11, H11, D15 khớp với 9)"
    said = f"xã ghi {right}; cộng các thôn được {right + 10} vì {culprit}: đã lấy {right}, cần xã xác nhận"
    assert f"Tràng Phái: Ô ở các thôn có lẽ ghi sai, dòng Cộng của xã đúng: cột 2: {said}." in printed.splitlines()
    assert table_row(out, "Tràng Phái")[3] == right
    ws = openpyxl.load_workbook(out)["Biểu"]
    row = next(r for r in range(FIRST, ws.max_row + 1) if ws.cell(r, 2).value == "Tràng Phái")
    assert said in ws[f"D{row}"].comment.text


def unknown_inbox(box, junk: int) -> None:
    """A district's inbox holding one readable table of a commune not on the list, and `junk` files
    that are no workbook (a PDF under an .xlsx name)."""
    from commune_sheets import commune_workbook

    box.mkdir()
    commune_workbook(box / "a_tan_doan.xlsx", "xã", "Tân Đoàn", villages(300, 40, 30, 90, 80))
    for i in range(junk):
        (box / f"b_{i:02d}.xlsx").write_bytes(b"%PDF-1.4\n%%EOF\n")


@pytest.mark.parametrize("junk", [9, 10, 12])
def test_a_refusal_lists_ten_files_and_counts_the_rest(tmp_path, capsys, junk):
    box = tmp_path / "hop_thu"
    unknown_inbox(box, junk)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Yên Phúc", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"Không gắn được tệp nào với đơn vị nào trong danh sách, nên không lập biểu tổng hợp (đã đọc {junk + 1} " \
           "tệp):" in err
    listed = [line for line in err.splitlines() if line.startswith("- '")]
    files = ["a_tan_doan.xlsx"] + [f"b_{i:02d}.xlsx" for i in range(junk)]
    assert [line.split("'")[1] for line in listed] == files[:10]
    assert listed[0] == "- 'a_tan_doan.xlsx': Không nhận ra đơn vị trong danh sách"
    rest = len(files) - 10
    assert ("- … và %d tệp khác." % rest in err.splitlines()) == (rest > 0)
    assert "… và" not in err if rest <= 0 else err.count("… và") == 1
    for line in listed[1:]:                                      # every PDF is said of alike, nothing added
        name = line.split("'")[1]
        assert line == f"- '{name}': Tệp '{name}' bị hỏng hoặc không phải tệp Excel."
    after = err.split(listed[-1] + "\n", 1)[1].splitlines()[0]
    assert after.startswith("- … và" if rest > 0 else "Hãy xem lại danh sách đơn vị (--units)")
    assert not out.exists()


def test_a_unit_that_typed_only_its_total_row_gives_that_row_and_is_told(tmp_path, capsys):
    """Villages named but left blank, the Cộng row typed: the typed total is the unit's figures."""
    from commune_sheets import commune_workbook

    box = tmp_path / "hop_thu"
    box.mkdir()
    vs = villages(300, 45, 33, 120, 100)
    blank = {f"{col}{r}": None for r in (11, 12, 13) for col in "CDEFGHIJKLMNO"}
    commune_workbook(box / "yen_phuc.xlsx", "xã", "Yên Phúc", vs, formulas=False, cells=blank)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Yên Phúc", "-o", str(out)]) == 0
    total = summed(vs)                     # what the Cộng row holds: the villages' sums, typed
    assert table_row(out, "Yên Phúc")[2:15] == pytest.approx([total[str(i)] for i in range(1, 14)])
    assert "Đơn vị chỉ ghi dòng Cộng, các dòng chi tiết để trống." in status_of(out, "Yên Phúc")[5]
    assert "Yên Phúc: Đơn vị chỉ ghi dòng Cộng, các dòng chi tiết để trống." in capsys.readouterr().out.splitlines()
    assert source_of(out, "yen_phuc.xlsx")["Trang tính, dòng"] == "'Biểu', dòng 14 (dòng Cộng)"


def test_a_partial_table_below_is_partial_above(tmp_path, capsys):
    """A district's own consolidation that covers 2 of its 3 communes ('Cộng (2/3 đơn vị)') makes the
    province's table partial: said under the title, in the total row's label and in the unit's notes."""
    from commune_sheets import commune_workbook

    box = tmp_path / "hop_thu"
    box.mkdir()
    vs = villages(900, 120, 90, 300, 260)
    commune_workbook(box / "van_quan.xlsx", "huyện", "Văn Quan", vs, formulas=False,
                     cells={"B14": "Cộng (2/3 đơn vị)"})
    commune_workbook(box / "binh_gia.xlsx", "huyện", "Bình Gia", villages(800, 100, 70, 260, 230), formulas=False)
    out = tmp_path / "tinh.xlsx"
    assert main(["consolidate", str(box), "--units", "Văn Quan;Bình Gia", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Biểu").to_python(skip_empty_area=False)
    assert rows[2][0].startswith("Tổng hợp 2/2 đơn vị có số liệu, ngày ")
    assert rows[2][0].endswith("; biểu của Văn Quan chỉ gồm 2/3 đơn vị")
    total = next(r for r in rows[FIRST - 1:] if str(r[1]).startswith("Cộng") or str(r[0]).startswith("Cộng"))
    assert "Cộng (2/2 đơn vị, 1 chưa đủ)" in (total[0], total[1])
    note = "Biểu của huyện chỉ tổng hợp 2/3 đơn vị: số liệu chưa đủ."
    assert note in status_of(out, "Văn Quan")[5] and f"Văn Quan: {note}" in printed.splitlines()
    assert note not in (status_of(out, "Bình Gia")[5] or "")


def test_units_without_figures_are_each_named_as_they_are_and_counted_so(tmp_path, capsys):
    """Nobody sent figures: a blank template, a zip holding only a note, a mail without the table, and
    a unit that sent nothing. Each status says which, and the tally under the title counts them by the
    same words (a zip is not 'a mail without the table')."""
    import datetime as dt
    import shutil
    import zipfile

    from conftest import ROOT
    from mails import TZ, mail

    box = tmp_path / "hop_thu"
    box.mkdir()
    shutil.copy(ROOT / "workbooks" / "bieu_du_kien_giam_ngheo_mau.xlsx", box / "yen_phuc.xlsx")
    with zipfile.ZipFile(box / "tan_doan.zip", "w") as z:
        z.writestr("ghi_chu.txt", "biểu gửi sau")
    sent = mail("UBND xã Hữu Lễ <huule@vanquan.langson.gov.vn>", "Biểu giảm nghèo",
                dt.datetime(2026, 3, 20, 8, 0, tzinfo=TZ))
    (box / "thu_huu_le.eml").write_bytes(bytes(sent))
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Yên Phúc;Tân Đoàn;Hữu Lễ;Điềm He", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = {"Yên Phúc": "Gửi biểu trống", "Tân Đoàn": "Chưa nộp (tệp nén không có biểu)",
                "Hữu Lễ": "Chưa nộp (thư không kèm biểu)", "Điềm He": "Chưa nộp"}
    assert {u: status_of(out, u)[2] for u in expected} == expected
    assert printed[0] == "Mẫu biểu: Biểu dự kiến giảm nghèo, cận nghèo; không rõ năm; 0/4 đơn vị có số liệu."
    assert printed[1] == "CHÚ Ý: không đơn vị nào có số liệu, biểu tổng hợp chỉ có các dòng trống."
    for unit, status in expected.items():
        line = f"{status}: {unit}" if status == "Chưa nộp" else None
        assert line is None or line in printed
    assert "Chưa nộp (tệp nén không có biểu): Tân Đoàn ('tan_doan.zip')" in printed
    assert "Chưa nộp (thư không kèm biểu): Hữu Lễ ('thu_huu_le.eml')" in printed
    title = [r[0] for r in sheet_rows(out, "Tình hình nộp")[:5] if r[0]]
    tally = next(t for t in title if t.endswith("(tổng 4 đơn vị)."))
    assert set(tally.removesuffix(" (tổng 4 đơn vị).").split("; ")) == {f"{s}: 1" for s in expected.values()}
    assert "Lập ngày " in title[2] and title[2].endswith("tổng hợp 0/4 đơn vị có số liệu.")
    assert status_of(out, "Tân Đoàn")[5] == "Tệp nén 'tan_doan.zip': không có tệp bảng tính đính kèm (có: ghi_chu.txt)."
    assert status_of(out, "Yên Phúc")[5] == "Biểu trống: chưa điền số liệu"
