"""`recalc` restores formulas, reports typed-over cells, never touches inputs or the source."""
from __future__ import annotations

import hashlib

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from libreoffice import recalculate
from macros_py.cli import main


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def typed_over(van_quan_xlsx, tmp_path):
    """The Văn Quan table after an officer typed numbers over three formula cells."""
    wb = openpyxl.load_workbook(van_quan_xlsx)
    ws = wb["Biểu"]
    ws["E8"] = 8.25          # right number, formula lost
    ws["H10"] = -20          # wrong number (should be -18)
    ws["C25"] = 13000        # total typed by hand, wrong
    ws["A30"] = "Ghi chú: số liệu tạm tính"
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    return path


def test_recalc_restores_formulas_and_lists_what_was_typed(typed_over, tmp_path, capsys):
    before = _sha(typed_over)
    out = tmp_path / "fixed.xlsx"
    assert main(["recalc", str(typed_over), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 ô có số gõ tay ở chỗ của công thức, nay đã thay bằng công thức:" in printed
    assert "  cột 3: 1 ô gõ số bằng đúng công thức — đã thay bằng công thức\n" in printed
    assert "  cột 6: 1 ô gõ số khác công thức — đã thay bằng công thức\n    H10: đã ghi -20, công thức cho -18\n" \
        in printed
    assert "  cột 1: 1 ô gõ số khác công thức — đã thay bằng công thức\n    C25: đã ghi 13.000, công thức cho 13.850\n" \
        in printed
    assert _sha(typed_over) == before                      # the input is never written

    ws = openpyxl.load_workbook(out)["Biểu"]
    assert ws["E8"].value == "=ROUND(IF(C8=0,0,D8/C8)*100,2)"
    assert ws["H10"].value == "=F10-D10"
    assert ws["C25"].value == "=SUM(C8:C24)"
    assert ws["A30"].value == "Ghi chú: số liệu tạm tính"  # content outside the table is kept
    # cached values are present for readers that never recalculate
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert rows[9][7] == -18 and rows[24][2] == 13850


def test_recalc_never_changes_input_cells(typed_over, tmp_path):
    out = tmp_path / "fixed.xlsx"
    assert main(["recalc", str(typed_over), "-o", str(out)]) == 0
    a = openpyxl.load_workbook(typed_over)["Biểu"]
    b = openpyxl.load_workbook(out)["Biểu"]
    for row in range(8, 25):
        for col in ("A", "B", "C", "D", "F", "G", "J", "L", "M"):
            assert a[f"{col}{row}"].value == b[f"{col}{row}"].value, f"{col}{row}"


def test_recalc_output_recalculates_in_libreoffice(typed_over, tmp_path):
    out = tmp_path / "fixed.xlsx"
    main(["recalc", str(typed_over), "-o", str(out)])
    ours = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    lo = CalamineWorkbook.from_path(str(recalculate(out, tmp_path / "lo"))).get_sheet_by_index(0).to_python(
        skip_empty_area=False)
    for r in range(7, 25):
        for c in range(2, 15):
            assert lo[r][c] == pytest.approx(ours[r][c], abs=1e-9), (r + 1, c + 1)


def test_recalc_twice_adds_no_duplicate_conditional_formats(van_quan_xlsx, tmp_path):
    once, twice = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    main(["recalc", str(van_quan_xlsx), "-o", str(once)])
    main(["recalc", str(once), "-o", str(twice)])
    count = lambda p: sum(len(cf.rules) for cf in openpyxl.load_workbook(p)["Biểu"].conditional_formatting)
    assert count(once) == count(twice) == count(van_quan_xlsx)


def test_recalc_finds_a_table_with_retyped_numbering_and_no_total_formulas(tmp_path, capsys):
    """A table typed by hand (as pasted from Word): 'I' for '1', numbers as text, titles above."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "UBND huyện Văn Quan"
    ws["A3"] = "BIỂU DỰ KIẾN GIẢM NGHÈO"
    ws.append([])
    ws.append(["A", "B", "I", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/Ix100", "10", "11",
               "12=10-8", "13=11-9"])
    ws.append([1, "Yên Phúc", "1.188", 98, "8,25", 68, 5.75, -30, -2.5, 296, 24.92, 260, 21.92, -36, -3])
    ws.append([2, "Khánh Khê", 435, 66, 15.17, 46, 10.67, -20, -4.5, 56, 12.87, 49, 11.37, -7, -1.5])
    ws.append([None, "Cộng", 1623, 164, 10.1, 114, 7.02, -50, -3.08, 352, 21.69, 309, 19.04, -43, -2.65])
    src = tmp_path / "pasted.xlsx"
    wb.save(src)
    out = tmp_path / "kept.xlsx"
    assert main(["recalc", str(src), "-o", str(out), "--keep-text"]) == 0
    printed = capsys.readouterr().out
    assert "1 ô nhập chứa số dạng văn bản được giữ nguyên theo --keep-text" in printed
    assert "Sheet1!C6: '1.188' (có thể là 1.188)" in printed
    assert openpyxl.load_workbook(out)["Sheet1"]["C6"].value == "1.188"       # input left as typed

    out = tmp_path / "converted.xlsx"
    assert main(["recalc", str(src), "-o", str(out)]) == 0          # converting is the default
    printed = capsys.readouterr().out
    assert "1 ô nhập chứa số dạng văn bản, đã đổi thành số:" in printed and "Sheet1!C6: '1.188' đọc là 1.188" in printed
    ws = openpyxl.load_workbook(out)["Sheet1"]
    assert ws["C6"].value == 1188
    assert ws["E6"].value == "=ROUND(IF(C6=0,0,D6/C6)*100,2)"
    assert ws["C8"].value == "=SUM(C6:C7)"
    lo = openpyxl.load_workbook(recalculate(out, tmp_path / "lo"), data_only=True)["Sheet1"]
    assert lo["E7"].value == pytest.approx(15.17)
    assert lo["G8"].value == pytest.approx(round(114 / 1623 * 100, 2))


def test_recalc_of_a_right_table_lists_no_figure_as_changed(van_quan_xlsx, tmp_path):
    """Every formula of the tool's own Văn Quan table already shows what its restored formula gives
    (the stored results are those figures): recalc rewrites them all and names none as changed."""
    from macros_py.commands.recalc import recalc_file

    result = recalc_file(van_quan_xlsx, tmp_path / "out.xlsx")
    assert result.writes >= 17 * 6 and result.changed == [] and result.overwrites == []
