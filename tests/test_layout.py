"""The package's folders are its architecture: imports go one way, and the validate path stays light."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "macros_py"
# Layers from the bottom up; a module may import its own layer or any layer below it.
LAYERS = {"forms": 0, "core": 1, "engines": 2, "write": 2, "commands": 3, "addin": 3, "cli": 4, "excel": 4}
LIBRARIES = ("openpyxl", "xlsxwriter", "xlwings", "python_calamine", "pandas", "numpy")


def _layer(module: str) -> str | None:
    """'macros_py.core.table' → 'core'; the leaf modules errors and __init__ belong to no layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path: Path) -> list[str]:
    """Absolute names of everything a module imports (relative imports resolved), at any depth."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.append(target)
            if not node.module:
                names += [f"{target}.{a.name}" for a in node.names]
    return names


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_the_tree_stands():
    for folder in ("forms", "core", "engines", "write", "commands", "addin"):
        assert (PACKAGE / folder / "__init__.py").is_file(), folder
    assert (PACKAGE / "cli.py").is_file() and (PACKAGE / "excel.py").is_file()
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "cli.py", "excel.py", "errors.py"}, top
    assert list((PACKAGE / "forms").glob("*.toml")), "the form specs live beside the code that reads them"


def test_imports_go_one_way():
    broken = []
    for path in _modules():
        own = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name in _imports(path):
            if name.startswith("macros_py."):
                other = _layer(name)
                if own is None and name != "macros_py" and path.name == "errors.py":
                    broken.append(f"{path.relative_to(ROOT)} imports {name} (errors.py must stay a leaf)")
                if own is not None and other is not None and LAYERS[other] > LAYERS[own]:
                    broken.append(f"{path.relative_to(ROOT)} ({own}) imports {name} ({other})")
            if own in ("forms", "core") and name.split(".")[0] in LIBRARIES:
                broken.append(f"{path.relative_to(ROOT)} ({own}) imports the library {name}")
    assert not broken, "\n".join(broken)


def test_the_direction_check_catches_an_upward_import():
    """The checker itself must see a planted upward import (core → engines) and a library in core."""
    planted = PACKAGE / "core" / "_planted_upward.py"
    planted.write_text("from ..engines.file import read_grids\nimport openpyxl\n", encoding="utf-8")
    try:
        try:
            test_imports_go_one_way()
        except AssertionError as exc:
            text = str(exc)
        else:
            text = ""
    finally:
        planted.unlink()
    assert "_planted_upward.py (core) imports macros_py.engines.file (engines)" in text
    assert "imports the library openpyxl" in text


# pathlib itself imports urllib.parse on Python 3.11, so only the heavy urllib modules count. The
# second line is what an unstamped .xlsx never needs (each costs a click milliseconds): hashing,
# temporary files, the .xls reader and the logging it brings, the TOML parser (the forms come from
# their cache), html's entity table.
FORBIDDEN = ("openpyxl", "xlsxwriter", "pandas", "numpy", "urllib.request", "urllib.response", "email", "http",
             "ssl", "xlwings", "tqdm",
             "hashlib", "tempfile", "olefile", "logging", "tomllib", "html", "importlib.resources")


def test_validate_imports_only_what_it_uses():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-X", "importtime", "-m", "macros_py.cli", "validate",
               str(ROOT / "workbooks" / "van_quan_2021.xlsx")]
    subprocess.run(command, capture_output=True, cwd=ROOT, env=env, timeout=120)   # the forms' cache written
    proc = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "macros_py.core.checks" in imported     # the measurement saw the validate path
    heavy = sorted(m for m in imported if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert not heavy, f"validate imported {heavy}"


def _imported(code: str) -> set[str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


def test_the_package_and_the_excel_entry_import_nothing_heavy():
    """`import macros_py` names the analyst's functions without loading pandas; the add-in's module neither."""
    imported = _imported("import macros_py, macros_py.excel\nassert callable(macros_py.__getattr__)\n"
                         "assert set(macros_py.__all__) <= set(dir(macros_py))")
    assert "macros_py.excel" in imported
    heavy = sorted(m for m in imported if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert not heavy, f"import macros_py / macros_py.excel imported {heavy}"


def test_button_clicks_run_without_pandas(tmp_path):
    """Clicks through the add-in's own entry (dispatch, which keeps pandas and numpy out) succeed:
    Kiểm tra, and Tổng hợp, whose workbook now carries the chart sheet; nothing on the click path
    needs pandas or numpy."""
    import json

    from conftest import van_quan_units
    from test_consolidate import commune_workbook

    box = tmp_path / "hop_thu"
    box.mkdir()
    for i, unit in enumerate(van_quan_units()[:3]):
        commune_workbook(box / f"bieu ({i}).xlsx", unit, epoch=1617235200)
    code = f"""
import json, sys
import macros_py.excel as g
assert "pandas" not in sys.modules and "numpy" not in sys.modules
sys.modules["pandas"] = None   # as dispatch does before it imports xlwings: a click that needs pandas fails
sys.modules["numpy"] = None    # and numpy likewise
sys.path.insert(0, {str(ROOT / 'tests')!r})
import xlwings as xw
from xlwings_payload import book_for

clicked = book_for(__import__('pathlib').Path({str(ROOT / 'workbooks' / 'van_quan_2021.xlsx')!r}))
xw.Book.caller = classmethod(lambda cls: clicked)
g.dispatch("validate")
other = book_for(__import__('pathlib').Path({str(ROOT / 'workbooks' / 'van_quan_2021.xlsx')!r}))
merged = g.run(other, "consolidate", folder={str(box)!r})
alerts = [a for b in (clicked, other) for a in b.json()["actions"] if a["func"] == "alert"]
print(json.dumps({{"alerts": alerts, "merged": merged}}))
"""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert all(a["args"][3] != "critical" for a in out["alerts"]), out["alerts"]
    assert out["merged"]["used"] == 3
    import openpyxl

    assert "Biểu đồ" in openpyxl.load_workbook(out["merged"]["output"], read_only=True).sheetnames
