"""A sheet as the core sees it: values, formulas and number formats by (row, col).

Every engine (file, live Excel) produces Grids; nothing downstream knows
where a Grid came from.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterator


CELL_KEY_WIDTH = 16385   # one more than Excel's columns (XFD = 16384): cell_key(row, col) = row * width + col


def cell_key(row: int, col: int) -> int:
    """One int per cell (not a tuple): a 100,000-row table has over a million formatted cells."""
    return row * CELL_KEY_WIDTH + col


class CellFacts:
    """What the file engine learns from the sheet XML, kept flat: one byte per cell for "holds a
    formula" and one style index per cell over the grid's rectangle (a few MB at 100,000 rows,
    where dictionaries of per-cell objects took hundreds), plus the style → number format table.
    The rare cells outside the rectangle (formulas without a stored result past the last value)
    go to small dictionaries."""

    __slots__ = ("nrows", "ncols", "flags", "styles", "style_formats", "outside_formulas", "outside_styles", "_codes",
                 "_deferred")

    def __init__(self, nrows: int, ncols: int, style_formats: list[str | None]):
        self.nrows, self.ncols = nrows, ncols
        self.flags = bytearray(nrows * ncols)
        self.styles = array("H", bytes(2 * nrows * ncols))
        self.style_formats = style_formats            # None where the style shows General
        self.outside_formulas: set[int] = set()        # cell_key
        self.outside_styles: dict[int, int] = {}       # cell_key → style index
        self._codes: set[str] | None = None
        self._deferred: list[tuple[int, int, Callable[[], None]]] = []   # rows whose styles are read when asked

    def defer_styles(self, first: int, last: int, load: Callable[[], None]) -> None:
        """The styles of rows first..last are read by `load` when a cell of them is first asked for."""
        self._deferred.append((first, last, load))

    def _load_styles(self, row: int | None = None) -> None:
        """Read the deferred styles of the rows around `row` (of every row if None)."""
        todo = [d for d in self._deferred if row is None or d[0] <= row <= d[1]]
        if todo:
            self._deferred = [d for d in self._deferred if d not in todo]
            for _, _, load in todo:
                load()

    def index(self, row: int, col: int) -> int:
        """Position in the flat arrays, or -1 outside the rectangle."""
        if 0 < row <= self.nrows and 0 < col <= self.ncols:
            return (row - 1) * self.ncols + col - 1
        return -1

    def set_formula(self, row: int, col: int) -> None:
        i = self.index(row, col)
        if i < 0:
            self.outside_formulas.add(cell_key(row, col))
        else:
            self.flags[i] = 1

    def set_style(self, row: int, col: int, style: int) -> None:
        i = self.index(row, col)
        if i < 0 or style > 0xFFFF:
            self.outside_styles[cell_key(row, col)] = style
            if i >= 0:
                self.styles[i] = 0        # the dictionary answers for this cell now
        else:
            self.styles[i] = style

    def has_formula(self, row: int, col: int) -> bool:
        i = self.index(row, col)
        return bool(self.flags[i]) if i >= 0 else cell_key(row, col) in self.outside_formulas

    def number_format(self, row: int, col: int) -> str | None:
        if self._deferred:
            self._load_styles(row)
        i = self.index(row, col)
        style = self.styles[i] if i >= 0 else 0
        if not style:
            style = self.outside_styles.get(cell_key(row, col), 0)
        return self.style_formats[style] if 0 < style < len(self.style_formats) else None

    def format_codes(self) -> set[str]:
        """Every number format that some cell shows (computed once)."""
        if self._codes is None:
            self._load_styles()
            used = set(self.styles) | set(self.outside_styles.values())
            self._codes = {self.style_formats[s] for s in used if 0 < s < len(self.style_formats)} - {None}
        return self._codes

    def formula_cells(self) -> Iterator[tuple[int, int]]:
        flags, ncols, i = self.flags, self.ncols, self.flags.find(1)
        while i >= 0:
            yield divmod(i, ncols)[0] + 1, i % ncols + 1
            i = flags.find(1, i + 1)
        for key in self.outside_formulas:
            yield divmod(key, CELL_KEY_WIDTH)


@dataclass
class Grid:
    name: str
    values: list[list[Any]]                                   # row-major from A1; '' or None = empty
    formulas: dict[int, str] = field(default_factory=dict)   # by cell_key(row, col) → '=…'
    formats: dict[int, str] = field(default_factory=dict)   # number formats by cell_key(row, col), if known
    errors: dict[tuple[int, int], str] = field(default_factory=dict)     # cached error values (#DIV/0!)
    # formula cells whose stored result is empty text (a guarded =IF(COUNT(…)<2,"",…) printing
    # nothing): they print blank, never what their formula would compute
    blank_results: set[tuple[int, int]] = field(default_factory=set)
    # formulas saved without a result that divide, with their text (the file engine reads no other
    # formula's text): guarded or not decides whether a zero divisor shows #DIV/0!
    uncached_divisions: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: frozenset[int] = frozenset()
    cache: dict = field(default_factory=dict, repr=False, compare=False)   # derived facts finders reuse
    knows_formulas: bool = False   # False when the engine cannot tell formulas from typed values (.xls, .ods)
    facts: CellFacts | None = None  # the file engine's flat formula flags and styles (formula text not kept)
    knows_formats: bool = False    # False when number formats are unknown (.xls/.ods via calamine, live Excel)
    hidden: bool = False            # a hidden (or very hidden) sheet: never shown to officers

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
        """The formula's text where the engine read it (live Excel, openpyxl, `formula_text=True`)."""
        return self.formulas.get(cell_key(row, col))

    def has_formula(self, row: int, col: int) -> bool:
        if self.facts is not None and self.facts.has_formula(row, col):
            return True
        return cell_key(row, col) in self.formulas

    def set_formula(self, row: int, col: int, text: str) -> None:
        self.formulas[cell_key(row, col)] = text
        if self.facts is not None:
            self.facts.set_formula(row, col)

    def formula_cells(self):
        """(row, col) of every formula cell."""
        if self.facts is not None:
            return self.facts.formula_cells()
        return (divmod(key, CELL_KEY_WIDTH) for key in self.formulas)

    def format_codes(self) -> set[str]:
        """Every number format that some cell of the sheet shows (e.g. is any cell a percentage?)."""
        codes = set(self.formats.values())
        if self.facts is not None:
            codes |= self.facts.format_codes()
        return codes

    def possible_format_codes(self) -> set[str]:
        """A superset of format_codes known without reading any cell's style: the sheet's style
        table (is a percent format possible at all?)."""
        codes = set(self.formats.values())
        if self.facts is not None:
            codes.update(f for f in self.facts.style_formats if f is not None)
        return codes

    def number_format(self, row: int, col: int) -> str | None:
        code = self.formats.get(cell_key(row, col))
        if code is None and self.facts is not None:
            code = self.facts.number_format(row, col)
        return code
