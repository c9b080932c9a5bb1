"""What calamine does not tell, read straight from an xlsx package in one pass per sheet:
which cells hold formulas (and their text), number formats, hidden rows, error values.

openpyxl's full load did this at 15× the cost of reading the values (benchmarks/RESULTS.md);
a regular-expression pass over the sheet XML is enough for these few facts. A sheet whose
cells lack their r="A1" address (allowed, rarely written) is left to openpyxl.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree import ElementTree as ET

from ..core.coords import column_index
from ..core.grid import CELL_KEY_WIDTH, CellFacts

_FIRST_CELL = re.compile(rb"<(?:\w+:)?c[\s>][^>]*>")
# The fast path: every cell tag starts with the literal `<c r="` (Excel, LibreOffice, openpyxl and
# xlsxwriter all write the address first), so the regex engine can jump between cells.
_FAST_FORMULA = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)')
_FAST_STYLED = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*? s="([0-9]+)"[^>/]*>')
# validate needs only "has a formula": the address alone, decoded in bulk (_addresses)
_FAST_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[\s>/]')
# The general path: prefixed tags (<x:c>) or attributes in another order; slower, rarely needed.
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?'
                           rb'(?:/>|>([^<]*)</(?:\w+:)?f>)')
# a styled cell that holds something (not <c …/>): only those have a shown precision
_STYLED_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?\bs="([0-9]+)"[^>/]*>')
_ERROR_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>'
                          rb'(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', re.S)
# a formula whose stored result is empty text (t="str" and an empty <v>): it prints nothing
_BLANK_RESULT = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="str"[^>]*>'
                           rb'(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v(?:\s*/>|>\s*</(?:\w+:)?v>)', re.S)
# a formula saved without a result (openpyxl, other scripts) that divides: its text, to tell
# whether it shows #DIV/0! (=D15/C15*100 over 0 households) or is guarded (=IF(C15=0,0,…))
_UNCACHED_DIVISION = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>/]*>'
                                rb'([^<]*/[^<]*)</(?:\w+:)?f>\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?'
                                rb'\s*</(?:\w+:)?c>')
_NO_RESULT = re.compile(rb'</(?:\w+:)?f>\s*(?:<(?:\w+:)?v\s*/>\s*|<(?:\w+:)?v>\s*</(?:\w+:)?v>\s*)?</(?:\w+:)?c>')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b(?=[^>]*\bhidden="(?:1|true)")[^>]*?\br="([0-9]+)"')
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
CHUNK = 1 << 20      # the sheet XML is inflated and scanned a megabyte at a time, cut at </row>
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PKG_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
                   11: "0.00E+00", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
                   40: "#,##0.00;[Red](#,##0.00)", 49: "@"}


class NoAddresses(Exception):
    """The sheet's cells carry no r="…" addresses; use a full XML reader instead."""


@dataclass
class SheetFacts:
    formulas: dict[int, str] = field(default_factory=dict)       # text by grid.cell_key, only if asked for
    hidden_rows: set[int] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    blank_results: set[tuple[int, int]] = field(default_factory=set)
    uncached_divisions: dict[tuple[int, int], str] = field(default_factory=dict)


def unescape(text: str) -> str:
    """XML character references in a formula or error text (html's table loads only when one occurs)."""
    from html import unescape as html_unescape

    return html_unescape(text)


@lru_cache(maxsize=16)
def _style_table(data: bytes) -> tuple[str, ...]:
    """styles.xml → format codes, parsed once per distinct styles part (the units of a district
    send workbooks made from one template: one parse for the whole inbox)."""
    if not data:
        return ()
    root = ET.fromstring(data)
    custom = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    if xfs is None:
        return ()
    return tuple(custom.get(int(xf.get("numFmtId", "0"))) or BUILTIN_FORMATS.get(int(xf.get("numFmtId", "0")), "General")
                 for xf in xfs.findall(f"{_NS}xf"))


def shown_formats(formats: list[str]) -> list[str | None]:
    """The style table as CellFacts keeps it: None where a style shows General."""
    return [None if code == "General" else code for code in formats]


def pieces(stream, size: int = CHUNK):
    """The sheet XML in pieces that end at a row's end, so no cell is cut and the whole
    (73 MB at 100,000 rows) is never held at once. Yields (piece, start): where the stream can
    note its place (Inflater.snapshot), `start` lets `reread` give the piece again later;
    otherwise it is None."""
    rest = b""
    marks = hasattr(stream, "snapshot")
    start = (stream.snapshot(), rest) if marks else None
    while True:
        block = stream.read(size)
        if not block:
            if rest:
                yield rest, start
            return
        data = rest + block
        end = data.rfind(b"</row>")
        if end >= 0:
            end += len(b"</row>")
        else:       # prefixed tags (</x:row>): rare, a regular scan is fine
            ends = [m.end() for m in _ROW_END.finditer(data)]
            end = ends[-1] if ends else -1
        if end < 0:
            rest = data
            continue
        yield data[:end], start
        rest = data[end:]
        start = (stream.snapshot(), rest) if marks else None


def reread(stream, start, length: int) -> bytes:
    """A piece `pieces` gave, inflated again from the place its start noted."""
    state, data = start
    again = stream.resume(state)
    parts, n = [data], len(data)
    while n < length:
        block = again.read(max(CHUNK, length - n))
        if not block:
            break
        parts.append(block)
        n += len(block)
    return b"".join(parts)[:length]


_LETTERS = bytes(range(ord("A"), ord("Z") + 1))
_DIGITS = b"0123456789"
_CELL_AT = re.compile(rb'<c r="[A-Z]{1,3}([0-9]+)"')


def _addresses(found: list[bytes], cols: dict[bytes, int]) -> tuple[list[int], list[int]]:
    """Rows and columns of cell addresses (b'E8' …), decoded in bulk rather than one by one."""
    joined = b" ".join(found)
    rows = list(map(int, joined.translate(None, _LETTERS).split()))
    letters = joined.translate(None, _DIGITS).split()
    for new in set(letters) - cols.keys():
        cols[new] = column_index(new.decode())
    return rows, list(map(cols.__getitem__, letters))


def _set_formulas(cells: CellFacts, rows: list[int], columns: list[int]) -> None:
    flags, nrows, ncols = cells.flags, cells.nrows, cells.ncols
    if rows and max(rows) <= nrows and max(columns) <= ncols:
        for r, c in zip(rows, columns):
            flags[r * ncols + c - ncols - 1] = 1
    else:
        for r, c in zip(rows, columns):
            cells.set_formula(r, c)


def _scan_styles(xml: bytes, cells: CellFacts, shown: dict[bytes, int], cols: dict[bytes, int]) -> None:
    """The style of every cell of one piece that holds something and shows a number format."""
    fast = xml.count(b"<c ") == xml.count(b'<c r="') and b":c " not in xml
    styles, nrows, ncols = cells.styles, cells.nrows, cells.ncols
    for letters, row, style in (_FAST_STYLED if fast else _STYLED_VALUE).findall(xml):
        s = shown.get(style)
        if s is not None:
            col = cols.get(letters) or cols.setdefault(letters, column_index(letters.decode()))
            r = int(row)
            if r <= nrows and col <= ncols:
                styles[(r - 1) * ncols + col - 1] = s
            else:
                cells.set_style(r, col, s)


def scan_sheet(xml_pieces, cells: CellFacts, *, formula_text: bool = False, stream=None) -> SheetFacts:
    """Formula flags into `cells`; error values, hidden rows (and formula text if asked) into
    the returned facts, in one pass over the pieces (piece, start) of `pieces`. Number formats:
    where the pieces can be read again (`stream` and a start), each piece's formats are read
    only when a cell of its rows is first asked for (most tables never need them: a row whose
    every rule certainly holds is not judged at any precision); otherwise now."""
    facts = SheetFacts()
    cols: dict[bytes, int] = {}
    # style index as written in the XML → index, for the styles that show something other than General
    shown = {str(i).encode(): i for i, code in enumerate(cells.style_formats) if code is not None and i <= 0xFFFF}
    first = True
    for xml, start in xml_pieces:
        if first:
            found = _FIRST_CELL.search(xml)
            if found is not None:
                if b' r="' not in found.group(0):
                    raise NoAddresses()
                first = False
        fast = xml.count(b"<c ") == xml.count(b'<c r="') and b":c " not in xml
        if fast and not formula_text:
            _set_formulas(cells, *_addresses(_FAST_FORMULA_CELL.findall(xml), cols))
        else:
            for letters, row, text in (_FAST_FORMULA if fast else _FORMULA_CELL).findall(xml):
                col = cols.get(letters) or cols.setdefault(letters, column_index(letters.decode()))
                r = int(row)
                cells.set_formula(r, col)
                if formula_text:
                    body = text.decode("utf-8", "replace")
                    facts.formulas[r * CELL_KEY_WIDTH + col] = "=" + (unescape(body) if "&" in body else body)
        if shown:
            if fast and start is not None and stream is not None and not formula_text:
                _defer_styles(xml, cells, shown, cols, stream, start)
            else:
                _scan_styles(xml, cells, shown, cols)
        if b't="e"' in xml:         # most sheets have no error cell: skip the slower pass
            for letters, row, text in _ERROR_VALUE.findall(xml):
                facts.errors[(int(row), column_index(letters.decode()))] = unescape(text.decode("utf-8", "replace"))
        if b't="str"' in xml:       # formulas printing text: only the empty ones matter
            facts.blank_results.update((int(row), column_index(letters.decode()))
                                       for letters, row in _BLANK_RESULT.findall(xml))
        if b"/" in xml and _NO_RESULT.search(xml):     # spreadsheets store every result: skipped
            for letters, row, text in _UNCACHED_DIVISION.findall(xml):
                body = text.decode("utf-8", "replace")
                facts.uncached_divisions[(int(row), column_index(letters.decode()))] = \
                    "=" + (unescape(body) if "&" in body else body)
        if b'hidden="' in xml:
            facts.hidden_rows.update(int(r) for r in _HIDDEN_ROW.findall(xml))
    return facts


def _defer_styles(xml: bytes, cells: CellFacts, shown, cols, stream, start) -> None:
    """Note the rows of a piece and how to read its formats when first needed."""
    first = _CELL_AT.match(xml, xml.find(b'<c r="'))
    last = _CELL_AT.match(xml, xml.rfind(b'<c r="'))
    if first is None or last is None:
        return                              # no cell in this piece
    length = len(xml)
    cells.defer_styles(int(first.group(1)), int(last.group(1)),
                       lambda: _scan_styles(reread(stream, start, length), cells, shown, cols))


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → part name inside the package."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _PKG_NS)}
    out = {}
    for sheet in wb.findall("m:sheets/m:sheet", _PKG_NS):
        target = targets[sheet.get(f"{{{_PKG_NS['r']}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return out


def scan_package(package, shapes: dict[str, tuple[int, int]], *,
                 formula_text: bool = False) -> dict[str, tuple[SheetFacts, CellFacts]]:
    """Facts for every worksheet of an xlsx/xlsm (an engines.package.Package) named in `shapes`, by
    sheet title, with its CellFacts over the rectangle `shapes` gives (rows, columns): the grid's
    own, or the one the sheet declares (cells outside the rectangle are kept all the same)."""
    out = {}
    zf = package.zip
    formats = shown_formats(_style_table(zf.read("xl/styles.xml") if "xl/styles.xml" in package.names else b""))
    for title, part in sheet_parts(zf).items():
        shape = shapes.get(title)
        if shape is None or part not in package.names:
            continue
        cells = CellFacts(*shape, formats)
        with package.stream(part) as stream:
            out[title] = scan_sheet(pieces(stream), cells, formula_text=formula_text, stream=stream), cells
    return out


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="\$?[A-Z]{1,3}\$?[0-9]+(?::\$?([A-Z]{1,3})\$?([0-9]+))?"')


def declared_shapes(package, limit: int) -> dict[str, tuple[int, int]] | None:
    """Each worksheet's (rows, columns) as its XML declares them (`<dimension ref="A1:P10010"/>`, near
    the top of the part); None when a sheet declares none or more than `limit` cells."""
    zf = package.zip
    out = {}
    for title, part in sheet_parts(zf).items():
        if part not in package.names:
            continue
        with zf.open(part) as f:
            m = _DIMENSION.search(f.read(4096))
        if m is None or m.group(1) is None:
            return None
        rows, cols = int(m.group(2)), column_index(m.group(1).decode())
        if rows * cols > limit:
            return None
        out[title] = rows, cols
    return out
