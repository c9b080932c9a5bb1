"""The form's rules as objects: each RowRule says, for one row and any way of looking up
cell values, whether it holds, which cells it reads and (for equalities) how far off it is.

The culprit search moves values around through the same objects, so a rule is written once.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..forms import formulas, notation
from ..forms.spec import Column
from .coords import cell_ref
from .findings import CATALOGUE, Finding, distinct_places
from .sheet_check import NOISE, Cell, Lookup, SheetCheck


class RowRule:
    """One rule of the form, applicable to some rows; subclasses say how it holds."""
    solvable = False

    anchor_col = 0   # the column a finding of this rule is placed in

    def cells(self, row: int) -> tuple[Cell, ...]:
        raise NotImplementedError

    def holds(self, row: int, look: Lookup) -> bool:
        raise NotImplementedError

    def residual(self, row: int, look: Lookup) -> float | None:
        return None

    def strain(self, row: int, look: Lookup) -> float:
        """How close a holding rule is to its limit (0 exact … 1 at the tolerance): among
        corrections that mend the same rules, the culprit search prefers the least strained."""
        return 0.0

    def finding(self, row: int) -> Finding:
        raise NotImplementedError


@dataclass(eq=False)
class Constraint:
    """A rule on one row: what the culprit search moves around."""
    rule: RowRule
    row: int

    @property
    def cells(self) -> tuple[Cell, ...]:
        return self.rule.cells(self.row)

    def holds(self, look: Lookup) -> bool:
        return self.rule.holds(self.row, look)

    def residual(self, look: Lookup) -> float | None:
        return self.rule.residual(self.row, look)

    def strain(self, look: Lookup) -> float:
        return self.rule.strain(self.row, look)


class FormulaRule(RowRule):
    """target = expr, accepting the result from exact operands or from the operands as shown."""
    solvable = True

    def __init__(self, check: SheetCheck, column: Column, expr: notation.Expr, rule_id: str, label: str):
        self.check, self.column, self.rule_id, self.label = check, column, rule_id, label
        self.operands, self.fn = notation.compile_expr(expr)
        self.target_col = self.anchor_col = check.table.columns[column.number]
        self.operand_cols = [check.table.columns[n] for n in self.operands]
        self.operand_columns = [check.form.column(n) for n in self.operands]
        self.exact = column.decimals == 0 and not notation.has_division(expr)
        self.formula = column.formula.text if column.formula else f"{column.number}={notation.to_text(column.of)}"

    def cells(self, row: int) -> tuple[Cell, ...]:
        return ((row, self.target_col),) + tuple((row, c) for c in self.operand_cols)

    def _expected(self, row: int, look: Lookup, rounded: bool) -> float | None:
        values = [look((row, c)) for c in self.operand_cols]
        if rounded:
            values = [v if v is None or not col.decimals else
                      notation.excel_round(v, self.check.decimals((row, c), col))
                      for v, c, col in zip(values, self.operand_cols, self.operand_columns)]
        return self.fn(values)

    def _tolerance(self, row: int) -> float:
        return NOISE if self.exact else 0.5 * 10.0 ** -self.check.decimals((row, self.target_col), self.column) + NOISE

    def _places(self, row: int) -> int | None:
        return None if self.exact else self.check.decimals((row, self.target_col), self.column)

    def strain(self, row: int, look: Lookup) -> float:
        actual, exact = look((row, self.target_col)), self._expected(row, look, False)
        return 0.0 if actual is None or exact is None else \
            min(1.0, _gap(actual, exact, self._places(row)) / self._tolerance(row))

    def holds(self, row: int, look: Lookup) -> bool:
        actual = look((row, self.target_col))
        if actual is None:
            return True
        exact = self._expected(row, look, False)
        if exact is None:
            return True
        tol, places, form = self._tolerance(row), self._places(row), self.column.decimals
        if _written_gap(actual, exact, places, form) <= tol:
            return True
        rounded = self._expected(row, look, True)
        return rounded is not None and _written_gap(actual, rounded, places, form) <= tol

    def residual(self, row: int, look: Lookup) -> float | None:
        actual, exact = look((row, self.target_col)), self._expected(row, look, False)
        return None if actual is None or exact is None else actual - exact

    def finding(self, row: int) -> Finding:
        exact = self._expected(row, self.check.number, False)
        actual = self.check.number((row, self.target_col))
        places = self.column.decimals or None
        if places:      # never "ghi 9,71 … phải là 9,71": as many decimals as tell them apart
            places = distinct_places(actual, exact, places, self._places(row) or places)
        shown = notation.excel_round(exact, places) if places else exact
        # a formula typed over with this wrong figure: one finding says both (never the cell twice)
        rule_id = "typed-over-wrong" if (row, self.target_col) in self.check.typed_over else self.rule_id
        return CATALOGUE[rule_id].finding(
            self.check.grid.name, row, self.target_col, expected=shown, actual=actual, decimals=places,
            sign=self.check.percent_sign((row, self.target_col)), number=self.column.number, formula=self.formula,
            label=self.label)


class RateCountRule(RowRule):
    """An input target rate agrees with its count (5 ≈ 4/1x100) in either of two ways:
    - within half a household: |5×1/100 − 4| ≤ 0.5 (officers choose the rate, then round the
      count: Khánh Khê's 10,67% of 435 households is 46,4 → 46);
    - or the rate is the correct rounding of 4/1x100 at the precision it is written at (9,71% of
      132.604 households is 12.875,8, yet 12.874/132.604 = 9,7086% rounds to 9,71: at two
      decimals a province's rate cannot come closer than ±6 households)."""
    solvable = True

    def __init__(self, check: SheetCheck, column: Column, num: str, den: str, scale: float):
        self.check, self.column, self.scale, self.num, self.den = check, column, scale, num, den
        cols = check.table.columns
        self.rate_col, self.count_col, self.households_col = cols[column.number], cols[num], cols[den]
        self.anchor_col = self.rate_col

    def cells(self, row: int) -> tuple[Cell, ...]:
        return (row, self.rate_col), (row, self.count_col), (row, self.households_col)

    def residual(self, row: int, look: Lookup) -> float | None:
        r, c, h = look((row, self.rate_col)), look((row, self.count_col)), look((row, self.households_col))
        return None if r is None or c is None or h is None else r * h / self.scale - c

    def _rounding(self, row: int, look: Lookup) -> float | None:
        """How far the rate as written is from 4/1x100, in halves of its last written decimal
        (≤ 1: the rate is that figure correctly rounded)."""
        r, c, h = look((row, self.rate_col)), look((row, self.count_col)), look((row, self.households_col))
        if r is None or c is None or not h:
            return None
        places = self.check.decimals((row, self.rate_col), self.column)
        return _written_gap(r, c / h * self.scale, places, self.column.decimals) / (0.5 * 10.0 ** -places + NOISE)

    def holds(self, row: int, look: Lookup) -> bool:
        gap = self.residual(row, look)
        if gap is None or abs(gap) <= 0.5 + NOISE:
            return True
        rounding = self._rounding(row, look)
        return rounding is not None and rounding <= 1.0

    def strain(self, row: int, look: Lookup) -> float:
        gap = self.residual(row, look)
        if gap is None:
            return 0.0
        rounding = self._rounding(row, look)
        return min(1.0, abs(gap) / 0.5, 1.0 if rounding is None else rounding)

    def finding(self, row: int) -> Finding:
        look = self.check.number
        r, c, h = look((row, self.rate_col)), look((row, self.count_col)), look((row, self.households_col))
        exact = c / h * self.scale if h else None
        places = self.column.decimals
        if exact is not None:
            places = distinct_places(r, exact, places, self.check.decimals((row, self.rate_col), self.column))
        if not h:           # no rate can be offered over 0 households: say what does not fit
            return CATALOGUE["rate-without-households"].finding(
                self.check.grid.name, row, self.rate_col, actual=r, decimals=places, number=self.column.number,
                count=c, count_number=self.num, count_cell=cell_ref(row, self.count_col),
                households_cell=cell_ref(row, self.households_col), households_number=self.den)
        # Which of the two is wrong cannot be told from this rule alone (the culprit search names
        # one when other rules decide it): the message says what each would have to be.
        return CATALOGUE["rate-count-mismatch"].finding(
            self.check.grid.name, row, self.rate_col, actual=r,
            expected=notation.excel_round(exact, places) if exact is not None else None,
            decimals=places, number=self.column.number, households=h,
            implied=_tenths(r * h / self.scale), gap=_tenths(abs(r * h / self.scale - c)), count=c,
            count_number=self.num, count_cell=cell_ref(row, self.count_col),
            implied_count=round(r * h / self.scale))


class SumRule(RowRule):
    """A total (or subtotal) count equals the sum of its unit rows; a blank part defers judgement."""
    solvable = True

    def __init__(self, check: SheetCheck, column: Column, children: list[int], label: str):
        self.check, self.column, self.children, self.label = check, column, children, label
        self.col = self.anchor_col = check.table.columns[column.number]

    def cells(self, row: int) -> tuple[Cell, ...]:
        return ((row, self.col),) + tuple((r, self.col) for r in self.children)

    def residual(self, row: int, look: Lookup) -> float | None:
        actual = look((row, self.col))
        if actual is None:
            return None
        total = 0.0
        for r in self.children:
            v = look((r, self.col))
            if v is None:
                return None
            total += v
        return actual - total

    def holds(self, row: int, look: Lookup) -> bool:
        gap = self.residual(row, look)
        return gap is None or abs(gap) <= NOISE * max(1.0, abs(look((row, self.col)) or 0.0))

    def finding(self, row: int) -> Finding:
        actual = self.check.number((row, self.col))
        return CATALOGUE["total-not-sum"].finding(
            self.check.grid.name, row, self.col, actual=actual,
            expected=actual - self.residual(row, self.check.number), number=self.column.number, label=self.label)


class RelationRule(RowRule):
    """A comparison of the spec (2+8<=1, 3=7+9 …); an equality can also name its culprit."""

    def __init__(self, check: SheetCheck, relation):
        self.check, self.relation, self.st = check, relation, relation.statement
        self.left_cols, self.left_fn = notation.compile_expr(self.st.left)
        self.right_cols, self.right_fn = notation.compile_expr(self.st.right)
        cols = check.table.columns
        self.left_idx = [cols[n] for n in self.left_cols]
        self.right_idx = [cols[n] for n in self.right_cols]
        self.anchor = self.anchor_col = cols[notation.columns_of(self.st.left)[0]]
        self.all_cols = list(dict.fromkeys(self.left_idx + self.right_idx))
        self.solvable = self.st.op == "="

    def cells(self, row: int) -> tuple[Cell, ...]:
        return tuple((row, c) for c in self.all_cols)

    def sides(self, row: int, look: Lookup):
        return (self.left_fn([look((row, c)) for c in self.left_idx]),
                self.right_fn([look((row, c)) for c in self.right_idx]))

    def holds(self, row: int, look: Lookup) -> bool:
        left, right = self.sides(row, look)
        return left is None or right is None or notation.compare(self.st.op, left, right)

    def residual(self, row: int, look: Lookup) -> float | None:
        left, right = self.sides(row, look)
        return None if left is None or right is None else left - right

    def finding(self, row: int) -> Finding:
        left, right = self.sides(row, self.check.number)
        return CATALOGUE["relation"].finding(self.check.grid.name, row, self.anchor,
                                             severity=self.relation.severity, actual=left,
                                             message=self.relation.message, left=left, right=right)


class BoundRule(RowRule):
    """Counts are whole and ≥ 0; rates lie in 0–100."""

    def __init__(self, check: SheetCheck, column: Column):
        self.check, self.column = check, column
        self.col = self.anchor_col = check.table.columns[column.number]
        self.count = column.kind == "count"

    def cells(self, row: int) -> tuple[Cell, ...]:
        return ((row, self.col),)

    def holds(self, row: int, look: Lookup) -> bool:
        v = look((row, self.col))
        if v is None:
            return True
        if self.count:
            return v >= 0 and abs(v - round(v)) <= NOISE
        return -NOISE <= v <= 100 + NOISE

    def finding(self, row: int) -> Finding:
        value = self.check.number((row, self.col))
        if not self.count:
            rule, places = "rate-out-of-range", self.column.decimals
        elif value < 0:
            rule, places = "negative-count", None
        else:
            rule, places = "not-whole", 2
        return CATALOGUE[rule].finding(self.check.grid.name, row, self.col, actual=value,
                                       number=self.column.number, decimals=places)


class AgreementRule(RowRule):
    """Two derivations of one quantity (households from 4/2x100 and from 3/6x100) must overlap
    once the rounding of the shown figures is allowed for."""

    def __init__(self, check: SheetCheck, agreement):
        self.check, self.agreement = check, agreement
        cols = check.table.columns
        self.numbers = list(dict.fromkeys(notation.columns_of(agreement.first)
                                          + notation.columns_of(agreement.second)))
        self.anchor = self.anchor_col = cols[agreement.anchor]

    def cells(self, row: int) -> tuple[Cell, ...]:
        return tuple(self.check.cell(row, n) for n in self.numbers)

    def _interval(self, expr: notation.Expr, row: int, look: Lookup) -> tuple[float, float] | None:
        from itertools import product

        names = notation.columns_of(expr)
        cells = [self.check.cell(row, n) for n in names]
        values = [look(c) for c in cells]
        if any(v is None for v in values):
            return None
        half = [0.5 * 10.0 ** -self.check.decimals(c, self.check.form.column(n)) if self.check.form.column(n).decimals
                else 0.0 for c, n in zip(cells, names)]
        results = []
        for signs in product((-1, 1), repeat=len(names)):
            point = {n: v + s * h for n, v, s, h in zip(names, values, signs, half)}
            if any(p == 0 for p in point.values()):
                return None
            results.append(notation.evaluate(expr, point))
        if any(r is None for r in results):
            return None
        return min(results), max(results)

    def ranges(self, row: int, look: Lookup):
        return (self._interval(self.agreement.first, row, look), self._interval(self.agreement.second, row, look))

    def holds(self, row: int, look: Lookup) -> bool:
        one, two = self.ranges(row, look)
        return one is None or two is None or (one[0] <= two[1] + NOISE and two[0] <= one[1] + NOISE)

    def finding(self, row: int) -> Finding:
        from .numbers import format_vi

        one, two = self.ranges(row, self.check.number)
        text = lambda r: f"{format_vi(r[0], 1)}–{format_vi(r[1], 1)}"  # noqa: E731
        return CATALOGUE["agree"].finding(
            self.check.grid.name, row, self.anchor, severity=self.agreement.severity,
            actual=self.check.number((row, self.anchor)), message=self.agreement.message,
            first=text(one), second=text(two))


def _gap(actual: float, exact: float, places: int | None) -> float:
    """How far a figure is from the exact one, taking the better of the figure as stored and as
    shown at `places` (a stored 9,7149 shown 9,71 is judged as the 9,71 the officer sees)."""
    gap = abs(actual - exact)
    if places is None:
        return gap
    return min(gap, abs(notation.excel_round(actual, places) - exact))


def _written_gap(actual: float, exact: float, places: int | None, form: int) -> float:
    """`_gap`, where a figure written at fewer decimals than the form's may also be the rounding
    of the form's own figure: 8,3 typed for 8,2491, which the form prints 8,25 (one rule for unit
    rows and totals alike; 9,3 is still far from both)."""
    gap = _gap(actual, exact, places)
    if places is None or places >= form:
        return gap
    return min(gap, _gap(actual, notation.excel_round(exact, form), places))


def _tenths(households: float) -> str:
    """12.875,8 households; 3 rather than 3,0."""
    from .numbers import format_vi

    value = round(households, 1)
    return format_vi(value, 0 if float(value).is_integer() else 1)


def _is_rate(column: Column) -> bool:
    return column.kind == "rate" or (column.formula is not None and notation.ratio_parts(column.formula.right)
                                     is not None)


class Rules:
    """Which rules apply to which rows, built once per table."""

    def __init__(self, check: SheetCheck):
        cols = check.table.columns
        self.unit: list[RowRule] = []
        for c in check.columns:
            if (expr := formulas.row_expr(c)) is not None:
                if all(n in cols for n in notation.columns_of(expr)):
                    self.unit.append(FormulaRule(check, c, expr, "formula-mismatch", ""))
            elif c.kind == "rate" and c.of is not None:
                parts = notation.ratio_parts(c.of)
                if parts and parts[0] in cols and parts[1] in cols:
                    self.unit.append(RateCountRule(check, c, *parts))
        self.every: list[RowRule] = [BoundRule(check, c) for c in check.columns if c.kind == "count" or _is_rate(c)]
        for relation in check.form.relations:
            st = relation.statement
            if all(n in cols for n in notation.columns_of(st.left) + notation.columns_of(st.right)):
                self.every.append(RelationRule(check, relation))
        for agreement in check.form.agreements:
            needed = notation.columns_of(agreement.first) + notation.columns_of(agreement.second)
            if all(n in cols for n in needed) and agreement.anchor in cols:
                self.every.append(AgreementRule(check, agreement))
        self.total: dict[int, list[RowRule]] = {}
        for row, children, label in check.totals:
            rules: list[RowRule] = []
            for c in check.columns:
                if (expr := formulas.total_expr(c)) is not None:
                    if all(n in cols for n in notation.columns_of(expr)):
                        rules.append(FormulaRule(check, c, expr, "total-rate", label))
                elif formulas.is_summed(c):
                    rules.append(SumRule(check, c, children, label))
            self.total[row] = rules
        self.parents = check.parents        # unit row → the (sub)total rows summing it

    def for_row(self, row: int) -> list[RowRule]:
        return self.total.get(row, self.unit) + self.every

    def touching(self, cell: Cell) -> list[Constraint]:
        """Every rule instance that reads this cell: its own row's, and the totals it is part of."""
        row = cell[0]
        found = [Constraint(rule, row) for rule in self.for_row(row) if cell in rule.cells(row)]
        for parent in self.parents.get(row, ()):
            found += [Constraint(rule, parent) for rule in self.total[parent]
                      if isinstance(rule, SumRule) and rule.col == cell[1]]
        return found


def broken_constraints(check: SheetCheck, rules: Rules) -> list[Constraint]:
    look = check.numbers.get
    broken = []
    for row in check.rows:
        for rule in rules.for_row(row):
            if not rule.holds(row, look):
                broken.append(Constraint(rule, row))
    return broken
