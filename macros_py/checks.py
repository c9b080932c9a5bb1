"""Check a table against its form: findings for every broken rule, and nothing else.

The rules never know where the table came from (a file, a live Excel book).
Equalities (formulas, totals, rate vs count) become Constraints so that one
wrong input that breaks several of them is reported once, at the likeliest
culprit: the cell whose correction makes the most broken constraints hold
without breaking any that held.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from . import formulas, notation
from .coords import column_letter
from .findings import CATALOGUE, SEVERITY_ORDER, Finding
from .grid import Grid
from .names import normalize_name
from .numbers import parse_number, shown_decimals
from .spec import Column
from .table import Table

Cell = tuple[int, int]
Lookup = Callable[[Cell], "float | None"]
NOISE = 1e-7


@dataclass
class Reading:
    """One cell of the table as read: its raw content and the number it stands for."""
    raw: Any
    number: float | None
    from_text: str | None = None     # how number text was read, when it was text
    formula: bool = False
    decimals: int = 0                # decimals the reader sees


@dataclass
class Constraint:
    """An equality the table must satisfy (E9 = D9/C9×100), with its rounding tolerance."""
    cells: tuple[Cell, ...]
    holds: Callable[[Lookup], bool]
    residual: Callable[[Lookup], float | None]   # actual − expected; solved for a culprit
    finding: Finding | None                      # set when the constraint is broken as read


@dataclass
class SheetCheck:
    grid: Grid
    table: Table
    readings: dict[Cell, Reading] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def form(self):
        return self.table.form

    def cell(self, row: int, number: str) -> Cell:
        return (row, self.table.columns[number])

    def number(self, cell: Cell) -> float | None:
        r = self.readings.get(cell)
        return r.number if r else None

    def add(self, rule_id: str, cell: Cell, **kw) -> Finding:
        f = CATALOGUE[rule_id].finding(self.grid.name, *cell, **kw)
        self.findings.append(f)
        return f

    def row_values(self, row: int) -> dict[str, float | None]:
        return {n: self.number(self.cell(row, n)) for n in self.form.numbers if n in self.table.columns}


def _number_columns(check: SheetCheck) -> list[Column]:
    return [c for c in check.form.columns if c.is_number and c.number in check.table.columns]


def _total_rows(table: Table) -> list[tuple[int, list[int], str]]:
    """(row, the unit rows it sums, its label) for subtotal rows and the total row."""
    out = [(sub, kids, "tổng nhóm") for sub, kids in table.subtotal_rows.items() if kids]
    if table.total_row is not None:
        out.append((table.total_row, table.unit_rows, "Cộng"))
    return out


# ---------------------------------------------------------------- reading

def read_cells(check: SheetCheck) -> None:
    """Read every numeric cell of the table; compute formula cells that have no cached value."""
    grid, table = check.grid, check.table
    for row in table.data_rows + ([table.total_row] if table.total_row else []):
        for c in _number_columns(check):
            col = table.columns[c.number]
            raw = grid.value(row, col)
            number, how, decimals = None, None, c.decimals
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
                number = float(raw)
                fmt = grid.number_format(row, col)
                # With a number format we know what the reader sees; without one, 0.20 reads back
                # as 0.2, so the form's own decimals are the least the cell shows.
                decimals = shown_decimals(number, fmt) if fmt else max(shown_decimals(number), c.decimals)
            elif isinstance(raw, str):
                parsed = parse_number(raw, whole=c.kind == "count")
                if parsed:
                    number, how, decimals = parsed.value, parsed.how, parsed.decimals
            check.readings[(row, col)] = Reading(raw, number, how, grid.formula(row, col) is not None, decimals)
    _fill_uncached(check)


def _fill_uncached(check: SheetCheck) -> None:
    """Formula cells written by tools that store no result: compute them as the form does."""
    def missing(row: int) -> list[Column]:
        return [c for c in _number_columns(check)
                if check.readings[check.cell(row, c.number)].formula
                and check.readings[check.cell(row, c.number)].raw is None]

    for row in check.table.unit_rows:
        if todo := missing(row):
            values = formulas.compute(check.form, check.row_values(row))
            for c in todo:
                check.readings[check.cell(row, c.number)].number = values.get(c.number)
    for row, children, _ in _total_rows(check.table):
        if todo := missing(row):
            values = formulas.compute_total(check.form, [check.row_values(r) for r in children])
            for c in todo:
                check.readings[check.cell(row, c.number)].number = values.get(c.number)


# ---------------------------------------------------------------- equalities

def _tolerance(column: Column, reading: Reading, expr: notation.Expr) -> float:
    """Half a unit of the last digit the cell shows, plus float noise; exact for whole counts."""
    if column.decimals == 0 and not notation.has_division(expr):
        return NOISE
    return 0.5 * 10.0 ** -reading.decimals + NOISE


def _formula_constraint(check: SheetCheck, row: int, column: Column, expr: notation.Expr,
                        rule_id: str, label: str) -> None:
    """target = expr on this row, accepting the result from exact or from shown (rounded) operands."""
    operands = notation.columns_of(expr)
    if any(n not in check.table.columns for n in operands):
        return
    target = check.cell(row, column.number)
    cells = (target,) + tuple(check.cell(row, n) for n in operands)
    reading = check.readings[target]
    tol = _tolerance(column, reading, expr)
    shown = {n: check.readings[check.cell(row, n)].decimals if check.form.column(n).decimals else 0
             for n in operands}

    def expected(look: Lookup, rounded: bool) -> float | None:
        values = {}
        for n in operands:
            v = look(check.cell(row, n))
            values[n] = notation.excel_round(v, shown[n]) if rounded and v is not None else v
        return notation.evaluate(expr, values)

    def holds(look: Lookup) -> bool:
        actual, exact = look(target), expected(look, False)
        if actual is None or exact is None:
            return True
        return abs(actual - exact) <= tol or abs(actual - expected(look, True)) <= tol

    def residual(look: Lookup) -> float | None:
        actual, exact = look(target), expected(look, False)
        return None if actual is None or exact is None else actual - exact

    finding = None
    if not holds(check.number):
        exact = expected(check.number, False)
        shown_expected = notation.excel_round(exact, column.decimals) if column.decimals else exact
        formula = column.formula.text if column.formula else f"{column.number}={_text(column.of)}"
        finding = CATALOGUE[rule_id].finding(check.grid.name, *target, expected=shown_expected,
                                             actual=reading.number, decimals=column.decimals or None,
                                             number=column.number, formula=formula, label=label)
    check.constraints.append(Constraint(cells, holds, residual, finding))


def _text(expr: notation.Expr | None) -> str:
    if expr is None:
        return ""
    if isinstance(expr, notation.Col):
        return expr.number
    if isinstance(expr, notation.Const):
        return f"{expr.value:g}"
    if isinstance(expr, notation.Neg):
        return "-" + _text(expr.operand)
    op = "x" if expr.op == "*" else expr.op
    return f"{_text(expr.left)}{op}{_text(expr.right)}"


def _rate_count_constraint(check: SheetCheck, row: int, column: Column) -> None:
    """An input target rate stays within half a household of its count: |5×1/100 − 4| ≤ 0.5."""
    parts = notation.ratio_parts(column.of) if column.of is not None else None
    if not parts or any(n not in check.table.columns for n in parts[:2]):
        return
    num, den, scale = parts
    rate, count, households = check.cell(row, column.number), check.cell(row, num), check.cell(row, den)

    def residual(look: Lookup) -> float | None:
        r, c, h = look(rate), look(count), look(households)
        return None if r is None or c is None or h is None else r * h / scale - c

    def holds(look: Lookup) -> bool:
        gap = residual(look)
        return gap is None or abs(gap) <= 0.5 + NOISE

    finding = None
    if not holds(check.number):
        r, c, h = check.number(rate), check.number(count), check.number(households)
        finding = CATALOGUE["rate-count-mismatch"].finding(
            check.grid.name, *rate, actual=r, expected=notation.excel_round(c / h * scale, column.decimals),
            decimals=column.decimals, number=column.number, households=h, implied=round(r * h / scale, 1),
            gap=round(abs(r * h / scale - c), 1), count=c, count_number=num)
    check.constraints.append(Constraint((rate, count, households), holds, residual, finding))


def _sum_constraint(check: SheetCheck, row: int, children: list[int], column: Column, label: str) -> None:
    target = check.cell(row, column.number)
    parts = tuple(check.cell(r, column.number) for r in children)

    def residual(look: Lookup) -> float | None:
        # A blank part is reported as a blank input; the total is judged once it is filled.
        values = [look(p) for p in parts]
        actual = look(target)
        return None if actual is None or None in values else actual - sum(values)

    def holds(look: Lookup) -> bool:
        gap = residual(look)
        return gap is None or abs(gap) <= NOISE * max(1.0, abs(look(target) or 0.0))

    finding = None
    if not holds(check.number):
        actual = check.number(target)
        finding = CATALOGUE["total-not-sum"].finding(
            check.grid.name, *target, actual=actual, expected=actual - residual(check.number),
            number=column.number, label=label)
    check.constraints.append(Constraint((target,) + parts, holds, residual, finding))


def build_constraints(check: SheetCheck) -> None:
    for row in check.table.unit_rows:
        for c in _number_columns(check):
            if (expr := formulas.row_expr(c)) is not None:
                _formula_constraint(check, row, c, expr, "formula-mismatch", "")
            elif c.kind == "rate":
                _rate_count_constraint(check, row, c)
    for row, children, label in _total_rows(check.table):
        for c in _number_columns(check):
            if (expr := formulas.total_expr(c)) is not None:
                _formula_constraint(check, row, c, expr, "total-rate", label)
            elif formulas.is_summed(c):
                _sum_constraint(check, row, children, c, label)


# ---------------------------------------------------------------- culprits

def _solve(constraint: Constraint, cell: Cell, look: Lookup) -> float | None:
    """The value of `cell` that zeroes the constraint's residual (secant steps; exact when linear)."""
    x0 = look(cell)
    if x0 is None:
        return None

    def f(x: float) -> float | None:
        return constraint.residual(lambda c: x if c == cell else look(c))

    x1 = x0 * 1.01 + 1.0
    f0, f1 = f(x0), f(x1)
    for _ in range(30):
        if f0 is None or f1 is None or f1 == f0:
            return None
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        f1 = f(x1)
        if f1 is not None and abs(f1) < 1e-10:
            return x1
    return x1 if f1 is not None and abs(f1) < 1e-6 else None


def attribute_culprits(check: SheetCheck) -> list[Finding]:
    """Replace findings that one wrong typed cell explains by one finding on that cell."""
    broken = [c for c in check.constraints if c.finding is not None]
    by_cell: dict[Cell, list[Constraint]] = {}
    for c in check.constraints:
        for cell in c.cells:
            by_cell.setdefault(cell, []).append(c)
    culprits: list[Finding] = []
    overrides: dict[Cell, float] = {}

    def look(cell: Cell) -> float | None:
        return overrides.get(cell, check.number(cell))

    while True:
        counts: dict[Cell, int] = {}
        for c in broken:
            for cell in c.cells:
                counts[cell] = counts.get(cell, 0) + 1
        best = None
        for cell, n in counts.items():
            reading = check.readings.get(cell)
            if n < 2 or reading is None or reading.formula or reading.number is None:
                continue
            mine = [c for c in broken if cell in c.cells]
            for candidate in {v for c in mine if (v := _solve(c, cell, look)) is not None}:
                number = check.table.form.column(_column_number(check, cell))
                if number.kind == "count":
                    candidate = float(round(candidate))
                trial = lambda c2, v=candidate: v if c2 == cell else look(c2)  # noqa: E731
                if any(not c.holds(trial) for c in by_cell[cell] if c not in broken):
                    continue   # the correction would break a rule that holds
                fixed = [c for c in mine if c.holds(trial)]
                if len(fixed) >= 2 and (best is None or len(fixed) > len(best[2])):
                    best = (cell, candidate, fixed)
        if best is None:
            break
        cell, value, fixed = best
        column = check.table.form.column(_column_number(check, cell))
        own = column_letter(cell[1]) + str(cell[0])
        follows = sorted({f.finding.cell for f in fixed} - {own}, key=lambda ref: (len(ref), ref))
        finding = CATALOGUE["likely-culprit"].finding(
            check.grid.name, *cell, actual=check.number(cell), expected=value,
            decimals=column.decimals or None, number=column.number, count=len(fixed),
            cells=", ".join(sorted({f.finding.cell for f in fixed}, key=lambda ref: (len(ref), ref))))
        finding.follows = follows
        culprits.append(finding)
        overrides[cell] = value
        broken = [c for c in broken if c not in fixed]
    remaining = [c.finding for c in broken]
    return culprits + remaining


def _column_number(check: SheetCheck, cell: Cell) -> str:
    return next(n for n, col in check.table.columns.items() if col == cell[1])


# ---------------------------------------------------------------- single-cell rules

def check_cells(check: SheetCheck) -> None:
    """Blank inputs, text and non-numbers; bounds and whole counts (as constraints)."""
    form, table = check.form, check.table
    unit_col = table.columns[form.unit_column.number]
    for row in table.data_rows + ([table.total_row] if table.total_row else []):
        row_has_data = check.grid.value(row, unit_col) is not None or any(
            check.readings[check.cell(row, c.number)].raw is not None for c in _number_columns(check))
        if not row_has_data:
            continue
        for c in _number_columns(check):
            cell = check.cell(row, c.number)
            r = check.readings[cell]
            error = check.grid.errors.get(cell)
            if error:
                check.add("cell-error", cell, actual=error, number=c.number)
                continue
            if r.raw is None and not r.formula:
                if row in table.unit_rows and c.kind in ("count", "rate") and not c.optional:
                    check.add("blank-input", cell, number=c.number, name=c.name)
                continue
            if r.number is None:
                if r.raw is not None:
                    check.add("not-a-number", cell, actual=_shown(r.raw), number=c.number)
                continue
            if r.from_text:
                check.add("text-number", cell, actual=str(r.raw), expected=r.number, number=c.number,
                          how=r.from_text, decimals=c.decimals or None)
            _bound(check, cell, c)


def _shown(raw: Any) -> str:
    """A non-number as the officer sees it (a date as 05/04/2021, not a Python repr)."""
    if hasattr(raw, "strftime"):
        return raw.strftime("%d/%m/%Y")
    return str(raw)


def _is_rate(column: Column) -> bool:
    return column.kind == "rate" or (column.formula is not None and notation.ratio_parts(column.formula.right)
                                     is not None)


def _never_solved(look: Lookup) -> None:
    return None


def _bound(check: SheetCheck, cell: Cell, column: Column) -> None:
    """Counts are whole and ≥ 0; rates lie in 0–100. A constraint, so that a culprit's
    correction that also mends the bound absorbs it."""
    if column.kind == "count":
        def holds(look: Lookup) -> bool:
            v = look(cell)
            return v is None or (v >= 0 and abs(v - round(v)) <= NOISE)
    elif _is_rate(column):
        def holds(look: Lookup) -> bool:
            v = look(cell)
            return v is None or -NOISE <= v <= 100 + NOISE
    else:
        return
    finding = None
    value = check.number(cell)
    if not holds(check.number):
        if column.kind != "count":
            rule, places = "rate-out-of-range", column.decimals
        elif value < 0:
            rule, places = "negative-count", None
        else:
            rule, places = "not-whole", 2
        finding = CATALOGUE[rule].finding(check.grid.name, *cell, actual=value, number=column.number,
                                          decimals=places)
    check.constraints.append(Constraint((cell,), holds, _never_solved, finding))


def build_relations(check: SheetCheck) -> None:
    """The spec's comparisons (2+8<=1, 4<=2 …) on every unit, subtotal and total row."""
    table = check.table
    for relation in check.form.relations:
        st = relation.statement
        numbers = list(dict.fromkeys(notation.columns_of(st.left) + notation.columns_of(st.right)))
        if any(n not in table.columns for n in numbers):
            continue
        for row in table.data_rows + ([table.total_row] if table.total_row else []):
            cells = {n: check.cell(row, n) for n in numbers}

            def sides(look: Lookup, cells=cells, st=st):
                values = {n: look(c) for n, c in cells.items()}
                return notation.evaluate(st.left, values), notation.evaluate(st.right, values)

            def holds(look: Lookup, sides=sides, st=st) -> bool:
                left, right = sides(look)
                return left is None or right is None or notation.compare(st.op, left, right)

            def residual(look: Lookup, sides=sides) -> float | None:
                left, right = sides(look)
                return None if left is None or right is None else left - right

            finding = None
            if not holds(check.number):
                left, right = sides(check.number)
                anchor = cells[notation.columns_of(st.left)[0]]
                finding = CATALOGUE["relation"].finding(check.grid.name, *anchor, severity=relation.severity,
                                                        actual=left, message=relation.message, left=left,
                                                        right=right)
            solve = residual if st.op == "=" else _never_solved   # an equality can name its culprit
            check.constraints.append(Constraint(tuple(cells.values()), holds, solve, finding))


def _interval(expr: notation.Expr, cells: dict, look: Lookup, half: dict) -> tuple[float, float] | None:
    """Range of an expression when each shown figure may be off by half its last digit."""
    from itertools import product

    names = list(cells)
    values = [look(cells[n]) for n in names]
    if any(v is None for v in values):
        return None
    results = []
    for signs in product((-1, 1), repeat=len(names)):
        point = {n: v + s * half[n] for n, v, s in zip(names, values, signs)}
        if any(point[n] == 0 for n in names):
            return None
        results.append(notation.evaluate(expr, point))
    return min(results), max(results)


def build_agreements(check: SheetCheck) -> None:
    """Two derivations of one quantity (households from 4/2x100 and from 3/6x100) must overlap
    once the rounding of the shown figures is allowed for."""
    table = check.table
    for agreement in check.form.agreements:
        numbers = list(dict.fromkeys(notation.columns_of(agreement.first) + notation.columns_of(agreement.second)))
        if any(n not in table.columns for n in numbers) or agreement.anchor not in table.columns:
            continue
        for row in table.data_rows + ([table.total_row] if table.total_row else []):
            cells = {n: check.cell(row, n) for n in numbers}
            half = {n: (0.5 * 10.0 ** -check.readings[c].decimals if check.form.column(n).decimals else 0.0)
                    for n, c in cells.items()}

            def ranges(look: Lookup, cells=cells, half=half, a=agreement):
                first = {n: cells[n] for n in notation.columns_of(a.first)}
                second = {n: cells[n] for n in notation.columns_of(a.second)}
                return (_interval(a.first, first, look, {n: half[n] for n in first}),
                        _interval(a.second, second, look, {n: half[n] for n in second}))

            def holds(look: Lookup, ranges=ranges) -> bool:
                one, two = ranges(look)
                return one is None or two is None or (one[0] <= two[1] + NOISE and two[0] <= one[1] + NOISE)

            finding = None
            if not holds(check.number):
                one, two = ranges(check.number)
                anchor = cells[agreement.anchor]
                finding = CATALOGUE["agree"].finding(
                    check.grid.name, *anchor, severity=agreement.severity, actual=check.number(anchor),
                    message=agreement.message, first=f"{_fmt_range(one)}", second=f"{_fmt_range(two)}")
            check.constraints.append(Constraint(tuple(cells.values()), holds, _never_solved, finding))


def _fmt_range(interval: tuple[float, float]) -> str:
    from .numbers import format_vi

    return f"{format_vi(interval[0], 1)}–{format_vi(interval[1], 1)}"


def check_formula_cells(check: SheetCheck) -> None:
    """Typed numbers where the form has formulas: per cell when the rest of the column has
    formulas (overwritten by hand), once per column when the whole column is typed."""
    if not check.grid.knows_formulas:
        return
    table = check.table
    for c in _number_columns(check):
        if c.formula is None:
            continue
        cells = [check.cell(r, c.number) for r in table.unit_rows]
        typed = [cell for cell in cells if check.readings[cell].raw is not None and not check.readings[cell].formula]
        with_formula = [cell for cell in cells if check.readings[cell].formula]
        if typed and not with_formula:
            check.add("column-typed", (table.numbering_row, table.columns[c.number]), number=c.number,
                      formula=c.formula.text)
        elif typed:
            for cell in typed:
                check.add("typed-over-formula", cell, actual=check.number(cell), number=c.number,
                          formula=c.formula.text, decimals=c.decimals or None)


def check_duplicates(check: SheetCheck) -> None:
    col = check.table.columns[check.form.unit_column.number]
    seen: dict[str, int] = {}
    for row in check.table.unit_rows:
        name = check.grid.value(row, col)
        if not isinstance(name, str) or not name.strip():
            continue
        key = normalize_name(name)
        if key in seen:
            first = seen[key]
            check.add("duplicate-unit", (row, col), name=name, other=f"{column_letter(col)}{first}",
                      other_name=check.grid.value(first, col))
        else:
            seen[key] = row


def check_table(grid: Grid, table: Table) -> list[Finding]:
    """All findings for one table, most severe first, in sheet order."""
    check = SheetCheck(grid, table)
    read_cells(check)
    build_constraints(check)
    check_cells(check)
    build_relations(check)
    build_agreements(check)
    check_formula_cells(check)
    check_duplicates(check)
    findings = attribute_culprits(check) + check.findings
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.row, f.col))
    return findings
