"""The numbers of one table as the rules see them: every numeric cell read once,
number text read as meant, formula cells without a stored result computed.

Nothing is kept per cell beyond its number, so a 100,000-row table stays in bounded memory.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from ..forms import formulas
from ..forms.spec import Column
from .findings import CATALOGUE, Finding
from .grid import Grid
from .numbers import parse_number, shown_decimals
from .table import Table

Cell = tuple[int, int]
Lookup = Callable[[Cell], "float | None"]
NOISE = 1e-7


class SheetCheck:
    """The numbers of one table and the rules that apply to them."""

    def __init__(self, grid: Grid, table: Table):
        self.grid, self.table, self.form = grid, table, table.form
        self.numbers: dict[Cell, float | None] = {}
        self.text_numbers: dict[Cell, tuple[str, str, int]] = {}   # cell → (raw text, how read, decimals)
        self.findings: list[Finding] = []
        self._decimals: dict[Cell, int] = {}
        self.columns = [c for c in self.form.columns if c.is_number and c.number in table.columns]
        self.totals = [(sub, kids, "tổng nhóm") for sub, kids in table.subtotal_rows.items() if kids]
        if table.total_row is not None:
            self.totals.append((table.total_row, table.unit_rows, "Cộng"))
        self.rows = table.data_rows + ([table.total_row] if table.total_row else [])

    def cell(self, row: int, number: str) -> Cell:
        return (row, self.table.columns[number])

    def number(self, cell: Cell) -> float | None:
        return self.numbers.get(cell)

    def is_formula(self, cell: Cell) -> bool:
        return self.grid.has_formula(*cell)

    def raw(self, cell: Cell) -> Any:
        return self.grid.value(*cell)

    def decimals(self, cell: Cell, column: Column) -> int:
        """Decimals the reader sees in this cell (format, typed text, or at least the form's own)."""
        d = self._decimals.get(cell)
        if d is None:
            if cell in self.text_numbers:
                d = self.text_numbers[cell][2]
            else:
                value, fmt = self.numbers.get(cell), self.grid.number_format(*cell)
                if value is None:
                    d = column.decimals
                elif fmt:
                    d = shown_decimals(value, fmt)
                else:   # 0.20 reads back as 0.2: the form's decimals are the least the cell shows
                    d = max(shown_decimals(value), column.decimals)
            self._decimals[cell] = d
        return d

    def add(self, rule_id: str, cell: Cell, **kw) -> Finding:
        f = CATALOGUE[rule_id].finding(self.grid.name, *cell, **kw)
        self.findings.append(f)
        return f

    def row_values(self, row: int) -> dict[str, float | None]:
        return {c.number: self.numbers.get(self.cell(row, c.number)) for c in self.columns}



def read_cells(check: SheetCheck) -> None:
    """The number in every numeric cell; formula cells that have no cached value are computed."""
    values, numbers, texts = check.grid.values, check.numbers, check.text_numbers
    spec = [(check.table.columns[c.number], c.kind == "count") for c in check.columns]
    for row in check.rows:
        line = values[row - 1] if row <= len(values) else ()
        width = len(line)
        for col, whole in spec:
            raw = line[col - 1] if col <= width else None
            if isinstance(raw, float) or (isinstance(raw, int) and not isinstance(raw, bool)):
                numbers[(row, col)] = float(raw) if math.isfinite(raw) else None
            elif isinstance(raw, str) and raw:
                parsed = parse_number(raw, whole=whole)
                if parsed:
                    numbers[(row, col)] = parsed.value
                    texts[(row, col)] = (raw, parsed.how, parsed.decimals)
    _fill_uncached(check)


def _fill_uncached(check: SheetCheck) -> None:
    """Formula cells written by tools that store no result: compute them as the form does."""
    table_cols = {check.table.columns[c.number]: c for c in check.columns}
    todo: dict[int, list[Column]] = {}
    for cell in check.grid.formula_cells():
        if cell[1] in table_cols and check.raw(cell) is None:
            todo.setdefault(cell[0], []).append(table_cols[cell[1]])
    if not todo:
        return
    totals = {row: children for row, children, _ in check.totals}
    for row in check.table.unit_rows:
        if row in todo:
            values = formulas.compute(check.form, check.row_values(row))
            for c in todo[row]:
                check.numbers[check.cell(row, c.number)] = values.get(c.number)
    for row, children in totals.items():
        if row in todo:
            values = formulas.compute_total(check.form, [check.row_values(r) for r in children])
            for c in todo[row]:
                check.numbers[check.cell(row, c.number)] = values.get(c.number)
