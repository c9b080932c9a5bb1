"""Rewrite tests/MUTATION.md from the results of the last `mutmut run` (in mutants/).

    .venv/bin/python tests/mutation_report.py [MODULE_PREFIX …]

The prefixes (e.g. macros_py.forms macros_py.core.numbers) limit the report to part of the
configured modules; by default every module mutmut ran on. The set is run in parts (a name filter,
`mutants/` is not kept): each run is a line of "## Runs", and the modules of an earlier run that
this one did not cover keep that run's counts and survivors; the totals add up every run listed. Each surviving mutant keeps the reason
already written for it in MUTATION.md (the line `- `NAME`: reason`); a new survivor is listed with
its diff and "TODO" until someone writes a test that kills it or explains why it is equivalent.
A former survivor that a new test kills moves to its own list, with the test that kills it.
Timeouts count as killed (the mutant made the tests hang: they noticed), as mutmut's score does.
"""
from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "MUTATION.md"
KILLED = {1, 3, 36, -24, 24, 152, 255}      # mutmut's exit codes for killed and timeout
SURVIVED = {0, 5, 33, 35}                   # survived, no tests, suspicious
_REASON = re.compile(r"^- `([^`]+)`[^:]*: (.*)$")
_RUN = re.compile(r"^- (\S+) (\S+): (\d+) killed / (\d+) total, (\d+) survived; modules: (.*)$")


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def earlier_runs(text: str) -> list[tuple[str, set[str], int, int, int]]:
    """The runs listed in MUTATION.md as (line, modules, killed, total, survived); a report written
    before runs were listed is read as one run from its header."""
    runs = []
    for line in text.splitlines():
        if m := _RUN.match(line):
            runs.append((line, set(m.group(6).split(", ")), int(m.group(3)), int(m.group(4)), int(m.group(5))))
    if runs or "\n## Runs\n" in text:
        return runs
    head = dict(re.findall(r"^- (date|commit|modules|mutants): (.*)$", text, re.M))
    counts = re.match(r"(\d+) total, (\d+) killed.*?, (\d+) survived", head.get("mutants", ""))
    if not counts:
        return []
    total, killed, survived = map(int, counts.groups())
    line = f"- {head['date']} {head['commit']}: {killed} killed / {total} total, {survived} survived; " \
           f"modules: {head['modules']}"
    return [(line, set(head["modules"].split(", ")), killed, total, survived)]


def _partly_rerun(everything: dict[str, int | None], covered_before: set[str]) -> set[str]:
    """Modules an earlier run covered of which only some mutants have a result here."""
    done: dict[str, set[bool]] = {}
    for name, code in everything.items():
        done.setdefault(module_of(name), set()).add(code is not None)
    return {m for m, states in done.items() if states == {True, False} and m in covered_before}


def section(text: str, title: str) -> list[str]:
    """The `- `NAME`: …` lines of one section."""
    if f"\n## {title}\n" not in text:
        return []
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if _REASON.match(line)]


def results(prefixes: list[str]) -> dict[str, int | None]:
    """Exit code of every mutant in scope; None for one not checked yet."""
    out: dict[str, int | None] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.meta")):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            if not prefixes or name.startswith(tuple(prefixes)):
                out[name] = code
    return out


def diff(name: str) -> str:
    """The changed line of a mutant, as `-old` / `+new` (mutmut show)."""
    shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT, capture_output=True,
                           text=True).stdout
    lines = [line for line in shown.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return " / ".join(line.strip() for line in lines)[:300]


def main(prefixes: list[str]) -> None:
    everything = results(prefixes)
    found = {n: c for n, c in everything.items() if c is not None}
    if not found:
        raise SystemExit("No mutmut results: run mutmut first (README, section Tests).")
    reasons, notes, text = {}, [], ""
    if REPORT.exists():
        text = REPORT.read_text(encoding="utf-8")
        for line in text.splitlines():
            if m := _REASON.match(line):
                reasons[m.group(1)] = m.group(2)
        if "\n## Notes\n" in text:                      # kept as written, between runs
            notes = ["## Notes"] + text.split("\n## Notes\n", 1)[1].split("\n## ", 1)[0].rstrip().splitlines() + [""]
    # a module an earlier run covered whole, of which this directory holds only some results (the
    # functions `mutation_run.py --changed` reran): the earlier run's counts stand for it; the
    # rerun's are told apart below, and its survivors listed with the rest
    before = earlier_runs(text)
    # an earlier run some of whose modules were rerun whole is superseded: its other modules then
    # count what this directory holds, and their mutants without a result are said to be unrun
    mixed = _partly_rerun(everything, set().union(*(run[1] for run in before)))
    whole = {module_of(n) for n in found} - mixed
    partly = mixed & set().union(*(run[1] for run in before if not run[1] & whole))
    rerun = {n: c for n, c in found.items() if module_of(n) in partly}
    found = {n: c for n, c in found.items() if n not in rerun}
    killed = sorted(n for n, c in found.items() if c in KILLED)
    survived = sorted(n for n, c in found.items() if c in SURVIVED)
    other = sorted(n for n, c in found.items() if n not in killed and n not in survived)
    modules = sorted({module_of(n) for n in found})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    # earlier runs whose modules this run did not cover are kept, with their survivors' lines
    kept = [run for run in before if not run[1] & set(modules)]
    kept_modules = set().union(*(run[1] for run in kept))
    # not run yet: mutants of this run's modules it did not reach, and modules no run listed covers
    # (the mutants of a kept run's modules were run then, in an earlier mutants/ directory)
    pending = [n for n, c in everything.items() if c is None and module_of(n) not in kept_modules]
    unchecked = sum(module_of(n) in modules for n in pending)
    never = sorted({module_of(n) for n in pending} - set(modules))
    never_count = len(pending) - unchecked
    old_survivors = [line for line in section(text, "Surviving mutants")
                     if module_of(_REASON.match(line).group(1)) in kept_modules]
    old_since = [line for line in section(text, "Survivors of earlier runs, killed since by the tests written for them")
                 if module_of(_REASON.match(line).group(1)) in kept_modules]
    runs = [run[0] for run in kept] + [
        f"- {today} {commit}: {len(killed)} killed / {len(found)} total, {len(survived)} survived; "
        f"modules: {', '.join(modules)}"]
    all_killed = len(killed) + sum(run[2] for run in kept)
    all_total = len(found) + sum(run[3] for run in kept)
    all_survived = len(survived) + sum(run[4] for run in kept)
    lines = [
        "# Mutation testing",
        "",
        "Small plausible bugs planted one at a time by mutmut in the modules where a wrong answer reaches",
        "an officer; each must turn a test red. How to rerun: README, section Tests.",
        "",
        f"- date: {today}",
        f"- commit: {commit}",
        f"- tool: mutmut {_version()}, tests: `[tool.mutmut]` in pyproject.toml (LibreOffice skipped)",
        f"- modules: {', '.join(sorted(set(modules) | kept_modules))}",
        f"- mutants: {all_total} total, {all_killed} killed (timeouts included), {all_survived} survived"
        + (f", {len(other)} other ({', '.join(sorted({str(found[n]) for n in other}))})" if other else "")
        + (f"; {unchecked} of these modules' mutants generated but not run yet (not counted)" if unchecked else ""),
        *([f"- not run yet: {never_count} mutants of {', '.join(never)}"] if never else []),
        *([f"- rerun since for changed functions, not in the counts above: {len(rerun)} mutants of "
           f"{', '.join(sorted(partly))}: {sum(c in KILLED for c in rerun.values())} killed, "
           f"{sum(c in SURVIVED for c in rerun.values())} survived (listed below)"] if rerun else []),
        *[f"- changed since: the modules of the run of {commit} now have {now} mutants ({run[3]} when run); "
          f"`tests/mutation_run.py --changed {commit}` tries the functions changed since" for run in kept
          if (now := sum(module_of(n) in run[1] for n in everything)) and now != run[3]
          and (commit := run[0].split()[2].rstrip(":"))],
        f"- score: {100 * all_killed / all_total:.1f} %",
        "",
        "## Runs",
        "",
        *runs,
        "",
        *notes,
        "## Surviving mutants",
        "",
        "Each with the test that now kills it, or why it is equivalent (no input can tell it apart).",
        "",
    ]
    entries = [f"- `{name}`: {reasons.get(name) or 'TODO ' + diff(name)}"
               for name in survived + sorted(n for n, c in rerun.items() if c in SURVIVED)]
    lines += sorted(entries + old_survivors) or ["(none)"]
    since = [f"- `{name}`: {reasons[name]}" for name in killed if name in reasons] + old_since
    if since:
        lines += ["", "## Survivors of earlier runs, killed since by the tests written for them", ""]
        lines += sorted(since)
    lines += ["", f"mutants: {all_killed} killed / {all_total} total", ""]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{REPORT}: {all_killed} killed / {all_total} total, {all_survived} survived")


def _version() -> str:
    from importlib.metadata import version

    return version("mutmut")


if __name__ == "__main__":
    main(sys.argv[1:])
