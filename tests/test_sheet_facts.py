"""The streamed sheet-XML pass agrees with openpyxl (an independent reader) on every cell:
which cells hold formulas and which number format each shows — on tool-made, LibreOffice-saved
and prefixed-tag packages, across piece boundaries, and past the last cached value."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from libreoffice import recalculate
from macros_py.engines import sheet_xml
from macros_py.engines.file import read_grids


def _openpyxl_view(path: Path) -> dict[str, tuple[set, dict]]:
    """(formula cells, number format of every non-empty cell) per sheet, as openpyxl reads them."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        out[ws.title] = ({(c.row, c.column) for c in cells if c.data_type == "f"},
                         {(c.row, c.column): None if c.number_format == "General" else c.number_format for c in cells})
    return out


def _our_view(path: Path, cells_of: dict[str, tuple[set, dict]]) -> dict[str, tuple[set, dict]]:
    """The same facts from our reader, asked for the same cells."""
    return {g.name: (set(g.formula_cells()), {cell: g.number_format(*cell) for cell in cells_of[g.name][1]})
            for g in read_grids(path)}


def _assert_same(path: Path) -> None:
    theirs = _openpyxl_view(path)
    assert _our_view(path, theirs) == theirs


@pytest.fixture
def uncached_past_values(tmp_path) -> Path:
    """openpyxl writes formulas without stored results; calamine's grid ends at the last value,
    so the formulas of the last rows and columns lie outside it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu"
    ws["A1"], ws["B1"] = 435, 46
    ws["C1"] = "=B1/A1*100"
    ws["C1"].number_format = "0.00"
    ws["E7"] = "=SUM(A1:B1)"
    ws["E7"].number_format = "#,##0"
    ws["B3"] = 0.0825
    ws["B3"].number_format = "0.00%"
    path = tmp_path / "uncached.xlsx"
    wb.save(path)
    return path


def test_tool_made_and_libreoffice_saved_agree_with_openpyxl(tmp_path):
    shipped = ROOT / "workbooks" / "van_quan_2021.xlsx"
    _assert_same(shipped)
    _assert_same(recalculate(shipped, tmp_path / "lo"))


def test_formulas_past_the_last_value_are_seen(uncached_past_values):
    grid = read_grids(uncached_past_values)[0]
    assert grid.nrows < 7                       # calamine's grid stops before E7 …
    assert grid.has_formula(7, 5) and grid.has_formula(1, 3)   # … the facts do not
    assert grid.number_format(3, 2) == "0.00%" and grid.number_format(7, 5) == "#,##0"
    assert sorted(grid.formula_cells()) == [(1, 3), (7, 5)]
    assert grid.formula(1, 3) is None            # text is not kept unless asked for …
    with_text = read_grids(uncached_past_values, formula_text=True)[0]
    assert with_text.formula(1, 3) == "=B1/A1*100" and with_text.formula(7, 5) == "=SUM(A1:B1)"


def test_pieces_never_cut_a_cell(monkeypatch, tmp_path):
    """Tiny pieces (a few hundred bytes) give exactly the facts of one whole pass."""
    shipped = ROOT / "workbooks" / "van_quan_2021.xlsx"
    theirs = _openpyxl_view(shipped)
    monkeypatch.setattr(sheet_xml.pieces, "__defaults__", (97,))
    assert _our_view(shipped, theirs) == theirs


def _prefixed(src: Path, out: Path) -> Path:
    """The same package with every spreadsheet tag written with an `x:` prefix (as some generators do)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                text = re.sub(r"<(/?)(?!\?)(\w+)([\s>/])", lambda m: f"<{m.group(1)}x:{m.group(2)}{m.group(3)}", text)
                text = text.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                                    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return out


def test_prefixed_tags_take_the_general_path(tmp_path):
    shipped = ROOT / "workbooks" / "van_quan_2021.xlsx"
    prefixed = _prefixed(shipped, tmp_path / "prefixed.xlsx")
    assert b"<x:c r=" in zipfile.ZipFile(prefixed).read("xl/worksheets/sheet1.xml")
    theirs = _openpyxl_view(shipped)
    assert theirs["Biểu"][0] and _our_view(prefixed, theirs) == theirs
