"""The texts of a printed table read whole at the table's own size: a long unit name wraps in a unit
column of capped width (the table is not shrunk to fit it), a long total label wraps over the label
columns, the title never leaves one word alone, "UBND …" is written once and in lower case, the
form's headers name the plan year, and the colours of a consolidated table are explained under it.

Expectations come from the workbook as written, read back with openpyxl, and from Liberation Serif's
own metrics (PIL), not from the code that laid the table out."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from PIL import ImageFont

from conftest import van_quan_units
from macros_py import excel
from macros_py.cli import main
from macros_py.forms.spec import get_form
from macros_py.write.layout import Unit, make_layout
from macros_py.write.xlsx_writer import write_new_workbook
from test_text_fit import liberation
from xlwings_payload import actions, book_for

LONG = ("Xã Lương Năng (sáp nhập thôn Khuôi Phẩy, Nà Thang và Bản Cái theo Nghị quyết số "
        "818/NQ-UBTVQH14)")
# The form's own column widths add up to 164 characters as stored; a unit column widened to a 98-character
# name made them 230 (the table printed at two thirds of its size); a capped one keeps them near the form's.
NEAR_FULL_PAGE = 172


def px(text: str, size: float = 11, face: str = "regular") -> float:
    """Width in pixels at 96 dpi, from the font file itself."""
    return liberation(face).getlength(text) * round(size * 96 / 72) / 2048


def widths(ws) -> list[float]:
    """Every column's stored width (openpyxl groups equal neighbours under the first one's letter)."""
    out = {}
    for dim in ws.column_dimensions.values():
        for c in range(dim.min, dim.max + 1):
            out[c] = dim.width
    return [out.get(c, 8.43) for c in range(1, ws.max_column + 1)]


def find_row(ws, text: str, col: int = 2) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == text)


def test_a_long_unit_name_wraps_instead_of_shrinking_the_printed_table(tmp_path):
    out = tmp_path / "bieu.xlsx"
    assert main(["new", "--units", f"Yên Phúc;{LONG};Thị trấn Văn Quan", "--year", "2026", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Biểu"]
    # the whole table still prints near full size: the unit column did not grow to the whole name
    assert sum(widths(ws)) <= NEAR_FULL_PAGE
    b = widths(ws)[1]
    assert px(LONG) > b * 7 * 1.5                           # the name is far wider than its column …
    row = find_row(ws, LONG)
    assert ws.cell(row, 2).alignment.wrap_text              # … so it wraps,
    lines = -(-px(LONG) // (b * 7))                         # into at least this many lines of 11 pt,
    assert ws.row_dimensions[row].height >= lines * 11 * 1.1
    short = find_row(ws, "Yên Phúc")                         # and a short name's row keeps its height
    assert ws.row_dimensions[short].height in (None, 15)


def test_the_live_new_table_caps_and_wraps_the_same_way(tmp_path):
    wb = openpyxl.Workbook()
    path = tmp_path / "so.xlsx"
    wb.save(path)
    book = book_for(path)
    excel.run(book, "new_table", units=["Yên Phúc", LONG])
    mine = actions(book)
    width_of = {a["start_column"] + 1: a["args"][0] for a in mine if a["func"] == "setColumnWidth"}
    assert sum(width_of.values()) <= NEAR_FULL_PAGE and px(LONG) > width_of[2] * 7 * 1.5
    long_row = 9                                            # the numbering row is 7: units from row 8
    heights = {a["start_row"] + 1: a["args"][0] for a in mine if a["func"] == "setRowHeight"}
    assert heights[long_row] >= 2 * 11 * 1.1 and 8 not in heights
    wraps = [a for a in mine if a["func"] == "setWrapText" and a["args"] == [True] and a["start_column"] == 1
             and a["start_row"] <= long_row - 1 < a["start_row"] + a["row_count"]]
    assert wraps, "the unit column's cells wrap"


def test_a_partial_total_label_is_never_shrunk(tmp_path):
    """'Cộng (2/3 đơn vị, 1 chưa đủ)' at the table's 11 pt: its column is wide enough for it."""
    label = "Cộng (2/3 đơn vị, 1 chưa đủ)"
    layout = make_layout(get_form(), [Unit(n) for n in ("Văn Quan", "Cao Lộc", "Lộc Bình")], year=2026)
    layout.total_label = label
    path = tmp_path / "tinh.xlsx"
    write_new_workbook(layout, path)
    ws = openpyxl.load_workbook(path)["Biểu"]
    row = find_row(ws, label, col=1)                 # wider than the unit column: over STT and name
    cell = ws.cell(row, 1)
    assert not cell.alignment.shrink_to_fit and cell.font.b and cell.font.sz == 11 and cell.alignment.wrap_text
    assert f"A{row}:B{row}" in ws.merged_cells
    room = sum(widths(ws)[:2]) * 7
    lines = -(-px(label, face="bold") // room)
    assert ws.row_dimensions[row].height is None and lines == 1 or ws.row_dimensions[row].height >= lines * 12


def test_a_total_label_longer_than_the_unit_column_spans_the_label_columns(tmp_path):
    from macros_py.commands.validate import validate_file

    label = "Tổng cộng (123/456 đơn vị, 12 chưa đủ)"       # a total label is at most 40 characters
    layout = make_layout(get_form(), van_quan_units()[:3], year=2026)
    layout.total_label = label
    path = tmp_path / "bieu.xlsx"
    write_new_workbook(layout, path)
    ws = openpyxl.load_workbook(path)["Biểu"]
    row = find_row(ws, label, col=1)                          # STT and unit name merged, the label in A
    assert f"A{row}:B{row}" in ws.merged_cells and ws.cell(row, 1).alignment.wrap_text
    span = sum(widths(ws)[:2]) * 7
    assert px(label, face="bold") > span and ws.row_dimensions[row].height >= 2 * 11 * 1.1
    (sheet,) = validate_file(path).sheets                    # still this table's total row
    assert sheet.table.total_row == row and len(sheet.table.unit_rows) == 3


def test_a_long_title_is_balanced_over_its_lines(tmp_path):
    title = ("BIỂU TỔNG HỢP DỰ KIẾN CHỈ TIÊU GIẢM NGHÈO, CẬN NGHÈO THEO CHUẨN NGHÈO ĐA CHIỀU GIAI ĐOẠN "
             "2026-2030 NĂM 2026 CỦA CÁC XÃ, THỊ TRẤN")
    out = tmp_path / "bieu.xlsx"
    assert main(["new", "--units", "Yên Phúc", "--year", "2026", "--title", title, "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Biểu"]
    lines = ws["A1"].value.split("\n")
    assert " ".join(lines) == title and len(lines) == 2
    room = sum(widths(ws)) * 7
    assert all(px(line, 13, "bold") < room for line in lines)
    assert len(lines[-1].split()) > 2 and px(lines[-1], 13, "bold") > 0.6 * px(lines[0], 13, "bold")
    assert ws.row_dimensions[1].height >= 2 * 13 * 1.1
    short = tmp_path / "ngan.xlsx"                           # a title that fits stays one line
    assert main(["new", "--units", "Yên Phúc", "--year", "2026", "-o", str(short)]) == 0
    assert "\n" not in openpyxl.load_workbook(short)["Biểu"]["A1"].value


@pytest.mark.parametrize("unit, said", [("Ủy ban nhân dân huyện Văn Quan", "của UBND huyện Văn Quan)"),
                                        ("Uỷ ban nhân dân Huyện Văn Quan", "của UBND huyện Văn Quan)"),
                                        ("UBND xã Yên Phúc", "của UBND xã Yên Phúc)"),
                                        ("Thị trấn Văn Quan", "của UBND thị trấn Văn Quan)"),
                                        ("huyện Văn Quan", "của UBND huyện Văn Quan)")])
def test_the_office_is_named_once_in_lower_case(tmp_path, unit, said):
    out = tmp_path / "bieu.xlsx"
    assert main(["new", "--units", "Yên Phúc", "--year", "2026", "--unit", unit, "-o", str(out)]) == 0
    subtitle = openpyxl.load_workbook(out)["Biểu"]["A2"].value
    assert subtitle.endswith(said) and subtitle.count("UBND") == 2      # "…/KH-UBND" and the office


def test_the_btxh_form_names_the_period_and_the_plan_year(tmp_path):
    """Seed 004 heads its columns "Chỉ tiêu giảm hộ nghèo giai đoạn 2022 - 2025" and "… năm 2022"."""
    from macros_py.commands.validate import validate_file

    out = tmp_path / "bieu.xlsx"
    assert main(["new", "--form", "chi-tieu-giam-ngheo-btxh", "--units", "Cam Tuyền;Cam Hiếu", "--year", "2022",
                 "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Biểu"]
    header = [ws.cell(r, c).value for r in range(4, 7) for c in range(1, ws.max_column + 1) if ws.cell(r, c).value]
    assert "Chỉ tiêu giảm hộ nghèo giai đoạn 2022 - 2025" in header
    assert "Chỉ tiêu giảm hộ nghèo năm 2022" in header and "Hộ nghèo cuối năm 2022" in header
    assert not any(h.endswith(("giai đoạn", "kế hoạch")) for h in header)
    (sheet,) = validate_file(out).sheets                     # still recognised as the form, its two units
    assert sheet.table.form.id == "chi-tieu-giam-ngheo-btxh" and len(sheet.table.unit_rows) == 2
    later = tmp_path / "2027.xlsx"
    assert main(["new", "--form", "chi-tieu-giam-ngheo-btxh", "--units", "Cam Tuyền", "--year", "2027",
                 "-o", str(later)]) == 0
    ws = openpyxl.load_workbook(later)["Biểu"]
    assert "Chỉ tiêu giảm hộ nghèo giai đoạn 2026 - 2030" in [c.value for c in ws[4]]


def legend_of(path: Path) -> str | None:
    """The text under a consolidated table's total row (after one blank row), if any, above the
    place-and-date line of its signature block."""
    ws = openpyxl.load_workbook(path)["Biểu"]
    total = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value or "").startswith("Cộng"))
    signed = next(r for r in range(total + 1, ws.max_row + 1)
                  if any("ngày …… tháng" in str(c.value or "") for c in ws[r]))
    below = [ws.cell(r, 1).value for r in range(total + 1, signed) if ws.cell(r, 1).value]
    return below[0] if below else None


def test_the_colours_of_a_consolidated_table_are_explained_under_it(tmp_path):
    from test_consolidate import commune_workbook

    box = tmp_path / "hop_thu"
    box.mkdir()
    units = van_quan_units()[:3]
    for i, unit in enumerate(units):
        commune_workbook(box / f"{i}.xlsx", unit, epoch=1617235200)
    names = ";".join(u.name for u in units)
    clean = tmp_path / "sach.xlsx"
    assert main(["consolidate", str(box), "--units", names, "--year", "2021", "-o", str(clean)]) == 0
    assert legend_of(clean) is None                            # no colour, no legend

    wb = openpyxl.load_workbook(box / "1.xlsx")                # Bình Phúc's own total typed wrong
    ws = wb["Biểu"]
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Cộng")
    ws.cell(total, 3).value = 5
    wb.save(box / "1.xlsx")
    marked = tmp_path / "danh_dau.xlsx"
    assert main(["consolidate", str(box), "--units", names, "--year", "2021", "-o", str(marked)]) == 0
    ws = openpyxl.load_workbook(marked)["Biểu"]
    row = find_row(ws, units[1].name)
    assert ws.cell(row, 2).fill.fgColor.rgb.endswith("FFEB9C") and ws.cell(row, 3).fill.fgColor.rgb.endswith("FFEB9C")
    legend = legend_of(marked)
    assert legend.startswith("Chú thích màu: ") and "tên đơn vị tô vàng" in legend and "ô số tô vàng" in legend
    assert "chữ đỏ nền hồng" not in legend                     # no rule of the table is broken
    merged = next(m for m in ws.merged_cells.ranges if m.min_row == m.max_row and ws.cell(m.min_row, 1).value == legend)
    assert merged.max_col == ws.max_column
