"""Documents officers print, sign and send carry a place-and-date line and a signature block under
the table ("NGƯỜI LẬP BIỂU" on the left, "THỦ TRƯỞNG ĐƠN VỊ" on the right, each with how it is
signed and room to sign), inside the printed width; and every command still reads the tool's own
outputs right with it there: validate, recalc, read_table/export and a province's consolidation
of district consolidations. Expected figures are plain sums of the units' figures.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from conftest import van_quan_units
from rendering import read_pages, squash, to_pdf
from macros_py.cli import main
from macros_py.commands.frames import read_table
from macros_py.commands.validate import validate_file
from macros_py.forms.spec import get_form
from macros_py.write.layout import make_layout
from macros_py.write.xlsx_writer import write_new_workbook

LEFT, RIGHT = ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)")
DISTRICTS = {"Văn Quan": van_quan_units()[:9], "Cao Lộc": van_quan_units()[9:]}


def _find(ws, text):
    return next(((c.row, c.column) for row in ws.iter_rows() for c in row if c.value == text), None)


def _merged_span(ws, row, col):
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_col, rng.max_col
    return col, col


def _assert_signed_under(ws, last_row: int, place: str) -> None:
    """The block sits under `last_row`, left title at the left edge, date and right title at the right
    edge, each with how it is signed under it, all within the table's columns."""
    width = ws.max_column
    date = _find(ws, f"{place}, ngày …… tháng …… năm ……")
    left, right = _find(ws, LEFT[0]), _find(ws, RIGHT[0])
    assert date and left and right, "no place-and-date line or signature"
    assert date[0] > last_row + 1 and left[0] == right[0] == date[0] + 1
    assert _find(ws, LEFT[1]) == (left[0] + 1, left[1]) and _find(ws, RIGHT[1]) == (right[0] + 1, right[1])
    assert _merged_span(ws, *left)[0] == 1 and _merged_span(ws, *right)[1] == width
    assert _merged_span(ws, *date) == _merged_span(ws, *right)
    assert _merged_span(ws, *left)[1] < _merged_span(ws, *right)[0]       # two columns of titles
    assert ws.max_row >= left[0] + 1 + 3                                    # room to sign below


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """A new table with figures; two district consolidations of commune workbooks; the province's
    consolidation of those; recalc's copy of a district's; all printed in one LibreOffice run."""
    tmp = tmp_path_factory.mktemp("sign")
    out = {"moi": tmp / "van_quan.xlsx"}
    write_new_workbook(make_layout(get_form(), van_quan_units(), year=2021, unit="huyện Văn Quan"), out["moi"])
    province_inbox = tmp / "tinh"
    province_inbox.mkdir()
    for district, units in DISTRICTS.items():
        box = tmp / district
        box.mkdir()
        for i, unit in enumerate(units):
            write_new_workbook(make_layout(get_form(), [unit], year=2021, unit=f"xã {unit.name}"),
                               box / f"{i:02d}.xlsx")
        names = ";".join(u.name for u in units)
        assert main(["consolidate", str(box), "--units", names, "--year", "2021", "--unit", f"huyện {district}",
                     "-o", str(province_inbox / f"{district}.xlsx")]) == 0
    out["huyen"] = province_inbox / "Văn Quan.xlsx"
    out["tinh"] = tmp / "tong_hop_tinh.xlsx"
    assert main(["consolidate", str(province_inbox), "--units", "Văn Quan;Cao Lộc", "--year", "2021",
                 "--unit", "tỉnh Lạng Sơn", "-o", str(out["tinh"])]) == 0
    out["tinh_lai"] = tmp / "huyen_tinh_lai.xlsx"
    assert main(["recalc", str(out["huyen"]), "-o", str(out["tinh_lai"])]) == 0
    pdfs = to_pdf([out["moi"], out["tinh"]], tmp / "pdf")
    return out, pdfs


def test_a_new_table_is_signed_under_its_total(outputs):
    out, _ = outputs
    ws = openpyxl.load_workbook(out["moi"])["Biểu"]
    total = _find(ws, "Cộng")[0]
    _assert_signed_under(ws, total, "Văn Quan")


def test_a_consolidation_and_its_submission_sheet_are_signed(outputs):
    out, _ = outputs
    wb = openpyxl.load_workbook(out["tinh"])
    ws = wb["Biểu"]
    total = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value or "").startswith("Cộng"))
    _assert_signed_under(ws, total, "Lạng Sơn")
    status = wb["Tình hình nộp"]
    last = max(r for r in range(1, status.max_row + 1) if status.cell(r, 2).value in DISTRICTS)
    _assert_signed_under(status, last, "Lạng Sơn")


def test_validate_recalc_and_read_table_read_the_table_and_nothing_below(outputs):
    out, _ = outputs
    units = van_quan_units()
    (sheet,) = [s for s in validate_file(out["moi"]).sheets if s.name == "Biểu"]
    assert sheet.table.unit_rows == list(range(8, 8 + len(units))) and sheet.table.total_row == 8 + len(units)
    assert [f for f in sheet.findings if f.severity == "error"] == []
    df = read_table(out["moi"])
    assert list(df[df.kind == "unit"].unit) == [u.name for u in units]
    assert df[df.kind == "total"]["1"].item() == sum(u.inputs["1"] for u in units)
    ws = openpyxl.load_workbook(out["tinh_lai"])["Biểu"]
    total = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value or "").startswith("Cộng"))
    assert ws.cell(total, 3).value == f'=IF(COUNT(C8:C{total - 1})=0,"",SUM(C8:C{total - 1}))'
    below = [ws.cell(r, c).value for r in range(total + 1, ws.max_row + 1) for c in range(1, ws.max_column + 1)]
    assert not any(isinstance(v, str) and v.startswith("=") for v in below)     # no formula under the table


def test_a_province_consolidates_signed_district_consolidations(outputs):
    out, _ = outputs
    df = read_table(out["tinh"])
    units = df[df.kind == "unit"].set_index("unit")
    for district, communes in DISTRICTS.items():
        for n in ("1", "2", "4", "8", "10"):
            assert units.loc[district, n] == sum(u.inputs[n] for u in communes), (district, n)
    result = validate_file(out["tinh"])
    assert [f.message for s in result.sheets for f in s.findings if f.severity == "error"] == []


def test_the_signature_prints_on_the_tables_page_within_its_width(outputs):
    out, pdfs = outputs
    for name in ("moi", "tinh"):
        _, pages = read_pages(pdfs[out[name]])
        page = pages[0]
        text = squash(page.text)
        assert squash(LEFT[0]) in text and squash(RIGHT[0]) in text and "ngày……tháng……năm……" in text
        left, right = min(e["x0"] for e in page.h_edges), max(e["x1"] for e in page.h_edges)
        signature = [w for w in page.words if w["text"] in ("NGƯỜI", "THỦ", "(Ký,", "(Ký")]
        assert signature and all(left <= w["x0"] and w["x1"] <= right for w in signature)
        page.plumber.pdf.close()
