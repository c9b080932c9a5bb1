"""Doubtful figures in a unit's own table, and what the consolidated row says of them.

A village cell the unit's own validation names as the likely culprit (Tràng Phái typed 19 poor
households for a village whose rate, change and the commune's own "Cộng" all say 9); a village
count left blank (Khánh Khê); two tables of the same year in one workbook ("Biểu", "Biểu (2)").
Workbooks are laid out by hand (tests/commune_sheets.py), converted by LibreOffice where the tester
did; expected figures are sums done here.
"""
from __future__ import annotations

import shutil

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from commune_sheets import commune_sheet, commune_workbook, summed, villages
from libreoffice import recalculate
from macros_py.cli import main

FIRST = 8
# Tràng Phái's villages as the tester typed them (Pác Giáo has 9 poor households; the officer typed 19)
TRANG_PHAI = [dict(zip(("1", "2", "4", "5", "8", "10", "11"), v)) for v in (
    (214, 9, 7, 3.3, 25, 22, 10.3), (190, 10, 8, 4.2, 24, 21, 11.1), (205, 11, 9, 4.4, 26, 23, 11.2),
    (222, 11, 9, 4.1, 26, 23, 10.4))]


def rows_of(path, sheet="Biểu"):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def row_of(path, name):
    return next(r for r in rows_of(path)[FIRST - 1:] if r[1] == name)


def cell_of(path, name, letter):
    ws = openpyxl.load_workbook(path)["Biểu"]
    row = next(r for r in range(FIRST, ws.max_row + 1) if ws.cell(r, 2).value == name)
    return ws[f"{letter}{row}"], ws[f"B{row}"]


def saved_by_libreoffice(src, dest, target="xlsx:Calc MS Excel 2007 XML"):
    """`src` opened and saved by LibreOffice (stored values for every formula) as `dest`."""
    shutil.move(recalculate(src, dest.parent / "lo", target), dest)
    shutil.rmtree(dest.parent / "lo")
    return dest


def status_note(path, name) -> str:
    ws = openpyxl.load_workbook(path)["Tình hình nộp"]
    return next(r[5] for r in ws.iter_rows(values_only=True) if r[1] == name) or ""


def trang_phai(tmp_path, *, typed_total_fixed: bool):
    """Values only (pasted from Word), converted to .xls by LibreOffice as the tester did. The village
    row is consistent with 9 (rate 4,21, change -2); D11 says 19. The commune's Cộng says 41 (right)
    when `typed_total_fixed`, else the sum with the slip (51)."""
    right = summed(TRANG_PHAI)
    total = {} if typed_total_fixed else {"2": right["2"] + 10}
    src = commune_workbook(tmp_path / "tp.xlsx", "xã", "Tràng Phái", TRANG_PHAI, formulas=False, typed_total=total,
                           cells={"D11": 19})
    box = tmp_path / "hop_thu"
    box.mkdir()
    saved_by_libreoffice(src, box / "xa_trang_phai_2026.xls", "xls:MS Excel 97")
    return box, right


def test_a_village_cell_named_as_the_culprit_is_named_and_the_confirmed_total_taken(tmp_path, capsys):
    box, right = trang_phai(tmp_path, typed_total_fixed=True)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Tràng Phái;Yên Phúc", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    row = row_of(out, "Tràng Phái")
    assert row[3] == right["2"] == 41                                   # what the commune's own cells support
    assert row[4] == pytest.approx(round(41 / right["1"] * 100, 2))
    assert row[7] == right["4"] - 41
    cell, name = cell_of(out, "Tràng Phái", "D")
    assert cell.fill.fgColor.rgb.endswith("FFEB9C")                      # still marked
    for text in (cell.comment.text, name.comment.text, status_note(out, "Tràng Phái"), printed):
        assert "ô D11 (Thôn 1) trong biểu của xã ghi 19, có lẽ là 9" in text
        assert "Dòng Cộng của xã ghi sai" not in text                      # the commune's total is right
    assert "đã lấy 41" in cell.comment.text


def test_a_culprit_the_total_does_not_confirm_is_named_and_the_sum_kept(tmp_path):
    box, right = trang_phai(tmp_path, typed_total_fixed=False)
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Tràng Phái", "-o", str(out)]) == 0
    assert row_of(out, "Tràng Phái")[3] == right["2"] + 10               # the sum of the rows as typed
    cell, _ = cell_of(out, "Tràng Phái", "D")
    assert "ô D11 (Thôn 1) trong biểu của xã ghi 19, có lẽ là 9" in cell.comment.text
    assert "đã cộng số đang ghi" in cell.comment.text


def test_a_blank_village_count_makes_the_unit_figure_incomplete_not_zero(tmp_path):
    box = tmp_path / "hop_thu"
    box.mkdir()
    vs = villages(435, 66, 46, 165, 160, n=4)
    commune_workbook(box / "xa_khanh_khe_2026.xlsx", "xã", "Khánh Khê", vs, cells={"L14": None})
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Khánh Khê", "-o", str(out)]) == 0
    known = sum(v["10"] for i, v in enumerate(vs) if i != 3)
    assert row_of(out, "Khánh Khê")[11] == known                         # what was typed, summed …
    cell, name = cell_of(out, "Khánh Khê", "L")
    assert cell.fill.fgColor.rgb.endswith("FFEB9C")                      # … and marked incomplete
    assert "ô L14 (Thôn 4) trong biểu của xã để trống" in cell.comment.text
    assert "chưa đủ" in cell.comment.text and "Số liệu chưa đủ" in name.comment.text
    assert "L14" in status_note(out, "Khánh Khê")


def test_two_tables_of_the_same_year_say_which_was_used_and_why(tmp_path, capsys):
    """'Biểu' has a wrong household count (its rate then disagrees), 'Biểu (2)' is the clean copy."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    vs = villages(277, 76, 53, 162, 147)
    wb = openpyxl.Workbook()
    wb.active.title = "Biểu"
    commune_sheet(wb.active, "xã", "Hoà Bình", vs, cells={"C11": 166})
    commune_sheet(wb.create_sheet("Biểu (2)"), "xã", "Hoà Bình", vs)
    wb.save(tmp_path / "raw.xlsx")
    saved_by_libreoffice(tmp_path / "raw.xlsx", box / "hoa_binh_2sheets.xlsx")
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Hoà Bình", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    right = summed(vs)
    assert row_of(out, "Hoà Bình")[2:15] == pytest.approx([right[str(i)] for i in range(1, 14)])
    said = "Tệp có 2 biểu năm 2026 với số liệu khác nhau: đã dùng trang 'Biểu (2)' (không có lỗi), không dùng " \
           "trang 'Biểu' ("
    assert said in printed and said in status_note(out, "Hoà Bình")
    ws = openpyxl.load_workbook(out)["Nguồn"]
    used = next(r for r in ws.iter_rows(values_only=True) if r[1] == "hoa_binh_2sheets.xlsx")
    assert used[2] == "Dùng trang 'Biểu (2)' (tệp có 2 biểu cùng năm, số liệu khác nhau)"
    assert used[3].startswith("'Biểu (2)', dòng ")

