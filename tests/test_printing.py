"""What officers print, printed: workbooks the tool writes go through LibreOffice to PDF, and the
pages are checked mechanically — the paper, which sheet each page is, that every sheet is one
page wide with its header on every page, that every header and report cell holds its text inside
its borders, and that one font is used throughout.

Expectations come from the workbooks as written (read back with openpyxl), never from the code
that laid them out: the merged header cells and their text, the report rows.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from rendering import A4_LANDSCAPE, read_pages, squash, to_pdf
from macros_py.cli import main

REPORT = ["STT", "Trang tính", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi", "Giá trị đúng"]
LIST_SHEETS = ("Kiểm tra", "Nguồn", "Tình hình nộp")
CHARTS = "Biểu đồ"     # tall bar charts: printed A4 portrait, its pages carry only charts
OTHER_FORMS = ("ke-hoach-giam-ngheo-xa", "lo-trinh-giam-ngheo-tinh", "chi-tieu-giam-ngheo-btxh")
MERGED = "Xã Tràng Các, Tú Xuyên và Hữu Lễ (xã mới sau sắp xếp theo Nghị quyết số 1672/NQ-UBTVQH15)"   # wraps


def plant_errors(path: Path) -> None:
    """An officer's copy of the Văn Quan table: a rate pasted unrounded, rates typed over formulas,
    a count typed wrong, one left blank and one typed as text — enough findings for two pages."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Biểu"]
    ws["G12"] = 30.872483221
    ws["D9"], ws["F10"], ws["C13"] = 89, None, "1.527"
    for r in range(11, 23):
        ws[f"E{r}"] = round(r * 1.37, 2)
    wb.save(path)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every kind of workbook the tool writes, printed in one LibreOffice run: {name: (xlsx, pdf)}."""
    d = tmp_path_factory.mktemp("in")
    books = {"van_quan": d / "van_quan.xlsx"}
    shutil.copy(ROOT / "workbooks" / "van_quan_2021.xlsx", books["van_quan"])      # as `new` writes it
    for form in OTHER_FORMS:
        books[form] = d / f"{form}.xlsx"
        assert main(["new", "--form", form, "--units", f"Xã Yên Phúc;Xã Bình Phúc;Thành phố Gia Nghĩa;{MERGED}",
                     "--year", "2026", "--unit", "huyện Văn Quan", "-o", str(books[form])]) == 0
    inbox = d / "hop_thu"
    inbox.mkdir()
    for unit in ("Yên Phúc", "Bình Phúc", "Tân Đoàn"):
        assert main(["new", "--units", unit, "--unit", f"xã {unit}", "--year", "2021",
                     "-o", str(inbox / f"{unit}.xlsx")]) == 0
    books["tong_hop"] = d / "tong_hop.xlsx"
    assert main(["consolidate", str(inbox), "--units", "Yên Phúc;Bình Phúc;Tân Đoàn;Khánh Khê", "--year", "2021",
                 "--unit", "huyện Văn Quan", "-o", str(books["tong_hop"])]) == 0
    officer = d / "ban_cua_xa.xlsx"
    shutil.copy(books["van_quan"], officer)
    plant_errors(officer)
    books["danh_dau"] = d / "danh_dau.xlsx"
    assert main(["validate", str(officer), "--annotate", str(books["danh_dau"])]) == 1
    pdfs = to_pdf(list(books.values()), tmp_path_factory.mktemp("pdf"))
    opened = {}
    for name, xlsx in books.items():
        doc, pages = read_pages(pdfs[xlsx])
        opened[name] = (xlsx, pages)
    yield opened
    for _, pages in opened.values():
        if pages:
            pages[0].plumber.pdf.close()


def table_signature(ws) -> list[str]:
    """The numbering row (A, B, 1, 2, 3=2/1x100 …): repeated on every page of the table."""
    row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "A")
    return [str(ws.cell(row, c).value) for c in range(1, ws.max_column + 1)]


def list_header(ws) -> list[str]:
    """A report sheet's header row, read from the file (under its title lines)."""
    row = next(r for r in range(1, 10) if ws.cell(r, 1).value in ("STT", "Đơn vị"))
    return [str(ws.cell(row, c).value) for c in range(1, ws.max_column + 1)
            if ws.cell(row, c).value and not hidden_column(ws, c)]


def sheets_of(xlsx: Path) -> list[tuple[str, list[str] | None]]:
    """Each printed sheet with the labels every one of its pages carries (its repeated header);
    None for the chart sheet, whose pages carry charts only."""
    wb = openpyxl.load_workbook(xlsx)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        if ws.title == CHARTS:
            out.append((ws.title, None))
        else:
            out.append((ws.title, list_header(ws) if ws.title in LIST_SHEETS else table_signature(ws)))
    return out


def pages_by_sheet(xlsx: Path, pages) -> dict[str, list]:
    """Attribute each page to the one sheet whose whole header it carries; a page split off to the
    right (a sheet more than one page wide) carries no whole header and fails here."""
    sheets = sheets_of(xlsx)
    owner = []
    for page in pages:
        matches = [name for name, labels in sheets
                   if labels is not None and all(page.has_words_of(label) for label in labels)]
        if not matches and CHARTS in dict(sheets):
            matches = [CHARTS]
        assert len(matches) == 1, (xlsx.name, page.number, matches, page.text[:300])
        owner.append(matches[0])
    order = list(dict.fromkeys(owner))
    assert order == [name for name, _ in sheets], (xlsx.name, owner)       # in sheet order, each contiguous
    assert all(owner[i] == owner[i + 1] or order.index(owner[i + 1]) == order.index(owner[i]) + 1
               for i in range(len(owner) - 1))
    return {name: [p for p, o in zip(pages, owner) if o == name] for name in order}


def test_every_page_is_a4_landscape(printed):
    for name, (xlsx, pages) in printed.items():
        assert pages, name
        for sheet, sheet_pages in pages_by_sheet(xlsx, pages).items():
            paper = A4_LANDSCAPE[::-1] if sheet == CHARTS else A4_LANDSCAPE
            for page in sheet_pages:
                assert page.size == pytest.approx(paper, abs=1), (name, sheet, page.number)


def test_every_sheet_prints_one_page_wide_with_its_header_on_every_page(printed):
    counts = {name: {sheet: len(p) for sheet, p in pages_by_sheet(xlsx, pages).items()}
              for name, (xlsx, pages) in printed.items()}
    assert counts["van_quan"] == {"Biểu": 1}
    # the communes sent blank templates: no figure to chart, the chart sheet prints one line saying so
    assert counts["tong_hop"] == {"Biểu": 1, "Nguồn": 1, "Tình hình nộp": 1, CHARTS: 1}
    assert counts["danh_dau"]["Biểu"] == 1 and counts["danh_dau"]["Kiểm tra"] >= 2   # header repeated
    for form in OTHER_FORMS:
        assert counts[form] == {"Biểu": 1}


def test_no_border_runs_through_any_word(printed):
    for name, (_, pages) in printed.items():
        for page in pages:
            assert page.struck_words() == [], (name, page.number)


def header_cells(ws):
    """(first row offset, first col, last col, text) of every header cell, from the file's own merges."""
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    whole = {r for (r, c), m in spans.items() if c == 1 and m.max_col == ws.max_column and m.max_row == r}
    # under the title lines (title, subtitle, a consolidation's coverage line: each one merged row wide)
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value and r not in whole)
    numbering = next(r for r in range(1, 20) if ws.cell(r, 1).value == "A")
    cells = []
    for r in range(top, numbering + 1):
        for c in range(1, ws.max_column + 1):
            text = ws.cell(r, c).value
            if isinstance(text, str):
                m = spans.get((r, c))
                cells.append((r - top, c, m.max_col if m else c, text))
    return cells


@pytest.mark.parametrize("name", ["van_quan", "tong_hop", "danh_dau", *OTHER_FORMS])
def test_each_header_cell_holds_its_text_inside_its_borders(printed, name):
    """Read on the page: the characters inside each header cell's borders are exactly its text
    (a line spilled into the next row, or struck by a border, is missing from it)."""
    xlsx, pages = printed[name]
    ws = openpyxl.load_workbook(xlsx)["Biểu"]
    (page,) = pages_by_sheet(xlsx, pages)["Biểu"]
    xs = page.columns()
    assert len(xs) == ws.max_column + 1
    cells = header_cells(ws)
    for offset, first, last, text in cells:
        # borders in this column, top down: one above each cell that starts in it (merged rows have none)
        band = sum(1 for o, a, b, _ in cells if a <= first <= b and o < offset)
        rows = page.rows_at(xs[first - 1] + 1.5)
        top, bottom = rows[band], rows[band + 1]
        assert page.text_in(xs[first - 1], top, xs[last], bottom) == squash(text), (name, text)
    title = " ".join(str(ws.cell(r, 1).value) for r in range(1, 4) if ws.cell(r, 1).value)   # title lines
    assert page.text_in(0, 0, page.size[0], page.rows_at(xs[0] + 1.5)[0]) == squash(title)


def report_grid(page):
    """The text of every cell of a bordered list on a page: rows of column texts, header first."""
    xs = page.columns()
    ys = page.rows_at(xs[0] + 1.5)
    return [[page.text_in(xs[c], ys[r], xs[c + 1], ys[r + 1]) for c in range(len(xs) - 1)]
            for r in range(len(ys) - 1)]


def shown(cell) -> str:
    """A cell's text as LibreOffice prints it (its English locale: 1,527 and 30.87)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        places = len(cell.number_format.partition(".")[2]) if "#,##0" in cell.number_format else None
        if places is not None:
            return f"{value:,.{places}f}"
        return str(int(value)) if float(value).is_integer() else squash(str(value))
    return squash(str(value))


def test_every_report_cell_holds_its_text(printed):
    """Kiểm tra (over several pages), Nguồn and Tình hình nộp: each row's cells, read inside their
    borders, are the sheet's text; the values at the places their message shows (30.87)."""
    for name, sheet in (("danh_dau", "Kiểm tra"), ("tong_hop", "Nguồn"), ("tong_hop", "Tình hình nộp")):
        xlsx, pages = printed[name]
        ws = openpyxl.load_workbook(xlsx)[sheet]
        head = next(r for r in range(1, 10) if ws.cell(r, 1).value in ("STT", "Đơn vị"))
        title = "".join(str(ws.cell(r, 1).value or "") for r in range(1, head))
        printed_columns = [c for c in range(1, ws.max_column + 1) if not hidden_column(ws, c)]
        body = []
        for row in ws.iter_rows(min_row=head + 1):
            if all(cell.value is None for cell in row):
                break                     # the rows end at a blank line (a signature block may follow)
            body.append(row)
        expected = {shown(row[0]): [shown(row[c - 1]) for c in printed_columns] for row in body}
        seen = set()
        for i, page in enumerate(pages_by_sheet(xlsx, pages)[sheet]):
            grid = report_grid(page)
            assert grid[0] == [squash(ws.cell(head, c).value) for c in printed_columns]
            if i == 0:
                top = page.rows_at(page.columns()[0] + 1.5)[0]
                assert page.text_in(0, 0, page.size[0], top) == squash(title)
            for cells in grid[1:]:
                assert cells == expected[cells[0]], (sheet, cells[0])
                seen.add(cells[0])
        assert seen == set(expected), (sheet, set(expected) - seen)
    report = pages_by_sheet(*printed["danh_dau"])["Kiểm tra"]
    assert any("30,87" in p.text for p in report) and not any("30,872" in p.text for p in report)
    assert not any("30.87" in p.text for p in report)          # the values read as the messages: 30,87


def hidden_column(ws, col: int) -> bool:
    """A column kept for machines (a full hash), which does not print."""
    return any(d.min <= col <= d.max and d.hidden for d in ws.column_dimensions.values())


def test_one_font_on_every_page(printed):
    for name, (_, pages) in printed.items():
        for page in pages:
            faces = {c["fontname"].split("+")[-1].split("-")[0] for c in page.plumber.chars}
            assert faces == {"LiberationSerif"}, (name, page.number, faces)     # Times New Roman's stand-in
