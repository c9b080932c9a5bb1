"""The column filter (core/row_filter.py) never changes a finding: on random tables with random
faults the filtered checks and the exact row-by-row checks give the same findings (rule, cell,
severity, message, figures), in the same order.

Tables: the hand-made layouts of tests/handmade.py (percent formats, totals first, groups with
subtotals, typed or live formula columns; figures by plain arithmetic), every shipped form laid
out as `new` writes it, and hand-made workbooks saved and read back from disk (formula flags
and styles from the sheet XML, formulas without stored results). Faults: wrong figures, numbers
typed over formulas, number text, words, blanks, error values, negative or fractional counts,
rates beyond 100, inputs that break only a relation, wrong totals.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handmade import INPUTS, NUMBERS, HandmadeTable, Style, build_workbook
from test_properties import layouts, named, unit
from macros_py.core import row_filter
from macros_py.core.cell_numbers import CellNumbers
from macros_py.core.checks import check_table, run_checks
from macros_py.core.grid import Grid, cell_key
from macros_py.core.row_rules import Rules
from macros_py.core.table import locate


def key(findings) -> list[tuple]:
    return [(f.rule, f.cell, f.severity, f.message, repr(f.expected), repr(f.actual), f.follows) for f in findings]


def assert_same(grid: Grid, table) -> list:
    fast, exact = check_table(grid, table), check_table(grid, table, exact=True)
    assert key(fast) == key(exact)
    return fast


# ------------------------------------------------------------------------------------------ faults
WORDS = ["x", "không có", "—", "?"]
TEXTS = ["1.229", "8,25", "12,5%", " 340 ", "1,229.5", "(15)"]


RATES = ("3", "5", "7", "9", "11", "13")


@st.composite
def fault(draw, units: int, total: bool):
    """(unit index or 'total', column, kind, value typed there)."""
    where = draw(st.sampled_from(list(range(units)) + (["total"] if total else [])))
    kind = draw(st.sampled_from(["slip", "shift", "text", "word", "blank", "negative", "fraction", "big", "error"]))
    column = draw(st.sampled_from(RATES if kind == "slip" else NUMBERS))
    if kind == "slip":
        # the small slips rules tolerate or not: a rate off in its last decimal or by a household's
        # worth, a figure typed with more decimals than the form shows
        value = draw(st.sampled_from([0.01, -0.01, 0.02, 0.006, -0.004, 0.06, -0.3, 0.0013, -0.0021, 0.04]))
    elif kind == "shift":
        value = draw(st.sampled_from([1, -1, 7, -120, 480, 0.5]))
    elif kind == "text":
        value = draw(st.sampled_from(TEXTS))
    elif kind == "word":
        value = draw(st.sampled_from(WORDS))
    elif kind == "blank":
        value = None
    elif kind == "negative":
        value = -float(draw(st.integers(1, 50)))
    elif kind == "fraction":
        value = draw(st.integers(0, 300)) + 0.5
    elif kind == "big":
        value = draw(st.sampled_from([100.5, 150.0, 1e6]))
    else:
        value = "#VALUE!"
    return where, column, kind, value


def faulty_grid(table: HandmadeTable, faults) -> Grid:
    """The table's grid with the faults typed in (an error value as a reader sees one)."""
    grid = table.grid()
    for where, column, kind, value in faults:
        row = table.total_row if where == "total" else table.unit_rows[where]
        col = table.col(column)
        if kind in ("shift", "slip"):
            old = grid.values[row - 1][col - 1]
            value = (old if isinstance(old, (int, float)) else 0) + value
        grid.values[row - 1][col - 1] = value
        grid.formulas.pop(cell_key(row, col), None)        # typed over whatever was there
        if kind == "error":
            grid.errors[(row, col)] = value
    return grid


@st.composite
def edits(draw, units: int):
    """Inputs changed before anything is computed: rows that agree with their formulas but break
    a relation or a bound (more poor at the end than at the start, more poor than households)."""
    out = {}
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, units - 1))
        column = draw(st.sampled_from(INPUTS))
        out[(i, column)] = draw(st.sampled_from([0, 5000, 99999, 7, 150.0, 0.25]))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(layouts, st.lists(unit(), min_size=1, max_size=14), st.data())
def test_filtered_and_exact_checks_agree_on_handmade_tables(style, units, data):
    table = HandmadeTable(style, units=named(units), edits=data.draw(edits(len(units))))
    faults = data.draw(st.lists(fault(len(units), style.total != "none"), max_size=5))
    grid = faulty_grid(table, faults)
    found = locate(grid)
    if found is not None and found.unit_rows:
        assert_same(grid, found)


# ------------------------------------------------------------------------------------------ every form
def layout_grid(layout) -> Grid:
    """A Grid of a table as `new` lays it out: header texts, numbering row, live formulas with
    their cached values."""
    from macros_py.write.layout import TITLE_ROW

    width = layout.width
    values = [[""] * width for _ in range(layout.total_row)]
    values[TITLE_ROW - 1][0] = layout.title
    for h in layout.header_cells():
        values[h.row - 1][h.first_col - 1] = h.label
    for i, c in enumerate(layout.form.columns):
        values[layout.numbering_row - 1][i] = c.numbering_text
    grid = Grid("Biểu", values)
    for content in layout.body():
        for i, cell in enumerate(content.cells):
            if cell.kind == "formula":
                values[content.row - 1][i] = "" if cell.cached is None else cell.cached
                grid.formulas[cell_key(content.row, i + 1)] = cell.value
            elif cell.kind in ("number", "text"):
                values[content.row - 1][i] = cell.value
    grid.knows_formulas = grid.knows_formats = True
    return grid


@st.composite
def form_table(draw):
    from macros_py.forms.formulas import row_expr
    from macros_py.forms.spec import forms
    from macros_py.write.layout import Unit, make_layout

    form = draw(st.sampled_from(list(forms().values())))
    units = []
    for i in range(draw(st.integers(1, 12))):
        households = draw(st.integers(50, 5000))
        inputs = {}
        for c in form.columns:
            if not c.is_number or row_expr(c) is not None:
                continue
            if c.kind == "rate":
                inputs[c.number] = round(draw(st.floats(0, 60)), c.decimals or 2)
            else:
                inputs[c.number] = float(draw(st.integers(0, households)))
        first = next(c.number for c in form.columns if c.kind == "count")
        inputs[first] = float(households)
        units.append(Unit(f"Xã {chr(65 + i)}", inputs))
    layout = make_layout(form, units)
    grid = layout_grid(layout)
    rows = [r - 1 for r in layout.unit_rows + [layout.total_row]]
    numeric = [i for i, c in enumerate(form.columns) if c.is_number]
    for _ in range(draw(st.integers(0, 4))):
        r, i = draw(st.sampled_from(rows)), draw(st.sampled_from(numeric))
        old = grid.values[r][i]
        grid.values[r][i] = draw(st.one_of(
            st.sampled_from(TEXTS + WORDS + ["", -3.0, 0.5, 250.0]),
            st.floats(-2, 2).map(lambda d: (old if isinstance(old, float) else 0.0) + d)))
        grid.formulas.pop(cell_key(r + 1, i + 1), None)
    return grid


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(form_table())
def test_filtered_and_exact_checks_agree_on_every_form(grid):
    found = locate(grid)
    if found is not None and found.unit_rows:
        assert_same(grid, found)


# ------------------------------------------------------------------------------------------ from disk
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(layouts, st.lists(unit(), min_size=1, max_size=8), st.data())
def test_filtered_and_exact_checks_agree_on_workbooks_read_from_disk(tmp_path_factory, style, units, data):
    """openpyxl writes formulas without stored results: the reader computes them; the formula
    flags and number formats come from the sheet XML (CellFacts), as for officers' files."""
    from macros_py.engines.file import read_grids

    typos = {}
    for _ in range(data.draw(st.integers(0, 3))):
        where = data.draw(st.sampled_from(list(range(len(units))) + (["total"] if style.total != "none" else [])))
        typos[(where, data.draw(st.sampled_from(NUMBERS)))] = data.draw(st.sampled_from(TEXTS + WORDS + [3.0, 9999.0]))
    table = HandmadeTable(style, units=named(units), typos=typos)
    path = tmp_path_factory.mktemp("rf") / "bieu.xlsx"
    build_workbook([table]).save(path)
    (grid,) = read_grids(path)
    assert grid.facts is not None
    found = locate(grid)
    if found is not None and found.unit_rows:
        assert_same(grid, found)


# ------------------------------------------------------------------------------------------ the filter works
def test_filter_passes_clean_rows_and_sends_only_the_faulty_ones_to_the_exact_rules():
    """Not vacuous: on a consistent 40-commune table every unit row passes the filter; a wrong
    figure, number text or a blank sends exactly its own row to the exact path."""
    units = [{"1": 500 + 7 * i, "2": 40 + i, "4": 30 + i, "5": round((30 + i) / (500 + 7 * i) * 100, 2),
              "8": 20 + i, "10": 15, "11": round(15 / (500 + 7 * i) * 100, 2)} for i in range(40)]
    table = HandmadeTable(Style(), units=named(units))

    def flagged(grid):
        check, _ = run_checks(grid, locate(grid))
        view = row_filter.ColumnView(check)
        rules = Rules(check)
        seen = []
        original = rules.unit[0].holds
        rules.unit[0].holds = lambda row, look: seen.append(row) or original(row, look)
        row_filter.broken_constraints(check, rules, view)
        return [r for r in seen if r in table.unit_rows], row_filter.unusual_rows(check, view)

    assert flagged(table.grid()) == ([], [])
    grid = table.grid()
    for unit_index, column, value in ((3, "2", 77), (10, "8", "21"), (20, "4", None)):
        grid.values[table.unit_rows[unit_index] - 1][table.col(column) - 1] = value
    rows, odd = flagged(grid)
    assert rows == [table.unit_rows[3], table.unit_rows[10], table.unit_rows[20]]
    assert odd == [table.unit_rows[10], table.unit_rows[20]]
    assert_same(grid, locate(grid))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 12), st.integers(1, 4), st.one_of(st.none(), st.floats(-5, 5))),
                max_size=30))
@example([(2, 1, 4.5), (8, 2, 4.5), (9, 3, 4.5), (1, 1, 4.5), (2, 4, None)])   # deleted at the first, last rows
def test_cell_numbers_behave_as_a_dictionary(operations):
    numbers, reference = CellNumbers(2, 8), {}
    for row, col, value in operations:
        numbers[(row, col)] = reference[(row, col)] = value
        if value is not None and value > 4:
            del numbers[(row, col)], reference[(row, col)]
    assert dict(numbers) == reference and len(numbers) == len(reference)
    for row in range(-4, 14):
        for col in range(0, 6):
            assert numbers.get((row, col)) == reference.get((row, col))
            assert ((row, col) in numbers) == ((row, col) in reference)
            if (row, col) not in reference:
                with pytest.raises(KeyError) as missing:
                    numbers[(row, col)]
                assert missing.value.args == ((row, col),)
