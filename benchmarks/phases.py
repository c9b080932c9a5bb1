"""Where validate's time goes, phase by phase, in one process (medians of --runs).

    python benchmarks/phases.py benchmarks/.data/table_10000.xlsx [--runs 5]

Phases: imports, calamine (values), facts (sheet XML: formula flags, styles), locate,
read_cells (SheetCheck), rules (filter + exact confirmation), culprits, cell checks. The
whole-process figures are in run.py; this splits the in-process part.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
import macros_py.commands.validate  # noqa: E402,F401
from macros_py.core import row_filter, row_rules  # noqa: E402
from macros_py.core.cell_checks import check_cells, check_duplicates, check_formula_cells  # noqa: E402
from macros_py.core.culprits import attribute_culprits  # noqa: E402
from macros_py.core.sheet_check import SheetCheck, read_cells  # noqa: E402
from macros_py.core.table import locate  # noqa: E402
from macros_py.engines import file as engine  # noqa: E402
IMPORTS = time.perf_counter() - T0


def rss() -> tuple[float, float]:
    """(current, peak) resident MiB of this process."""
    import resource

    with open("/proc/self/statm") as fh:
        current = int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEMORY: dict[str, tuple[float, float]] = {}


def once(path: Path, exact: bool) -> dict[str, float]:
    from macros_py.core.grid import Grid

    t = {}
    s = time.perf_counter()
    package = engine.check_readable(path)
    t["read, check"] = time.perf_counter() - s
    MEMORY.setdefault("read, check", rss())
    s = time.perf_counter()
    values, hidden = engine._calamine_values(package)
    t["calamine"] = time.perf_counter() - s
    MEMORY.setdefault("calamine", rss())
    grids = {n: Grid(n, rows) for n, rows in values.items()}
    s = time.perf_counter()
    engine.add_sheet_facts(package, grids)
    t["facts"] = time.perf_counter() - s
    MEMORY.setdefault("facts", rss())
    grid = next(iter(grids.values()))
    s = time.perf_counter()
    table = locate(grid)
    t["locate"] = time.perf_counter() - s
    MEMORY.setdefault("locate", rss())
    s = time.perf_counter()
    check = SheetCheck(grid, table)
    read_cells(check)
    t["read_cells"] = time.perf_counter() - s
    MEMORY.setdefault("read_cells", rss())
    s = time.perf_counter()
    rules = row_rules.Rules(check)
    if exact:
        broken = row_rules.broken_constraints(check, rules)
    else:
        view = row_filter.ColumnView(check)
        broken = row_filter.broken_constraints(check, rules, view)
    t["rules"] = time.perf_counter() - s
    MEMORY.setdefault("rules", rss())
    s = time.perf_counter()
    if exact:
        check_cells(check)
        check_formula_cells(check)
        check_duplicates(check)
    else:
        row_filter.single_cell_checks(check, view)
    t["cell checks"] = time.perf_counter() - s
    MEMORY.setdefault("cell checks", rss())
    s = time.perf_counter()
    found = attribute_culprits(check, rules, broken) + check.findings
    t["culprits"] = time.perf_counter() - s
    MEMORY.setdefault("culprits", rss())
    t["total"] = sum(t.values())
    t["findings"] = len(found)
    return t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--exact", action="store_true", help="row by row, no column filter")
    args = ap.parse_args()
    runs = [once(args.path, args.exact) for _ in range(args.runs)]
    print(f"{'imports':12} {IMPORTS * 1000:8.1f} ms")
    print("memory after each phase (first run; current / peak MiB):",
          ", ".join(f"{k} {c:.0f}/{p:.0f}" for k, (c, p) in MEMORY.items()))
    print(f"{'phase':12} {'median':>8}    {'min':>8}")
    for key in runs[0]:
        med, low = statistics.median(r[key] for r in runs), min(r[key] for r in runs)
        print(f"{key:12} {med * 1000:8.1f} ms {low * 1000:8.1f} ms" if key != "findings" else f"{key:12} {med:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
