"""Check a table against its form: findings for every broken rule, and nothing else.

The rules never know where the table came from (a file, a live Excel book). The table's
numbers are read once (`sheet_check`), every rule of the form is evaluated on every row
(`row_rules`; a column filter, `row_filter`, spares the exact evaluation where a rule certainly
holds), one wrong input that breaks several rules is named once (`culprits`), and single cells
are checked on their own (`cell_checks`).
"""
from __future__ import annotations

import os

from . import row_filter, row_rules
from .cell_checks import check_cells, check_duplicates, check_formula_cells
from .culprits import attribute_culprits
from .findings import CATALOGUE, SEVERITY_ORDER, Finding, drop_superseded
from .grid import Grid
from .row_rules import Rules
from .sheet_check import SheetCheck, read_cells
from .table import Table, no_units_message

# Set (as the test suite does) to run the exact path beside the filtered one on every table and
# fail loudly if their findings differ in any way.
VERIFY_ENV = "GIAMNGHEO_VERIFY_FILTER"


def check_table(grid: Grid, table: Table, *, exact: bool = False) -> list[Finding]:
    """All findings for one table, most severe first, in sheet order."""
    return run_checks(grid, table, exact=exact)[1]


def run_checks(grid: Grid, table: Table, *, exact: bool = False) -> tuple[SheetCheck | None, list[Finding]]:
    """The table's numbers as the rules read them (None for a table without units) and its
    findings. `exact` evaluates every rule on every row, without the column filter."""
    if not table.unit_rows:      # never "no errors" for a table read as empty
        return None, [CATALOGUE["no-units"].finding(grid.name, table.numbering_row,
                                                    table.columns[table.form.unit_column.number],
                                                    message=no_units_message(table))]
    check = SheetCheck(grid, table)
    read_cells(check)
    rules = Rules(check)
    if exact:
        broken = row_rules.broken_constraints(check, rules)
        check_cells(check)
        check_formula_cells(check)
        check_duplicates(check)
    else:
        view = row_filter.ColumnView(check)
        broken = row_filter.broken_constraints(check, rules, view)
        row_filter.single_cell_checks(check, view)
    findings = drop_superseded(attribute_culprits(check, rules, broken) + check.findings)
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.row, f.col))
    if not exact and os.environ.get(VERIFY_ENV) == "1":
        _verify(findings, run_checks(grid, table, exact=True)[1])
    return check, findings


def _verify(fast: list[Finding], exact: list[Finding]) -> None:
    def key(f: Finding) -> tuple:
        return (f.sheet, f.cell, f.rule, f.severity, f.message, repr(f.expected), repr(f.actual), f.follows,
                f.decimals, f.cells)

    if [key(f) for f in fast] != [key(f) for f in exact]:
        raise AssertionError("row_filter: the filtered checks differ from the exact ones:\n  filtered "
                             + "\n  filtered ".join(map(str, map(key, fast))) + "\n  exact "
                             + "\n  exact ".join(map(str, map(key, exact))))
