"""The rules evaluated column by column as a conservative filter; the exact rule objects
(row_rules) confirm only the rows the filter cannot vouch for.

A row is passed without the exact evaluation only where every rule certainly holds at zero
tolerance: every numeric cell a plain number (not text, blank, a percent cell, an error value
or a figure that follows another cell's problem); each formula column equal to its expression,
or within half a unit of its last decimal at the form's decimals while holding no more decimals
than that (ROUND(expression, decimals)); a target rate within half a household of its count;
relations strictly true; counts whole and ≥ 0; rates within 0–100. Each of these implies the
exact rule at any tolerance at least as wide as today's, so loosening a tolerance keeps the filter
valid; a rule made stricter, or a rule of a new kind, must be mirrored here (a rule the filter
does not know is evaluated exactly on every row). Totals and subtotals always take the exact
path, their sums checked first over whole columns. The test suite runs both paths on every
table it checks (GIAMNGHEO_VERIFY_FILTER) and a property test on random faulty tables.

Single-cell checks work the same way: blank, text and error cells are found from the columns,
and the exact checks see only the rows that hold one; typed-over formulas are looked for only
when a formula column has a cell without a formula.

No numpy: its import (≈ 90 ms) costs more than these list comprehensions on 10,000 rows, and a
17-row table must stay quick.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from ..forms import formulas, notation
from .cell_checks import check_cells, check_duplicates, check_formula_cells
from .row_rules import BoundRule, Constraint, FormulaRule, RateCountRule, RelationRule, Rules, RowRule, SumRule
from .sheet_check import SheetCheck

NAN = float("nan")
TINY = 1e-9          # "equal within noise": far inside every rule's tolerance (NOISE is 1e-7)
HOLDS = 1e-10        # "holds no more decimals than": stricter than SheetCheck.decimals' 1e-9 × max(1, |x|)


class ColumnView:
    """The table's numbers as plain columns: one list per sheet column, indexed by the row's
    offset from the table's first row, NaN wherever a cell is not a plain number."""

    def __init__(self, check: SheetCheck):
        numbers = check.numbers
        self.first, self.span = numbers.first, numbers.span
        unusual = set(check.text_numbers) | set(check.explained) | set(check.grid.errors)
        unusual.update(cell for cell, scale in check.scales.items() if scale != 1.0)
        self.columns: dict[int, list[float]] = {}
        for c in check.columns:
            col = check.table.columns[c.number]
            values = numbers.columns.get(col)
            plain = [NAN] * self.span if values is None else \
                [v if v.__class__ is float else NAN for v in values]
            self.columns[col] = plain
        for row, col in unusual:
            plain = self.columns.get(col)
            if plain is not None and 0 <= row - self.first < self.span:
                plain[row - self.first] = NAN


# ---------------------------------------------------------------------------------------------- code
def _code(node: notation.Expr, name: Callable[[str], str]) -> str:
    """Python for an expression, the same operations in the same order as notation.compile_expr
    (so the figures agree to the last bit), with x/0 = 0."""
    if isinstance(node, notation.Col):
        return name(node.number)
    if isinstance(node, notation.Const):
        return repr(node.value)
    if isinstance(node, notation.Neg):
        return f"(-{_code(node.operand, name)})"
    left, right = _code(node.left, name), _code(node.right, name)
    if node.op == "/":
        return f"({left} / {right} if {right} else 0.0)"
    return f"({left} {node.op} {right})"


def _var(col: int) -> str:
    return f"c{col}"


def _formula_condition(rule: FormulaRule, expr: notation.Expr, k: int) -> str:
    cols = dict(zip(rule.operands, rule.operand_cols))
    e = _code(expr, lambda n: _var(cols[n]))
    t = _var(rule.target_col)
    if rule.exact:
        return f"abs({t} - {e}) <= {TINY!r}"
    places = rule.column.decimals
    scale, half = 10.0 ** places, 0.5 * 10.0 ** -places + TINY     # a tie (9.375 → 9.38) is ROUND's too
    return (f"(abs(d{k} := {t} - {e}) <= {TINY!r} or (abs(d{k}) <= {half!r} and "
            f"((f{k} := ({t} * {scale!r}) % 1.0) <= {HOLDS!r} or f{k} >= {1.0 - HOLDS!r})))")


_COMPARE = {"<=": "<=", ">=": ">=", "<": "<", ">": ">", "=": "=="}


def _condition(rule: RowRule, k: int, unit: bool) -> str | None:
    """The filter's test for one rule (true only where the rule certainly holds), or None when
    the filter does not know the rule: then it is evaluated exactly on every row."""
    kind = type(rule)
    if kind is FormulaRule:
        expr = formulas.row_expr(rule.column) if unit else formulas.total_expr(rule.column)
        if expr is None or notation.compile_expr(expr)[1] is not rule.fn:
            return None
        return _formula_condition(rule, expr, k)
    if kind is RateCountRule:
        r, c, h = _var(rule.rate_col), _var(rule.count_col), _var(rule.households_col)
        return f"abs({r} * {h} / {rule.scale!r} - {c}) <= 0.5"
    if kind is RelationRule:
        st = rule.relation.statement
        if notation.compile_expr(st.left)[1] is not rule.left_fn or \
                notation.compile_expr(st.right)[1] is not rule.right_fn or st.op not in _COMPARE:
            return None
        left = _code(st.left, lambda n: _var(rule.left_idx[rule.left_cols.index(n)]))
        right = _code(st.right, lambda n: _var(rule.right_idx[rule.right_cols.index(n)]))
        return f"{left} {_COMPARE[st.op]} {right}"
    if kind is BoundRule:
        v = _var(rule.col)
        return f"({v} >= 0.0 and {v} % 1.0 == 0.0)" if rule.count else f"0.0 <= {v} <= 100.0"
    return None


@lru_cache(maxsize=64)
def _compile(cols: tuple[int, ...], condition: str) -> Callable[..., list[int]]:
    """f(column lists in `cols` order) → offsets where `condition` is not certainly true."""
    names = ", ".join(_var(c) for c in cols)
    source = (f"def f({', '.join(_var(c).upper() for c in cols)}):\n"
              f"    return [i for i, ({names},) in enumerate(zip({', '.join(_var(c).upper() for c in cols)}))"
              f" if not ({condition})]\n")
    namespace: dict = {}
    exec(source, namespace)
    return namespace["f"]


# ---------------------------------------------------------------------------------------------- rules
def broken_constraints(check: SheetCheck, rules: Rules, view: ColumnView | None = None) -> list[Constraint]:
    """The same list as row_rules.broken_constraints (same constraints, same order), with the
    exact rules evaluated only where the filter is not certain."""
    view = view or ColumnView(check)
    known, unknown = [], []
    for k, rule in enumerate(rules.unit + rules.every):
        condition = _condition(rule, k, unit=True)
        (known if condition is not None else unknown).append(condition or rule)
    cols = tuple(sorted(view.columns))
    plain = " and ".join([f"{_var(c)} == {_var(c)}" for c in cols] + known) or "True"
    flagged = set(_compile(cols, plain)(*(view.columns[c] for c in cols))) if cols else None
    look, first, broken = check.numbers.get, view.first, []
    for row in check.rows:
        specific = rules.total.get(row)
        if specific is not None:        # a (sub)total row: its sums over whole columns, every other rule exactly
            for rule in specific + rules.every:    # (one row: compiling a filter per rule costs more)
                if not (type(rule) is SumRule and _sum_certain(rule, row, view)) and not rule.holds(row, look):
                    broken.append(Constraint(rule, row))
        elif flagged is None or row - first in flagged:
            broken += [Constraint(rule, row) for rule in rules.unit + rules.every if not rule.holds(row, look)]
        elif unknown:
            broken += [Constraint(rule, row) for rule in unknown if not rule.holds(row, look)]
    return broken


def _sum_certain(rule: SumRule, row: int, view: ColumnView) -> bool:
    """A (sub)total that certainly equals the sum of its plain children."""
    values, first = view.columns.get(rule.col), view.first
    if values is None or not 0 <= row - first < view.span:
        return False
    actual = values[row - first]
    try:
        total = sum([values[r - first] for r in rule.children])
    except IndexError:
        return False
    return abs(actual - total) <= TINY * max(1.0, abs(actual))


# ---------------------------------------------------------------------------------------------- cells
def unusual_rows(check: SheetCheck, view: ColumnView) -> list[int]:
    """The rows (in check.rows order) holding a cell that is not a plain number."""
    cols = tuple(sorted(view.columns))
    if not cols:
        return list(check.rows)
    odd = set(_compile(cols, " and ".join(f"{_var(c)} == {_var(c)}" for c in cols))(
        *(view.columns[c] for c in cols)))
    return [row for row in check.rows if row - view.first in odd]


def single_cell_checks(check: SheetCheck, view: ColumnView | None = None) -> None:
    """check_cells, check_formula_cells and check_duplicates with the same findings, each given
    only what can hold one: check_cells reads `check.rows`, so it is handed the rows with an
    unusual cell (a row of plain numbers has no blank, text or error cell to report)."""
    view = view or ColumnView(check)
    inputs = [c for c in check.columns if formulas.row_expr(c) is None]
    if inputs:        # without input columns every named row is "without figures": check them all
        rows = check.rows
        check.rows = unusual_rows(check, view)
        try:
            check_cells(check)
        finally:
            check.rows = rows
    else:
        check_cells(check)
    if _may_have_typed_formulas(check):
        check_formula_cells(check)
    check_duplicates(check)


def _may_have_typed_formulas(check: SheetCheck) -> bool:
    """Could a formula column hold a typed number? Not when every unit-row cell of every
    formula column holds a formula (read from the facts' flags, one byte a cell)."""
    grid, facts = check.grid, check.grid.facts
    if not grid.knows_formulas:
        return False                  # check_formula_cells does nothing then
    if facts is None or grid.formulas:
        return True
    rows = check.table.unit_rows
    if not rows or rows[-1] > facts.nrows:
        return True
    contiguous = rows[-1] - rows[0] + 1 == len(rows)
    for c in check.columns:
        if c.formula is None:
            continue
        col = check.table.columns[c.number]
        if col > facts.ncols:
            return True
        flags = facts.flags[col - 1::facts.ncols]          # this column's flag at every row
        if 0 in (flags[rows[0] - 1:rows[-1]] if contiguous else bytes(flags[r - 1] for r in rows)):
            return True
    return False
