"""`new` writes live formulas whose values LibreOffice, Python and the seed all agree on."""
from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from conftest import published_van_quan
from libreoffice import recalculate
from macros_py.forms.spec import get_form

FIRST_UNIT_ROW, TOTAL_ROW = 8, 25   # title, subtitle, blank, 3 header rows, numbering row
NUMBER_COLS = range(3, 16)           # C..O hold columns 1..13


def _grid(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def _assert_table_equals_published(rows, tol):
    published, total = published_van_quan()
    for i, (name, values) in enumerate(published):
        row = rows[FIRST_UNIT_ROW - 1 + i]
        assert row[1] == name
        for j, expected in enumerate(values):
            assert row[2 + j] == pytest.approx(expected, abs=tol), (name, j + 1)
    for j, expected in enumerate(total):
        assert rows[TOTAL_ROW - 1][2 + j] == pytest.approx(expected, abs=tol), ("Cộng", j + 1)


def test_cached_values_show_the_seed_numbers_in_any_reader(van_quan_xlsx):
    # calamine never recalculates: it sees only what the file stores.
    _assert_table_equals_published(_grid(van_quan_xlsx), tol=1e-9)


def test_libreoffice_recalculation_equals_python_and_the_seed(van_quan_xlsx, tmp_path):
    recalculated = recalculate(van_quan_xlsx, tmp_path / "lo")
    lo_rows, ours = _grid(recalculated), _grid(van_quan_xlsx)
    _assert_table_equals_published(lo_rows, tol=1e-9)
    for r in range(FIRST_UNIT_ROW - 1, TOTAL_ROW):
        for c in NUMBER_COLS:
            assert lo_rows[r][c - 1] == pytest.approx(ours[r][c - 1], abs=1e-9), (r + 1, c)


def test_libreoffice_really_recalculates(van_quan_xlsx, tmp_path):
    """Guard for the test above: wrong cached values must come back corrected."""
    import re
    import zipfile

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(van_quan_xlsx) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f><v>)[^<]*(</v>)", rb"\g<1>999\g<2>", data)
            dst.writestr(info, data)
    assert _grid(broken)[TOTAL_ROW - 1][2] == 999
    _assert_table_equals_published(_grid(recalculate(broken, tmp_path / "lo")), tol=1e-9)


def test_formulas_follow_the_notation_and_guard_division(van_quan_xlsx):
    """Each formula follows the notation, guards division, and shows nothing until its cells are typed."""
    ws = openpyxl.load_workbook(van_quan_xlsx)["Biểu"]
    assert ws["E8"].value == '=IF(COUNT(D8,C8)<2,"",ROUND(IF(C8=0,0,D8/C8)*100,2))'
    assert ws["H8"].value == '=IF(COUNT(F8,D8)<2,"",F8-D8)'
    assert ws["I8"].value == '=IF(COUNT(G8,E8)<2,"",ROUND(G8-E8,2))'
    assert ws["C25"].value == '=IF(COUNT(C8:C24)=0,"",SUM(C8:C24))'
    # a ratio of sums, not a sum of rates
    assert ws["G25"].value == '=IF(COUNT(F25,C25)<2,"",ROUND(IF(C25=0,0,F25/C25)*100,2))'
    assert ws["O25"].value == '=IF(COUNT(M25,K25)<2,"",ROUND(M25-K25,2))'
    # the numbering row carries the officers' notation
    assert [ws.cell(7, c).value for c in range(1, 16)] == [
        "A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
        "12=10-8", "13=11-9"]


def test_layout_protection_and_print_settings(van_quan_xlsx):
    ws = openpyxl.load_workbook(van_quan_xlsx)["Biểu"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:O1", "A2:O2", "D4:I4", "J4:O4", "D5:E5", "A4:A6", "B4:B6", "C4:C6"} <= merged
    assert ws["D4"].value == "HỘ NGHÈO" and ws["D6"].value == "Số hộ" and ws["E6"].value == "Tỷ lệ"
    assert ws.freeze_panes == "C8"
    assert ws.protection.sheet and not ws.protection.password
    assert ws["E8"].protection.locked and ws["C25"].protection.locked
    assert not ws["C8"].protection.locked and not ws["G8"].protection.locked and not ws["B8"].protection.locked
    assert ws["C8"].number_format == "#,##0" and ws["E8"].number_format == "0.00"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.print_title_rows == "$4:$7"


def test_conditional_formatting_covers_the_common_rule_breaks(van_quan_xlsx):
    ws = openpyxl.load_workbook(van_quan_xlsx)["Biểu"]
    rules = {(str(cf.sqref), r.formula[0]) for cf in ws.conditional_formatting for r in cf.rules}
    assert ("D8:D24", "AND(ISNUMBER(D8),D8<0)") in rules                    # negative count
    assert ("D8:D24", "AND(COUNT(D8,C8)=2,(D8)>(C8))") in rules              # poor above households
    # rate vs count: more than half a household off and not the count's rate rounded at the decimals
    # written (one where the number holds one), whether the rate is kept as 8,25 or as 8,25%
    (target,) = [f for r, f in rules if r == "G8:G24" and "ABS(G8*C8/100-F8)>0.5" in f]
    assert "ABS((G8*100)*C8/100-F8)>0.5" in target
    assert "ABS(ROUND(G8,2)*C8-F8*100)>(IF(ROUND(G8,1)=G8,0.05,0.005)+1E-7)*C8" in target
    assert ("C25", "AND(COUNT(C8:C24)=17,ISNUMBER(C25),ABS(C25-SUM(C8:C24))>1E-7*MAX(1,ABS(C25)))") in rules


def test_conditional_formatting_lights_up_in_libreoffice(tmp_path):
    """The live checks are real formulas: evaluate them in LibreOffice on a broken table."""
    from cf_probe import probe_workbooks
    from macros_py.write.layout import Unit, make_layout
    from macros_py.write.xlsx_writer import write_new_workbook

    units = [Unit("Xã A", {"1": 100, "2": 120, "4": 10, "5": 10.0, "8": 5, "10": 4, "11": 4.0}),
             Unit("Xã B", {"1": 435, "2": 66, "4": 46, "5": 10.67, "8": 56, "10": 49, "11": 11.37})]
    path = tmp_path / "t.xlsx"
    write_new_workbook(make_layout(get_form(), units), path)
    (painted,) = probe_workbooks([path], tmp_path / "probe")
    # 120 poor > 100 households; Khánh Khê's deliberate rounding passes
    assert painted["Biểu"] == {"D8"}


def test_units_from_a_list_and_blank_template(tmp_path):
    from macros_py.cli import main

    out = tmp_path / "mau.xlsx"
    assert main(["new", "--units", "Xã Một;Xã Hai;Thị trấn", "--year", "2026", "-o", str(out)]) == 0
    rows = _grid(out)
    assert [rows[r][1] for r in range(7, 11)] == ["Xã Một", "Xã Hai", "Thị trấn", "Cộng"]
    assert "NĂM 2026" in rows[0][0]
