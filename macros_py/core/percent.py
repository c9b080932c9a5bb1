"""Rates kept as fractions with a percent format: read as the percentage the cell shows.

The forms print rates in percent points (8.25, with `3=2/1x100`). Officers often keep them as
fractions instead: a cell holds 0.0825 and a `0.00%` format shows 8,25% (typed, or `=D8/C8`).
Every figure the rules see is in percent points; a cell's *scale* says how it is stored
(1 for 8.25, PERCENT for 0.0825). Where the number formats are known (xlsx) each cell's format
decides; where they are not (.xls/.ods read by calamine, the live engine) a whole column of
rates that are 1/100 of what the form computes is read as fractions.
"""
from __future__ import annotations

import re
from functools import cache
from typing import Callable, Iterable

from ..forms import notation
from ..forms.spec import Form

PERCENT = 0.01
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(number_format: str | None) -> bool:
    """'0.00%' and '#,##0.0 %' show value × 100; a quoted or escaped % is only a sign."""
    if not number_format or "%" not in number_format:
        return False
    return _shows_percent(number_format)


@cache
def _shows_percent(number_format: str) -> bool:     # a sheet has few formats and many cells
    return "%" in _QUOTED.sub("", number_format.split(";")[0])


@cache
def percent_columns(form: Form) -> frozenset[str]:
    """Columns whose figures are percentages: target rates, rate formulas (a/b x100), and sums
    or differences of those (7=5-3)."""
    out: set[str] = {c.number for c in form.columns if c.kind == "rate"}
    changed = True
    while changed:
        changed = False
        for c in form.columns:
            if c.number in out or c.formula is None:
                continue
            expr = c.formula.right
            parts = notation.ratio_parts(expr)
            linear = is_linear(expr)
            if (parts and parts[2] == 100) or (linear and notation.columns_of(expr)
                                               and all(n in out for n in notation.columns_of(expr))):
                out.add(c.number)
                changed = True
    return frozenset(out)


def is_linear(node) -> bool:
    """Sums and differences only (7=5-3): the same in any scale its operands share."""
    if isinstance(node, notation.BinOp):
        return node.op in "+-" and is_linear(node.left) and is_linear(node.right)
    if isinstance(node, notation.Neg):
        return is_linear(node.operand)
    return isinstance(node, notation.Col)


def from_stored(value: float, scale: float) -> float:
    """Stored number → percent points, at the 15 significant digits a spreadsheet keeps."""
    return value if scale == 1.0 else float(f"{value / scale:.15g}")


def to_stored(value: float | None, scale: float) -> float | None:
    return value if value is None or scale == 1.0 else float(f"{value * scale:.15g}")


def column_conventions(form: Form, columns: dict[str, int], rows: Iterable[int],
                       raw: Callable[[int, int], float | None]) -> dict[str, float]:
    """Where formats are unknown: each percent column's scale, from the evidence of its figures.

    A column reads as fractions when more of its rows agree with the form at 1/100 (0.0825 for
    98/1188) than at face value (8.25). `raw(row, col)` gives the stored number or None.
    """
    rows = list(rows)
    scales: dict[str, float] = {}
    percent = percent_columns(form)
    pending = [c for c in form.columns if c.number in percent and c.number in columns]
    while pending:
        ready = []
        for c in pending:
            expr = c.formula.right if c.formula else c.of
            needed = notation.columns_of(expr) if expr is not None else []
            if expr is None or any(n not in columns for n in needed):
                scales[c.number] = 1.0           # nothing to compare it with
                ready.append(c)
            elif all(n in scales or n not in percent for n in needed):
                scales[c.number] = _evidence(c, expr, columns, rows, raw, scales, percent)
                ready.append(c)
        if not ready:                            # a cycle in a spec: read at face value
            scales.update({c.number: 1.0 for c in pending})
            break
        pending = [c for c in pending if c not in ready]
    return scales


def _evidence(column, expr, columns, rows, raw, scales, percent) -> float:
    _, fn = notation.compile_expr(expr)
    order = notation.columns_of(expr)
    parts = notation.ratio_parts(expr)
    as_points = as_fraction = 0
    for row in rows:
        v = raw(row, columns[column.number])
        if v is None:
            continue
        operands = []
        for n in order:
            x = raw(row, columns[n])
            operands.append(None if x is None else (x / scales[n] if n in percent else x))
        e = fn(operands)
        if e is None or abs(e) < 1e-9:
            continue
        tol = 0.06 + 0.06 * len([n for n in order if n in percent])
        if column.formula is None and parts is not None:
            den = raw(row, columns[parts[1]])
            if den:
                tol = max(tol, 0.5 / den * parts[2] + 0.006)     # a target within half a household
        points, fraction = abs(v - e) <= tol, abs(v * 100 - e) <= tol
        if points and not fraction:
            as_points += 1
        elif fraction and not points:
            as_fraction += 1
    return PERCENT if as_fraction > as_points else 1.0


def scaled_excel(expr, ref: Callable[[str], str], scales: dict[str, float], target: float) -> str:
    """Excel text computing `expr` (written in percent points, as the form's notation is) from
    cells stored at `scales`, giving the result at the `target` scale: `D8/C8*100` into a plain
    cell, `D8/C8` into a percent cell, `G8-E8` where both rates share the cell's scale."""
    operands = notation.columns_of(expr)
    same = all(scales.get(n, 1.0) == target for n in operands)
    if (target == 1.0 and all(scales.get(n, 1.0) == 1.0 for n in operands)) or (same and is_linear(expr)):
        return notation.to_excel(expr, ref)
    parts = notation.ratio_parts(expr)
    if parts and parts[2] == 100 and target == PERCENT and scales.get(parts[0], 1.0) == scales.get(parts[1], 1.0):
        return notation.to_excel(notation.BinOp("/", notation.Col(parts[0]), notation.Col(parts[1])), ref)
    body = notation.to_excel(expr, lambda n: f"({ref(n)}*100)" if scales.get(n, 1.0) == PERCENT else ref(n))
    return f"({body})/100" if target == PERCENT else body
