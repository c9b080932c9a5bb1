from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# xlwings' remote engine (xw.Book(json=…)) is free for noncommercial and government use.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# Every table the suite checks (in this process and in the commands it starts) is checked twice,
# through the column filter and exactly, and any difference in the findings fails (core/checks.py).
os.environ.setdefault("GIAMNGHEO_VERIFY_FILTER", "1")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Hypothesis: the default profile `ci` is derandomized (the same examples on every run, so a red CI
# is reproducible and a green one is not luck); `HYPOTHESIS_PROFILE=thorough` draws fresh random
# examples, ten times as many, and keeps failures in .hypothesis/ to replay them (README, Tests).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("thorough", derandomize=False, max_examples=1000, print_blob=True)
settings.register_profile("mutation", derandomize=True, database=None, max_examples=20)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items):
    """Under `thorough`, tests that fix their own example count (for CI's time) get ten times it;
    under `mutation` (tests/MUTATION.md: every mutant reruns them) a fifth."""
    _quickest_first_under_mutmut(items)
    scale = {"thorough": 10, "mutation": 0.2}.get(PROFILE)
    if scale is None:
        return
    for item in items:
        test = getattr(item, "obj", None)
        # the test's own settings, kept: a second collection in one process (mutmut collects once,
        # then again in each forked run) must not scale the already scaled count again (200 → 40 → 8)
        own = getattr(test, "_giamngheo_own_settings", None) or getattr(test, "_hypothesis_internal_use_settings", None)
        if own is not None and own.max_examples < 1000:
            test._giamngheo_own_settings = own
            test._hypothesis_internal_use_settings = settings(own, max_examples=max(5, int(own.max_examples * scale)))


# the test files written for a module's promises: under mutmut they count a quarter of their time, so
# their quick tests run first for its mutants
OWN_TESTS = {
    "core.culprits": ("test_culprit_advice",),
    "core.table": ("test_table_recognition", "test_table_text"),
    "core.row_filter": ("test_row_filter",),
    "core.sheet_check": ("test_mutants_rules", "test_uncached_formulas", "test_culprit_advice"),
    "core.row_rules": ("test_mutants_rules",),
    "core.cell_checks": ("test_mutants_rules", "test_validate"),
    "core.grid": ("test_mutants", "test_fast_paths"),
    "commands.inbox": ("test_mutants_inbox", "test_inbox"),
    "commands.consolidate": ("test_mutants_inbox", "test_consolidate"),
    "commands.annotate": ("test_annotate",),
}


def _quickest_first_under_mutmut(items):
    """mutmut runs a mutant's tests with -x in no useful order; the quickest first (by the durations
    its stats run measured), the module's own tests counted at a quarter of their time, end a killed
    mutant's run in about a second instead of half a minute. The order changes no outcome: a
    survivor runs them all."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    stats = Path("mutmut-stats.json")
    if "__mutmut_" not in mutant or not stats.is_file():
        return
    import json

    duration = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    module = mutant.removeprefix("macros_py.").split(".x_")[0].split(".xǁ")[0]
    own = OWN_TESTS.get(module, ())

    killer = _killers().get(mutant)

    def key(item):        # own tests count a quarter of their time: first, unless slow
        if item.nodeid == killer:
            return -1.0
        name = item.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
        return duration.get(item.nodeid, 0.0) * (0.25 if name in own else 1.0)

    items.sort(key=key)


# mutmut runs in mutants/, which it keeps between runs: the test that killed each mutant last time
# runs first next time, so a rerun of a killed mutant costs about one test
KILLERS = Path("mutmut-killers.jsonl")


def _killers() -> dict[str, str]:
    import json

    if not KILLERS.is_file():
        return {}
    out = {}
    for line in KILLERS.read_text(encoding="utf-8").splitlines():
        try:
            mutant, test = json.loads(line)
        except ValueError:       # a line cut short by a stopped run
            continue
        out[mutant] = test
    return out


def pytest_runtest_logreport(report):
    """Under mutmut, note the test that killed the mutant (see KILLERS)."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if report.failed and "__mutmut_" in mutant:
        import json

        with KILLERS.open("a", encoding="utf-8") as out:     # one short line: appends do not interleave
            out.write(json.dumps([mutant, report.nodeid]) + "\n")


from macros_py.write.layout import Unit  # noqa: E402
from macros_py.core.numbers import parse_number  # noqa: E402


def published_van_quan() -> tuple[list[tuple[str, list[float]]], list[float]]:
    """Seed 003's table as printed: (unit, columns 1..13) rows and the total row."""
    rows, total = [], None
    for line in (DATA / "van_quan_2021_published.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        # Rates never show three decimals, so reading every cell as a count is exact here.
        values = [parse_number(p, whole=True).value for p in parts[2:]]
        if parts[1] == "Cộng":
            total = values
        else:
            rows.append((parts[1], values))
    return rows, total


INPUT_COLUMNS = ("1", "2", "4", "5", "8", "10", "11")


def van_quan_units() -> list[Unit]:
    rows, _ = published_van_quan()
    return [Unit(name, {n: v[int(n) - 1] for n in INPUT_COLUMNS}) for name, v in rows]


@pytest.fixture
def van_quan_xlsx(tmp_path) -> Path:
    from macros_py.write.layout import make_layout
    from macros_py.forms.spec import get_form
    from macros_py.write.xlsx_writer import write_new_workbook

    path = tmp_path / "van_quan.xlsx"
    write_new_workbook(make_layout(get_form(), van_quan_units(), year=2021, unit="huyện Văn Quan"), path)
    return path


def pytest_terminal_summary(terminalreporter):
    """Report the fuzz suite's tally (files tried, crashes) at the end of every run."""
    import sys

    fuzz = sys.modules.get("test_fuzz")
    if fuzz is not None:
        terminalreporter.write_line(fuzz.pytest_terminal_summary_line())
