"""Whole-process benchmarks with baselines measured in the same run; prints a ratio table.

    python benchmarks/generate.py     # once: inputs into benchmarks/.data/
    python benchmarks/run.py [--runs 5] [--only validate,click]

Each measurement is a fresh process (as a user or a button click starts one), timed
from outside; the median of --runs. Peak memory is the child's maximum resident size.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
PY = sys.executable
BIN = Path(sys.executable).parent / "giamngheo"
ENV = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial")

CALAMINE_READ = ("from python_calamine import CalamineWorkbook as W; import sys\n"
                 "for p in sys.argv[1:]:\n"
                 "    wb = W.from_path(p)\n"
                 "    for n in wb.sheet_names: wb.get_sheet_by_name(n).to_python()")
CALAMINE_READ_DIR = ("from python_calamine import CalamineWorkbook as W; import sys, pathlib\n"
                     "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.xlsx')):\n"
                     "    wb = W.from_path(str(p))\n"
                     "    for n in wb.sheet_names: wb.get_sheet_by_name(n).to_python()")
CLICK = ("import json, sys\n"
         "import macros_py.excel as excel\n"
         "sys.modules.setdefault('pandas', None)\n"
         "sys.modules.setdefault('numpy', None)\n"
         "import xlwings as xw\n"
         "book = xw.Book(json=json.load(open(sys.argv[1], encoding='utf-8')))\n"
         "excel.run(book, 'validate')\n"
         "json.dumps(book.json())")


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """(median seconds, peak MiB) of `runs` fresh processes."""
    times, peaks = [], []
    for _ in range(runs):
        probe = [PY, "-c", "import resource, subprocess, sys, time\n"
                           "t = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
                           " stderr=subprocess.DEVNULL)\n"
                           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                 *cmd]
        out = subprocess.run(probe, capture_output=True, text=True, env=ENV, check=True).stdout.split()
        times.append(float(out[0]))
        peaks.append(int(out[1]) / 1024)
    return statistics.median(times), max(peaks)


def soffice_convert(path: Path, outdir: Path) -> list[str]:
    exe = shutil.which("soffice") or "soffice"
    return [exe, f"-env:UserInstallation=file://{outdir}/profile", "--headless", "--convert-to", "csv",
            "--outdir", str(outdir), str(path)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="validate,small,consolidate,new,click,memory")
    args = ap.parse_args()
    wanted = set(args.only.split(","))
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="giamngheo-bench-"))

    def ratio(name, ours, base, target, sense):
        met = (ours[0] / base[0] <= target) if sense == "≤" else (base[0] / ours[0] >= target)
        value = ours[0] / base[0] if sense == "≤" else base[0] / ours[0]
        rows.append((name, f"{ours[0]:.3f} s", f"{base[0]:.3f} s", f"{value:.2f}×", f"{sense} {target}×",
                     "đạt" if met else "CHƯA ĐẠT"))

    if "validate" in wanted:
        table = DATA / "table_10000.xlsx"
        ours = timed([str(BIN), "validate", str(table), "--format", "json"], args.runs)
        floor = timed([PY, "-c", CALAMINE_READ, str(table)], args.runs)
        lo = timed(soffice_convert(table, tmp), max(3, args.runs // 2))
        ratio("validate 10k rows / calamine read (floor)", ours, floor, 2.5, "≤")
        ratio("LibreOffice convert / validate 10k rows", ours, lo, 5.0, "≥")
    if "small" in wanted:
        t, _ = timed([str(BIN), "validate", str(HERE.parent / "workbooks" / "van_quan_2021.xlsx")], args.runs)
        start, _ = timed([PY, "-c", "pass"], args.runs)
        rows.append(("validate 17 communes, whole process", f"{t:.3f} s", f"{start:.3f} s", "—", "≤ 0.1 s",
                     "đạt" if t <= 0.1 else "CHƯA ĐẠT"))
    if "consolidate" in wanted:
        box = DATA / "inbox_1000"
        ours = timed([str(BIN), "consolidate", str(box), "-o", str(tmp / "tong_hop.xlsx"), "--force"], args.runs)
        floor = timed([PY, "-c", CALAMINE_READ_DIR, str(box)], args.runs)
        ratio("consolidate 1000 workbooks / calamine read all", ours, floor, 4.0, "≤")
    if "new" in wanted:
        units = DATA / "units_10000.csv"
        ours = timed([str(BIN), "new", "--units", str(units), "-o", str(tmp / "new.xlsx"), "--force"], args.runs)
        peer = timed([PY, str(HERE / "xlsxwriter_peer.py"), str(units), str(tmp / "peer.xlsx")], args.runs)
        ratio("new 10k rows / xlsxwriter same cells", ours, peer, 1.5, "≤")
    if "click" in wanted:
        t, _ = timed([PY, "-c", CLICK, str(DATA / "click_payload.json")], args.runs)
        rows.append(("one add-in click (validate, 17 communes)", f"{t:.3f} s", "—", "—", "≤ 0.5 s",
                     "đạt" if t <= 0.5 else "CHƯA ĐẠT"))
    if "memory" in wanted:
        _, peak = timed([str(BIN), "validate", str(DATA / "table_100000.xlsx"), "--format", "json"], 1)
        rows.append(("peak memory, validate 100k rows", f"{peak:.0f} MiB", "—", "—", "≤ 200 MiB",
                     "đạt" if peak <= 200 else "CHƯA ĐẠT"))
    shutil.rmtree(tmp, ignore_errors=True)
    widths = [max(len(str(r[i])) for r in rows + [HEADER]) for i in range(len(HEADER))]
    for r in [HEADER] + rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print(json.dumps({"runs": args.runs, "python": sys.version.split()[0], "cpus": os.cpu_count(),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))
    return 0


HEADER = ("phép đo", "giamngheo", "so với", "tỷ số", "mục tiêu", "kết quả")

if __name__ == "__main__":
    raise SystemExit(main())
