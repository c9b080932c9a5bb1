"""Reading officers' real files: other formats, NFD labels, extra columns, hidden rows."""
from __future__ import annotations

import unicodedata

import openpyxl
import pytest

from fixtures import typed_van_quan
from libreoffice import recalculate
from macros_py.commands.validate import validate_file


def _errors(path):
    result = validate_file(path)
    assert result.status == "ok", result.error
    return sorted((f.cell, f.rule) for s in result.sheets for f in s.findings if f.severity == "error")


@pytest.mark.parametrize("target, suffix", [("ods", ".ods"), ("xls:MS Excel 97", ".xls")])
def test_ods_and_xls_are_read_through_calamine(tmp_path, capsys, target, suffix):
    src = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89})
    converted = recalculate(src, tmp_path / "conv", target)
    assert converted.suffix == suffix
    assert _errors(converted) == [("D9", "likely-culprit")]
    # annotate, recalc and clear write through openpyxl, which cannot load them: a plain message
    # and exit 2 (bad input), nothing written
    from macros_py.cli import main

    assert main(["validate", str(converted), "--annotate", str(tmp_path / "a.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "chỉ ghi được bản sao của tệp .xlsx hoặc .xlsm" in err and f"tệp {suffix}" in err
    for command in ("recalc", "clear"):
        assert main([command, str(converted), "-o", str(tmp_path / "out.xlsx")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Lỗi:") and converted.name in err and "Traceback" not in err
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "a.xlsx").exists()


def test_nfd_total_label_extra_column_hidden_row_and_second_sheet(tmp_path):
    path = typed_van_quan(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Biểu 01"]
    ws["B23"] = unicodedata.normalize("NFD", "TỔNG CỘNG")
    ws.insert_cols(3)                      # an extra column the form does not have
    ws["C5"] = "Ghi chú"
    ws["C8"] = "xã khó khăn"
    ws.row_dimensions[10].hidden = True
    wb.create_sheet("Danh sách cán bộ")["A1"] = "Họ tên"
    wb.save(path)
    result = validate_file(path)
    assert result.other_sheets == ["Danh sách cán bộ"]
    (sheet,) = result.sheets
    assert sheet.table.total_row == 23 and len(sheet.table.unit_rows) == 17
    assert sheet.table.columns["1"] == 4   # column 1 moved right of the extra column
    assert _errors(path) == []


def test_numbering_row_written_as_numbers_and_total_row_first(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Đơn vị", "Tổng số hộ"])
    ws.append(["A", "B"] + list(range(1, 14)))
    ws.append([None, "Toàn huyện", 1623, 164, 10.10, 114, 7.02, -50, -3.08, 352, 21.69, 309, 19.04, -43, -2.65])
    ws.append([1, "Yên Phúc", 1188, 98, 8.25, 68, 5.75, -30, -2.5, 296, 24.92, 260, 21.92, -36, -3])
    ws.append([2, "Khánh Khê", 435, 66, 15.17, 46, 10.67, -20, -4.5, 56, 12.87, 49, 11.37, -7, -1.5])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    table = validate_file(path).sheets[0].table
    assert (table.total_row, table.unit_rows) == (3, [4, 5])
    assert _errors(path) == []
