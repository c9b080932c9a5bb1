"""The list of units a new table is built for: "A;B;C", a text file, or a CSV with figures.

A CSV may carry input figures in columns headed by the form's column numbers
("Đơn vị;1;2;4;5;…"), so a filled table (like the shipped Văn Quan example) is
rebuilt from plain text that anyone can review in a diff.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..write.layout import Unit
from ..core.names import normalize_name

_HEADER_WORDS = {"đơn vị", "tên đơn vị", "đơn vị (cấp xã)", "tên xã, thị trấn", "huyện, thành phố", "xã", "huyện"}
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
        return _from_text(text, form, str(path))
    names = [n.strip() for n in source.split(";") if n.strip()]
    if not names:
        raise UnitListError("Danh sách đơn vị trống.")
    return [Unit(n) for n in names]


def _from_text(text: str, form: Form, where: str) -> list[Unit]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise UnitListError(f"Tệp '{where}' không có đơn vị nào.")
    dialect = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=dialect))
    header = [h.strip() for h in rows[0]]
    numbers = form.numbers
    if len(header) == 1 or not any(h in numbers for h in header[1:]):
        names = [r[0].strip() for r in rows if r and r[0].strip()]
        if names and normalize_name(names[0]) in _HEADER_WORDS:
            names = names[1:]      # a header line such as "Đơn vị"
        return [Unit(n) for n in names]
    units = []
    for lineno, r in enumerate(rows[1:], start=2):
        inputs: dict[str, float | None] = {}
        for h, cell in zip(header[1:], r[1:]):
            if h not in numbers or not cell.strip():
                continue
            column = form.column(h)
            if column.kind == "formula":
                raise UnitListError(f"{where}, cột '{h}': cột công thức không nhập số liệu.")
            parsed = parse_number(cell, whole=column.kind == "count")
            if parsed is None:
                raise UnitListError(f"{where}, dòng {lineno}, cột '{h}': '{cell}' không phải là số.")
            inputs[h] = parsed.value
        units.append(Unit(r[0].strip(), inputs))
    return units
