"""Benchmark inputs: an N-row table in the main form and an inbox of M unit workbooks.

python benchmarks/generate.py [--rows 10000 100000] [--inbox 1000]  → benchmarks/.data/
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
sys.path.insert(0, str(ROOT))

from macros_py.write.layout import Unit, make_layout  # noqa: E402
from macros_py.forms.notation import excel_round  # noqa: E402
from macros_py.forms.spec import get_form  # noqa: E402
from macros_py.write.xlsx_writer import write_new_workbook  # noqa: E402


def unit(rng: random.Random, name: str) -> Unit:
    households = rng.randint(200, 3000)
    poor = rng.randint(1, households // 3)
    near = rng.randint(1, households // 3)
    poor_end, near_end = rng.randint(0, poor), rng.randint(0, near)
    return Unit(name, {"1": households, "2": poor, "4": poor_end, "5": excel_round(poor_end / households * 100, 2),
                       "8": near, "10": near_end, "11": excel_round(near_end / households * 100, 2)})


def units_csv(n: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    path = DATA / f"units_{n}.csv"
    lines = ["Đơn vị;1;2;4;5;8;10;11"]
    for i in range(n):
        u = unit(rng, f"Xã số {i + 1}")
        lines.append(";".join([u.name] + [str(u.inputs[k]) for k in ("1", "2", "4", "5", "8", "10", "11")]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(n: int) -> Path:
    rng = random.Random(n)
    path = DATA / f"table_{n}.xlsx"
    write_new_workbook(make_layout(get_form(), [unit(rng, f"Xã số {i + 1}") for i in range(n)]), path)
    return path


def inbox(m: int) -> Path:
    rng = random.Random(m)
    box = DATA / f"inbox_{m}"
    box.mkdir(exist_ok=True)
    for i in range(m):
        villages = [unit(rng, f"Thôn {j + 1}") for j in range(rng.randint(3, 8))]
        write_new_workbook(make_layout(get_form(), villages, unit=f"xã Số {i + 1}"), box / f"Bieu ({i}).xlsx")
    return box


def click_payload() -> Path:
    """What xlwings' VBA client sends for the 17-commune Văn Quan workbook."""
    from python_calamine import CalamineWorkbook

    import xlwings as xw

    src = ROOT / "workbooks" / "van_quan_2021.xlsx"
    wb = CalamineWorkbook.from_path(str(src))
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        width = max(len(r) for r in rows)
        sheets.append({"name": name, "pictures": [], "tables": [],
                       "values": [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]})
    payload = {"client": "VBA", "version": xw.__version__, "names": [], "sheets": sheets,
               "book": {"name": src.name, "active_sheet_index": 0, "selection": "A1"}}
    path = DATA / "click_payload.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--inbox", type=int, default=1000)
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    for n in args.rows:
        print(table(n), units_csv(n))
    print(inbox(args.inbox))
    print(click_payload())
