"""Print workbooks as LibreOffice does (xlsx → PDF) and read the pages back: words, borders, sizes.

What an officer sees on paper is checked mechanically: which sheet each page belongs to, that
every word sits inside its cell's borders (no border through the text, no line spilled into the
next row), and the paper. pdfplumber reads the PDF (words and ruling lines); its page images
are the PNGs kept in docs/.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from libreoffice import soffice

A4_LANDSCAPE = (841.89, 595.28)   # points


LOCALE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}\
</value></prop></item>
</oor:items>
"""


def to_pdf(sources: list[Path], outdir: Path, locale: str | None = None) -> dict[Path, Path]:
    """Every source printed to PDF in one LibreOffice run (a fresh profile; starting it is the slow part).
    `locale` ('vi-VN'): the profile's locale, which decides how numbers are shown (1.188 and 8,25)."""
    if os.environ.get("GIAMNGHEO_SKIP_LIBREOFFICE"):      # mutation runs: as libreoffice.recalculate
        import pytest

        pytest.skip("LibreOffice left out (GIAMNGHEO_SKIP_LIBREOFFICE)")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        if locale:
            (Path(prof) / "user").mkdir()
            (Path(prof) / "user" / "registrymodifications.xcu").write_text(LOCALE_XCU.format(locale=locale),
                                                                            encoding="utf-8")
        subprocess.run([soffice(), f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)],
                       check=True, capture_output=True, timeout=300)
    out = {src: outdir / (src.stem + ".pdf") for src in sources}
    missing = [s for s, pdf in out.items() if not pdf.exists()]
    assert not missing, f"LibreOffice printed no PDF for {missing}"
    return out


def squash(text: str) -> str:
    """Text without any whitespace: wrapping may break a line anywhere a space was."""
    return re.sub(r"\s+", "", text)


@dataclass
class Page:
    number: int          # 1-based, in the PDF
    size: tuple[float, float]
    words: list[dict]
    h_edges: list[dict]  # horizontal ruling lines (cell borders)
    v_edges: list[dict]
    plumber: object

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    def has_words_of(self, label: str) -> bool:
        words = {w["text"] for w in self.words}
        return all(part in words for part in label.split())

    def columns(self) -> list[float]:
        """x of the vertical borders that run through the body (every column has them)."""
        tall = [e for e in self.v_edges if e["bottom"] - e["top"] > 20]
        return _cluster(e["x0"] for e in tall)

    def rows_at(self, x: float) -> list[float]:
        """y of the horizontal borders crossing x, top to bottom."""
        return _cluster(e["top"] for e in self.h_edges if e["x0"] - 0.5 <= x <= e["x1"] + 0.5)

    def text_in(self, x0: float, top: float, x1: float, bottom: float) -> str:
        """The characters whose centre lies inside the box, line by line (a line spilled past a
        border is in the next box; a border through a line is `struck_words`' business)."""
        inside = [c for c in self.plumber.chars
                  if x0 < (c["x0"] + c["x1"]) / 2 < x1 and top < (c["top"] + c["bottom"]) / 2 < bottom]
        inside.sort(key=lambda c: (round(c["top"]), c["x0"]))
        return squash("".join(c["text"] for c in inside))

    def struck_words(self) -> list[str]:
        """Words a border runs through: a horizontal border inside a word's height, or a vertical one
        inside its width (text spilling into the next cell)."""
        struck = []
        for w in self.words:
            for e in self.h_edges:
                if w["top"] + 1 < e["top"] < w["bottom"] - 1 and min(w["x1"], e["x1"]) - max(w["x0"], e["x0"]) > 1:
                    struck.append(f"{w['text']} (trang {self.number}, ngang)")
                    break
            else:
                for e in self.v_edges:
                    overlap = min(w["bottom"], e["bottom"]) - max(w["top"], e["top"])
                    if w["x0"] + 1 < e["x0"] < w["x1"] - 1 and overlap > 1:
                        struck.append(f"{w['text']} (trang {self.number}, dọc)")
                        break
        return struck


def _cluster(values, tolerance: float = 0.8) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def read_pages(pdf: Path):
    """The pages of a PDF (a context manager: the file stays open while pages are read)."""
    doc = pdfplumber.open(pdf)
    pages = []
    for i, p in enumerate(doc.pages, start=1):
        words = p.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5)
        edges = p.edges
        pages.append(Page(i, (float(p.width), float(p.height)), words,
                          [e for e in edges if e["orientation"] == "h"],
                          [e for e in edges if e["orientation"] == "v"], p))
    return doc, pages


def save_png(page: Page, path: Path, resolution: int = 110, crop: tuple | None = None) -> None:
    image_source = page.plumber.crop(crop) if crop else page.plumber
    image_source.to_image(resolution=resolution).save(path)
