"""Put cached results into formula cells of an xlsx that openpyxl saved.

openpyxl writes `<c r="E9"><f>…</f><v/></c>`: a formula with no result, which
previews and readers that never recalculate show as blank or 0. We rewrite
those `<v>` elements in the saved package so every reader sees what it saw in
the original: numbers, text, booleans and error results (`#VALUE!`, kept as
`<c t="e">`, so a copy still shows the error the officer must fix).
"""
from __future__ import annotations

import math
import os
import re
import zipfile
from contextlib import suppress
from xml.sax.saxutils import escape
from pathlib import Path
from typing import Mapping

from ..engines.sheet_xml import sheet_parts

_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)><f(\s[^>]*)?>([^<]*)</f>'
                           rb'(?:<v\s*/>|<v></v>|<v>[^<]*</v>)?</c>')


class CachedError(str):
    """A formula's cached error result as the reader saw it ('#VALUE!', '#DIV/0!')."""


def _cell(ref: bytes, attrs: bytes, f_attrs: bytes | None, formula: bytes, value: object) -> bytes:
    """The <c> element with its cached result; strings, booleans and errors carry their type."""
    attrs = re.sub(rb'\s+t="[^"]*"', b"", attrs)
    if isinstance(value, CachedError):
        attrs, text = attrs + b' t="e"', escape(str(value)).encode("utf-8")
    elif isinstance(value, bool):
        attrs, text = attrs + b' t="b"', b"1" if value else b"0"
    elif isinstance(value, (int, float)):
        v = float(value)
        text = str(int(v)).encode() if v.is_integer() and abs(v) < 1e15 else repr(v).encode()
    else:
        attrs, text = attrs + b' t="str"', escape(str(value)).encode("utf-8")
    return b'<c r="%s"%s><f%s>%s</f><v>%s</v></c>' % (ref, attrs, f_attrs or b"", formula, text)


def from_grids(grids) -> dict[str, dict[str, object]]:
    """The cached results a reader saw in every formula cell, error results included, to put
    back after openpyxl saves."""
    from ..core.coords import cell_ref

    out: dict[str, dict[str, object]] = {}
    for grid in grids:
        cells = {}
        for r, c in grid.formula_cells():
            v = grid.value(r, c)
            if v is None and (r, c) in grid.errors:
                v = CachedError(grid.errors[(r, c)])
            if v is not None:
                cells[cell_ref(r, c)] = v
        out[grid.name] = cells
    return out


def inject(path: Path, values: Mapping[str, Mapping[str, object]]) -> int:
    """Write cached values {sheet: {ref: value}} into `path` in place; return how many."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
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
                        return _cell(m.group(1), m.group(2), m.group(3), m.group(4), v)
                    data = _FORMULA_CELL.sub(fill, data)
                dst.writestr(info, data)
        os.replace(tmp, path)
    finally:
        with suppress(OSError):
            tmp.unlink()        # a disk that filled up half-way leaves nothing behind
    return count
