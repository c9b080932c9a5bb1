"""A sheet as the core sees it: values, formulas and number formats by (row, col).

Every engine (file, live Excel) produces Grids; nothing downstream knows
where a Grid came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


CELL_KEY_WIDTH = 16384   # Excel's column count: cell_key(row, col) = row * width + col


def cell_key(row: int, col: int) -> int:
    """One int per cell (not a tuple): a 100,000-row table has over a million formatted cells."""
    return row * CELL_KEY_WIDTH + col


@dataclass
class Grid:
    name: str
    values: list[list[Any]]                                   # row-major from A1; '' or None = empty
    formulas: dict[int, str] = field(default_factory=dict)   # by cell_key(row, col) → '=…'
    formats: dict[int, str] = field(default_factory=dict)   # number formats by cell_key(row, col), if known
    errors: dict[tuple[int, int], str] = field(default_factory=dict)     # cached error values (#DIV/0!)
    hidden_rows: frozenset[int] = frozenset()
    cache: dict = field(default_factory=dict, repr=False, compare=False)   # derived facts finders reuse
    knows_formulas: bool = False   # False when the engine cannot tell formulas from typed values (.xls, .ods)
    knows_formats: bool = False    # False when number formats are unknown (.xls/.ods via calamine, live Excel)

    @property
    def nrows(self) -> int:
        return len(self.values)

    @cached_property
    def ncols(self) -> int:
        """Widest row (computed once: the table finder asks for it on every row)."""
        return max((len(r) for r in self.values), default=0)

    def value(self, row: int, col: int) -> Any:
        """The cell's value (1-based), None when empty or outside the sheet."""
        if row < 1 or col < 1 or row > len(self.values):
            return None
        line = self.values[row - 1]
        if col > len(line):
            return None
        v = line[col - 1]
        return None if v == "" else v

    def formula(self, row: int, col: int) -> str | None:
        return self.formulas.get(cell_key(row, col))

    def has_formula(self, row: int, col: int) -> bool:
        return cell_key(row, col) in self.formulas

    def set_formula(self, row: int, col: int, text: str) -> None:
        self.formulas[cell_key(row, col)] = text

    def formula_cells(self):
        """(row, col) of every formula cell."""
        return (divmod(key, CELL_KEY_WIDTH) for key in self.formulas)

    def number_format(self, row: int, col: int) -> str | None:
        return self.formats.get(cell_key(row, col))
