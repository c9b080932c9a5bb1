"""What each computed cell of a form holds: its Excel formula and its value.

Unit rows apply the column's notation formula. The total row sums the counts
and recomputes every rate from the summed counts (never a sum or an average
of the unit rates); differences are differences of the totals. Rates are
rounded to the decimals the form shows, as officers publish them, so a
difference of two rates equals the difference of the printed rates.
"""
from __future__ import annotations

import math
from graphlib import TopologicalSorter
from typing import Callable, Iterable, Mapping, Sequence

from . import notation
from .notation import Expr
from .spec import Column, Form

Values = dict[str, float | None]


def row_expr(column: Column) -> Expr | None:
    """The expression a unit-row cell of this column computes, if any."""
    return column.formula.right if column.formula else None


def total_expr(column: Column) -> Expr | None:
    """The expression the total-row cell computes; None means 'sum the units' (or typed,
    for a column whose total is an input, see `is_summed`)."""
    if column.formula:
        return column.formula.right
    if column.kind == "rate" and column.of is not None:
        return column.of
    return None


def is_summed(column: Column) -> bool:
    """Whether the total row sums this column over the units."""
    return column.is_number and total_expr(column) is None and column.total != "input"


_ORDERS: dict[tuple[int, bool], tuple[Form, tuple[Column, ...]]] = {}


def computed_order(form: Form, total: bool) -> tuple[Column, ...]:
    """Computed columns in dependency order (7=5-3 after 3=2/1x100); sorted once per form, as
    every row of a table asks (the form is kept with its order, so its id cannot be reused)."""
    known = _ORDERS.get((id(form), total))
    if known is not None and known[0] is form:
        return known[1]
    pick = total_expr if total else row_expr
    exprs = {c.number: pick(c) for c in form.columns if c.is_number and pick(c) is not None}
    graph = {n: [d for d in notation.columns_of(e) if d in exprs] for n, e in exprs.items()}
    order = tuple(form.column(n) for n in TopologicalSorter(graph).static_order())
    _ORDERS[(id(form), total)] = (form, order)
    return order


def compute(form: Form, inputs: Mapping[str, float | None], *, total: bool = False,
            blank_as_zero: bool = False) -> Values:
    """Fill the computed columns of one row from its inputs, as Excel would.

    `blank_as_zero` mimics Excel on empty cells (for cached values); the
    validator keeps blanks as None so it can say which input is missing.
    """
    values: Values = {n: (0.0 if v is None and blank_as_zero else v) for n, v in inputs.items()}
    if blank_as_zero:
        for c in form.columns:
            if c.is_number and values.get(c.number) is None:
                values[c.number] = 0.0
    for column in computed_order(form, total):
        expr = total_expr(column) if total else row_expr(column)
        result = notation.evaluate(expr, values)
        if result is not None and column.decimals:
            result = notation.excel_round(result, column.decimals)
        values[column.number] = result
    return values


def sum_rows(form: Form, rows: Iterable[Mapping[str, float | None]]) -> Values:
    """Column sums of the count and input columns; blanks count as zero."""
    totals: Values = {}
    for c in form.columns:
        if is_summed(c):
            total = sum(float(r.get(c.number) or 0.0) for r in rows)
            totals[c.number] = total if math.isfinite(total) else None
    return totals


def compute_total(form: Form, rows: Sequence[Mapping[str, float | None]],
                  typed: Mapping[str, float | None] | None = None) -> Values:
    """Total-row values; `typed` supplies the columns whose total is an input."""
    inputs = sum_rows(form, rows)
    for c in form.columns:
        if c.is_number and c.total == "input":
            inputs[c.number] = (typed or {}).get(c.number)
    return compute(form, inputs, total=True, blank_as_zero=True)


def excel_formula(column: Column, ref: Callable[[str], str], *, total: bool,
                  sum_ranges: str | None = None, guard: bool = False) -> str | None:
    """The formula a cell of this column holds ('=…'), or None for an input cell.

    `ref` maps a column number to the cell address on this row; `sum_ranges`
    is the SUM argument list for the total row ('C9:C25' or 'C9:C12,C14:C20').
    With `guard` the cell shows nothing until the cells it reads hold numbers (`guarded`).
    """
    expr = total_expr(column) if total else row_expr(column)
    if expr is None:
        if total and is_summed(column):
            return guarded_sum(sum_ranges) if guard else f"=SUM({sum_ranges})"
        return None
    body = notation.to_excel(expr, ref)
    if column.decimals:
        body = f"ROUND({body},{column.decimals})"
    return guarded("=" + body, [ref(n) for n in notation.columns_of(expr)]) if guard else "=" + body


_GUARD = "=IF(COUNT("


def guarded(formula: str, refs: Sequence[str]) -> str:
    """'=IF(COUNT(D9,C9)<2,"",ROUND(D9/C9*100,2))': a row whose figures are not (all) typed yet
    shows an empty cell, never a 0 or 0,00 that reads as a figure (a template, a unit that has
    not reported); the formula computes as soon as they are."""
    refs = list(dict.fromkeys(refs))
    return f'{_GUARD}{",".join(refs)})<{len(refs)},"",{formula[1:]})'


def guarded_sum(ranges: str) -> str:
    """'=IF(COUNT(C8:C24)=0,"",SUM(C8:C24))': a total of a column where nothing is typed yet is empty."""
    return f'{_GUARD}{ranges})=0,"",SUM({ranges}))'


def is_guarded(formula: str | None) -> bool:
    """Does a formula (as read from a workbook) show nothing until its cells hold numbers?"""
    return bool(formula) and formula.replace(" ", "").upper().startswith(_GUARD)


def shown_row(form: Form, inputs: Mapping[str, float | None]) -> Values:
    """A unit row as guarded formulas show it: computed columns empty (None) where a cell they
    read is empty."""
    return compute(form, inputs)


def shown_total(form: Form, rows: Sequence[Mapping[str, float | None]],
                typed: Mapping[str, float | None] | None = None) -> Values:
    """A total row as guarded formulas show it: a column's sum over the rows that hold a figure
    (None where none does), rates computed from the sums."""
    inputs: Values = {}
    for c in form.columns:
        if is_summed(c):
            present = [float(v) for r in rows if (v := r.get(c.number)) is not None]
            total = sum(present)
            inputs[c.number] = total if present and math.isfinite(total) else None
        elif c.is_number and c.total == "input":
            inputs[c.number] = (typed or {}).get(c.number)
    return compute(form, inputs, total=True)


def sum_ranges(letter: str, rows: Sequence[int]) -> str:
    """'C9:C12,C14:C20' for the given unit rows (subtotal rows left out)."""
    parts, start, prev = [], None, None
    for r in sorted(rows):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            parts.append((start, prev))
            start = prev = r
    if start is not None:
        parts.append((start, prev))
    if not parts:
        return "0"
    return ",".join(f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}" for a, b in parts)
