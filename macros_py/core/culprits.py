"""One wrong typed cell that breaks several rules is reported once, at the likeliest culprit:
the cell whose correction makes the most broken rules hold without breaking any that held.
"""
from __future__ import annotations

from .coords import column_letter
from .findings import CATALOGUE, Finding
from .row_rules import Constraint, Rules
from .sheet_check import Cell, Lookup, SheetCheck


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


def attribute_culprits(check: SheetCheck, rules: Rules, broken: list[Constraint]) -> list[Finding]:
    """Replace findings that one wrong typed cell explains by one finding on that cell."""
    culprits: list[Finding] = []
    overrides: dict[Cell, float] = {}
    number_of = {col: n for n, col in check.table.columns.items()}

    def look(cell: Cell) -> float | None:
        return overrides.get(cell, check.numbers.get(cell))

    while True:
        counts: dict[Cell, int] = {}
        for c in broken:
            for cell in c.cells:
                counts[cell] = counts.get(cell, 0) + 1
        best = None
        for cell, n in counts.items():
            if n < 2 or check.is_formula(cell) or check.numbers.get(cell) is None:
                continue
            mine = [c for c in broken if cell in c.cells]
            held = [c for c in rules.touching(cell) if not any(c.rule is b.rule and c.row == b.row for b in broken)]
            column = check.form.column(number_of[cell[1]])
            for candidate in {v for c in mine if c.rule.solvable and (v := _solve(c, cell, look)) is not None}:
                if column.kind == "count":
                    candidate = float(round(candidate))
                trial = lambda c2, v=candidate: v if c2 == cell else look(c2)  # noqa: E731
                if any(not c.holds(trial) for c in held):
                    continue   # the correction would break a rule that holds
                fixed = [c for c in mine if c.holds(trial)]
                if len(fixed) >= 2 and (best is None or len(fixed) > len(best[2])):
                    best = (cell, candidate, fixed, column)
        if best is None:
            break
        cell, value, fixed, column = best
        own = column_letter(cell[1]) + str(cell[0])
        fixed_cells = sorted({_ref(c) for c in fixed}, key=lambda ref: (len(ref), ref))
        finding = CATALOGUE["likely-culprit"].finding(
            check.grid.name, *cell, actual=check.numbers.get(cell), expected=value,
            decimals=column.decimals or None, number=column.number, count=len(fixed), cells=", ".join(fixed_cells))
        finding.follows = [ref for ref in fixed_cells if ref != own]
        culprits.append(finding)
        overrides[cell] = value
        broken = [c for c in broken if c not in fixed]
    return culprits + [c.rule.finding(c.row) for c in broken]


def _ref(constraint: Constraint) -> str:
    """The cell a constraint's finding is placed on."""
    return f"{column_letter(constraint.rule.anchor_col)}{constraint.row}"
