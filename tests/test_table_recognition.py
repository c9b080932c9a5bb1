"""Finding the table in officers' sheets: the unit column's many headings, numbering rows that
number STT and the name too, and numbering rows that must never be read as data."""
from __future__ import annotations

import openpyxl
import pytest

from conftest import DATA
from handmade import HandmadeTable, Style, build_workbook, round_half_up
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.commands.validate import validate_file
from macros_py.forms.spec import forms
from seed_tables import TITLE_ROWS, seed_workbook

# How communes head the unit column of the tables they send (since July 2025 they report their
# villages and residential groups straight to the province).
UNIT_HEADINGS = ["Thôn, bản", "Tên thôn", "Thôn/bản", "Tổ dân phố", "Tên xã, thị trấn", "Đơn vị hành chính"]
SEED_TABLES = {"ke-hoach-giam-ngheo-xa": "krong_no_2020_000.tsv", "lo-trinh-giam-ngheo-tinh": "dak_nong_2024.tsv",
               "chi-tieu-giam-ngheo-btxh": "cam_lo_2022.tsv"}
HEADER_FORMS = sorted(f.id for f in forms().values() if f.unit_match and any(c.match for c in f.columns))


def _seed_names(tsv: str, unit_index: int) -> list[str]:
    """The unit names as published: the TSV's rows under its two header lines, the total aside."""
    lines = (DATA / tsv).read_text(encoding="utf-8").splitlines()[2:-1]
    return [line.split("\t")[unit_index].strip() for line in lines]


def _headed_workbook(form_id: str, heading: str, path):
    """The form's table as officers type it, without a numbering row, its unit column headed
    `heading`; returns (path, unit names in sheet order)."""
    if form_id == "du-kien-giam-ngheo":
        table = HandmadeTable(Style(numbering="none", national_header=True, signature=True))
        wb = build_workbook([table])
        ws = wb.active
        ws.cell(table.unit_rows[0] - 3, table.col("B")).value = heading   # the header's first row
        wb.save(path)
        return path, [name for name, _ in table.units]
    form = forms()[form_id]
    unit_index = len([c for c in form.columns if not c.is_number]) - 1
    seed_workbook(SEED_TABLES[form_id], path)
    wb = openpyxl.load_workbook(path)
    cell = wb.active.cell(TITLE_ROWS + 1, unit_index + 1)
    assert cell.value      # the seed's own heading, replaced
    cell.value = heading
    wb.save(path)
    return path, _seed_names(SEED_TABLES[form_id], unit_index)


def test_every_form_with_header_phrases_is_tried_here():
    assert set(HEADER_FORMS) <= set(SEED_TABLES) | {"du-kien-giam-ngheo"}
    assert len(HEADER_FORMS) == 4


@pytest.mark.parametrize("heading", UNIT_HEADINGS)
@pytest.mark.parametrize("form_id", HEADER_FORMS)
def test_a_table_without_numbering_row_is_found_under_each_unit_heading(tmp_path, form_id, heading):
    path, names = _headed_workbook(form_id, heading, tmp_path / "bieu.xlsx")
    result = validate_file(path)
    assert result.status == "ok", result.error
    (sheet,) = result.sheets
    assert sheet.table is not None and sheet.table.by_headers
    assert sheet.table.form.id == form_id
    wb = openpyxl.load_workbook(path)
    unit_col = sheet.table.columns[sheet.table.form.unit_column.number]
    assert [wb.active.cell(r, unit_col).value for r in sheet.table.unit_rows] == names


VILLAGES = [("Thôn Khòn Pát", {"1": 166, "2": 9, "4": 7, "5": 4.2, "8": 25, "10": 22, "11": 13.3}),
            ("Thôn Pác Giáo", {"1": 214, "2": 9, "4": 7, "5": 3.3, "8": 24, "10": 21, "11": 9.8}),
            ("Thôn Nà Lẹng", {"1": 142, "2": 5, "4": 4, "5": 2.8, "8": 11, "10": 10, "11": 7.0}),
            ("Thôn Còn Riềng", {"1": 190, "2": 12, "4": 10, "5": 5.3, "8": 28, "10": 25, "11": 13.2}),
            ("Thôn Bản Piầng", {"1": 119, "2": 6, "4": 5, "5": 4.2, "8": 13, "10": 11, "11": 9.2})]


def test_a_communes_village_table_saved_as_xls_is_checked(tmp_path, capsys):
    """Tràng Phái's five villages, headed "Thôn, bản", no numbering row, values only at one decimal,
    saved as .xls by LibreOffice; Pác Giáo's poor households typed 19 for 9."""
    table = HandmadeTable(Style(numbering="none", rate_format="0.0", national_header=True, signature=True,
                                notes_column=True), units=VILLAGES, typos={(1, "2"): 19})
    wb = build_workbook([table])
    wb.active.cell(table.unit_rows[0] - 3, table.col("B")).value = "Thôn, bản"
    wb.save(tmp_path / "xa_trang_phai.xlsx")
    xls = recalculate(tmp_path / "xa_trang_phai.xlsx", tmp_path / "lo", "xls:MS Excel 97")
    assert main(["validate", str(xls)]) == 1            # read and checked: errors found (not 2, "no table")
    out = capsys.readouterr().out
    assert "5 đơn vị" in out
    result = validate_file(xls)
    errors = [f for s in result.sheets for f in s.findings if f.severity == "error"]
    assert [(f.cell, f.rule) for f in errors] == [(table.ref(1, "2"), "likely-culprit")]
    # 9 poor households of 214 give the typed rate 4.21 % (column 3): the culprit's right figure is 9
    assert round_half_up(9 / 214 * 100) == table.shown(table.unit_rows[1], "3")
    assert "nếu là 9 " in errors[0].message


# ---------------------------------------------------------------------------------------- numbering
SHIFTED = ["(1)", "(2)", "(3)", "(4)", "(5)=(4)/(3)x100", "(6)", "(7)", "(8)=(6)-(4)", "(9)=(7)-(5)", "(10)",
           "(11)=(10)/(3)x100", "(12)", "(13)", "(14)=(12)-(10)", "(15)=(13)-(11)"]


def _renumbered(tmp_path, numbering: list, style: Style = Style(numbering="paren", national_header=True,
                                                                  groups=2, total="first", signature=True)):
    """The Văn Quan table by hand, its numbering row replaced by `numbering` (STT and name numbered)."""
    table = HandmadeTable(style)
    wb = build_workbook([table])
    for i, text in enumerate(numbering):
        wb.active.cell(table.numbering_row, table.col("A") + i).value = text
    wb.save(tmp_path / "src.xlsx")
    return table, tmp_path / "src.xlsx"


@pytest.mark.parametrize("formulas", [False, True])
def test_a_numbering_row_that_numbers_stt_and_name_is_the_numbering_row(tmp_path, formulas):
    style = Style(numbering="paren", national_header=True, groups=2, total="first", signature=True,
                  formulas=formulas)
    table, src = _renumbered(tmp_path, SHIFTED, style)
    path = recalculate(src, tmp_path / "lo")
    (sheet,) = validate_file(path).sheets
    assert sheet.table.numbering_row == table.numbering_row and not sheet.table.by_headers
    assert sheet.table.unit_rows == table.unit_rows
    assert sheet.table.total_row == table.total_row
    assert list(sheet.table.subtotal_rows) == list(table.subtotal_rows)
    assert sheet.table.letters["1"] == table.letter("1") and sheet.table.letters["13"] == table.letter("13")
    assert [f for f in sheet.findings if f.severity != "info"] == []


def test_a_shifted_numbering_row_whose_formulas_disagree_is_not_taken_for_the_form(tmp_path):
    """'(5)=(4)/(2)x100' is no column 3 of the form shifted by 2: not this form's numbering row, and
    still never a row of data."""
    wrong = SHIFTED[:4] + ["(5)=(4)/(2)x100"] + SHIFTED[5:]
    table, src = _renumbered(tmp_path, wrong)
    (sheet,) = validate_file(src).sheets
    if sheet.table is not None:
        assert table.numbering_row not in sheet.table.data_rows
        assert sheet.table.unit_rows == table.unit_rows


@pytest.mark.parametrize("numbering", [[f"({i})" for i in range(1, 16)], list(range(1, 16))],
                         ids=["paren", "numbers"])
def test_a_numbering_row_without_formulas_is_never_a_row_of_data(tmp_path, numbering):
    """'(1) (2) … (15)' (or 1 … 15) numbers every column, STT and name too, and prints no formula: the
    table is found by its headers, and '(3)' is never read as the figure −3."""
    table, src = _renumbered(tmp_path, numbering, Style(numbering="paren", national_header=True, signature=True))
    (sheet,) = validate_file(src).sheets
    assert sheet.table.by_headers
    assert sheet.table.unit_rows == table.unit_rows and sheet.table.total_row == table.total_row
    assert table.numbering_row not in sheet.table.data_rows
    assert [f for f in sheet.findings if f.severity == "error"] == []


def test_parenthesised_text_is_a_negative_figure_but_no_number_in_a_numbering_row():
    from macros_py.core.numbers import as_number, parse_number

    assert as_number("(30)", True) == -30                     # an accountant's negative, in a figure cell
    assert as_number("(3)", True, accounting=False) is None   # a column's mark
    assert parse_number("(3)", True, accounting=False) is None
    assert as_number("-3", True, accounting=False) == -3


@pytest.mark.parametrize("row, data", [
    ([1, "Thôn Nà 1", "Ghi chú", 399, 30], True),          # STT in the first column counts
    ([None, "Thôn Nà 1", 399, "ghi", "chú", 30, 12], True),  # a figure in the last column counts
    (["", "Năm", 2020, "đến", 2021, None], False),           # two years in a heading: not a unit's row
    ([None, "Cộng", "1.527", "30", None], False),            # number text counts, but two are too few
    ([None, "Cộng", "1.527", "30", "12,5"], True),
    (["(1)", "(2)", "(3)", "(4)"], False),                   # a numbering row's marks are no figures
    ([None, "Cộng", "123.456.789,12", "30", "12"], True),    # number text up to 14 characters counts
    ([None, "Cộng", "1.234.567.890,1", "30", "12"], False),  # longer text is no figure, whatever it reads as
    ([None, "Tên", "(45)", "(12)", 7], False),               # brackets in a heading are no negative figures
])
def test_a_row_of_figures_is_told_from_a_heading_by_three_figures_anywhere_in_it(row, data):
    """Tables without a numbering row are found by their header phrases; the header ends at the first
    row holding at least three figures, wherever they stand (STT in column A, a last column)."""
    from macros_py.core.grid import Grid
    from macros_py.core.table import _is_data_row

    grid = Grid("Biểu", [["Tên đơn vị"], row])
    assert _is_data_row(grid, 2) is data


def test_formulas_without_stored_results_count_as_figures():
    """A row of formulas saved by a script (no stored results) is a row of figures."""
    from macros_py.core.grid import Grid
    from macros_py.core.table import _is_data_row

    grid = Grid("Biểu", [["Tên đơn vị"], [None, "Thôn Nà 1", None, None, None]])
    assert not _is_data_row(grid, 2)
    for col in (3, 4, 5):
        grid.set_formula(2, col, "=1+1")
    assert _is_data_row(grid, 2)


@pytest.mark.parametrize("form_id", sorted(SEED_TABLES))
def test_a_table_headed_on_the_sheets_first_row_is_found(tmp_path, form_id):
    """No title above: the header phrases start on row 1, the units right under the header."""
    path, names = _headed_workbook(form_id, "Đơn vị hành chính", tmp_path / "bieu.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.delete_rows(1, TITLE_ROWS)
    wb.save(path)
    (sheet,) = validate_file(path).sheets
    assert sheet.table is not None and sheet.table.by_headers
    unit_col = sheet.table.columns[sheet.table.form.unit_column.number]
    assert [wb.active.cell(r, unit_col).value for r in sheet.table.unit_rows] == names


@pytest.mark.parametrize("padding, found", [(39 - len("Đơn vị hành chính"), True), (40 - len("Đơn vị hành chính"), False)])
def test_a_unit_heading_is_a_short_cell(tmp_path, padding, found):
    """The unit column's heading is a short cell (under 40 characters, trailing spaces and all); a
    longer one is a sentence that happens to name the units (a title, a note)."""
    form_id = "chi-tieu-giam-ngheo-btxh"
    path, _ = _headed_workbook(form_id, "Đơn vị hành chính" + " " * padding, tmp_path / "bieu.xlsx")
    result = validate_file(path)
    assert result.status == ("ok" if found else "no_form")
    assert [(s.table.form.id, s.table.by_headers) for s in result.sheets] == ([(form_id, True)] if found else [])


def _found(path):
    result = validate_file(path)
    assert result.status == "ok", result.error
    (sheet,) = result.sheets
    assert sheet.table.by_headers
    return sheet.table


@pytest.mark.parametrize("form_id", ["chi-tieu-giam-ngheo-btxh", "du-kien-giam-ngheo"])
def test_a_short_line_naming_the_units_above_the_header_is_passed_over(tmp_path, form_id):
    """'Các thôn, bản' typed in column A a few lines above the title names the units but heads no
    columns (and, where the form has STT left of the names, no STT column could stand left of it):
    the search goes on to the real header below it."""
    path, names = _headed_workbook(form_id, "Tên thôn", tmp_path / "bieu.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.insert_rows(1, 5)
    wb.active["A1"] = "Các thôn, bản"
    wb.save(path)
    table = _found(path)
    unit_col = table.columns[table.form.unit_column.number]
    assert [wb.active.cell(r, unit_col).value for r in table.unit_rows] == names


def test_a_column_the_form_does_not_have_is_skipped_by_its_heading(tmp_path):
    """An officer's own 'Ghi chú' column right after the unit names: each of the form's columns is
    found by its own heading, further right."""
    form_id = "chi-tieu-giam-ngheo-btxh"
    path, _ = _headed_workbook(form_id, "Đơn vị hành chính", tmp_path / "bieu.xlsx")
    before = _found(path).columns
    wb = openpyxl.load_workbook(path)
    unit_col = before[forms()[form_id].unit_column.number]
    wb.active.insert_cols(unit_col + 1)
    wb.active.cell(TITLE_ROWS + 1, unit_col + 1).value = "Ghi chú"
    wb.save(path)
    after = _found(path).columns
    assert after == {n: col + (col > unit_col) for n, col in before.items()}


def test_a_table_without_its_optional_columns_is_found_without_them(tmp_path):
    """The province's form counts ethnic-minority households in optional columns (2, 5, 6); a
    district that does not keep them sends the table without them, and it is still found."""
    form_id = "chi-tieu-giam-ngheo-btxh"
    form = forms()[form_id]
    optional = sorted((c.number for c in form.columns if c.optional), key=int)
    path, _ = _headed_workbook(form_id, "Đơn vị hành chính", tmp_path / "bieu.xlsx")
    before = _found(path).columns
    assert optional == ["2", "5", "6"] and all(n in before for n in optional)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    group = ws.cell(TITLE_ROWS + 1, before["5"]).value       # the group's heading stood over column 5
    assert group.startswith("Chỉ tiêu giảm hộ nghèo")
    for col in sorted((before[n] for n in optional), reverse=True):
        ws.delete_cols(col)
    ws.cell(TITLE_ROWS + 1, before["5"] - 1).value = group    # now over the group's first column left
    wb.save(path)
    after = _found(path).columns
    kept = sorted((n for n in before if n not in optional), key=lambda n: before[n])
    assert set(after) == set(kept)
    assert all(after[n] == before[n] - sum(before[o] < before[n] for o in optional) for n in kept)
