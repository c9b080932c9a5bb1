"""The 'Kiểm tra' report sheet and the marks of `validate --annotate`, read back as officers see them:
title lines and tally, the colour legend, fonts, borders, alignment, widths and heights that hold the
indented wrapped text, the print set-up; marks for a finding about several cells; gradient fills
restored by clear; the clear command's refusal naming the command."""
from __future__ import annotations

import zipfile
from datetime import datetime

import openpyxl
import pytest
from openpyxl.styles import GradientFill
from openpyxl.styles.fills import Stop

from macros_py.commands.annotate import annotate_workbook, clear_file, clear_workbook, plan_marks, report_title
from macros_py.core.findings import Finding
from macros_py.write.text_fit import (CELL_PADDING_PX, INDENT_PX, LINE, ROW_PADDING_PT, Style, column_px,
                                      content_width, text_px, wrap)

SHEET = "Biểu"
HEADER = ["STT", "Trang tính", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi", "Giá trị đúng"]
ERROR, WARNING, INFO = "FFC7CE", "FFEB9C", "DDEBF7"     # the fills README names: đỏ nhạt, vàng, xanh nhạt


def findings() -> list[Finding]:
    """Two errors (one rate shown at its two places, one count), a column of number text (three
    cells), and a note: 2 errors, 1 warning, 1 info."""
    return [
        Finding(SHEET, 12, 7, "rate-count-mismatch", "error", "Ô G12: tỷ lệ ghi 30,87 nhưng số hộ cho 28,50.",
                expected=28.5, actual=30.872483221),
        Finding(SHEET, 10, 4, "total-not-sum", "error", "Ô D10: ghi 70, tổng các đơn vị là 39.",
                expected=39, actual=70, decimals=0),
        Finding(SHEET, 6, 3, "text-number-column", "warning", "Cột C lưu số dạng văn bản.",
                actual="12", cells=["C7", "C8"]),
        Finding(SHEET, 6, 5, "column-typed", "info", "Cột E được gõ tay."),
    ]


def table(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r in range(1, 13):
        for c in range(1, 8):
            ws.cell(r, c, r * c)
    wb.save(path)
    return path


@pytest.fixture
def report(tmp_path):
    """The report sheet written for `findings()`, saved and read back."""
    wb = openpyxl.load_workbook(table(tmp_path / "bieu.xlsx"))
    assert annotate_workbook(wb, findings(), "bieu.xlsx") == 6       # G12, D10, C6, C7, C8, E6
    wb.save(tmp_path / "marked.xlsx")
    return openpyxl.load_workbook(tmp_path / "marked.xlsx")


def test_title_lines_tally_each_severity_and_name_the_colours_used():
    """The lines above the header: the file, the date, the count of each severity (lower-case
    Vietnamese), and a legend naming only the colours used, in the README's order."""
    when = datetime(2026, 3, 5, 8, 7)
    assert report_title(findings(), "bieu.xlsx", when) == [
        "KẾT QUẢ KIỂM TRA BIỂU", "Tệp: bieu.xlsx",
        "Ngày kiểm tra: 05/03/2026 08:07. Kết quả: 2 lỗi, 1 cảnh báo, 1 lưu ý. "
        "Màu tô các ô: đỏ nhạt — lỗi; vàng — cảnh báo; xanh nhạt — lưu ý."]
    only_warning = [findings()[2]]
    assert report_title(only_warning, None, when)[-1] == (
        "Ngày kiểm tra: 05/03/2026 08:07. Kết quả: 0 lỗi, 1 cảnh báo, 0 lưu ý. Màu tô các ô: vàng — cảnh báo.")
    assert report_title([], None, when) == ["KẾT QUẢ KIỂM TRA BIỂU",
                                            "Ngày kiểm tra: 05/03/2026 08:07. Kết quả: không có lỗi nào."]


def test_a_finding_about_several_cells_marks_each_and_points_to_its_own_cell(report):
    """Each further cell of a column finding gets the finding's colour and a note naming the rule
    and the cell holding the message."""
    marks = {m.ref: m for m in plan_marks(findings())}
    assert set(marks) == {"G12", "D10", "C6", "C7", "C8", "E6"}
    for ref in ("C7", "C8"):
        assert marks[ref].note == "[Cảnh báo] Cả cột số lưu dạng văn bản: xem ghi chú ở ô C6."
        assert marks[ref].fill == WARNING
        cell = report[SHEET][ref]
        assert cell.comment.text == marks[ref].note
        assert cell.fill.fgColor.rgb.upper().endswith(WARNING)


def test_report_title_and_header_look(report):
    """Title: first line bold 12 pt, the others plain 11 pt, each merged across the table, wrapped,
    centred vertically. Header: bold 11 pt on light grey, boxed, centred both ways, wrapped."""
    ws = report["Kiểm tra"]
    assert [ws.cell(r, 1).value for r in (1, 2)] == ["KẾT QUẢ KIỂM TRA BIỂU", "Tệp: bieu.xlsx"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    for r in (1, 2, 3):
        cell = ws.cell(r, 1)
        assert f"A{r}:H{r}" in merged
        assert cell.font.name == "Times New Roman"
        assert (cell.font.sz, bool(cell.font.b)) == ((12, True) if r == 1 else (11, False))
        assert cell.alignment.wrap_text is True and cell.alignment.vertical == "center"
    assert [c.value for c in ws[5]] == HEADER
    for cell in ws[5]:
        assert (cell.font.name, cell.font.sz, cell.font.b) == ("Times New Roman", 11, True)
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.upper().endswith("F2F2F2")
        assert (cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text) == \
            ("center", "center", True)
        assert all(getattr(cell.border, side).style == "thin" for side in ("left", "right", "top", "bottom"))


def test_report_body_cells_are_boxed_plain_and_aligned(report):
    """Body: Times New Roman 11 pt, not bold, every cell boxed, wrapped, top-aligned; STT centred,
    the two values right-aligned, the rest left, all but STT one indent off the border; the cell
    reference is a link in the same size. Values at the message's places."""
    ws = report["Kiểm tra"]
    rows = list(ws.iter_rows(min_row=6, max_row=9))
    assert [r[2].value for r in rows] == ["D10", "G12", "C6", "E6"]           # errors first, then by row
    assert [c.value for c in rows[1][6:8]] == ["30,87", "28,50"]
    assert [c.value for c in rows[0][6:8]] == ["70", "39"]
    for row in rows:
        for c, cell in enumerate(row, start=1):
            assert (cell.font.name, cell.font.sz) == ("Times New Roman", 11)
            if c != 3:
                assert not cell.font.b
            assert all(getattr(cell.border, side).style == "thin" for side in ("left", "right", "top", "bottom"))
            a = cell.alignment
            assert a.wrap_text is True and a.vertical == "top"
            assert a.horizontal == ("center" if c == 1 else "right" if c in (7, 8) else "left")
            assert a.indent == (0 if c == 1 else 1)


def test_report_prints_centred_with_narrow_margins_and_page_numbers(report):
    """Printed: centred across the page, 0.4 inch side margins, 'Trang n/N' in the footer in the
    report's font."""
    ws = report["Kiểm tra"]
    assert ws.print_options.horizontalCentered is True
    assert (ws.page_margins.left, ws.page_margins.right) == (0.4, 0.4)
    assert ws.oddFooter.center.text == "Trang &P/&N"
    assert ws.oddFooter.center.font == "Times New Roman,Regular"


def _fits_indented(text: str, width: float) -> bool:
    return text_px(text, Style()) + INDENT_PX + CELL_PADDING_PX <= column_px(width)


def test_short_texts_fit_on_one_line_beside_their_indent(report):
    """A report that fits the page: each column is wide enough for its longest text plus the
    indent the cell is written with, so nothing short wraps."""
    ws = report["Kiểm tra"]
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert sum(widths) <= 150
    for row in ws.iter_rows(min_row=6, max_row=9):
        for c, cell in enumerate(row[1:], start=2):
            if cell.value is not None:
                assert _fits_indented(str(cell.value), widths[c - 1]), (cell.coordinate, cell.value)


def test_every_row_is_tall_enough_for_its_indented_wrapped_text(tmp_path):
    """A long message wraps in the message column; its row is tall enough for the lines it takes
    beside the indent, also when the indent is just what makes it take one more line."""
    words = ("Ô {cell}: số hộ nghèo cuối năm của xã không khớp với số hộ đầu năm trừ số hộ thoát nghèo "
             "cộng số hộ tái nghèo và phát sinh mới trong năm").split()
    for n in range(40, 400):
        message = " ".join(words[i % len(words)] for i in range(n))
        found = [Finding(SHEET, 12, 7, "rate-count-mismatch", "error", message, expected=1, actual=2)]
        wb = openpyxl.Workbook()
        wb.active.title = SHEET
        annotate_workbook(wb, found, "bieu.xlsx")
        ws = wb["Kiểm tra"]
        span = column_px(ws.column_dimensions["F"].width) - CELL_PADDING_PX
        lines = len(wrap(message, span - INDENT_PX, Style()))
        if lines > len(wrap(message, span, Style())):
            break
    else:
        pytest.fail("no message length where the indent adds a line")
    assert ws.cell(6, 6).value == message
    assert ws.row_dimensions[6].height >= lines * 11 * LINE + ROW_PADDING_PT
    for r in (1, 2, 3, 5):         # the title lines and the header (row 4 is the blank row)
        assert ws.row_dimensions[r].height is not None and ws.row_dimensions[r].height >= 15


def test_a_clean_report_sizes_empty_columns_by_their_headers(tmp_path):
    """No findings: one boxed row saying so in the message column, on one line, aligned like the
    body rows; the empty columns are only as wide as their headers."""
    wb = openpyxl.load_workbook(table(tmp_path / "bieu.xlsx"))
    assert annotate_workbook(wb, [], "bieu.xlsx") == 0
    ws = wb["Kiểm tra"]
    assert [c.value for c in ws[5]] == HEADER
    assert ws.cell(5 + 1, 6).value == "Không có lỗi nào."
    for c, cell in enumerate(ws[6], start=1):         # the row is boxed and aligned like any body row
        assert all(getattr(cell.border, side).style == "thin" for side in ("left", "right", "top", "bottom"))
        assert cell.alignment.horizontal == ("center" if c == 1 else "right" if c in (7, 8) else "left")
        assert cell.alignment.indent == (0 if c == 1 else 1)
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert _fits_indented("Không có lỗi nào.", widths[5])
    bold = Style(bold=True)
    for c in (1, 2, 3, 4, 5, 7, 8):
        assert widths[c - 1] == content_width([HEADER[c - 1]], bold), HEADER[c - 1]


def test_clear_restores_a_gradient_fill_with_its_geometry(tmp_path):
    """A marked cell that had a gradient of its own gets the same gradient back: kind, angle,
    the four edges of a path gradient, its stops."""
    wb = openpyxl.load_workbook(table(tmp_path / "bieu.xlsx"))
    own = GradientFill(type="path", degree=45, left=0.1, right=0.2, top=0.3, bottom=0.4,
                       stop=[Stop("FF0000FF", 0), Stop("FFFFFF00", 1)])
    wb[SHEET]["G12"].fill = own
    annotate_workbook(wb, findings(), "bieu.xlsx")
    wb.save(tmp_path / "marked.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    assert clear_workbook(wb) == 6
    wb.save(tmp_path / "cleared.xlsx")
    back = openpyxl.load_workbook(tmp_path / "cleared.xlsx")[SHEET]["G12"].fill
    assert (back.type, back.degree, back.left, back.right, back.top, back.bottom) == \
        ("path", 45, 0.1, 0.2, 0.3, 0.4)
    assert [(s.color.rgb, s.position) for s in back.stop] == [("FF0000FF", 0), ("FFFFFF00", 1)]


def test_clear_refuses_other_formats_naming_the_command(tmp_path):
    """clear on an .ods: refused before reading, the message naming 'Xóa đánh dấu (clear)'."""
    from macros_py.errors import OfficerError

    src = tmp_path / "b.ods"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(OfficerError) as err:
        clear_file(src, tmp_path / "m.xlsx")
    assert str(err.value).startswith("Xóa đánh dấu (clear) chỉ ghi được bản sao của tệp .xlsx hoặc .xlsm, "
                                     "còn 'b.ods' là tệp .ods")
