"""The figures of a table as one hash: what "checked, not changed since" is measured against.

`send` stamps the copy with this hash; validate and consolidate recompute it on what
arrives. It covers every data row (units, subtotals, total): the unit's name and each
number column's value — not formulas, formats, colours or notes, so reformatting or a
LibreOffice save (which may rewrite a formula's stored result in its last binary digit)
changes nothing, while one changed figure changes the hash.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

from .grid import Grid
from .names import normalize_name
from .numbers import as_number
from .table import Table

PLACES = 6   # figures carry at most 2 decimals; 6 hides binary noise in computed results


def _canonical(value: object, whole: bool) -> str:
    """One text per figure: 1229, 1229.0 and "1.229" are the same count; blank is not zero."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f"bool:{value}"
    number = value if isinstance(value, (int, float)) else as_number(value, whole=whole)
    if isinstance(number, (int, float)):
        text = f"{round(float(number), PLACES):.{PLACES}f}"
        return "0." + "0" * PLACES if text.lstrip("-") == "0." + "0" * PLACES else text
    return "text:" + normalize_name(value)


class FiguresUnknown(Exception):
    """A formula cell without its stored result (a file written by a script): the figures cannot be read."""


def table_rows(grid: Grid, table: Table) -> list[str]:
    """The figures of each data row, one line per row in sheet order."""
    unit_col = table.columns.get(table.form.unit_column.number)
    numbers = [c for c in table.form.columns if c.is_number and c.number in table.columns]
    rows = sorted(set(table.data_rows) | ({table.total_row} if table.total_row else set()))
    lines = []
    for row in rows:
        name = normalize_name(grid.value(row, unit_col)) if unit_col else ""
        cells = []
        for c in numbers:
            col = table.columns[c.number]
            value = grid.value(row, col)
            if value is None and (row, col) in grid.errors:
                cells.append("")     # #VALUE!: no figure, as an .xls or .ods reader sees it too
                continue
            if value is None and grid.has_formula(row, col):
                raise FiguresUnknown(f"{grid.name}: row {row}, column {c.number}")
            cells.append(_canonical(value, c.kind == "count"))
        lines.append("\t".join([name, *cells]))
    return lines


def figures_hash(tables: Iterable[tuple[Grid, Table]]) -> str | None:
    """SHA-256 over the figures of every table in a workbook, in sheet order; None when a
    formula's result was not stored, so the figures shown in Excel cannot be known."""
    h = hashlib.sha256()
    try:
        for grid, table in tables:
            h.update(f"form:{table.form.id}\n".encode())
            for line in table_rows(grid, table):
                h.update(line.encode("utf-8") + b"\n")
    except FiguresUnknown:
        return None
    return h.hexdigest()
