"""--annotate marks the cells and lists the findings; clear puts the workbook back exactly."""
from __future__ import annotations

import hashlib

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from fixtures import cell_styles as _styles, typed_van_quan
from libreoffice import recalculate
from macros_py.cli import main


@pytest.fixture
def broken(tmp_path):
    """A typed table with errors, where the officer had coloured and noted one wrong cell already."""
    path = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89, "F10": None, "C13": "1.527"})
    wb = openpyxl.load_workbook(path)
    ws = wb["Biểu 01"]
    ws["D9"].fill = PatternFill("solid", fgColor="FF00B050")
    ws["D9"].comment = Comment("Số liệu xã gửi ngày 3/4", "Lan")
    ws["B2"].fill = PatternFill("solid", fgColor="FFDDDDDD")
    wb.save(path)
    return path


def test_annotate_marks_cells_and_writes_the_report_sheet(broken, tmp_path):
    before = hashlib.sha256(broken.read_bytes()).digest()
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(broken), "--annotate", str(out)]) == 1
    assert hashlib.sha256(broken.read_bytes()).digest() == before     # input untouched
    wb = openpyxl.load_workbook(out)
    ws = wb["Biểu 01"]
    assert ws["D9"].fill.fgColor.rgb.endswith("FFC7CE")                # error: red
    assert ws["C13"].fill.fgColor.rgb.endswith("FFEB9C")               # warning: amber
    assert "có lẽ ghi sai" in ws["D9"].comment.text and ws["D9"].comment.author == "giamngheo"
    assert "để trống" in ws["F10"].comment.text
    assert ws["A1"].fill.fill_type is None                             # unflagged cells untouched
    report = wb["Kiểm tra"]
    assert report["A1"].value == "KẾT QUẢ KIỂM TRA BIỂU" and report["A2"].value == "Tệp: b.xlsx"
    assert [c.value for c in report[5]] == ["STT", "Trang tính", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi",
                                            "Giá trị đúng"]
    rows = list(report.iter_rows(min_row=6, values_only=True))
    assert [(r[2], r[3], r[4]) for r in rows][:2] == [("D9", "Lỗi", "Ô gây ra nhiều lỗi kéo theo"),
                                                      ("F10", "Lỗi", "Ô nhập bắt buộc để trống")]
    assert report["C6"].hyperlink.location == "'Biểu 01'!D9"
    assert wb["_giamngheo_danh_dau"].sheet_state == "veryHidden"


def test_clear_restores_the_original_exactly(broken, tmp_path):
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    main(["validate", str(broken), "--annotate", str(marked)])
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert _styles(cleared) == _styles(broken)


def test_clear_works_after_the_workbook_was_saved_elsewhere(broken, tmp_path):
    """Marks survive a save in another program (LibreOffice here) and are still removable."""
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    main(["validate", str(broken), "--annotate", str(marked)])
    resaved = recalculate(marked, tmp_path / "lo")
    assert main(["clear", str(resaved), "-o", str(cleared)]) == 0
    wb = openpyxl.load_workbook(cleared)
    ws = wb["Biểu 01"]
    assert "Kiểm tra" not in wb.sheetnames and "_giamngheo_danh_dau" not in wb.sheetnames
    assert ws["D9"].fill.fgColor.rgb.endswith("00B050") and ws["D9"].comment.text.startswith("Số liệu xã gửi")
    assert ws["F10"].fill.fill_type in (None, "none") and ws["F10"].comment is None


def test_reannotating_replaces_the_old_marks_and_keeps_an_officers_own_report_sheet(broken, tmp_path):
    wb = openpyxl.load_workbook(broken)
    wb.create_sheet("Kiểm tra")["A1"] = "sổ kiểm tra của phòng"
    wb.save(broken)
    once, twice, cleared = tmp_path / "1.xlsx", tmp_path / "2.xlsx", tmp_path / "c.xlsx"
    main(["validate", str(broken), "--annotate", str(once)])
    main(["validate", str(once), "--annotate", str(twice)])
    wb = openpyxl.load_workbook(twice)
    assert wb["Kiểm tra"]["A1"].value == "sổ kiểm tra của phòng"
    assert "Kiểm tra (2)" in wb.sheetnames and "Kiểm tra (3)" not in wb.sheetnames
    main(["clear", str(twice), "-o", str(cleared)])
    assert _styles(cleared) == _styles(broken)
