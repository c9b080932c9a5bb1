"""Conditional-formatting rules that make plain Excel (no add-in) show rule breaks live.

They are data: a range, a formula written for the range's top-left cell with
relative references, and a severity. Each writer (xlsxwriter for new tables,
openpyxl for repaired ones) renders the same list.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..forms import formulas, notation
from ..forms.spec import Form


@dataclass(frozen=True)
class ConditionalRule:
    range: str       # "C9:C25"
    formula: str     # without '=', relative to the range's first cell
    severity: str    # error | warning
    why: str         # developer-facing description


def conditional_rules(form: Form, letters: Mapping[str, str], first_row: int, last_row: int,
                      total_row: int | None, unit_rows: list[int]) -> list[ConditionalRule]:
    """The live checks for a table whose data rows span first_row..last_row."""
    rules: list[ConditionalRule] = []
    rows = f"{first_row}:{last_row}" if total_row is None else f"{first_row}:{max(last_row, total_row)}"
    lo, hi = (int(x) for x in rows.split(":"))

    def ref_at(row: int):
        return lambda number: f"{letters[number]}{row}"

    for c in form.columns:
        if not c.is_number:
            continue
        letter = letters[c.number]
        span = f"{letter}{lo}:{letter}{hi}"
        if c.kind in ("count",):
            rules.append(ConditionalRule(span, f"AND(ISNUMBER({letter}{lo}),{letter}{lo}<0)",
                                         "error", "negative count"))
        expr = formulas.row_expr(c)
        if expr is not None and unit_rows:
            # A formula cell overwritten with a number that disagrees with its formula.
            body = notation.to_excel(expr, ref_at(first_row))
            if c.decimals:
                body = f"ROUND({body},{c.decimals})"
            half = 0.5 * 10 ** -c.decimals + 1e-9
            rules.append(ConditionalRule(f"{letter}{first_row}:{letter}{last_row}",
                                         f"ABS({letter}{first_row}-({body}))>{half:g}",
                                         "error", "formula column disagrees"))
        if c.kind == "rate" and c.of is not None:
            parts = notation.ratio_parts(c.of)
            if parts:
                num, den, scale = parts
                r = first_row
                rules.append(ConditionalRule(
                    f"{letter}{first_row}:{letter}{last_row}",
                    f"AND(ISNUMBER({letter}{r}),ABS({letter}{r}*{letters[den]}{r}/{scale:g}-{letters[num]}{r})>0.5)",
                    "error", "rate disagrees with its count by more than half a household"))
    for relation in form.relations:
        st = relation.statement
        left = notation.to_excel(st.left, ref_at(lo))
        right = notation.to_excel(st.right, ref_at(lo))
        op = {"=": "<>", "<=": ">", ">=": "<", "<": ">=", ">": "<="}[st.op]
        for number in notation.columns_of(st.left):
            letter = letters[number]
            rules.append(ConditionalRule(f"{letter}{lo}:{letter}{hi}", f"({left}){op}({right})",
                                         relation.severity, relation.message))
    if total_row is not None and unit_rows:
        for c in form.columns:
            if formulas.is_summed(c):
                letter = letters[c.number]
                sums = formulas.sum_ranges(letter, unit_rows)
                rules.append(ConditionalRule(f"{letter}{total_row}",
                                             f"ABS({letter}{total_row}-SUM({sums}))>1E-6",
                                             "error", "total is not the sum of its column"))
    return rules
