"""Remake the page images in docs/ from the shipped Văn Quan workbook, as LibreOffice prints it.

    .venv/bin/python docs/render_pages.py

van_quan_2021.png is the table; van_quan_2021_danh_dau.png and van_quan_2021_kiem_tra.png are a
copy with typical mistakes planted (the test suite's), marked by `giamngheo validate --annotate`:
the marked table and the first page of its "Kiểm tra" sheet. LibreOffice runs with a vi-VN profile, so
numbers print as a Vietnamese Excel shows them (1.188 households, a rate of 8,25).
"""
from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from rendering import read_pages, save_png, to_pdf  # noqa: E402
from test_printing import plant_errors  # noqa: E402

from macros_py.cli import main  # noqa: E402


def content_box(page, margin: float = 14) -> tuple[float, float, float, float]:
    """The printed part of a page (text and borders), with a margin, leaving the blank paper out."""
    xs = [c["x0"] for c in page.plumber.chars] + [c["x1"] for c in page.plumber.chars]
    ys = [c["top"] for c in page.plumber.chars] + [e["bottom"] for e in page.h_edges + page.v_edges]
    footer = max(c["top"] for c in page.plumber.chars) if page.plumber.chars else 0
    ys = [y for y in ys if y < footer - 1] or ys        # the page number at the foot is not content
    return (max(0, min(xs) - margin), max(0, min(ys) - margin),
            min(page.size[0], max(xs) + margin), min(page.size[1], max(ys) + margin))


def main_render() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        table = tmp / "van_quan_2021.xlsx"
        shutil.copy(ROOT / "workbooks" / "van_quan_2021.xlsx", table)
        (tmp / "xa_gui").mkdir()
        officer = tmp / "xa_gui" / "van_quan_2021.xlsx"          # the copy an officer sent back
        shutil.copy(table, officer)
        plant_errors(officer)
        marked = tmp / "van_quan_2021_danh_dau.xlsx"
        with contextlib.redirect_stdout(io.StringIO()):
            main(["validate", str(officer), "--annotate", str(marked)])
        pdfs = to_pdf([table, marked], tmp / "pdf", locale="vi-VN")      # numbers as officers' Excel shows them
        _, pages = read_pages(pdfs[table])
        save_png(pages[0], HERE / "van_quan_2021.png", 130, content_box(pages[0]))
        _, pages = read_pages(pdfs[marked])
        save_png(pages[0], HERE / "van_quan_2021_danh_dau.png", 130, content_box(pages[0]))
        save_png(pages[1], HERE / "van_quan_2021_kiem_tra.png", 130, content_box(pages[1]))
    for name in ("van_quan_2021.png", "van_quan_2021_danh_dau.png", "van_quan_2021_kiem_tra.png"):
        print(HERE / name)


if __name__ == "__main__":
    main_render()
