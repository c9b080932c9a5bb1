"""The numbers of a table's cells, one list per column.

A dictionary keyed by (row, col) tuples cost about 140 bytes a cell (140 MiB at 100,000
rows); a list per column indexed by the row's offset from the table's first row costs a
pointer a cell, and the float objects themselves are the grid's own. The rules look cells up
through `get((row, col))` as before, and the column filter (row_filter) reads whole columns.
"""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping

Cell = tuple[int, int]


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()    # no number for this cell (unlike None: a number that could not be computed)


class CellNumbers(MutableMapping):
    """(row, col) → float | None over the rows first..last of a table; any other cell goes to a
    small dictionary. Mapping semantics are a dict's: a cell set to None is present."""

    def __init__(self, first: int, last: int):
        self.first, self.span = first, max(0, last - first + 1)
        self.columns: dict[int, list] = {}
        self.extra: dict[Cell, float | None] = {}
        columns, extra, span = self.columns, self.extra, self.span

        def get(cell: Cell, default=None):          # the rules' hot path: a closure, no attribute lookups
            column = columns.get(cell[1])
            if column is not None:
                i = cell[0] - first
                if 0 <= i < span:
                    v = column[i]
                    return default if v is ABSENT else v
            return extra.get(cell, default)

        self.get = get

    def column(self, col: int) -> list:
        """The column's list (ABSENT where a cell has no number), created on first use."""
        found = self.columns.get(col)
        if found is None:
            found = self.columns[col] = [ABSENT] * self.span
        return found

    def _slot(self, cell: Cell) -> tuple[list, int] | None:
        i = cell[0] - self.first
        if 0 <= i < self.span and cell[1] in self.columns:
            return self.columns[cell[1]], i
        return None

    def __getitem__(self, cell: Cell) -> float | None:
        v = self.get(cell, ABSENT)
        if v is ABSENT:
            raise KeyError(cell)
        return v

    def __setitem__(self, cell: Cell, value: float | None) -> None:
        i = cell[0] - self.first
        if 0 <= i < self.span:
            self.column(cell[1])[i] = value
        else:
            self.extra[cell] = value

    def __delitem__(self, cell: Cell) -> None:
        slot = self._slot(cell)
        if slot is not None and slot[0][slot[1]] is not ABSENT:
            slot[0][slot[1]] = ABSENT
        else:
            del self.extra[cell]

    def __contains__(self, cell: object) -> bool:
        return isinstance(cell, tuple) and self.get(cell, ABSENT) is not ABSENT

    def __iter__(self) -> Iterator[Cell]:
        first = self.first
        for col, values in self.columns.items():
            for i, v in enumerate(values):
                if v is not ABSENT:
                    yield first + i, col
        yield from self.extra

    def __len__(self) -> int:
        return sum(self.span - values.count(ABSENT) for values in self.columns.values()) + len(self.extra)
