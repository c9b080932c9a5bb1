"""Put cached results into formula cells of an xlsx that openpyxl saved.

openpyxl writes `<c r="E9"><f>…</f><v/></c>`: a formula with no result, which
previews and readers that never recalculate show as blank or 0. We rewrite
those `<v>` elements in the saved package so every reader sees the numbers.
"""
from __future__ import annotations

import math
import re
import shutil
import zipfile
from xml.sax.saxutils import escape
from pathlib import Path
from typing import Mapping

from ..engines.sheet_xml import sheet_parts

_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>|<v>[^<]*</v>)?</c>')




def _cell(ref: bytes, attrs: bytes, formula: bytes, value: object) -> bytes:
    """The <c> element with its cached result; strings and booleans carry their type."""
    attrs = re.sub(rb'\s+t="[^"]*"', b"", attrs)
    if isinstance(value, bool):
        attrs, text = attrs + b' t="b"', b"1" if value else b"0"
    elif isinstance(value, (int, float)):
        v = float(value)
        text = str(int(v)).encode() if v.is_integer() and abs(v) < 1e15 else repr(v).encode()
    else:
        attrs, text = attrs + b' t="str"', escape(str(value)).encode("utf-8")
    return b'<c r="%s"%s><f>%s</f><v>%s</v></c>' % (ref, attrs, formula, text)


def from_grids(grids) -> dict[str, dict[str, object]]:
    """The cached results a reader saw in every formula cell, to put back after openpyxl saves."""
    from ..core.coords import cell_ref

    out: dict[str, dict[str, object]] = {}
    for grid in grids:
        cells = {cell_ref(r, c): grid.value(r, c) for (r, c) in grid.formula_cells()}
        out[grid.name] = {ref: v for ref, v in cells.items() if v is not None}
    return out


def inject(path: Path, values: Mapping[str, Mapping[str, object]]) -> int:
    """Write cached values {sheet: {ref: value}} into `path` in place; return how many."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        parts = {part: values[title] for title, part in sheet_parts(src).items() if title in values}
        for info in src.infolist():
            data = src.read(info.filename)
            wanted = parts.get(info.filename)
            if wanted:
                def fill(m: re.Match) -> bytes:
                    nonlocal count
                    v = wanted.get(m.group(1).decode())
                    if v is None or (isinstance(v, float) and not math.isfinite(v)):
                        return m.group(0)
                    count += 1
                    return _cell(m.group(1), m.group(2), m.group(3), v)
                data = _FORMULA_CELL.sub(fill, data)
            dst.writestr(info, data)
    shutil.move(tmp, path)
    return count
