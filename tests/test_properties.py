"""Properties: a consistent table validates clean; one perturbed input is flagged at that cell."""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import arithmetic
from arithmetic import excel_round
from macros_py.core.checks import check_table
from macros_py.core.grid import Grid
from macros_py.forms.spec import get_form
from macros_py.core.table import locate

FORM = get_form()
NUMBERS = [c.number for c in FORM.columns]       # A, B, 1 … 13 in sheet order
FIRST = 3                                        # row 1 title, row 2 numbering row


@st.composite
def unit(draw):
    households = draw(st.integers(20, 4000))
    poor = draw(st.integers(1, households // 2))
    near = draw(st.integers(1, households - poor))
    poor_end = draw(st.integers(0, poor))
    near_end = draw(st.integers(0, near))
    # officers choose the target rate and round households: any rate within half a household
    slack_poor = draw(st.floats(-0.49, 0.49))
    slack_near = draw(st.floats(-0.49, 0.49))
    rate_end = excel_round(max(0.0, (poor_end + slack_poor)) / households * 100, 2)
    near_rate_end = excel_round(max(0.0, (near_end + slack_near)) / households * 100, 2)
    if abs(rate_end * households / 100 - poor_end) > 0.5:
        rate_end = excel_round(poor_end / households * 100, 2)
    if abs(near_rate_end * households / 100 - near_end) > 0.5:
        near_rate_end = excel_round(near_end / households * 100, 2)
    return {"1": households, "2": poor, "4": poor_end, "5": rate_end, "8": near, "10": near_end,
            "11": near_rate_end}


def build_grid(units: list[dict]) -> Grid:
    rows = [["BIỂU DỰ KIẾN GIẢM NGHÈO"], [c.numbering_text for c in FORM.columns]]
    # expectations by hand-written arithmetic (tests/arithmetic.py), never the product's formulas
    for i, u in enumerate(units, start=1):
        rows.append([i, f"Xã {i}"] + arithmetic.columns(arithmetic.unit_row(u)))
    rows.append([None, "Cộng"] + arithmetic.columns(arithmetic.total_row(units)))
    return Grid("Biểu", rows)


def error_cells(grid: Grid) -> set[str]:
    return {f.cell for f in check_table(grid, locate(grid)) if f.severity == "error"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(unit(), min_size=1, max_size=12))
def test_consistent_table_validates_clean(units):
    grid = build_grid(units)
    assert locate(grid) is not None
    assert [(f.cell, f.rule) for f in check_table(grid, locate(grid)) if f.severity != "info"] == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(unit(), min_size=2, max_size=12), st.data())
def test_one_perturbed_count_is_flagged_at_that_cell_and_nowhere_else(units, data):
    which = data.draw(st.integers(0, len(units) - 1))
    column = data.draw(st.sampled_from(["1", "2", "4", "8", "10"]))
    grid = build_grid(units)
    row, col = FIRST + which, NUMBERS.index(column) + 1
    old = grid.values[row - 1][col - 1]
    # Households change by at least a fifth, so the change shows in the rates too;
    # other counts by any whole number, staying at or above zero.
    if column == "1":
        delta = data.draw(st.integers(max(1, int(old * 0.2)), int(old)))
    else:
        delta = data.draw(st.integers(1, 200))
    sign = data.draw(st.sampled_from([1, -1])) if old - delta >= 0 else 1
    new = old + sign * delta
    if column == "1":
        # Only a change that shows in a printed rate can be placed at this cell; otherwise the
        # total row is the only evidence (1 poor household of 2,223 is 0.04 % either way).
        u = units[which]
        assume(new > 0 and any(abs(u[n] / new * 100 - excel_round(u[n] / old * 100, 2)) > 0.006
                               for n in ("2", "8")))
    grid.values[row - 1][col - 1] = new
    ref = f"{chr(64 + col)}{row}"
    assert error_cells(grid) == {ref}


def test_regression_small_rate_without_number_format_still_shows_two_decimals():
    """Found by the property above: 1/488 = 0.20 is stored as 0.2; a households change to 585
    (0.17) must still break the rate, so the culprit is the households cell, not the total."""
    units = [{"1": 488, "2": 1, "4": 0, "5": 0.0, "8": 1, "10": 0, "11": 0.0},
             {"1": 20, "2": 1, "4": 0, "5": 0.0, "8": 1, "10": 0, "11": 0.0}]
    grid = build_grid(units)
    grid.values[FIRST - 1][2] = 585
    assert error_cells(grid) == {"C3"}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(unit(), min_size=1, max_size=6), st.data())
def test_recalc_repairs_any_typed_formula_column_and_keeps_inputs(tmp_path_factory, units, data):
    """Whatever was typed in the formula columns, recalc's output has no formula or total error
    left, and every input cell is as it was."""
    import openpyxl

    from macros_py.commands.recalc import recalc_file
    from macros_py.commands.validate import validate_file

    grid = build_grid(units)
    formula_cols = [i for i, n in enumerate(NUMBERS) if n in ("3", "6", "7", "9", "12", "13")]
    for r in range(FIRST - 1, len(grid.values)):
        for i in formula_cols:
            if data.draw(st.booleans()):
                grid.values[r][i] = data.draw(st.floats(-1000, 1000, allow_nan=False))
    tmp = tmp_path_factory.mktemp("rc")
    wb = openpyxl.Workbook()
    for row in grid.values:
        wb.active.append(row)
    src, out = tmp / "typed.xlsx", tmp / "fixed.xlsx"
    wb.save(src)
    recalc_file(src, out)
    rules = {f.rule for s in validate_file(out).sheets for f in s.findings if f.severity == "error"}
    assert not rules & {"formula-mismatch", "total-rate", "total-not-sum", "likely-culprit"}
    before = openpyxl.load_workbook(src).active
    after = openpyxl.load_workbook(out).active
    for r in range(FIRST, FIRST + len(units)):
        for i, n in enumerate(NUMBERS):
            if n not in ("3", "6", "7", "9", "12", "13"):
                assert before.cell(r, i + 1).value == after.cell(r, i + 1).value
