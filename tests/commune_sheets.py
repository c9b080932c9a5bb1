"""A commune's (or ward's) plan table laid out by hand in openpyxl, as the officer-tester built them.

The office line ("UBND PHƯỜNG 10"), the national header, a signing line with a date ("Đà Lạt, ngày 13
tháng 3 năm 2026"), the title, a line "(Kèm theo Kế hoạch số 12/KH-UBND ngày 10/3/2026 của UBND …)",
two header rows, the numbering row, one row per village, "Cộng" and a signature block. Dates and the
plan number are full of small numbers — exactly what must never be read as a unit's name.

Village inputs are dicts of the input columns 1, 2, 4, 5, 8, 10, 11. Formula columns are live formulas
(`=ROUND(D11/C11*100,2)`, `=F11-D11`) with the Cộng row's `=SUM(…)`, or with `formulas=False` the
figures typed, computed here by plain arithmetic (`typed_row`). `cells` writes raw values over
anything ('D11': 19 — a slip of the keyboard; 'L14': None — a blank).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl

INPUTS = ("1", "2", "4", "5", "8", "10", "11")
COUNTS = ("1", "2", "4", "8", "10")
NUMBERING = ["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
             "12=10-8", "13=11-9"]
FIRST_ROW = 11          # the first village row (header block 1–3, title 5–6, headers 8–9, numbering 10)


def letter(number: str) -> str:
    """Column letter of a form column number: 1 → C … 13 → O."""
    return chr(ord("C") + int(number) - 1)


def rhu(x: float, places: int = 2) -> float:
    """Round half up on the printed digits, as a spreadsheet's ROUND does."""
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def typed_row(v: dict) -> dict:
    """Every column of a row from its inputs, by the numbering row's notation."""
    r = {k: float(v[k]) for k in INPUTS}
    r["3"] = rhu(r["2"] / r["1"] * 100)
    r["9"] = rhu(r["8"] / r["1"] * 100)
    r["6"], r["12"] = r["4"] - r["2"], r["10"] - r["8"]
    r["7"], r["13"] = rhu(r["5"] - r["3"]), rhu(r["11"] - r["9"])
    return r


def summed(rows: list[dict]) -> dict:
    """A unit's figures from its rows: counts summed, target rates from the sums (the total-row rule)."""
    s = {k: sum(float(r[k]) for r in rows) for k in COUNTS}
    s["5"] = rhu(s["4"] / s["1"] * 100)
    s["11"] = rhu(s["10"] / s["1"] * 100)
    return typed_row(s)


def villages(c1: int, c2: int, c4: int, c8: int, c10: int, n: int = 3) -> list[dict]:
    """A commune's counts split over n villages; each village's target rates from its own counts."""
    out = []
    for i in range(n):
        v = {k: int(total) // n + (1 if i < int(total) % n else 0)
             for k, total in zip(COUNTS, (c1, c2, c4, c8, c10))}
        v["5"] = rhu(v["4"] / v["1"] * 100)
        v["11"] = rhu(v["10"] / v["1"] * 100)
        out.append(v)
    return out


def commune_sheet(ws, level: str, unit: str, rows: list[dict], *, year: int = 2026, place: str | None = None,
                  names: list[str] | None = None, formulas: bool = True, typed_total: dict | None = None,
                  cells: dict | None = None) -> None:
    """Lay the table out on `ws` (see the module's docstring); `typed_total`: column number → a figure
    typed in the Cộng row instead of its formula."""
    ws["A1"] = f"UBND {level.upper()} {unit.upper()}"
    ws["A2"] = "BAN CHỈ ĐẠO GIẢM NGHÈO"
    ws["H1"], ws["H2"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"
    ws["H3"] = f"{place or unit}, ngày 13 tháng 3 năm {year}"
    ws["A5"] = f"BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM {year}"
    ws["A6"] = f"(Kèm theo Kế hoạch số 12/KH-UBND ngày 10/3/{year} của UBND {level} {unit})"
    for col, text in (("A", "STT"), ("B", "Tên thôn"), ("C", "Tổng số hộ dân cư"), ("D", "Số hộ nghèo đầu năm"),
                      ("F", "Số hộ, tỷ lệ hộ nghèo cuối năm"), ("H", "Số hộ nghèo tăng (+), giảm (-)"),
                      ("J", "Số hộ cận nghèo đầu năm"), ("L", "Số hộ cận nghèo cuối năm"),
                      ("N", "Số hộ cận nghèo tăng (+), giảm (-)"), ("P", "Ghi chú")):
        ws[f"{col}8"] = text
    for col in "DFHJLN":
        ws[f"{col}9"], ws[f"{chr(ord(col) + 1)}9"] = "Số hộ", "Tỷ lệ (%)"
    for i, text in enumerate(NUMBERING, start=1):
        ws.cell(10, i, text)
    last = FIRST_ROW + len(rows) - 1
    for i, v in enumerate(rows):
        r = FIRST_ROW + i
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, (names or [])[i] if names and i < len(names) else f"Thôn {i + 1}")
        _fill(ws, r, typed_row(v), formulas, None)
    t = last + 1
    ws.cell(t, 2, "Cộng")
    _fill(ws, t, summed(rows), formulas, (FIRST_ROW, last))
    for number, value in (typed_total or {}).items():
        ws[f"{letter(number)}{t}"] = value
    for ref, value in (cells or {}).items():
        ws[ref] = value
    ws.cell(t + 2, 1, "Ghi chú: Tỷ lệ hộ nghèo, cận nghèo cuối năm là chỉ tiêu phấn đấu.")
    ws.cell(t + 4, 2, "NGƯỜI LẬP BIỂU")
    ws.cell(t + 4, 11, "TM. ỦY BAN NHÂN DÂN")
    ws.cell(t + 9, 2, "Hoàng Thị Lan")


def _fill(ws, r: int, v: dict, formulas: bool, total: tuple[int, int] | None) -> None:
    if total is not None and formulas:          # Cộng: sums of the counts, target rates from the sums
        a, b = total
        for n in COUNTS:
            ws[f"{letter(n)}{r}"] = f"=SUM({letter(n)}{a}:{letter(n)}{b})"
        ws[f"G{r}"], ws[f"M{r}"] = f"=ROUND(F{r}/C{r}*100,2)", f"=ROUND(L{r}/C{r}*100,2)"
    else:
        for n in INPUTS:
            ws[f"{letter(n)}{r}"] = v[n]
    if formulas:
        ws[f"E{r}"], ws[f"K{r}"] = f"=ROUND(D{r}/C{r}*100,2)", f"=ROUND(J{r}/C{r}*100,2)"
        ws[f"H{r}"], ws[f"I{r}"] = f"=F{r}-D{r}", f"=G{r}-E{r}"
        ws[f"N{r}"], ws[f"O{r}"] = f"=L{r}-J{r}", f"=M{r}-K{r}"
    else:
        for n in ("3", "6", "7", "9", "12", "13"):
            ws[f"{letter(n)}{r}"] = v[n]


def commune_workbook(path: Path, level: str, unit: str, rows: list[dict], *, sheet: str = "Biểu",
                     **kw) -> Path:
    """One table on one sheet, saved by openpyxl (formulas without stored values, as scripts write them)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    commune_sheet(ws, level, unit, rows, **kw)
    wb.save(path)
    return path
