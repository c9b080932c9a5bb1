"""Run mutmut on a part of the mutants that fits well inside CI's 90 minutes on two cores.

    .venv/bin/python tests/mutation_run.py --changed main    # the functions changed since main
    .venv/bin/python tests/mutation_run.py --part 3/6        # a sixth of every mutant (a full run: 1/6 … 6/6)
    .venv/bin/python tests/mutation_run.py --part 3/6 --list # what it would run, and nothing else
    .venv/bin/python tests/mutation_run.py --changed ca6ebd1 --only macros_py.forms macros_py.commands.annotate

then `.venv/bin/python tests/mutation_report.py` rewrites tests/MUTATION.md.

The whole set (about 9,700 mutants in the modules of `[tool.mutmut]`) takes about four hours on two
cores, so it is run in parts, or only where the code changed. The mutants are named exactly, from
mutmut's own generator and function hashes, so a part tries each of its mutants again whatever an
earlier run found, and "changed" means what mutmut means by it. A part is a set of whole functions,
balanced by mutant count. mutmut's record of which tests reach which function only grows by new
tests, so when a function to run is new or changed since the record was made, the record is started
afresh (about 3 minutes).
"""
from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATS = ROOT / "mutants" / "mutmut-stats.json"


def scope(only: list[str] | None = None) -> list[Path]:
    """The source files `[tool.mutmut]` mutates, relative to the repository; with `only`, those of
    these modules (macros_py.forms, macros_py.core.table …)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    files = sorted(p.relative_to(ROOT) for p in (ROOT / "macros_py").rglob("*.py"))
    return [p for p in files if any(fnmatch.fnmatch(str(p), g) for g in conf.get("only_mutate", ["*"]))
            and not any(fnmatch.fnmatch(str(p), g) for g in conf.get("do_not_mutate", []))
            and (not only or any(module_name(p) == m or module_name(p).startswith(m + ".") for m in only))]


def module_name(path: Path) -> str:
    return ".".join(path.with_suffix("").parts)


def mutants_by_function(path: Path, source: str) -> dict[str, list[str]]:
    """{module.function: [mutant names]} for one file, as mutmut names them."""
    from mutmut.mutation.file_mutation import mutate_file_contents

    out: dict[str, list[str]] = defaultdict(list)
    for name in mutate_file_contents(str(path), source).mutant_names:
        out[f"{module_name(path)}.{name.rsplit('__mutmut_', 1)[0]}"].append(f"{module_name(path)}.{name}")
    return dict(out)


def function_hashes(path: Path, source: str) -> dict[str, str]:
    from mutmut.mutation.file_mutation import compute_function_hashes

    return {f"{module_name(path)}.{name}": h for name, h in compute_function_hashes(source).items()}


def all_mutants(only: list[str] | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in scope(only):
        out.update(mutants_by_function(path, (ROOT / path).read_text(encoding="utf-8")))
    return out


def split(functions: dict[str, list[str]], parts: int) -> list[list[str]]:
    """Whole functions into `parts` parts of about equal mutant count: the largest first, each into
    the smallest part so far (ties: the first), so the split is the same on every machine."""
    bins: list[list[str]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for function in sorted(functions, key=lambda f: (-len(functions[f]), f)):
        i = sizes.index(min(sizes))
        bins[i].append(function)
        sizes[i] += len(functions[function])
    return [sorted(b) for b in bins]


def changed_since(base: str, only: list[str] | None = None) -> dict[str, list[str]]:
    """The functions whose source differs from `base` (new ones included), with their mutants."""
    out: dict[str, list[str]] = {}
    for path in scope(only):
        now = (ROOT / path).read_text(encoding="utf-8")
        shown = subprocess.run(["git", "show", f"{base}:{path.as_posix()}"], cwd=ROOT, capture_output=True,
                               text=True, encoding="utf-8")
        before = function_hashes(path, shown.stdout) if shown.returncode == 0 else {}
        after = function_hashes(path, now)
        changed = {f for f, h in after.items() if before.get(f) != h}
        if changed:
            out.update({f: m for f, m in mutants_by_function(path, now).items() if f in changed})
    return out


def unrecorded(functions: list[str]) -> list[str]:
    """Functions mutmut's test record does not know as they are now (added or changed since it was
    made): which tests reach them may have changed, and a new one would be tried with no test."""
    if not STATS.is_file():
        return []
    recorded = json.loads(STATS.read_text(encoding="utf-8")).get("function_hashes", {})
    now: dict[str, str] = {}
    for path in scope():
        if any(f.startswith(module_name(path) + ".") for f in functions):
            now.update(function_hashes(path, (ROOT / path).read_text(encoding="utf-8")))
    return [f for f in functions if recorded.get(f) is None or recorded[f] != now.get(f)]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--changed", metavar="BASE", help="the functions changed since this git revision")
    which.add_argument("--part", metavar="K/N", help="part K of N of every mutant")
    ap.add_argument("--only", nargs="+", metavar="MODULE", help="only these modules (macros_py.forms …)")
    ap.add_argument("--list", action="store_true", help="print the functions and counts, run nothing")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    if importlib.util.find_spec("mutmut") is None:
        print('mutmut is not installed here: .venv/bin/pip install -e ".[mutation]"', file=sys.stderr)
        return 2

    if args.changed:
        functions = changed_since(args.changed, args.only)
    else:
        k, n = (int(x) for x in args.part.split("/"))
        if not 1 <= k <= n:
            ap.error("--part K/N needs 1 ≤ K ≤ N")
        everything = all_mutants(args.only)          # with --only, the parts are of those modules
        functions = {f: everything[f] for f in split(everything, n)[k - 1]}
    names = [m for f in sorted(functions) for m in functions[f]]
    print(f"{len(names)} mutants in {len(functions)} functions", file=sys.stderr)
    if args.list:
        for f in sorted(functions):
            print(f"{len(functions[f]):5}  {f}")
        return 0
    if not names:
        return 0
    if missing := unrecorded(sorted(functions)):
        print(f"{len(missing)} of these functions are new or changed since the test record was made "
              f"(e.g. {missing[0]}): starting it afresh", file=sys.stderr)
        STATS.unlink()
    env = dict(os.environ, GIAMNGHEO_SKIP_LIBREOFFICE="1", HYPOTHESIS_PROFILE="mutation")
    return subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children), *names],
                          cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
