"""Bad input gets a clear Vietnamese message and a documented exit code; nothing is lost."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from conftest import ROOT
from fixtures import typed_van_quan
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.commands.validate import validate_file

VAN_QUAN = ROOT / "workbooks" / "van_quan_2021.xlsx"
INJECTIONS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_zip_bomb_is_refused(tmp_path, capsys):
    bomb = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(VAN_QUAN) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/media/padding.xml", b"\0" * (60 << 20))      # 60 MB that packs to ~60 kB
    assert main(["validate", str(bomb)]) == 2
    assert "bom nén" in capsys.readouterr().out


def test_error_values_and_dates_where_numbers_belong(tmp_path):
    import datetime

    path = typed_van_quan(tmp_path / "b.xlsx", {"D9": "=1/0", "F10": datetime.date(2021, 4, 5)})
    computed = recalculate(path, tmp_path / "lo")        # LibreOffice stores #DIV/0! as the cached value
    found = {f.cell: f for s in validate_file(computed).sheets for f in s.findings if f.severity == "error"}
    assert found["D9"].rule == "cell-error" and "#DIV/0!" in found["D9"].message
    assert found["F10"].rule == "not-a-number" and "05/04/2021" in found["F10"].message


def test_a_used_range_claiming_the_whole_sheet(tmp_path):
    wb = openpyxl.load_workbook(VAN_QUAN)
    wb["Biểu"].cell(1048576, 16384).fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF0000")
    path = tmp_path / "xfd.xlsx"
    wb.save(path)
    assert main(["validate", str(path)]) == 0


def test_merged_cells_across_the_table(tmp_path, capsys):
    wb = openpyxl.load_workbook(VAN_QUAN)
    wb["Biểu"].merge_cells("C9:F9")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    assert main(["validate", str(path)]) == 1
    assert "để trống" in capsys.readouterr().out            # the swallowed inputs are named, not a crash


def test_unreadable_folder_is_reported_and_skipped(tmp_path, monkeypatch, capsys):
    box = tmp_path / "hop_thu"
    box.mkdir()
    original = Path.rglob

    def denied(self, pattern):
        if self == box:
            raise PermissionError(13, "Permission denied")
        return original(self, pattern)

    monkeypatch.setattr(Path, "rglob", denied)
    assert main(["consolidate", str(box), str(VAN_QUAN), "-o", str(tmp_path / "t.xlsx")]) == 0
    assert "Không có quyền đọc thư mục" in capsys.readouterr().out


def test_output_locked_by_excel_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    out = tmp_path / "dang_mo.xlsx"
    out.write_bytes(b"the officer's open file")

    def locked(src, dst):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(os, "replace", locked)
    assert main(["recalc", str(VAN_QUAN), "-o", str(out), "--force"]) == 2
    assert "tệp đang mở ở nơi khác" in capsys.readouterr().err
    assert out.read_bytes() == b"the officer's open file"
    assert [p.name for p in tmp_path.iterdir()] == ["dang_mo.xlsx"]      # no temporary file left


def test_a_failure_mid_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import macros_py.write.cached_values as cv

    def boom(path, values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cv, "inject", boom)
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(VAN_QUAN), "-o", str(out)]) == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["new", "consolidate"])
def test_text_from_inputs_is_never_written_as_a_formula(tmp_path, command):
    units = ";".join(INJECTIONS)
    out = tmp_path / "out.xlsx"
    if command == "new":
        assert main(["new", "--units", units, "-o", str(out)]) == 0
    else:
        box = tmp_path / "box"
        box.mkdir()
        for i, name in enumerate(INJECTIONS):
            assert main(["new", "--units", "Thôn 1", "--unit", f"xã {name}", "-o", str(box / f"{name[:4]}{i}.xlsx")]) == 0
        assert main(["consolidate", str(box), "--units", units, "-o", str(out)]) == 0
    reopened = recalculate(out, tmp_path / "lo")
    for path in (out, reopened):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value in INJECTIONS:
                        assert cell.data_type == "s", (ws.title, cell.coordinate)
                    if cell.data_type == "f":
                        assert not any(x.lstrip("=+-@") in cell.value for x in INJECTIONS), cell.value
    names = [r[1] for r in CalamineWorkbook.from_path(str(reopened)).get_sheet_by_name("Biểu").to_python()[7:11]]
    assert names == INJECTIONS


def rich_workbook(path: Path) -> Path:
    """The Văn Quan table plus what officers' workbooks carry: another sheet, a chart, a defined
    name, data validation, print settings, widths, merged cells."""
    wb = openpyxl.load_workbook(VAN_QUAN)
    ws = wb["Biểu"]
    ws.protection.sheet = False
    notes = wb.create_sheet("Ghi chú")
    notes["A1"], notes["B3"] = "Nguồn số liệu: rà soát 2020", 42
    notes.merge_cells("A1:D1")
    notes.column_dimensions["A"].width = 40
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=8, max_row=24))
    notes.add_chart(chart, "B5")
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    ws.add_data_validation(dv)
    dv.add("C8:C24")
    wb.defined_names["ho_ngheo"] = openpyxl.workbook.defined_name.DefinedName("ho_ngheo", attr_text="'Biểu'!$D$8:$D$24")
    ws.print_area = "A1:O25"
    wb.save(path)
    return path


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n for n in z.namelist() if not n.startswith("docProps/")}


@pytest.mark.parametrize("command", ["recalc", "annotate"])
def test_copies_keep_what_they_do_not_mean_to_change(tmp_path, command, capsys):
    src = rich_workbook(tmp_path / "giau.xlsx")
    before = sha(src)
    out = tmp_path / "out.xlsx"
    args = ["recalc", str(src), "-o", str(out)] if command == "recalc" else \
        ["validate", str(src), "--annotate", str(out)]
    assert main(args) in (0, 1)
    assert sha(src) == before
    assert "Không giữ được" not in capsys.readouterr().err
    assert _parts(src) <= _parts(out)                         # every package part is still there
    wb = openpyxl.load_workbook(out)
    notes = wb["Ghi chú"]
    assert notes["A1"].value == "Nguồn số liệu: rà soát 2020" and "A1:D1" in notes.merged_cells
    assert notes.column_dimensions["A"].width == 40 and len(notes._charts) == 1
    assert "ho_ngheo" in wb.defined_names
    ws = wb["Biểu"]
    assert ws.data_validations.dataValidation[0].sqref == openpyxl.worksheet.cell_range.MultiCellRange("C8:C24")
    assert ws.print_area == "'Biểu'!$A$1:$O$25" and ws.page_setup.orientation == "landscape"
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:O1", "D4:I4"}


def test_what_cannot_be_carried_over_is_said(tmp_path, capsys):
    src = tmp_path / "co_xml.xlsx"
    with zipfile.ZipFile(VAN_QUAN) as z, zipfile.ZipFile(src, "w") as dst:
        for info in z.infolist():
            dst.writestr(info, z.read(info.filename))
        dst.writestr("customXml/item1.xml", "<root>dữ liệu của phần mềm khác</root>")
    assert main(["recalc", str(src), "-o", str(tmp_path / "out.xlsx")]) == 0
    assert "Không giữ được dữ liệu XML tùy chỉnh (1 phần)" in capsys.readouterr().err
