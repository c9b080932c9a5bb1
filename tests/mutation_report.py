"""Rewrite tests/MUTATION.md from the results of the last `mutmut run` (in mutants/).

    .venv/bin/python tests/mutation_report.py [MODULE_PREFIX …]

The prefixes (e.g. macros_py.forms macros_py.core.numbers) limit the report to part of the
configured modules; by default every module mutmut ran on. Each surviving mutant keeps the reason
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
    unchecked = len(everything) - len(found)
    if not found:
        raise SystemExit("No mutmut results: run mutmut first (README, section Tests).")
    reasons, notes = {}, []
    if REPORT.exists():
        text = REPORT.read_text(encoding="utf-8")
        for line in text.splitlines():
            if m := _REASON.match(line):
                reasons[m.group(1)] = m.group(2)
        if "\n## Notes\n" in text:                      # kept as written, between runs
            notes = ["## Notes"] + text.split("\n## Notes\n", 1)[1].split("\n## ", 1)[0].rstrip().splitlines() + [""]
    killed = sorted(n for n, c in found.items() if c in KILLED)
    survived = sorted(n for n, c in found.items() if c in SURVIVED)
    other = sorted(n for n, c in found.items() if n not in killed and n not in survived)
    modules = sorted({n.split(".x_")[0].split(".xǁ")[0] for n in found})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Mutation testing",
        "",
        "Small plausible bugs planted one at a time by mutmut in the modules where a wrong answer reaches",
        "an officer; each must turn a test red. How to rerun: README, section Tests.",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- commit: {commit}",
        f"- tool: mutmut {_version()}, tests: `[tool.mutmut]` in pyproject.toml (LibreOffice skipped)",
        f"- modules: {', '.join(modules)}",
        f"- mutants: {len(found)} total, {len(killed)} killed (timeouts included), {len(survived)} survived"
        + (f", {len(other)} other ({', '.join(sorted({str(found[n]) for n in other}))})" if other else "")
        + (f"; {unchecked} generated but not run yet (not counted)" if unchecked else ""),
        f"- score: {100 * len(killed) / len(found):.1f} %",
        "",
        *notes,
        "## Surviving mutants",
        "",
        "Each with the test that now kills it, or why it is equivalent (no input can tell it apart).",
        "",
    ]
    for name in survived:
        lines.append(f"- `{name}`: {reasons.get(name) or 'TODO ' + diff(name)}")
    if not survived:
        lines.append("(none)")
    since = [n for n in killed if n in reasons]
    if since:
        lines += ["", "## Survivors of earlier runs, killed since by the tests written for them", ""]
        lines += [f"- `{name}`: {reasons[name]}" for name in since]
    lines += ["", f"mutants: {len(killed)} killed / {len(found)} total", ""]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{REPORT}: {len(killed)} killed / {len(found)} total, {len(survived)} survived")


def _version() -> str:
    from importlib.metadata import version

    return version("mutmut")


if __name__ == "__main__":
    main(sys.argv[1:])
