"""The text measure behind header heights: the width table is the font's, wrapping is Excel's way,
and every form's header rows are tall enough for their wrapped text."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest
from PIL import ImageFont

from macros_py.cli import main
from macros_py.forms.spec import forms
from macros_py.write import text_fit
from macros_py.write.text_fit import Style, column_px, fit_row_heights, fit_widths, text_px, wrap, TextBox

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"))
FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic"}


def liberation(face: str) -> ImageFont.FreeTypeFont:
    """Liberation Serif (metric-compatible with Times New Roman; setup.sh installs it) at one unit per pixel."""
    for d in FONT_DIRS:
        path = d / f"LiberationSerif-{FACES[face]}.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), text_fit.UNITS_PER_EM)
    raise AssertionError("Liberation Serif is not installed (setup.sh installs fonts-liberation2)")


@pytest.mark.parametrize("face", FACES)
def test_the_width_table_is_the_fonts_own(face):
    font = liberation(face)
    assert {ch: int(font.getlength(ch)) for ch in text_fit.CHARS} == text_fit.WIDTHS[face]


@pytest.mark.parametrize("face", FACES)
def test_every_vietnamese_letter_is_measured_as_the_font_draws_it(face):
    """Tone marks never widen a letter, so toned letters are looked up without them."""
    font = liberation(face)
    style = Style(11, bold=face == "bold", italic=face == "italic")
    letters = [unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
               for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")]
    for letter in letters:
        expected = font.getlength(letter) * round(11 * 96 / 72) / text_fit.UNITS_PER_EM * text_fit.SAFETY
        assert text_px(letter, style) == pytest.approx(expected), letter


def test_wrapping_breaks_at_spaces_and_inside_words_too_long_for_a_line():
    style = Style(11, bold=True)
    width = text_px("Số hộ cận nghèo,", style) + 1
    assert wrap("Số hộ cận nghèo, tỷ lệ giảm được", width, style) == ["Số hộ cận nghèo,", "tỷ lệ giảm được"]
    width = text_px("tỷ lệ giảm", style) + 1
    lines = wrap("Số hộ cận nghèo, tỷ lệ giảm được", width, style)
    assert " ".join(lines) == "Số hộ cận nghèo, tỷ lệ giảm được" and len(lines) == 4
    for line, after in zip(lines, lines[1:]):      # greedy: each line full, the next word would not fit
        assert text_px(line, style) <= width < text_px(f"{line} {after.split()[0]}", style)
    long = "7117a19303f60ebb269db8e02591518c"
    lines = wrap(long, text_px(long[:10], Style()) + 0.5, Style())
    assert "".join(lines) == long and len(lines) == 4 and all(text_px(x, Style()) <= text_px(long[:10], Style()) + 0.5
                                                               for x in lines)


def test_a_merged_header_over_several_rows_gets_the_height_its_text_needs():
    style = Style(11, bold=True)
    one_line = 11 * text_fit.LINE + text_fit.ROW_PADDING_PT
    boxes = [TextBox(1, 1, 1, 2, "HỘ NGHÈO", style),                               # one line, over two columns
             TextBox(2, 2, 1, 1, "Số hộ", style), TextBox(2, 2, 2, 2, "Tỷ lệ", style),
             TextBox(1, 2, 3, 3, "Số hộ cận nghèo, tỷ lệ giảm được trong năm", style)]   # two rows, narrow
    widths = [10, 10, 10]
    heights = fit_row_heights(boxes, widths)
    lines = len(wrap(boxes[3].text, column_px(10) - text_fit.CELL_PADDING_PX, style))
    assert lines >= 3
    assert heights[1] >= one_line and heights[2] >= one_line
    assert heights[1] + heights[2] >= lines * 11 * text_fit.LINE + text_fit.ROW_PADDING_PT


def test_widths_by_content_fill_at_most_a_page_and_keep_short_columns_whole():
    header = ["STT", "Nội dung", "Giá trị đúng"]
    columns = [["1", "2"], ["Ô E12 (cột 3) có lẽ ghi sai " * 10], ["30,87"]]
    widths = fit_widths(columns, header, page=80)
    assert sum(widths) <= 80 + 0.5
    assert widths[0] >= text_px("STT", Style(bold=True)) / text_fit.DIGIT_PX
    assert widths[2] >= 8 and widths[1] == max(widths)
    assert fit_widths([["ngắn"]], ["Tên"]) == [pytest.approx(max(4, (text_px("ngắn", Style()) + 5) / 7), abs=0.5)]


def lines_as_drawn(text: str, width_px: float, font: ImageFont.FreeTypeFont, size_px: float) -> int:
    """Greedy wrapping at spaces with the font's own advances (unhinted, as LibreOffice draws)."""
    lines, line = 1, ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and font.getlength(candidate) * size_px / text_fit.UNITS_PER_EM > width_px:
            lines, line = lines + 1, word
        else:
            line = candidate
    return lines


@pytest.mark.parametrize("form_id", sorted(forms()))
def test_every_forms_header_rows_hold_their_wrapped_lines(tmp_path, form_id):
    """Read back from the written file: the rows of each title and header cell add up to at least its
    lines of text, wrapped here with the font's own widths in the cell's merged width."""
    from openpyxl.utils import get_column_letter

    out = tmp_path / "b.xlsx"
    assert main(["new", "--form", form_id, "--units", "Xã A;Xã B", "--year", "2026", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Biểu"]
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    numbering = next(r for r in range(1, 20) if ws.cell(r, 1).value == "A")
    checked = 0
    for row in range(1, numbering + 1):
        for col in range(1, ws.max_column + 1):
            text = ws.cell(row, col).value
            if not isinstance(text, str):
                continue
            m = merged.get((row, col))
            rows = range(row, (m.max_row if m else row) + 1)
            cols = range(col, (m.max_col if m else col) + 1)
            # Excel's pixel width of a column: width × 7 + 5, of which 5 are margins and grid line
            width_px = sum(int(ws.column_dimensions[get_column_letter(c)].width * 7 + 0.5) + 5 for c in cols) - 5
            font = ws.cell(row, col).font
            face = "bold" if font.b else "italic" if font.i else "regular"
            lines = lines_as_drawn(text, width_px, liberation(face), font.sz * 96 / 72)
            height = sum(ws.row_dimensions[r].height or 15 for r in rows)
            # Liberation Serif / Times New Roman lines are 1.107 em apart
            assert height >= lines * font.sz * 1.107 + 1, (form_id, ws.cell(row, col).coordinate, text, lines)
            checked += 1
    assert checked >= len(forms()[form_id].columns) + 2


@pytest.mark.parametrize("form_id", sorted(forms()))
def test_the_live_new_table_sizes_its_header_rows_too(tmp_path, form_id):
    """Tạo biểu mới in Excel (xlwings' real engine): the rows it sizes hold each header cell's wrapped text."""
    from xlwings_payload import actions, book_for
    from macros_py import excel

    path = tmp_path / "so.xlsx"
    openpyxl.Workbook().save(path)
    book = book_for(path)
    excel.run(book, f"new_table:{form_id}")
    done = actions(book)
    (matrix,) = [a["values"] for a in done if a["func"] == "setFormula" and a["row_count"] > 1]
    widths = {a["start_column"]: a["args"][0] for a in done if a["func"] == "setColumnWidth"}
    heights = {a["start_row"]: a["args"][0] for a in done if a["func"] == "setRowHeight"}
    merges = {(a["start_row"], a["start_column"]): a for a in done if a["func"] == "rangeMerge"}
    numbering = next(r for r, row in enumerate(matrix) if row[0] == "A")
    checked = 0
    for r in range(numbering + 1):
        for c, text in enumerate(matrix[r]):
            if not isinstance(text, str) or not text:
                continue
            m = merges.get((r, c), {"row_count": 1, "column_count": 1})
            width_px = sum(int(widths[k] * 7 + 0.5) + 5 for k in range(c, c + m["column_count"])) - 5
            size, face = (13, "bold") if r == 0 else (9, "italic") if r == numbering else (11, "bold")
            lines = lines_as_drawn(text.lstrip("'"), width_px, liberation(face), size * 96 / 72)
            height = sum(heights.get(k, 15) for k in range(r, r + m["row_count"]))
            assert height >= lines * size * 1.107 + 1, (form_id, r, c, text, lines, height)
            checked += 1
    assert checked >= len(forms()[form_id].columns) + 2


# The measure as it was first written (one character at a time, every word tried in turn): the
# quick paths of text_px (characters remembered per face) and wrap (a paragraph that fits whole is
# one line) must give exactly its answers.
def _reference_px(text: str, style: Style) -> float:
    em_px = round(style.size * 96 / 72)
    table = text_fit.WIDTHS[style.face]
    return sum(text_fit._advance(ch, table) for ch in text) * em_px / text_fit.UNITS_PER_EM * text_fit.SAFETY


def _reference_wrap(text: str, width_px: float, style: Style) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _reference_px(candidate, style) <= width_px:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:
                if line and _reference_px(line + ch, style) > width_px:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


from hypothesis import given, settings, strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxy AĐƯ0123456789,.()\n") +
                                          ["ệ", "ữ", "ở", "Ồ", "ạ", "ý", "\u0301", "€", "中"]), max_size=60)
_STYLE = st.builds(Style, st.sampled_from([9, 10, 11, 12, 13]), st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.floats(min_value=5, max_value=400), _STYLE)
def test_the_quick_measure_and_wrap_give_the_first_answers(text, width, style):
    assert text_px(text, style) == _reference_px(text, style)
    assert wrap(text, width, style) == _reference_wrap(text, width, style)


def test_leading_spaces_and_double_spaces_wrap_as_before():
    for text in (" Xã Tràng Phái", "Xã  Tràng   Phái", "  ", " ", "", "Tổng\n Cộng", "a ", "Thôn Nà Thang "):
        for width in (10, 40, 80, 400):
            assert wrap(text, width, Style()) == _reference_wrap(text, width, Style())
