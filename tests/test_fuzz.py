"""Every command on damaged and hostile files: a clear message and exit 0/1/2, never a crash.

A crash is exit code 3 (the command's catch-all for an unexpected exception). The
terminal summary reports how many files were tried and how many crashed (must be 0).
"""
from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from macros_py.cli import main

CORPUS = sorted(p for p in (ROOT / "tests" / "corpus").iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
SOURCE = (ROOT / "workbooks" / "van_quan_2021.xlsx").read_bytes()
STATS = {"files": 0, "crashes": []}


def run_all(path: Path, tmp: Path, capsys=None) -> list[tuple[str, int]]:
    """validate (with annotate), recalc and consolidate on one file; returns crashes.

    A crash is exit 3, or consolidate skipping the file for an unexpected reason."""
    from macros_py.commands.inbox import read_source

    crashes = []
    for args in (["validate", str(path), "--annotate", str(tmp / "a.xlsx"), "--force"],
                 ["validate", str(path), "--format", "json"],
                 ["recalc", str(path), "-o", str(tmp / "r.xlsx"), "--force"],
                 ["consolidate", str(path), "-o", str(tmp / "c.xlsx"), "--force"]):
        code = main(args)
        if code not in (0, 1, 2):
            crashes.append((" ".join(args[:1]), code))
    if (read_source(str(path)).error or "").startswith("Lỗi không mong đợi"):
        crashes.append(("consolidate-read", 3))
    STATS["files"] += 1
    STATS["crashes"] += [(str(path.name), c) for c in crashes]
    return crashes


def corruptions(n: int, seed: int = 7):
    """Byte flips, truncations, member deletions and XML damage of a real workbook."""
    rng = random.Random(seed)
    for i in range(n):
        kind = i % 4
        if kind == 0:
            data = bytearray(SOURCE)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield f"flip_{i}.xlsx", bytes(data)
        elif kind == 1:
            yield f"cut_{i}.xlsx", SOURCE[: rng.randrange(len(SOURCE))]
        else:
            out = io.BytesIO()
            with zipfile.ZipFile(io.BytesIO(SOURCE)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                names = src.namelist()
                victim = rng.choice(names)
                for name in names:
                    data = src.read(name)
                    if name == victim and kind == 2:
                        continue                                # a missing part
                    if name == victim or (kind == 3 and name.startswith("xl/worksheets/")):
                        b = bytearray(data)
                        for _ in range(rng.randint(1, 8)):
                            pos = rng.randrange(len(b))
                            b[pos:pos + rng.randint(1, 5)] = bytes(rng.choice(b"<>&\"'=0123456789abc/") for _ in
                                                                    range(rng.randint(0, 5)))
                        data = bytes(b)
                    dst.writestr(name, data)
            yield f"xml_{i}.xlsx", out.getvalue()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_file_gives_a_message_not_a_crash(path, tmp_path, capsys):
    assert run_all(path, tmp_path) == []
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_random_corruptions_of_a_real_workbook(tmp_path, capsys):
    for name, data in corruptions(80):
        path = tmp_path / name
        path.write_bytes(data)
        assert run_all(path, tmp_path) == [], name
    assert "Traceback" not in capsys.readouterr().err


CELL = st.one_of(st.none(), st.integers(-10**6, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                 st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.sampled_from(["=1/0", "=A1", "#DIV/0!", "1.234,5", "8,25", "  ", "Cộng"]),
                 st.booleans(), st.dates())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, min_size=15, max_size=15), min_size=1, max_size=8))
def test_generated_tables_with_anything_in_the_cells(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("gen")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
               "12=10-8", "13=11-9"])
    for r in rows:
        ws.append(r)
    path = tmp / "gen.xlsx"
    wb.save(path)
    assert run_all(path, tmp) == []


def pytest_terminal_summary_line() -> str:
    return f"fuzz: {STATS['files']} files tried, {len(STATS['crashes'])} crashes"
