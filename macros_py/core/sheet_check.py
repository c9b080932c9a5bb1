"""The numbers of one table as the rules see them: every numeric cell read once, number text read
as meant, rates in the percent points the cell shows (whether stored as 8.25 or as 0.0825 with a
percent format), formula cells without a stored result computed.

Formula cells follow their inputs: `dependents` names the live formula cells a cell feeds (in
the order a spreadsheet computes them) and `recompute` gives what such a cell would show, so a
wrong input is judged with everything that follows from it, and an error value or a stale
figure caused by number text is explained by that input instead of reported again.

Nothing is kept per cell beyond its number, so a 100,000-row table stays in bounded memory.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

from ..forms import formulas, notation
from ..forms.spec import Column
from .findings import CATALOGUE, Finding
from .cell_numbers import ABSENT, CellNumbers
from .grid import Grid
from .numbers import format_vi, parse_number, shown_decimals
from .percent import PERCENT, from_stored, is_percent_format, percent_columns
from .table import Table, percent_conventions

Cell = tuple[int, int]
Lookup = Callable[[Cell], "float | None"]
NOISE = 1e-7


class SheetCheck:
    """The numbers of one table and the rules that apply to them."""

    def __init__(self, grid: Grid, table: Table):
        self.grid, self.table, self.form = grid, table, table.form
        self.text_numbers: dict[Cell, tuple[str, str, int]] = {}   # cell → (raw text, how read, decimals)
        self.findings: list[Finding] = []
        self._decimals: dict[Cell, int] = {}
        self.columns = [c for c in self.form.columns if c.is_number and c.number in table.columns]
        self.totals = [(sub, kids, "tổng nhóm") for sub, kids in table.subtotal_rows.items() if kids]
        if table.total_row is not None:
            self.totals.append((table.total_row, table.unit_rows, "Cộng"))
        self.rows = table.data_rows + ([table.total_row] if table.total_row else [])
        self.numbers = CellNumbers(min(self.rows, default=1), max(self.rows, default=0))
        self.children = {row: kids for row, kids, _ in self.totals}
        self.parents: dict[int, list[int]] = {}
        for row, kids, _ in self.totals:
            for r in kids:
                self.parents.setdefault(r, []).append(row)
        self.number_of = {col: n for n, col in table.columns.items()}
        self.percent = percent_columns(self.form) & set(table.columns)
        self.conventions: dict[str, float] = {}     # percent column → how its cells are stored
        self.scales: dict[Cell, float] = {}         # numeric cells of percent columns → 1.0 or PERCENT
        self.follows: dict[Cell, list[Cell]] = {}   # an input with a problem → formula cells it explains
        self.explained: dict[Cell, Cell] = {}       # formula cell → the input it follows from
        self.errors: dict[Cell, str] = grid.errors  # error values shown: stored, or computed (uncached)
        self.uncached: dict[Cell, float | None] = {}  # formula cells without a stored result → what they show
        self.unsure: set[Cell] = set()              # … where that depends on the computer (number text)
        self.inferred_columns: set[str] = set()     # formulas unknown: unit-row columns that compute exactly
        self.inferred_cells: set[Cell] = set()      # … and (sub)total cells that do
        self.typed_over: set[Cell] = set()          # numbers typed over a formula the rest of the column has
        self._readers = {total: _readers(self.form, total) for total in (False, True)}
        self._order = {total: _order(self.form, total) for total in (False, True)}

    def cell(self, row: int, number: str) -> Cell:
        return (row, self.table.columns[number])

    def number(self, cell: Cell) -> float | None:
        return self.numbers.get(cell)

    def is_formula(self, cell: Cell) -> bool:
        return self.grid.has_formula(*cell)

    def computed(self, cell: Cell) -> bool:
        """Does the cell follow its inputs? A formula cell; where the engine cannot tell formulas
        (.xls/.ods, the remote Excel engine), a cell of a column that is everywhere exactly what
        the form computes (`=D8/C8*100` leaves 8.2491582…, never a typed 8.25)."""
        if self.grid.knows_formulas:
            return self.grid.has_formula(*cell)
        if cell in self.inferred_cells:
            return True
        return cell[0] not in self.children and self.number_of.get(cell[1]) in self.inferred_columns

    def raw(self, cell: Cell) -> Any:
        return self.grid.value(*cell)

    def column(self, cell: Cell) -> Column:
        return self.form.column(self.number_of[cell[1]])

    # ------------------------------------------------------------------ how cells are stored and shown
    def scale(self, cell: Cell, *, as_number: bool = False) -> float:
        """1.0 if the cell stores percent points (8.25), PERCENT if a fraction (0.0825 shown 8,25%).
        Number text shows as typed (1.0) unless `as_number`: the scale it takes once a number."""
        s = self.scales.get(cell)
        if s is not None:
            return s
        number = self.number_of.get(cell[1])
        if number not in self.percent or (cell in self.text_numbers and not as_number):
            return 1.0
        if self.grid.knows_formats and self.raw(cell) is not None:
            return PERCENT if is_percent_format(self.grid.number_format(*cell)) else 1.0
        return self.conventions.get(number, 1.0)

    def decimals(self, cell: Cell, column: Column) -> int:
        """The precision a figure is judged at: the fewer of the decimals the cell shows and the
        decimals the stored number holds, but never coarser than one decimal where the form's
        column has decimals (`0,8` in a `0.00` cell is judged at one decimal, `3` for 2,84 too)."""
        d = self._decimals.get(cell)
        if d is None:
            value = self.numbers.get(cell)
            if cell in self.text_numbers:
                d = self.text_numbers[cell][2]
            elif value is None:
                d = column.decimals
            else:
                fmt = self.grid.number_format(*cell)
                if fmt:
                    shown = shown_decimals(value, fmt)
                elif self.grid.knows_formats:
                    shown = shown_decimals(value)     # General shows the number as stored
                else:
                    shown = column.decimals or shown_decimals(value)
                d = next((k for k in range(1 if column.decimals else 0, shown) if _holds_at_most(value, k)), shown)
            if column.decimals:
                d = max(d, 1)
            self._decimals[cell] = d
        return d

    def shown_places(self, cell: Cell) -> int | None:
        """Decimals the cell shows (for messages that quote it as the officer sees it); a whole
        count is written whole whatever its format (101, never 101,00)."""
        fmt = self.grid.number_format(*cell)
        value = self.numbers.get(cell)
        column = self.column(cell)
        if cell in self.text_numbers:
            return self.text_numbers[cell][2]
        if not column.decimals:
            return 0 if value is not None and abs(value - round(value)) < NOISE else None
        if fmt and value is not None:
            return shown_decimals(value, fmt)
        return column.decimals

    def percent_sign(self, cell: Cell) -> str:
        """'%' where the cell shows a percent sign (a percent format), else nothing."""
        return "%" if self.scale(cell) == PERCENT else ""

    def shown(self, cell: Cell, value: float | None = None) -> str:
        """A figure of this cell written as the officer sees it ('8,25%', '1.188', '-2,50')."""
        value = self.numbers.get(cell) if value is None else value
        places = self.shown_places(cell)
        if value is not None and not places:
            places = 0 if abs(value - round(value)) < NOISE else None
        return format_vi(value, places) + (self.percent_sign(cell) if value is not None else "")

    def where(self, cell: Cell) -> str:
        """'Yên Phúc, cột 2 — Số hộ nghèo đầu năm' / 'dòng Cộng, cột 1 — Tổng số hộ dân cư'."""
        row = cell[0]
        name = self.grid.value(row, self.table.columns[self.form.unit_column.number])
        label = " ".join(str(name).split()) if name is not None else ""
        if row in self.children:
            label = f"dòng {label or self.form.total_label}"
        elif not label:
            label = f"dòng {row}"
        column = self.column(cell)
        return f"{label}, cột {column.number} — {column.name}"

    def add(self, rule_id: str, cell: Cell, **kw) -> Finding:
        f = CATALOGUE[rule_id].finding(self.grid.name, *cell, **kw)
        self.findings.append(f)
        return f

    def row_values(self, row: int) -> dict[str, float | None]:
        return {c.number: self.numbers.get(self.cell(row, c.number)) for c in self.columns}

    # ------------------------------------------------------------------ formula cells follow their inputs
    def _expr(self, row: int, column: Column):
        """What the cell computes: a list of rows to sum, an expression, or None (an input)."""
        kids = self.children.get(row)
        if kids is not None:
            if formulas.is_summed(column):
                return kids
            return formulas.total_expr(column)
        return formulas.row_expr(column)

    def recompute(self, cell: Cell, look: Lookup) -> float | None:
        """What a formula cell shows when its inputs read `look` (a SUM skips blanks, as Excel's does,
        but shows an error value it sums: None)."""
        row, col = cell
        expr = self._expr(row, self.column(cell))
        if expr is None:
            return look(cell)
        if isinstance(expr, list):
            values = [look((r, col)) for r in expr]
            if any(v is None and (r, col) in self.errors for r, v in zip(expr, values)):
                return None
            return float(sum(v for v in values if v is not None))
        operands, fn = notation.compile_expr(expr)
        cols = self.table.columns
        if any(n not in cols for n in operands):
            return None
        return fn([look((row, cols[n])) for n in operands])

    def direct_dependents(self, cell: Cell) -> list[Cell]:
        """Formula cells that read this cell: its row's formulas, and the (sub)totals summing it."""
        row, col = cell
        number = self.number_of.get(col)
        if number is None:
            return []
        cols, out = self.table.columns, []
        for n in self._readers[row in self.children].get(number, ()):
            if n in cols and self.computed((row, cols[n])):
                out.append((row, cols[n]))
        if formulas.is_summed(self.form.column(number)):
            out += [(p, col) for p in self.parents.get(row, ()) if self.computed((p, col))]
        return out

    def dependents(self, cell: Cell) -> list[Cell]:
        """Every formula cell computed from this one, directly or not, in computing order."""
        seen, todo = set(), [cell]
        while todo:
            for d in self.direct_dependents(todo.pop()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        seen.discard(cell)
        return sorted(seen, key=self._order_key)

    def inputs_of(self, cell: Cell) -> list[Cell]:
        """The typed cells a cell shows the result of: itself if typed, else what its formula reads."""
        out, seen, todo = [], set(), [cell]
        cols = self.table.columns
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            expr = self._expr(c[0], self.column(c)) if self.computed(c) else None
            if expr is None:
                out.append(c)
            elif isinstance(expr, list):
                todo += [(r, c[1]) for r in expr]
            else:
                todo += [(c[0], cols[n]) for n in notation.columns_of(expr) if n in cols]
        return out

    def _order_key(self, cell: Cell) -> tuple:
        row = cell[0]
        level = 0 if row not in self.children else (2 if row == self.table.total_row else 1)
        return level, row, self._order[row in self.children].get(self.number_of[cell[1]], -1)

    def same_shown(self, cell: Cell, a: float | None, b: float | None) -> bool:
        """Would the cell show the same figure for a and b (at the form's decimals)?"""
        if a is None or b is None:
            return a is None and b is None
        places = self.column(cell).decimals
        return abs(a - b) <= 0.5 * 10.0 ** -places + NOISE * max(1.0, abs(a))


def _holds_at_most(value: float, places: int) -> bool:
    """Does the stored number have at most this many decimals (0.8 at one, 8.25 at two)?"""
    scaled = value * 10.0 ** places
    return abs(scaled - round(scaled)) <= 1e-9 * max(1.0, abs(scaled))


def _readers(form, total: bool) -> dict[str, list[str]]:
    """Column number → columns of the same row whose formula reads it."""
    out: dict[str, list[str]] = {}
    for c in form.columns:
        expr = (formulas.total_expr(c) if total else formulas.row_expr(c)) if c.is_number else None
        if expr is not None:
            for n in notation.columns_of(expr):
                out.setdefault(n, []).append(c.number)
    return out


def _order(form, total: bool) -> dict[str, int]:
    return {c.number: i for i, c in enumerate(formulas.computed_order(form, total))}


def read_cells(check: SheetCheck) -> None:
    """The number in every numeric cell, in percent points; formula cells that have no cached value
    are computed; formula cells spoiled by number text are explained by it."""
    rows = sorted(check.rows)
    columns = raw_columns(check.grid, rows, [check.table.columns[c.number] for c in check.columns])
    blanks = [cell for c in check.columns
              for cell in _read_column(check, rows, check.table.columns[c.number], c.kind == "count",
                                       columns[check.table.columns[c.number]])]
    _read_percent(check)
    _fill_uncached(check, blanks)
    _explain_problem_inputs(check)
    if not check.grid.knows_formulas:
        _infer_formulas(check)


def raw_columns(grid: Grid, rows: list[int], cols: list[int]) -> dict[int, list[Any]]:
    """The stored values of the given columns at the given rows ('' or None where empty), the
    lines transposed at once where they are all as wide (calamine's are)."""
    values = grid.values
    lines = [values[r - 1] if r <= len(values) else () for r in rows]
    widths = set(map(len, lines))
    if len(widths) == 1 and max(cols, default=0) <= widths.pop():
        transposed = list(zip(*lines))
        return {col: list(transposed[col - 1]) for col in cols}
    return {col: [line[col - 1] if len(line) >= col else None for line in lines] for col in cols}


def _read_column(check: SheetCheck, rows: list[int], col: int, whole: bool, raws: list[Any]) -> list[Cell]:
    """One column's numbers at the (sorted) rows: floats taken as they are (the grid's own
    objects), ints as floats, number text read as meant (remembered in text_numbers), anything
    else left out. Returns the empty cells."""
    numbers, blanks = check.numbers, []
    odd = [i for i, v in enumerate(raws) if v.__class__ is not float]
    if odd:
        found = [v if v.__class__ is float else ABSENT for v in raws]
        finite = math.isfinite(sum([v for v in raws if v.__class__ is float]))
    else:
        found, finite = raws, math.isfinite(sum(raws))
    if not finite:
        found = [None if v.__class__ is float and not math.isfinite(v) else v for v in found]
    for i in odd:
        raw = raws[i]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):      # ints, float subclasses
            found[i] = float(raw) if math.isfinite(raw) else None
        elif isinstance(raw, str) and raw:
            parsed = parse_number(raw, whole=whole)
            if parsed:
                found[i] = parsed.value
                check.text_numbers[(rows[i], col)] = (raw, parsed.how, parsed.decimals)
        elif raw is None or raw == "":
            blanks.append((rows[i], col))
    if len(rows) == numbers.span:         # the rows are first..last without a gap: the list is the column
        numbers.columns[col] = found
    else:
        column, first = numbers.column(col), numbers.first
        for row, v in zip(rows, found):
            column[row - first] = v
    return blanks


def _infer_formulas(check: SheetCheck) -> None:
    """Formulas unknown: which cells follow their inputs, from figures that are exactly computed."""
    def exact(cell: Cell) -> bool:
        v, e = check.numbers.get(cell), check.recompute(cell, check.numbers.get)
        return v is not None and e is not None and cell not in check.text_numbers \
            and abs(v - e) <= 1e-9 * max(1.0, abs(e))

    for c in check.columns:
        if formulas.row_expr(c) is None:
            continue
        cells = [check.cell(r, c.number) for r in check.table.unit_rows if check.numbers.get(check.cell(r, c.number))]
        if len(cells) >= 2 and all(exact(cell) for cell in cells):
            check.inferred_columns.add(c.number)
    for row in check.children:
        for c in check.columns:
            cell = check.cell(row, c.number)
            if check._expr(row, c) is not None and check.numbers.get(cell) and exact(cell):
                check.inferred_cells.add(cell)


def _read_percent(check: SheetCheck) -> None:
    """Fractions shown with a percent format (or, formats unknown, a column of them) → percent points."""
    if not check.percent:
        return
    cols = {n: check.table.columns[n] for n in check.percent}
    numbers, grid = check.numbers, check.grid
    if grid.knows_formats:
        if not any(is_percent_format(f) for f in grid.possible_format_codes()) or \
                not any(is_percent_format(f) for f in grid.format_codes()):
            return                      # no percent format anywhere: every figure at face value
        for n, col in cols.items():
            seen = percent = 0
            for row in check.rows:
                cell = (row, col)
                if numbers.get(cell) is not None and cell not in check.text_numbers:
                    scale = PERCENT if is_percent_format(grid.number_format(row, col)) else 1.0
                    check.scales[cell] = scale
                    seen += 1
                    percent += scale == PERCENT
            check.conventions[n] = PERCENT if percent * 2 > seen else 1.0
    else:
        check.conventions = percent_conventions(grid, check.table)
        for n, col in cols.items():
            scale = check.conventions.get(n, 1.0)
            for row in check.rows:
                if numbers.get((row, col)) is not None and (row, col) not in check.text_numbers:
                    check.scales[(row, col)] = scale
    for cell, scale in check.scales.items():
        if scale != 1.0:
            numbers[cell] = from_stored(numbers[cell], scale)


def _fill_uncached(check: SheetCheck, blanks: list[Cell]) -> None:
    """Formula cells written by tools that store no result (openpyxl): computed as the spreadsheet
    will show them, so a wrong printed figure is reported like a stored one. A SUM skips number
    text (the total prints without that row: 12.323 for 13.850); an error value read is passed on;
    arithmetic on text that is no number gives #VALUE!; arithmetic on number text gives whatever
    the computer's regional settings read it as ('1.527': 1527 or 1,527), unknown here, except
    plain digits ('45'), which every spreadsheet reads as the number. Rates
    are rounded to the form's decimals, as the form's formulas (and officers' printed tables) are."""
    grid = check.grid
    todo = [cell for cell in blanks if grid.has_formula(*cell) and cell not in grid.errors
            and cell not in grid.blank_results]
    for cell in sorted(todo, key=check._order_key):
        value, error = _as_shown(check, cell)
        check.numbers[cell] = check.uncached[cell] = value
        if error == "?":
            check.unsure.add(cell)
        elif error:
            if check.errors is check.grid.errors:
                check.errors = dict(check.grid.errors)
            check.errors[cell] = error


def _as_shown(check: SheetCheck, cell: Cell) -> tuple[float | None, str | None]:
    """What a formula cell without a stored result shows: (number, None), (None, error value) or
    (None, '?') when it depends on how the computer reads number text."""
    row, col = cell
    expr = check._expr(row, check.column(cell))
    if expr is None:
        return check.numbers.get(cell), None
    cols = check.table.columns
    reads = [(r, col) for r in expr] if isinstance(expr, list) else \
        [(row, cols[n]) for n in notation.columns_of(expr) if n in cols]
    error = next((check.errors[c] for c in reads if c in check.errors), None)
    if error:
        return None, error
    if any(c in check.unsure for c in reads):
        return None, "?"
    if isinstance(expr, list):          # SUM: text is skipped, whatever it says
        present = [v for c in reads if c not in check.text_numbers and (v := check.numbers.get(c)) is not None]
        if not present:                 # 0, or empty where the total is guarded (=IF(COUNT(…)=0,"",…))
            return None, ("?" if any(c in check.text_numbers for c in reads) else None)
        return float(sum(present)), None
    if any(c in check.text_numbers and not _read_alike(check.text_numbers[c][0]) for c in reads):
        return None, "?"
    if any(check.numbers.get(c) is None and isinstance(check.raw(c), str) for c in reads):
        return None, "#VALUE!"
    if _divides_by_zero(check, cell, expr):
        return None, "#DIV/0!"
    value, places = check.recompute(cell, check.numbers.get), check.column(cell).decimals
    # rounded as the form's formulas round (=ROUND(M25-K25,2) prints -2,71, not -2,72)
    return (notation.excel_round(value, places) if value is not None and places else value), None


def _divides_by_zero(check: SheetCheck, cell: Cell, expr: notation.Expr) -> bool:
    """Does the cell's own formula divide by a zero or empty cell without a guard? `=D15/C15*100`
    over 0 households shows #DIV/0! in every spreadsheet, where the form's formula (and the tool's,
    =IF(C15=0,0,…)) gives 0. A formula with any IF in it is taken as guarded."""
    text = check.grid.formula(*cell) or check.grid.uncached_divisions.get(cell)
    if not text or "/" not in text or "IF" in text.upper():
        return False
    row, cols = cell[0], check.table.columns

    def value(n: str) -> float | None:
        c = (row, cols[n])
        v = check.numbers.get(c)
        return 0.0 if v is None and check.raw(c) is None else v

    values = {n: value(n) for n in notation.columns_of(expr) if n in cols}
    return any(notation.evaluate(d.right, values) == 0 for d in notation.divisions(expr))


def _read_alike(text: str) -> bool:
    """Is number text read as the same number by every spreadsheet's arithmetic, whatever the
    computer's separators ('45': Excel and LibreOffice both compute with 45; '1.527' is not)?"""
    return _PLAIN_WHOLE.fullmatch(text) is not None


_PLAIN_WHOLE = re.compile(r"-?\d+")


def _explain_problem_inputs(check: SheetCheck) -> None:
    """A number typed as text ('1.527') is read as meant everywhere: the formula cells computed from
    it (which a spreadsheet left at an error value, or computed with the text misread) take the
    value they will have once it is a number, and are named once, as following from it. An error
    value computed from an input that is not a number at all follows from that input too."""
    grid = check.grid
    if not grid.knows_formulas:
        return
    problems = sorted(check.text_numbers)
    if check.errors:
        problems += sorted(cell for row in check.rows for c in check.columns
                           if (cell := check.cell(row, c.number)) not in check.numbers
                           and check.raw(cell) is not None and not grid.has_formula(*cell)
                           and cell not in check.errors)
    for source in problems:
        text = source in check.text_numbers
        for d in check.dependents(source):
            if d in check.explained:
                continue
            old, new = check.numbers.get(d), check.recompute(d, check.numbers.get)
            blanked = text and old is None and new is not None and check.raw(d) is None   # =IF(COUNT(…)<2,"",…)
            if d in check.errors or d in check.unsure or blanked or \
                    (text and old is not None and not check.same_shown(d, old, new)):
                check.explained[d] = source
                check.follows.setdefault(source, []).append(d)
            if text:
                check.numbers[d] = new
