"""Workbooks for the validator tests, written the way officers' files really look."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from conftest import published_van_quan

NUMBERING = ["A", "B", "I", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
             "12=10-8", "13=11-9"]
FIRST_ROW = 6   # title rows and a two-row header above the numbering row (row 5)


def typed_van_quan(path: Path, edits: dict[str, object] | None = None) -> Path:
    """Seed 003's table as published: every number typed (pasted from Word), no formulas.

    `edits` overwrite cells ({'D9': 89}) to make broken variants; rows start at FIRST_ROW,
    the total row follows the 17 communes.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws["A1"] = "BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM 2021 (theo chuẩn nghèo 2016-2020)"
    ws["A2"] = "(Kèm theo Kế hoạch số: /KH-UBND ngày tháng 4 năm 2021 của UBND huyện Văn Quan)"
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["J3"] = "STT", "Đơn vị (cấp xã)", "Tổng số hộ dân cư", "HỘ NGHÈO", \
        "HỘ CẬN NGHÈO"
    for i, text in enumerate(NUMBERING, start=1):
        ws.cell(5, i, text)
    rows, total = published_van_quan()
    r = FIRST_ROW
    for i, (name, values) in enumerate(rows, start=1):
        ws.cell(r, 1, i)
        ws.cell(r, 2, name)
        for j, v in enumerate(values):
            ws.cell(r, 3 + j, v)
        r += 1
    ws.cell(r, 2, "Cộng")
    for j, v in enumerate(total):
        ws.cell(r, 3 + j, v)
    ws.cell(r + 2, 1, "Ghi chú: tỷ lệ tính theo chuẩn nghèo giai đoạn 2016-2020.")
    for ref, value in (edits or {}).items():
        ws[ref] = value
    wb.save(path)
    return path


def total_row() -> int:
    return FIRST_ROW + len(published_van_quan()[0])


def blank_inbox(folder: Path, units: tuple[str, ...] = ("Yên Phúc", "Bình Phúc"), year: int = 2021) -> Path:
    """A district's inbox of communes that sent the blank template back (`giamngheo new`, titled
    'UBND xã …'), one workbook each."""
    from macros_py.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    for unit in units:
        assert main(["new", "--units", unit, "--unit", f"xã {unit}", "--year", str(year),
                     "-o", str(folder / f"{unit}.xlsx")]) == 0
    return folder


def cell_styles(path: Path, authors: bool = True) -> dict:
    """Every cell's value, fill, font, border, number format and note: what clear must give back."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                note = (c.comment.text, c.comment.author if authors else None) if c.comment else None
                out[(ws.title, c.coordinate)] = (c.value, repr(c.fill), repr(c.font), repr(c.border), c.number_format,
                                                 note)
    return out
