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
from html import unescape
from xml.etree import ElementTree as ET

from ..core.coords import column_index
from ..core.grid import CELL_KEY_WIDTH

_FIRST_CELL = re.compile(rb"<(?:\w+:)?c[\s>][^>]*>")
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?'
                           rb'(?:/>|>([^<]*)</(?:\w+:)?f>)')
# a styled cell that holds something (not <c …/>): only those have a shown precision
_STYLED_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?\bs="([0-9]+)"[^>/]*>')
_ERROR_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>'
                          rb'(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', re.S)
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b(?=[^>]*\bhidden="(?:1|true)")[^>]*?\br="([0-9]+)"')
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
    formulas: dict[int, str] = field(default_factory=dict)       # by grid.cell_key
    formats: dict[int, str] = field(default_factory=dict)        # by grid.cell_key
    hidden_rows: set[int] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def style_formats(zf: zipfile.ZipFile) -> list[str]:
    """Number format code of each cell style index (cellXfs order)."""
    try:
        root = ET.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return []
    custom = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    if xfs is None:
        return []
    out = []
    for xf in xfs.findall(f"{_NS}xf"):
        fid = int(xf.get("numFmtId", "0"))
        out.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return out


def scan_sheet(xml: bytes, formats: list[str]) -> SheetFacts:
    """Three targeted passes (formulas, styled cells, error cells) instead of parsing every cell."""
    first = _FIRST_CELL.search(xml)
    if first is not None and b' r="' not in first.group(0):
        raise NoAddresses()
    facts = SheetFacts()
    cols: dict[bytes, int] = {}

    def col(letters: bytes) -> int:
        c = cols.get(letters)
        if c is None:
            c = cols[letters] = column_index(letters.decode())
        return c

    for m in _FORMULA_CELL.finditer(xml):     # finditer: no million-entry list of matches
        letters, row, text = m.groups()
        body = (text or b"").decode("utf-8", "replace")
        facts.formulas[int(row) * CELL_KEY_WIDTH + col(letters)] = "=" + (unescape(body) if "&" in body else body)
    shown = {str(i).encode(): code for i, code in enumerate(formats) if code != "General"}
    if shown:
        formats = facts.formats
        for m in _STYLED_VALUE.finditer(xml):
            code = shown.get(m.group(3))
            if code is not None:
                formats[int(m.group(2)) * CELL_KEY_WIDTH + col(m.group(1))] = code   # grid.cell_key, inlined
    if b't="e"' in xml:         # most sheets have no error cell: skip the slower pass
        for letters, row, text in _ERROR_VALUE.findall(xml):
            facts.errors[(int(row), col(letters))] = unescape(text.decode("utf-8", "replace"))
    if b'hidden="' in xml:
        facts.hidden_rows = {int(r) for r in _HIDDEN_ROW.findall(xml)}
    return facts

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


def scan_package(path) -> dict[str, SheetFacts]:
    """Facts for every worksheet of an xlsx/xlsm, by sheet title."""
    with zipfile.ZipFile(path) as zf:
        formats = style_formats(zf)
        names = set(zf.namelist())
        return {title: scan_sheet(zf.read(part), formats)
                for title, part in sheet_parts(zf).items() if part in names}
