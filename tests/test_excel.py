"""The ribbon's entry points on the real xlwings engine (remote: xw.Book(json=…)).

Payloads are built from real workbooks as xlwings' VBA client sends them; the
assertions are on the actions xlwings returns for Excel to carry out.
"""
from __future__ import annotations

import os

import openpyxl
import pytest

from conftest import ROOT
from fixtures import typed_van_quan
from xlwings_payload import actions, book_for, payload
from macros_py import excel
from macros_py.commands.annotate import STATE_SHEET


def by_func(book, func):
    return [a for a in actions(book) if a["func"] == func]


def cell_of(action) -> tuple[int, int]:
    return action["start_row"] + 1, action["start_column"] + 1


def test_validate_fills_the_culprit_writes_the_report_and_the_hidden_state(tmp_path):
    book = book_for(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89, "C13": "1.527"}))
    result = excel.run(book, "validate")
    assert (result["error"], result["warning"]) == (1, 4)
    colors = {(a["sheet_position"], *cell_of(a)): a["args"][0] for a in by_func(book, "setRangeColor")}
    # D9 red, C13 amber; E9, H9 and the total D23 follow from D9: a lighter fill, never left unmarked
    assert colors == {(0, 9, 4): "#FFC7CE", (0, 13, 3): "#FFEB9C", (0, 9, 5): "#FDE9E7", (0, 9, 8): "#FDE9E7",
                      (0, 23, 4): "#FDE9E7"}
    added = [a["args"][1] for a in by_func(book, "addSheet")]
    assert added == ["Kiểm tra", STATE_SHEET]
    report = next(a for a in by_func(book, "setValues") if a["sheet_position"] == 1)["values"]
    assert report[0][0] == "KẾT QUẢ KIỂM TRA BIỂU" and report[1][0] == "Tệp: b.xlsx"
    assert report[4][:3] == ["STT", "Trang tính", "Ô"] and report[5][2] == "D9" and "nếu là 41" in report[5][5]
    # the values as the messages write them: the officer's text "1.527" and the number it means, alike,
    # kept as text (the value columns are formatted '@' before they are written) in any locale
    c13 = next(r for r in report[5:] if r[2] == "C13")
    assert c13[6:8] == ["1.527", "1.527"] and "1.527" in c13[5]
    on_report = [a for a in book.json()["actions"] if a.get("sheet_position") == 1]
    text_format = next(i for i, a in enumerate(on_report) if a["func"] == "setNumberFormat" and a["args"] == ["@"])
    assert text_format < next(i for i, a in enumerate(on_report) if a["func"] == "setValues")
    assert (on_report[text_format]["start_column"], on_report[text_format]["column_count"]) == (6, 2)
    links = [a["args"][0] for a in by_func(book, "addHyperlink")]
    assert links == ["#'Biểu 01'!D9"] + [f"#'Biểu 01'!{c}" for c in ("E9", "H9", "C13", "D23")]
    assert by_func(book, "setSheetVisibility")[0]["args"] == ["Hidden"]
    (alert,) = by_func(book, "alert")
    assert alert["args"][0].startswith("Kiểm tra xong: 1 lỗi, 4 cảnh báo")
    # the VBA client cannot add notes: the messages live in the report sheet instead
    assert not by_func(book, "addNote")


def test_validate_adds_notes_where_the_client_supports_them(tmp_path):
    book = book_for(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89}), client="Office.js")
    excel.run(book, "validate")
    notes = {a["args"][0]: a["args"][1] for a in by_func(book, "addNote")}
    assert sorted(notes) == ["$D$23", "$D$9", "$E$9", "$H$9"]
    assert "có lẽ ghi sai" in notes["$D$9"] and "vì ô D9 có lẽ ghi sai" in notes["$D$23"]   # points to the culprit


def test_clean_workbook_says_so(tmp_path):
    book = book_for(ROOT / "workbooks" / "van_quan_2021.xlsx")
    assert excel.run(book, "validate")["error"] == 0
    assert by_func(book, "alert")[0]["args"][0] == "Kiểm tra xong: không có lỗi nào."
    assert not by_func(book, "setRangeColor")


def test_clear_removes_exactly_what_validate_added_from_the_state_in_the_workbook(tmp_path):
    path = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89})
    first = book_for(path)
    excel.run(first, "validate")
    values = {a["sheet_position"]: a["values"] for a in by_func(first, "setValues")}
    # the workbook as Excel sends it on the next click: the two sheets validate added are in it
    saved = payload(path, extra_sheets=[
        {"name": "Kiểm tra", "values": values[1], "pictures": [], "tables": []},
        {"name": STATE_SHEET, "values": values[2], "pictures": [], "tables": []}])
    import xlwings as xw
    book = xw.Book(json=saved)
    assert excel.run(book, "clear") == {"restored": 4}
    colors = [(cell_of(a), a["args"]) for a in by_func(book, "setRangeColor")]
    # D9's fill removed (it had none), and those of E9, H9, D23 that followed from it
    assert sorted(colors) == [((9, 4), [None]), ((9, 5), [None]), ((9, 8), [None]), ((23, 4), [None])]
    # the report sheet (position 1) goes first, then the state sheet, which has moved up to 1
    assert [a["sheet_position"] for a in by_func(book, "sheetDelete")] == [1, 1]
    assert by_func(book, "alert")[0]["args"][0] == "Đã xóa 4 đánh dấu."


def test_recalc_writes_formula_blocks_and_names_typed_over_cells(tmp_path):
    book = book_for(typed_van_quan(tmp_path / "b.xlsx"))
    result = excel.run(book, "recalc")
    writes = by_func(book, "setFormula")
    # one call per column block: 6 formula columns on the unit rows, then the total row's 13 cells
    assert len(writes) <= 6 + 13
    e_block = next(a for a in writes if cell_of(a) == (6, 5))   # units and the total row adjoin: one block
    assert e_block["row_count"] == 18 and e_block["values"][0] == ["=ROUND(IF(C6=0,0,D6/C6)*100,2)"]
    assert e_block["values"][-1] == ["=ROUND(IF(C23=0,0,D23/C23)*100,2)"]
    total_c = next(a for a in writes if cell_of(a) == (23, 3))
    assert total_c["values"] == [["=SUM(C6:C22)"]]
    assert len(result["typed_over"]) == 17 * 6 + 13
    assert "ô đã bị gõ đè số lên công thức" in by_func(book, "alert")[0]["args"][0]


def test_new_table_adds_a_sheet_with_live_formulas(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Ghi chú"
    path = tmp_path / "so.xlsx"
    wb.save(path)
    book = book_for(path)
    assert excel.run(book, "new_table") == {"sheet": "Biểu", "form": "du-kien-giam-ngheo"}
    assert by_func(book, "addSheet")[0]["args"][1] == "Biểu"
    (block,) = [a for a in by_func(book, "setFormula") if a["row_count"] > 1]
    matrix = block["values"]
    assert matrix[6][:5] == ["A", "B", "1", "2", "'3=2/1x100"]        # numbering row kept as text
    assert matrix[7][4] == '=IF(COUNT(D8,C8)<2,"",ROUND(IF(C8=0,0,D8/C8)*100,2))'     # blank until typed
    assert matrix[17][2] == '=IF(COUNT(C8:C17)=0,"",SUM(C8:C17))'
    assert len(by_func(book, "rangeMerge")) >= 10
    # under the table: the place and date, the two signatures (as the file writer lays them)
    values = [a for a in by_func(book, "setValues") if cell_of(a)[0] > 18]
    written = [v for a in values for line in a["values"] for v in line if v]
    assert written == ["……, ngày …… tháng …… năm ……", "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên)",
                       "(Ký tên, đóng dấu)"]
    checks = {(cell_of(a), a["args"][0]["formula"]) for a in by_func(book, "addConditionalFormat")}
    assert ((8, 4), "=AND(COUNT(D8,C8)=2,(D8)>(C8))") in checks          # poor above households
    assert ((18, 3), "=AND(COUNT(C8:C17)=10,ISNUMBER(C18),ABS(C18-SUM(C8:C17))>1E-7*MAX(1,ABS(C18)))") in checks


def test_new_table_menu_builds_each_form(tmp_path):
    wb = openpyxl.Workbook()
    path = tmp_path / "so.xlsx"
    wb.save(path)
    book = book_for(path)
    assert excel.run(book, "new_table:chi-tieu-giam-ngheo-btxh") == {"sheet": "Biểu", "form": "chi-tieu-giam-ngheo-btxh"}
    (block,) = [a for a in by_func(book, "setFormula") if a["row_count"] > 1]
    assert "'4=3/1x100" in block["values"][5]          # Cam Lộ's numbering row, formulas as text
    book = book_for(path)
    excel.run(book, "new_table:khong-co")
    assert "Không có biểu 'khong-co'" in by_func(book, "alert")[0]["args"][0]


def test_consolidate_button_on_a_folder(tmp_path):
    from test_consolidate import commune_workbook
    from conftest import van_quan_units

    box = tmp_path / "hop_thu"
    box.mkdir()
    for i, unit in enumerate(van_quan_units()[:3]):
        commune_workbook(box / f"bieu ({i}).xlsx", unit, epoch=1617235200)
    book = book_for(ROOT / "workbooks" / "van_quan_2021.xlsx")
    result = excel.run(book, "consolidate", folder=box)
    assert result["used"] == 3 and os.path.exists(result["output"])
    assert "3/3 đơn vị có số liệu" in by_func(book, "alert")[0]["args"][0]


def test_failures_become_vietnamese_message_boxes(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách"
    path = tmp_path / "khac.xlsx"
    wb.save(path)
    book = book_for(path)
    assert excel.run(book, "validate") is None
    (alert,) = by_func(book, "alert")
    assert "Không tìm thấy biểu nào" in alert["args"][0] and alert["args"][3] == "critical"
    book = book_for(path)
    excel.run(book, "no_such_button")
    assert "chưa được hỗ trợ" in by_func(book, "alert")[0]["args"][0]
    book = book_for(path)
    excel.run(book, "consolidate", folder=tmp_path / "khong_co")
    assert "Không tìm thấy thư mục" in by_func(book, "alert")[0]["args"][0]


def test_text_copied_from_files_is_written_inert():
    assert excel.inert("=HYPERLINK(\"http://x\",\"y\")").startswith("'=")
    assert excel.inert("+cmd|' /C calc'!A0").startswith("'+")
    assert excel.inert("Yên Phúc") == "Yên Phúc" and excel.inert(5) == 5
