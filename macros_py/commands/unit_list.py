"""The list of units a new table is built for: "A;B;C", a text file, or a CSV with figures.

A CSV may carry input figures in columns headed by the form's column numbers
("Đơn vị;1;2;4;5;…"), so a filled table (like the shipped Văn Quan example) is
rebuilt from plain text that anyone can review in a diff.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from ..write.layout import Unit
from ..core.names import normalize_name

_HEADER_WORDS = {"đơn vị", "tên đơn vị", "đơn vị (cấp xã)", "tên xã, thị trấn", "huyện, thành phố", "xã", "huyện",
                 "tên xã", "tên huyện", "tên xã, phường, thị trấn", "xã, phường, thị trấn", "xã, thị trấn"}
_ROW_NUMBER_WORDS = {"stt", "tt", "số tt", "số thứ tự"}
from ..core.numbers import parse_number
from ..errors import OfficerError
from ..forms.spec import Form


class UnitListError(OfficerError, ValueError):
    """The units list cannot be read; the message is for officers."""


def read_units(source: str | None, form: Form, blank_rows: int = 10) -> list[Unit]:
    if not source:
        return [Unit("") for _ in range(blank_rows)]
    path = Path(source)
    try:
        exists = path.exists()
    except OSError:         # a long ';'-separated list is too long to be a file name
        exists = False
    if path.suffix.lower() in (".csv", ".txt") or exists:
        if not path.is_file():
            raise UnitListError(f"Không tìm thấy tệp danh sách đơn vị '{source}'.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise UnitListError(f"Tệp '{source}' không phải văn bản UTF-8 (hãy lưu lại dạng CSV UTF-8).") from None
        return _checked(_from_text(text, form, str(path)), f"Tệp '{source}'")
    names = [_clean(n) for n in source.split(";") if n.strip()]
    if not names:
        raise UnitListError("Danh sách đơn vị trống.")
    return _checked([Unit(n) for n in names], "Danh sách đơn vị")


def _clean(name: str) -> str:
    """A name as typed, in NFC with single spaces ('  tri  lễ ' → 'tri lễ')."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _checked(units: list[Unit], where: str) -> list[Unit]:
    """Refuse names that are only numbers: '3' names no unit ("Phường 3" does), and such a list is
    most often a row-number column read as the names."""
    bare = [u.name for u in units if u.name and _is_row_number(u.name)]
    if bare:
        raise UnitListError(f"{where} có tên đơn vị chỉ là số ({', '.join(bare[:5])}{' …' if len(bare) > 5 else ''}): "
                            f"hãy ghi tên như tiêu đề biểu ghi, ví dụ 'Phường {bare[0]}'. Nếu tệp có cột STT, hãy "
                            "đặt tiêu đề cho cột tên, ví dụ 'STT;Tên đơn vị'.")
    if not units:
        raise UnitListError(f"{where} không có đơn vị nào.")
    return units


def _from_text(text: str, form: Form, where: str) -> list[Unit]:
    """The units of a text or CSV list: names one a line, or a table whose name column is found by its
    header ('Đơn vị', 'Tên đơn vị', …; an 'STT' column beside it is row numbers, never names),
    with input figures in columns headed by the form's column numbers."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise UnitListError(f"Tệp '{where}' không có đơn vị nào.")
    dialect = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=dialect) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    keys = [normalize_name(h) for h in header]
    numbers = form.numbers
    name_col = next((i for i, k in enumerate(keys) if k in _HEADER_WORDS), None)
    if name_col is None and any(h in numbers for h in header[1:]):
        name_col = 0                       # "Xã;1;2;4…": a figures table named in its first column
    if name_col is None:                   # no header line: the first column that is not row numbers
        body = rows[1:] if keys[0] in _ROW_NUMBER_WORDS else rows
        name_col = next((i for i in range(max(map(len, body), default=1))
                         if not all(_is_row_number(r[i] if i < len(r) else "") for r in body)), 0)
        return [Unit(_clean(r[name_col])) for r in body if name_col < len(r) and r[name_col].strip()]
    figures = [(i, h) for i, h in enumerate(header) if i != name_col and h in numbers
               and keys[i] not in _ROW_NUMBER_WORDS]
    units = []
    for lineno, r in enumerate(rows[1:], start=2):
        name = _clean(r[name_col]) if name_col < len(r) else ""
        if not name:
            continue
        inputs: dict[str, float | None] = {}
        for i, h in figures:
            cell = r[i] if i < len(r) else ""
            if not cell.strip():
                continue
            column = form.column(h)
            if column.kind == "formula":
                raise UnitListError(f"{where}, cột '{h}': cột công thức không nhập số liệu.")
            parsed = parse_number(cell, whole=column.kind == "count")
            if parsed is None:
                raise UnitListError(f"{where}, dòng {lineno}, cột '{h}': '{cell}' không phải là số.")
            inputs[h] = parsed.value
        units.append(Unit(name, inputs))
    return units


def _is_row_number(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*\d+\s*\.?\s*", cell)) or not cell.strip()
