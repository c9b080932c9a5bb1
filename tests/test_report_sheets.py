"""The report sheets officers print ("Kiểm tra", "Nguồn", "Tình hình nộp"): page set-up, title lines,
widths by content, one font, and values shown at the precision their message uses."""
from __future__ import annotations

import re
import shutil

import openpyxl
import pytest

from conftest import ROOT
from fixtures import blank_inbox, typed_van_quan
from xlwings_payload import actions, book_for
from macros_py import excel
from macros_py.cli import main

HEADER = ["STT", "Trang tính", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi", "Giá trị đúng"]


def assert_prints_a4_landscape_one_page_wide(ws, header_row: int):
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9                                    # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    def fit(value):      # an absent attribute means 1 (the file format's default)
        return 1 if value is None else int(value)
    assert (fit(ws.page_setup.fitToWidth), fit(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert sum(ws.column_dimensions[c].width for c in "ABCDEFGHIJ"[:ws.max_column]) <= 152


def fonts(ws) -> set[str]:
    return {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.fixture
def annotated(tmp_path):
    """The shipped Văn Quan table with a rate pasted unrounded and a count typed wrong."""
    src = tmp_path / "van_quan.xlsx"
    shutil.copy(ROOT / "workbooks" / "van_quan_2021.xlsx", src)
    wb = openpyxl.load_workbook(src)
    ws = wb["Biểu"]
    ws["G12"] = 30.872483221       # Liên Hội's end rate (col 5), pasted from a formula
    ws["F10"] = 70                 # Tân Đoàn's poor households at year end (col 4): 39 in the plan
    wb.save(src)
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(src), "--annotate", str(out)]) == 1
    return out


def test_kiem_tra_prints_as_a_document(annotated):
    ws = openpyxl.load_workbook(annotated)["Kiểm tra"]
    assert ws["A1"].value == "KẾT QUẢ KIỂM TRA BIỂU" and ws["A2"].value == "Tệp: van_quan.xlsx"
    assert ws["A3"].value.startswith("Ngày kiểm tra: ") and "lỗi" in ws["A3"].value
    assert [c.value for c in ws[5]] == HEADER
    assert_prints_a4_landscape_one_page_wide(ws, 5)
    assert fonts(ws) == {"Times New Roman"}
    assert all(ws.cell(5, c).alignment.wrap_text for c in range(1, 9))
    assert ws.freeze_panes == "A6"


def test_kiem_tra_shows_values_at_the_precision_of_the_message(annotated):
    ws = openpyxl.load_workbook(annotated)["Kiểm tra"]
    rows = {r[2].value: r for r in ws.iter_rows(min_row=6) if r[2].value}
    rate = rows["G12"]
    assert "30,87" in rate[5].value and "30,872" not in rate[5].value
    # both values written as the message writes them (Vietnamese separators), whatever the reader's locale
    assert rate[6].value == "30,87" and rate[6].data_type == "s"
    shown = rate[7].value                                       # the message's "khoảng …%" at 2 places
    assert re.fullmatch(r"\d+,\d\d", shown) and shown in rate[5].value
    count = next(r for ref, r in rows.items() if ref == "F10")
    assert count[6].value == "70" and (count[7].value is None or count[7].value in count[5].value)
    assert rate[6].alignment.horizontal == "right" and rate[0].alignment.horizontal == "center"


def test_kiem_tra_writes_thousands_the_vietnamese_way(tmp_path):
    """A count typed as text '1.527' (one thousand five hundred twenty-seven): both value columns read
    '1.527', never '1,527' beside it, and the message agrees."""
    from fixtures import blank_inbox, typed_van_quan

    src = typed_van_quan(tmp_path / "b.xlsx", {"C13": "1.527"})
    out = tmp_path / "danh_dau.xlsx"
    main(["validate", str(src), "--annotate", str(out)])
    ws = openpyxl.load_workbook(out)["Kiểm tra"]
    row = next(r for r in ws.iter_rows(min_row=6) if r[2].value == "C13")
    assert (row[6].value, row[7].value) == ("1.527", "1.527") and "1.527" in row[5].value
    assert "1,527" not in " ".join(str(c.value) for c in row)


def test_widths_follow_the_content(annotated):
    ws = openpyxl.load_workbook(annotated)["Kiểm tra"]
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGH"}
    assert widths["F"] == max(widths.values())                 # the message column takes the room
    assert widths["A"] < 8 and widths["C"] < 8                  # STT, Ô: short
    longest_rule = max(len(r[0].value) for r in ws.iter_rows(min_row=6, min_col=5, max_col=5) if r[0].value)
    assert widths["E"] >= min(longest_rule * 0.9, 30)


def test_consolidated_list_sheets_print_as_documents(tmp_path):
    inbox = blank_inbox(tmp_path / "hop_thu")
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(inbox), "--units", "Yên Phúc;Bình Phúc;Tân Đoàn", "--year", "2021",
                 "--unit", "huyện Văn Quan", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    for name, first_header in (("Nguồn", "Đơn vị"), ("Tình hình nộp", "STT")):
        ws = wb[name]
        head = next(r for r in range(1, 10) if ws.cell(r, 1).value == first_header)
        assert head > 1 and ws["A1"].value.upper().startswith(name.upper())  # a title line above
        assert "huyện Văn Quan" in " ".join(str(ws.cell(r, 1).value) for r in range(1, head))
        assert_prints_a4_landscape_one_page_wide(ws, head)
        assert fonts(ws) == {"Times New Roman"}
        assert all(ws.cell(head, c).alignment.wrap_text for c in range(1, ws.max_column + 1))
        for r in range(1, ws.max_row + 1):                                    # every row sized for its text
            assert ws.row_dimensions[r].height is None or ws.row_dimensions[r].height >= 15
    sha = wb["Nguồn"]
    assert sha.column_dimensions["F"].width < 66 or sha.column_dimensions["A"].width < 40


def test_the_live_kiem_tra_sheet_is_laid_out_the_same_way(tmp_path):
    book = book_for(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89, "E12": 30.872483221}))
    excel.run(book, "validate")
    mine = [a for a in actions(book) if a["sheet_position"] == 1]
    values = next(a for a in mine if a["func"] == "setValues")["values"]
    assert values[0][0] == "KẾT QUẢ KIỂM TRA BIỂU" and values[1][0] == "Tệp: b.xlsx" and values[4] == HEADER
    e12 = next(r for r in values[5:] if r[2] == "E12")
    assert e12[6] == "30,87"
    fonts_set = {a["args"][1] for a in mine if a["func"] == "setFontProperty" and a["args"][0] == "name"}
    assert fonts_set == {"Times New Roman"}
    widths = [a["args"][0] for a in mine if a["func"] == "setColumnWidth"]
    assert len(widths) == 8 and max(widths) == widths[5] and sum(widths) <= 152
    assert any(a["func"] == "setWrapText" and a["args"] == [True] for a in mine)
    formats = {(a["start_row"] + 1, a["args"][0]) for a in mine if a["func"] == "setNumberFormat"}
    assert formats == {(6, "@")}                 # the value columns of every row, as text
    merged = [a for a in mine if a["func"] == "rangeMerge"]
    assert [(a["start_row"], a["column_count"]) for a in merged] == [(0, 8), (1, 8), (2, 8)]   # title lines


def test_next_steps_are_named_as_each_face_offers_them(tmp_path, capsys, monkeypatch):
    """The command line names the command; Excel names the button."""
    path = typed_van_quan(tmp_path / "b.xlsx")          # every formula column typed by hand
    assert main(["validate", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "chạy lệnh 'giamngheo recalc'" in printed and "bấm" not in printed and "Tính lại" not in printed
    main(["validate", str(path), "--format", "json"])
    assert "bấm" not in capsys.readouterr().out

    # xlwings' remote engine sends no formulas, so it cannot see a column typed by hand; Excel's own
    # engine can. Give the button the findings the file engine makes of the same workbook.
    from macros_py.core import checks
    from macros_py.engines.file import read_grids
    from macros_py.core.table import locate

    (grid,) = read_grids(path)
    found = checks.check_table(grid, locate(grid))
    assert any("giamngheo recalc" in f.message for f in found)
    monkeypatch.setattr(checks, "check_table", lambda g, t: [f for f in found])
    book = book_for(path)
    excel.run(book, "validate")
    report = next(a for a in actions(book) if a["func"] == "setValues" and a["sheet_position"] == 1)["values"]
    messages = [r[5] for r in report[5:] if r[5]]
    assert len(messages) == len(found)
    assert all("bấm nút Tính lại" in m and "giamngheo recalc" not in m for m in messages)


def test_every_font_the_writer_uses_is_times_new_roman_in_excel_too(tmp_path):
    """A font tied to the theme's scheme is drawn by Excel in the theme's font (Calibri), whatever its
    name; LibreOffice ignores the scheme, so only the file itself can show this."""
    import re
    import zipfile

    out = tmp_path / "b.xlsx"
    assert main(["new", "--units", "Xã A", "-o", str(out)]) == 0
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    fonts = re.findall(r"<font>(.*?)</font>", re.search(r"<fonts[^>]*>(.*)</fonts>", styles).group(1))
    assert fonts and all('<name val="Times New Roman"/>' in f and "<scheme" not in f for f in fonts), fonts
