"""A folder of workbooks received by e-mail: which files, which unit each is for, when saved.

Attachments arrive as "Bieu (1).xlsx", "bieu_final_sua.xlsx"; the unit is read from
the title cells ("UBND xã Yên Phúc"), the sheet name or the file name, and matched
against the units list with a key that forgives spelling: Unicode form, tone marks
and their placement, Đắk/Đăk, N'Đir/N'Dir, "TT"/"Thị trấn"/"Xã" prefixes, case, spaces.
"""
from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from ..engines.file import SUFFIXES

_PREFIXES = ("uy ban nhan dan ", "ubnd ", "thi tran ", "thi xa ", "thanh pho ", "phuong ", "huyen ", "tinh ",
             "xa ", "tt ", "tp ", "tx ")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ADMIN = re.compile(r"(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)?\s*\b(xã|phường|thị trấn|huyện|thị xã|thành phố|tỉnh)"
                    r"\s+([^\n,;()/]+)", re.IGNORECASE)


def fold(text: object) -> str:
    """ASCII, lower case, single spaces: 'Nâm N'Đir' → 'nam n dir', 'Hoà' and 'Hòa' → 'hoa'."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", ascii_text).strip()


def unit_key(name: object) -> str:
    """The matching key of a unit name: folded, administrative prefixes removed (unless that
    leaves nothing, as for the township literally called 'Thị Trấn')."""
    key = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix):], True
    return key


@lru_cache(maxsize=8)
def _keyed(units: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(key, folded name, name) of each listed unit, computed once per list, not once per file."""
    return [(unit_key(u), fold(u), u) for u in units]


def find_unit(texts: list[str], units: list[str]) -> str | None:
    """The listed unit named in the texts (title first, then sheet, then file name); longest wins."""
    keyed = _keyed(tuple(units))
    for text in texts:
        hay = f" {fold(text)} "
        # A unit whose whole name is an administrative word ("Thị Trấn") ranks below a real name.
        hits = [(not _is_admin_word(k), len(k), u) for k, full, u in keyed
                if k and (f" {k} " in hay or f" {full} " in hay)]
        if hits:
            return max(hits)[2]
    return None


def _is_admin_word(key: str) -> bool:
    return any(key + " " == p for p in _PREFIXES)


def guess_unit(texts: list[str]) -> str | None:
    """Without a units list: 'UBND xã Yên Phúc' → 'Yên Phúc'; else a cleaned file name."""
    for text in texts[:-1]:
        m = _ADMIN.search(unicodedata.normalize("NFC", text or ""))    # a title typed in NFD reads the same
        if m:
            return m.group(2).strip().rstrip(".").strip()
    return None


def clean_file_name(path: Path) -> str:
    """'Bieu_Yen_Phuc (1) final-sua.xlsx' → 'Bieu Yen Phuc final sua' (only for matching)."""
    stem = re.sub(r"\(\d+\)", " ", path.stem)
    return re.sub(r"[_\-.]+", " ", stem).strip()


def collect(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Workbook files under the given folders/files, and Vietnamese notes on what was skipped."""
    files, notes = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            try:
                entries = sorted(p.rglob("*"))
            except PermissionError:
                notes.append(f"Không có quyền đọc thư mục '{p}'.")
                continue
            for f in entries:
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(("~$", ".~")):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            notes.append(f"Không tìm thấy '{p}'.")
    return files, notes


def last_saved(path: Path) -> datetime | None:
    """The workbook's own last-saved time (docProps/core.xml), which survives copying and mail."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except Exception:  # not a zip (.xls), no core part, or damaged: fall back to the file time
        return None
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>", core)
    if not m:
        return None
    try:
        return datetime.fromisoformat(m.group(1).strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Source:
    """What consolidation needs from one received workbook (small and picklable)."""
    path: str
    status: str = "ok"                      # ok | unreadable | no_form
    error: str | None = None
    form: str | None = None
    sheet: str | None = None
    row: int | None = None                  # the row the figures were taken from
    values: dict[str, float | None] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)   # title cells, sheet name, file name
    saved: datetime | None = None
    mtime: float = 0.0
    sha256: str = ""
    errors: int = 0
    warnings: int = 0
    unit: str | None = None

    @property
    def order_key(self) -> tuple:
        saved = self.saved or datetime.fromtimestamp(0, timezone.utc)
        if saved.tzinfo is None:
            saved = saved.replace(tzinfo=timezone.utc)
        return (saved, self.mtime)


def read_source(path_text: str) -> Source:
    """Read, validate and summarise one received workbook; never raises, so one bad file
    never stops a consolidation (an unexpected failure is reported as such and skipped)."""
    try:
        return _read_source(path_text)
    except Exception as exc:
        return Source(str(path_text), "unreadable", f"Lỗi không mong đợi khi đọc tệp ({type(exc).__name__}); "
                                                    "tệp được bỏ qua. Hãy báo cho bộ phận CNTT.")


def _read_source(path_text: str) -> Source:
    from ..core.checks import check_table
    from ..engines.file import WorkbookError, read_grids
    from ..core.table import locate, row_numbers

    path = Path(path_text)
    src = Source(str(path))
    try:
        src.sha256, src.mtime = sha256(path), os.path.getmtime(path)
        src.saved = last_saved(path)
        grids = read_grids(path)
    except (WorkbookError, OSError) as exc:
        src.status, src.error = "unreadable", str(exc)
        return src
    for grid in grids:
        table = locate(grid)
        if table is None or not (table.unit_rows or table.total_row):
            continue
        findings = check_table(grid, table)
        src.errors = sum(f.severity == "error" for f in findings)
        src.warnings = sum(f.severity == "warning" for f in findings)
        src.form, src.sheet = table.form.id, grid.name
        src.row = table.total_row or (table.unit_rows[0] if len(table.unit_rows) == 1 else None)
        if src.row is None:
            src.status, src.error = "no_form", "Biểu có nhiều đơn vị nhưng không có dòng tổng."
            return src
        src.values = row_numbers(grid, table, src.row)
        above = [grid.value(r, c) for r in range(1, table.header_top) for c in range(1, grid.ncols + 1)]
        src.texts = [" ".join(str(v) for v in above if isinstance(v, str)), grid.name, clean_file_name(path)]
        return src
    src.status, src.error = "no_form", "Không tìm thấy biểu nào đã biết trong tệp."
    return src
