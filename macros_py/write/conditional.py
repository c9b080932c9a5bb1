"""Conditional-formatting rules that make plain Excel (no add-in) show rule breaks live.

They are data: a range, a formula written for the range's top-left cell with relative
references, and a severity. Each writer (xlsxwriter for new tables, openpyxl for repaired ones)
renders the same list.

A live rule must never paint a cell the validator passes, so each one is at most as strict as
its rule in `core.row_rules`: it waits until every cell it reads holds a number (a blank or a
number typed as text is the validator's to name, once); it paints only the cell the validator
places its finding on; it allows the loosest precision the validator may judge a figure at (one
decimal, plus the rounding of the rates it is computed from); and it reads rates both as percent
points (8.25) and as fractions shown with a percent format (0.0825), painting only what is
wrong either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ..core.percent import PERCENT, percent_columns, scaled_excel
from ..forms import formulas, notation
from ..forms.spec import Form


@dataclass(frozen=True)
class ConditionalRule:
    range: str       # "C9:C25"
    formula: str     # without '=', relative to the range's first cell
    severity: str    # error | warning
    why: str         # developer-facing description


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive rows: each gets its own rules (a formula is relative to its range's top)."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _span(letter: str, block: tuple[int, int]) -> str:
    a, b = block
    return f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}"


def _rate_count_breaks(rate: str, households: str, count: str, scale: float, shown: int | None) -> str:
    """A target rate (read one way: as percent points, or `rate*100` for a fraction) that is more
    than half a household off its count AND not count/households×100 correctly rounded at the
    precision the validator judges it at: the decimals the cell shows, fewer where the number
    holds fewer, never coarser than one (`ROUND(x,1)=x`: typed to one decimal). Unknown
    precision (General, 3 decimals or more) allows one decimal. Written without a division, so a
    row with no households is judged too."""
    def off(value: str, tolerance: str) -> str:
        return f"ABS({value}*{households}-{count}*{scale:g})>({tolerance})*{households}"

    if shown is not None and shown <= 2:
        tol = "0.05" if shown <= 1 else f"IF(ROUND({rate},1)={rate},0.05,0.005)"
        written = f"ROUND({rate},{max(shown, 1)})"
    else:
        tol, written = "0.05", rate
    return (f"AND(ABS({rate}*{households}/{scale:g}-{count})>0.5,{off(rate, tol + '+1E-7')},"
            f"{off(written, tol + '+1E-7')})")


def shown_places(formats: Iterable[str | None]) -> int | None:
    """The fewest decimals a column's number formats show; None if one shows General (as stored)."""
    from ..core.numbers import shown_decimals

    places = None
    for code in set(formats):
        if not code or code in ("General", "@"):
            return None
        p = shown_decimals(0.0, code)
        places = p if places is None else min(places, p)
    return places


def conditional_rules(form: Form, letters: Mapping[str, str], first_row: int, last_row: int,
                      total_row: int | None, unit_rows: list[int], *,
                      subtotals: Mapping[int, list[int]] | None = None,
                      places: Mapping[str, int | None] | None = None) -> list[ConditionalRule]:
    """The live checks for a table whose data rows span first_row..last_row: unit rows checked
    row by row, subtotal and total rows against the rows they sum. `places` gives, per column,
    the fewest decimals its cells show (None: General, as stored); the form's decimals otherwise."""
    rules: list[ConditionalRule] = []
    subtotals = {r: kids for r, kids in (subtotals or {}).items() if kids}
    percent = percent_columns(form) & set(letters)
    units = _blocks(unit_rows) if unit_rows else []
    aggregates = sorted(subtotals) + ([total_row] if total_row is not None and unit_rows else [])
    every = units + [(r, r) for r in aggregates]

    def ref_at(row: int):
        return lambda number: f"{letters[number]}{row}"

    def guard(row: int, numbers: list[str]) -> str:
        return f"COUNT({','.join(ref_at(row)(n) for n in numbers)})={len(numbers)}"

    as_fractions = {n: PERCENT for n in percent}
    for c in form.columns:
        if not c.is_number or c.number not in letters:
            continue
        letter = letters[c.number]
        if c.kind == "count":
            for block in every:
                rules.append(ConditionalRule(_span(letter, block), f"AND(ISNUMBER({letter}{block[0]}),{letter}{block[0]}<0)",
                                             "error", "negative count"))
        expr = formulas.row_expr(c)
        if expr is not None and all(n in letters for n in notation.columns_of(expr)):
            # A formula cell (or a number typed over it) that disagrees with its formula.
            rated = [n for n in notation.columns_of(expr) if n in percent and form.column(n).decimals]
            tol = 0.5 if not c.decimals else 0.05 + 0.05 * len(rated)
            target = PERCENT if c.number in percent else 1.0
            for block in units:
                r, cell = block[0], f"{letter}{block[0]}"
                readings = [f"ABS({cell}-({notation.to_excel(expr, ref_at(r))}))>{tol + 1e-9:g}"]
                if target == PERCENT or any(n in percent for n in notation.columns_of(expr)):
                    fraction = scaled_excel(expr, ref_at(r), as_fractions, target)
                    readings.append(f"ABS({cell}-({fraction}))>{tol * target + 1e-9:g}")
                rules.append(ConditionalRule(_span(letter, block), f"AND({guard(r, [c.number] + notation.columns_of(expr))},"
                                             f"{','.join(readings)})", "error", "formula column disagrees"))
        if c.kind == "rate" and c.of is not None:
            parts = notation.ratio_parts(c.of)
            if parts and parts[0] in letters and parts[1] in letters:
                num, den, scale = parts
                for block in units:
                    r = block[0]
                    rate, households, count = f"{letter}{r}", f"{letters[den]}{r}", f"{letters[num]}{r}"
                    shown = (places or {}).get(c.number, c.decimals)
                    wrong = [_rate_count_breaks(rate, households, count, scale, shown),
                             _rate_count_breaks(f"({rate}*{1 / PERCENT:g})", households, count, scale, shown)]
                    rules.append(ConditionalRule(
                        _span(letter, block), f"AND({guard(r, [c.number, den, num])},{','.join(wrong)})",
                        "error", "rate disagrees with its count: more than half a household off and not its "
                                 "rounding at the precision it is written at"))
    for relation in form.relations:
        st = relation.statement
        numbers = list(dict.fromkeys(notation.columns_of(st.left) + notation.columns_of(st.right)))
        if not all(n in letters for n in numbers):
            continue
        op = {"=": "<>", "<=": ">", ">=": "<", "<": ">=", ">": "<="}[st.op]
        letter = letters[notation.columns_of(st.left)[0]]     # where the validator names it
        for block in every:
            r = block[0]
            broken = [f"({notation.to_excel(st.left, ref_at(r))}){op}({notation.to_excel(st.right, ref_at(r))})"]
            if any(n in percent for n in numbers):
                def frac(number: str, row: int = r) -> str:
                    return f"({letters[number]}{row}*100)" if number in percent else f"{letters[number]}{row}"
                broken.append(f"({notation.to_excel(st.left, frac)}){op}({notation.to_excel(st.right, frac)})")
            rules.append(ConditionalRule(_span(letter, block), f"AND({guard(r, numbers)},{','.join(broken)})",
                                         relation.severity, relation.message))
    sums = {**subtotals, **({total_row: unit_rows} if total_row is not None and unit_rows else {})}
    for row, kids in sorted(sums.items()):
        for c in form.columns:
            if formulas.is_summed(c) and c.number in letters:
                letter = letters[c.number]
                ranges = formulas.sum_ranges(letter, kids)
                rules.append(ConditionalRule(f"{letter}{row}",
                                             f"AND(COUNT({ranges})={len(kids)},ISNUMBER({letter}{row}),"
                                             f"ABS({letter}{row}-SUM({ranges}))>1E-7*MAX(1,ABS({letter}{row})))",
                                             "error", "total is not the sum of its column"))
    return rules
