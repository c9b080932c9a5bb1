"""Check a table against its form: findings for every broken rule, and nothing else.

The rules never know where the table came from (a file, a live Excel book). The table's
numbers are read once (`sheet_check`), every rule of the form is evaluated on every row
(`row_rules`), one wrong input that breaks several rules is named once (`culprits`), and
single cells are checked on their own (`cell_checks`).
"""
from __future__ import annotations

from .cell_checks import check_cells, check_duplicates, check_formula_cells
from .culprits import attribute_culprits
from .findings import CATALOGUE, SEVERITY_ORDER, Finding
from .grid import Grid
from .row_rules import Rules, broken_constraints
from .sheet_check import SheetCheck, read_cells
from .table import Table, no_units_message


def check_table(grid: Grid, table: Table) -> list[Finding]:
    """All findings for one table, most severe first, in sheet order."""
    if not table.unit_rows:      # never "no errors" for a table read as empty
        return [CATALOGUE["no-units"].finding(grid.name, table.numbering_row, table.columns[table.form.unit_column.number],
                                              message=no_units_message(table))]
    check = SheetCheck(grid, table)
    read_cells(check)
    rules = Rules(check)
    broken = broken_constraints(check, rules)
    check_cells(check)
    check_formula_cells(check)
    check_duplicates(check)
    findings = attribute_culprits(check, rules, broken) + check.findings
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.row, f.col))
    return findings
