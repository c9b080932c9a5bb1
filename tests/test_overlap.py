"""A large workbook is read in two threads (calamine's values in one, the sheet facts in the other,
over the rectangle each sheet declares): everything the rules see must be what the one-step read
gives: values, which cells hold formulas, every cell's number format, error values, hidden rows,
the findings, and each failure's message."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from handmade import HandmadeTable, Style, build_workbook, through_libreoffice
from macros_py.commands.validate import validate_file
from macros_py.engines import file as engine
from macros_py.engines.file import WorkbookError, read_workbook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
LAYOUTS = {
    "points": Style(),
    "percent-formulas-total-first": Style(rates="percent", formulas=True, total="first", trong_do=True),
    "groups-formulas-nfd": Style(groups=3, blank_rows=True, formulas=True, nfd=True, signature=True),
    "numbers-0.0-left": Style(rate_format="0.0", numbering="numbers", top=3, left=2, notes_column=True),
}
TYPOS = {(2, "1"): "1 527", (4, "5"): 9.3, ("total", "2"): 1761, (6, "3"): 15.85}


def _read(path: Path, overlap: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(engine, "OVERLAP_FROM", 0 if overlap else 1 << 62)
    calls = []
    real = engine._read_overlapped
    monkeypatch.setattr(engine, "_read_overlapped", lambda *a: calls.append(1) or real(*a))
    try:
        _, grids = read_workbook(path)
    except WorkbookError as exc:
        return ("refused", str(exc)), calls
    out = []
    for g in grids:
        rows = max([g.nrows] + [r for r, _ in g.formula_cells()]) + 2
        cols = max([g.ncols] + [c for _, c in g.formula_cells()]) + 2
        out.append((g.name, g.values, g.hidden, sorted(g.formula_cells()), dict(g.errors), sorted(g.hidden_rows),
                    g.knows_formulas, g.knows_formats,
                    [[(g.has_formula(r, c), g.number_format(r, c)) for c in range(1, cols)] for r in range(1, rows)]))
    return out, calls


def _findings(path: Path, overlap: bool, monkeypatch) -> list:
    monkeypatch.setattr(engine, "OVERLAP_FROM", 0 if overlap else 1 << 62)
    r = validate_file(path)
    return [r.status, r.error] + [(s.name, [(f.cell, f.rule, f.severity, f.message) for f in s.findings])
                                  for s in r.sheets]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> list[Path]:
    """Hand-made tables with planted mistakes, as openpyxl wrote them and as LibreOffice saved them,
    one with hidden rows and error values, and the shipped workbooks."""
    tmp = tmp_path_factory.mktemp("overlap")
    raw = []
    for name, style in LAYOUTS.items():
        tables = [HandmadeTable(style.but(sheet="Sạch")), HandmadeTable(style.but(sheet="Lỗi"), typos=TYPOS)]
        build_workbook(tables, {"Nháp": [["nháp", 1188, 98, 8.25]]}).save(tmp / f"{name}.xlsx")
        raw.append(tmp / f"{name}.xlsx")
    wb = build_workbook([HandmadeTable(Style(formulas=True, sheet="Biểu"))])
    ws = wb["Biểu"]
    ws.row_dimensions[9].hidden = True
    ws["D10"] = "=1/0"
    ws["P12"] = "#N/A"
    wb.save(tmp / "hidden-errors.xlsx")
    raw.append(tmp / "hidden-errors.xlsx")
    saved = through_libreoffice(raw, tmp / "lo")
    return raw + saved + sorted((ROOT / "workbooks").glob("*.xlsx"))


def test_the_two_thread_read_gives_what_the_one_step_read_gives(workbooks, monkeypatch):
    for path in workbooks:
        one, _ = _read(path, False, monkeypatch)
        two, calls = _read(path, True, monkeypatch)
        assert calls == [1], path          # every test workbook declares its dimension: two threads were used
        assert two == one, path
        assert _findings(path, True, monkeypatch) == _findings(path, False, monkeypatch), path


def test_the_planted_mistakes_are_found_by_the_two_thread_read(workbooks, monkeypatch):
    lo = [p for p in workbooks if p.parent.name == "lo" and p.stem == "points"][0]
    monkeypatch.setattr(engine, "OVERLAP_FROM", 0)
    sheets = {s.name: s.findings for s in validate_file(lo).sheets}
    assert [f for f in sheets["Sạch"] if f.severity == "error"] == []
    cells = {f.cell for f in sheets["Lỗi"] if f.severity == "error"}
    table = HandmadeTable(LAYOUTS["points"].but(sheet="Lỗi"), typos=TYPOS)
    assert {table.ref(4, "5"), table.total_ref("2"), table.ref(6, "3")} <= cells


def _rewrite_sheet(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = change(data)
            zout.writestr(item, data)
    return dst


def test_a_dimension_smaller_than_the_data_still_gives_every_fact(workbooks, tmp_path, monkeypatch):
    """A program that wrote `<dimension ref="A1:B2"/>` over a full table: the facts beyond it are kept."""
    src = [p for p in workbooks if p.parent.name == "lo" and p.stem == "percent-formulas-total-first"][0]
    small = _rewrite_sheet(src, tmp_path / "small.xlsx",
                           lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', d))
    one, _ = _read(small, False, monkeypatch)
    two, calls = _read(small, True, monkeypatch)
    assert calls == [1] and two == one
    assert _findings(small, True, monkeypatch) == _findings(small, False, monkeypatch)


def test_a_sheet_without_a_dimension_is_read_in_one_step(workbooks, tmp_path, monkeypatch):
    src = [p for p in workbooks if p.parent.name == "lo" and p.stem == "points"][0]
    bare = _rewrite_sheet(src, tmp_path / "bare.xlsx", lambda d: re.sub(rb"<dimension [^>]*/>", b"", d))
    one, _ = _read(bare, False, monkeypatch)
    two, calls = _read(bare, True, monkeypatch)
    assert calls == [] and two == one


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.xlsx")))
def test_damaged_and_hostile_files_are_refused_alike(name, tmp_path, monkeypatch):
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    assert _read(path, True, monkeypatch)[0] == _read(path, False, monkeypatch)[0]


def test_a_failure_in_the_reading_thread_reaches_the_caller(workbooks, tmp_path, monkeypatch):
    """calamine's refusal (a sheet too large) is raised in the caller's thread with its own message."""
    src = [p for p in workbooks if p.parent.name == "lo" and p.stem == "points"][0]
    monkeypatch.setattr(engine, "MAX_CELLS", 10)
    monkeypatch.setattr(engine, "OVERLAP_FROM", 0)
    monkeypatch.setattr(engine, "_overlap_shapes", lambda package: {"Sạch": (40, 20)})
    with pytest.raises(WorkbookError, match="quá lớn"):
        read_workbook(src)
    assert openpyxl.load_workbook(src, read_only=True).sheetnames   # the input is untouched and still opens


def test_only_workbooks_in_the_size_window_are_read_in_two_threads(workbooks, monkeypatch):
    """Small workbooks gain nothing from a thread; the largest would hold two reads' memory at once."""
    path = [p for p in workbooks if p.parent.name == "lo" and p.stem == "points"][0]
    with zipfile.ZipFile(path) as z:
        size = sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    for low, high, used in ((size + 1, 1 << 40, []), (0, size, []), (size, size + 1, [1]), (0, 1 << 40, [1])):
        monkeypatch.setattr(engine, "OVERLAP_UNTIL", high)
        calls = []
        real = engine._read_overlapped
        monkeypatch.setattr(engine, "_read_overlapped", lambda *a, real=real, calls=calls: calls.append(1) or real(*a))
        monkeypatch.setattr(engine, "OVERLAP_FROM", low)
        read_workbook(path)
        monkeypatch.undo()
        assert calls == used, (low, high)
