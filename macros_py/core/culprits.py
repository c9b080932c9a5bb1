"""One wrong typed cell that breaks several rules is reported once, at the likeliest culprit:
the input whose correction makes the most broken rules hold without breaking any that held.

Every input the broken rules read is tried, counts included, also when a rule reads it only
through live formula cells (households typed 3320 for 332 spoil the row's rates through
`=D8/C8*100`): a trial correction recomputes the formula cells that follow from it, as the
spreadsheet would. The cells that follow stay visible: each gets its own `follows-culprit`
finding naming the culprit, so a wrong total is never left unmarked because its cause was
found elsewhere.
"""
from __future__ import annotations

from ..forms.notation import excel_round
from .cell_checks import printed_state, printed_value
from .coords import cell_ref
from .findings import CATALOGUE, Finding
from .row_rules import Constraint, Rules
from .sheet_check import Cell, Lookup, SheetCheck


def _solve(constraint: Constraint, trial) -> float | None:
    """The value x that zeroes the constraint's residual under trial(x) (secant steps; exact when linear)."""
    x0 = trial.start
    if x0 is None:
        return None

    def f(x: float) -> float | None:
        return constraint.residual(trial(x))

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


class _Trial:
    """Lookups with one input changed and every formula cell that follows it recomputed."""

    def __init__(self, check: SheetCheck, cell: Cell, look: Lookup):
        self.check, self.cell, self.look = check, cell, look
        self.dependents = check.dependents(cell)
        self.start = look(cell)

    def __call__(self, value: float) -> Lookup:
        changed = {self.cell: value}
        look = self.look

        def trial(c: Cell) -> float | None:
            return changed[c] if c in changed else look(c)

        for d in self.dependents:
            changed[d] = self.check.recompute(d, trial)
        trial.changed = changed   # type: ignore[attr-defined]
        return trial


def _candidates(mine: list[Constraint], trial: _Trial, column) -> set[tuple[int, float]]:
    """Values that mend broken rules, as an officer would have typed them, ranked (0 as typed,
    1 not): a count whole, taken where the rules' ranges meet (a target within half a household
    allows a range of households; the count that mends both targets lies where their ranges
    overlap); a rate at the form's decimals where that still mends it (4,93 rather than 4,9363)."""
    solved = [(c, v) for c in mine if c.rule.solvable and (v := _solve(c, trial)) is not None]
    out: set[tuple[int, float]] = set()
    if column.kind != "count":
        for _, v in solved:
            out.add((1, v + 0.0))
            if column.decimals:
                out.add((0, excel_round(v, column.decimals) + 0.0))    # + 0.0: never a "-0,0"
        return out
    ranges = []
    for c, v in solved:
        start = float(round(v))
        out.add((0, start))
        if start >= 0 and c.holds(trial(start)):
            ranges.append((_edge(c, trial, start, -1), _edge(c, trial, start, 1)))
    for i, (lo1, hi1) in enumerate(ranges):      # where two rules' ranges meet, and where all do
        for lo2, hi2 in ranges[i + 1:] + ranges[:1]:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo <= hi:
                out.update((0, float(x)) for x in {lo, hi, (lo + hi) // 2})
    if len(ranges) > 2:
        lo, hi = max(r[0] for r in ranges), min(r[1] for r in ranges)
        if lo <= hi:
            out.update((0, float(x)) for x in {lo, hi, (lo + hi) // 2})
    return out


def _edge(c: Constraint, trial: _Trial, start: float, step: int) -> int:
    """The last whole number from `start` in the direction `step` at which the rule still holds."""
    good, gap = int(start), 1
    while gap < 1_000_000:                       # widen until it breaks …
        probe = good + step * gap
        if probe < 0 or not c.holds(trial(float(probe))):
            break
        good, gap = probe, gap * 2
    bad = good + step * gap
    while abs(bad - good) > 1:                   # … then close in on the edge
        mid = (good + bad) // 2
        if mid >= 0 and c.holds(trial(float(mid))):
            good = mid
        else:
            bad = mid
    return good


def _key(c: Constraint) -> tuple:
    return id(c.rule), c.row


def attribute_culprits(check: SheetCheck, rules: Rules, broken: list[Constraint]) -> list[Finding]:
    """Replace findings that one wrong typed cell explains by one finding on that cell, and one
    `follows-culprit` finding on each cell that follows from it."""
    findings: list[Finding] = []
    overrides: dict[Cell, float | None] = {}
    followers: dict[Cell, _Follower] = {}      # a cell two culprits spoil is named once, with both
    picks: list[tuple[Cell, float, list[Constraint], Lookup, Lookup]] = []   # culprits in the order chosen

    look = _lookup(check, overrides)           # the sheet with the corrections made so far

    while True:
        involved: dict[Cell, list[Constraint]] = {}
        for c in broken:
            for cell in c.cells:
                for source in check.inputs_of(cell):
                    mine = involved.setdefault(source, [])
                    if not mine or mine[-1] is not c:
                        mine.append(c)
        best = None
        broken_keys = {_key(b) for b in broken}
        for cell, mine in involved.items():
            if len(mine) < 2 or check.computed(cell) or look(cell) is None:
                continue
            column = check.column(cell)
            trial = _Trial(check, cell, look)
            held, seen = [], set()
            for touched in [cell] + trial.dependents:
                for c in rules.touching(touched):
                    if _key(c) not in broken_keys and _key(c) not in seen:
                        seen.add(_key(c))
                        held.append(c)
            for candidate in sorted(_candidates(mine, trial, column)):
                if candidate[1] == look(cell) or check.shown(cell, candidate[1]) == check.shown(cell, look(cell)):
                    continue      # never "đang ghi 9,71; nếu là 9,71"
                after = trial(candidate[1])
                if any(not c.holds(after) for c in held):
                    continue   # the correction would break a rule that holds
                fixed = [c for c in mine if c.holds(after)]
                if len(fixed) < 2:
                    continue
                # most rules mended; then as typed (a rate at the form's decimals); then mended
                # most exactly (of the counts a half-household target allows, the central one)
                rank = (-len(fixed), candidate[0], round(sum(c.strain(after) for c in fixed), 3))
                if best is None or rank < best[0]:
                    best = (rank, cell, candidate[1], fixed, after)
        if best is None:
            break
        _, cell, value, fixed, after = best
        picks.append((cell, value, fixed, after, _lookup(check, dict(overrides))))   # as it stood then
        overrides.update(after.changed)
        fixed_keys = {_key(c) for c in fixed}
        broken = [c for c in broken if _key(c) not in fixed_keys]
    for i, (cell, value, fixed, after, seen) in enumerate(picks):
        # a rule a later culprit mends only once this one is mended too (a typed total over two
        # slips) follows both: "vì ô F12 và F14 có lẽ ghi sai; sửa F12 và F14 thì ô này khớp"
        shared = [c for later in picks[i + 1:] for c in later[2]
                  if any(cell in check.inputs_of(x) for x in c.cells)]
        findings.append(_report(check, cell, value, fixed + shared, after, seen, followers))
    return findings + [f.finding(check) for f in followers.values()] + [c.rule.finding(c.row) for c in broken]


def _lookup(check: SheetCheck, made: dict[Cell, float | None]) -> Lookup:
    """The sheet's numbers with the corrections in `made` (a copy: as the sheet stood when a culprit
    was chosen; the live dictionary: as corrections are made)."""
    return lambda cell: made[cell] if cell in made else check.numbers.get(cell)


class _Follower:
    """A cell that follows one culprit or more: what it shows now (as the sheet has it, before any
    correction) and what it will show, or that its rule will hold, once they are all mended."""

    def __init__(self, cell: Cell, state: str, actual: float | None):
        self.cell, self.state, self.actual = cell, state, actual
        self.culprits: dict[Cell, str] = {}     # culprit cell → its cause
        self.expected: float | None = None
        self.outcome = ""

    def finding(self, check: SheetCheck) -> Finding:
        named = sorted(self.culprits)                  # in the sheet's order, whichever was found first
        refs = [cell_ref(*c) for c in named]
        causes = [self.culprits[c] for c in named]
        if len(set(causes)) == 1:
            culprit, cause = _and(refs), causes[0]
        else:
            culprit, cause = refs[0], ", ô ".join([causes[0]] + [f"{r} {c}" for r, c in zip(refs[1:], causes[1:])])
        return CATALOGUE["follows-culprit"].finding(
            check.grid.name, *self.cell, actual=self.actual, expected=self.expected, where=check.where(self.cell),
            state=self.state, culprit=culprit, cause=cause, remedy=f"sửa {_and(refs)} {self.outcome}")


def _and(refs: list[str]) -> str:
    """F12 · F12 và F14 · F12, F14 và F16."""
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} và {refs[-1]}"


def _report(check: SheetCheck, cell: Cell, value: float, fixed: list[Constraint], after: Lookup,
            look: Lookup, followers: dict[Cell, _Follower]) -> Finding:
    """The culprit's finding; each cell that follows from it is added to `followers`."""
    following: dict[Cell, str] = {}
    for d, new in after.changed.items():           # formula cells that will show another figure
        if d != cell and not check.same_shown(d, look(d), new):
            following[d] = "value"
    for c in fixed:                                # cells of the rules the correction mends
        anchor = (c.row, c.rule.anchor_col)
        if anchor != cell:
            following.setdefault(anchor, "rule")
    order = sorted(following, key=lambda c: (c[0] != cell[0], c[0], c[1]))
    names = [cell_ref(*c) for c in order]
    consequence = (f"{len(names)} ô khác sẽ đúng theo: {', '.join(names)}" if names
                   else f"{len(fixed)} quy tắc của ô này đều đúng")
    if cell in check.text_numbers:     # one finding on the cell: the text is said here (it supersedes text-number)
        consequence += f" (ô đang chứa số dạng văn bản '{check.text_numbers[cell][0]}': hãy gõ lại thành số)"
    culprit = CATALOGUE["likely-culprit"].finding(
        check.grid.name, *cell, actual=look(cell), expected=value, decimals=check.shown_places(cell),
        sign=check.percent_sign(cell), where=check.where(cell), consequence=consequence)
    culprit.follows = names
    cause = "có lẽ ghi sai"
    if cell in check.text_numbers:
        cause = f"chứa số dạng văn bản '{check.text_numbers[cell][0]}' và có lẽ ghi sai"
    covered = set(order)       # each follows this culprit once: its earlier note as following the text goes
    check.findings[:] = [f for f in check.findings if not (
        f.rule == "follows-culprit" and (f.row, f.col) in covered and check.explained.get((f.row, f.col)) == cell)]
    for d in order:
        follower = followers.get(d)
        if follower is None:                       # what the sheet shows now: before any correction
            now = check.numbers.get(d)
            if following[d] != "value":
                state = f"không khớp (đang ghi {check.shown(d, now)})"
            elif d in check.explained:       # spoiled by number text: say what it prints, not what it would
                state, now = printed_state(check, d), printed_value(check, d)
            else:
                state = f"báo lỗi {check.errors[d]}" if now is None and d in check.errors \
                    else f"đang ghi {check.shown(d, now)}"
            follower = followers[d] = _Follower(d, state, now)
        follower.culprits[cell] = cause
        follower.expected = after(d)
        follower.outcome = f"thì ô này thành {check.shown(d, follower.expected)}" if following[d] == "value" \
            else "thì ô này khớp"
    return culprit
