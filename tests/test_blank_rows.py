"""Rows with nothing typed print nothing: a blank template, a new table, a unit that has not
reported, and a row recalc finds without figures show empty formula cells and an empty total,
never 0 and 0,00 that read as figures; each formula computes as soon as its row is typed.

Proven in LibreOffice (one run recalculates every workbook); expected figures are plain arithmetic.
"""
from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from handmade import HandmadeTable, Style, build_workbook, round_half_up, through_libreoffice
from macros_py.cli import main
from macros_py.commands.validate import validate_file

FIRST, TOTAL = 8, 18          # `new`'s template: 10 unit rows from row 8, the total row under them
INPUTS = {"C": 1188, "D": 98, "F": 68, "G": 5.75, "J": 296, "L": 260, "M": 21.92}   # Yên Phúc, seed 003
FORMULA_COLUMNS = "EHIKNO"
NUMBER_COLUMNS = "CDEFGHIJKLMNO"


def _expected_row(v: dict) -> dict:
    """Every figure of a unit row by the officers' notation (rates rounded to 2 decimals)."""
    e = round_half_up(v["D"] / v["C"] * 100)
    k = round_half_up(v["J"] / v["C"] * 100)
    return {**v, "E": e, "H": v["F"] - v["D"], "I": round_half_up(v["G"] - e), "K": k, "N": v["L"] - v["J"],
            "O": round_half_up(v["M"] - k)}


def _values(path, sheet="Biểu"):
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _cell(rows, ref: str):
    col = ord(ref[0]) - 64
    row = int(ref[1:])
    line = rows[row - 1] if row <= len(rows) else []
    return line[col - 1] if col <= len(line) else ""


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("blank")
    out = {}
    out["mau"] = tmp / "mau.xlsx"
    assert main(["new", "-o", str(out["mau"])]) == 0
    # the template with its first row typed by an officer (openpyxl: no formula is touched)
    out["mot_dong"] = tmp / "mot_dong.xlsx"
    wb = openpyxl.load_workbook(out["mau"])
    ws = wb["Biểu"]
    ws.protection.sheet = False
    ws[f"B{FIRST}"] = "Yên Phúc"
    for letter, v in INPUTS.items():
        ws[f"{letter}{FIRST}"] = v
    wb.save(out["mot_dong"])
    ws[f"C{FIRST}"] = "1.188"            # … and the same with its households typed as text
    out["mot_dong_chu"] = tmp / "mot_dong_chu.xlsx"
    wb.save(out["mot_dong_chu"])
    out["mot_dong_tinh_lai"] = tmp / "mot_dong_tinh_lai.xlsx"
    assert main(["recalc", str(out["mot_dong"]), "-o", str(out["mot_dong_tinh_lai"])]) == 0
    # an officer's own table (plain formulas) with one unit row whose figures are not typed yet
    table = HandmadeTable(Style(formulas=True, sheet="Biểu"))
    wb = build_workbook([table])
    ws = wb["Biểu"]
    blank_row = table.unit_rows[3]
    for n in ("1", "2", "4", "5", "8", "10", "11"):
        ws.cell(blank_row, table.col(n)).value = None
    out["cua_xa"] = tmp / "cua_xa.xlsx"
    wb.save(out["cua_xa"])
    out["cua_xa_tinh_lai"] = tmp / "cua_xa_tinh_lai.xlsx"
    assert main(["recalc", str(out["cua_xa"]), "-o", str(out["cua_xa_tinh_lai"])]) == 0
    # a consolidation with a unit that has not reported, then recalculated
    inbox = tmp / "hop_thu"
    inbox.mkdir()
    assert main(["new", "--units", "Yên Phúc", "--unit", "xã Yên Phúc", "--year", "2021",
                 "-o", str(inbox / "yen_phuc.xlsx")]) == 0
    wb = openpyxl.load_workbook(inbox / "yen_phuc.xlsx")
    for letter, v in INPUTS.items():
        wb["Biểu"][f"{letter}{FIRST}"] = v
    wb.save(inbox / "yen_phuc.xlsx")
    out["tong_hop"] = tmp / "tong_hop.xlsx"
    assert main(["consolidate", str(inbox), "--units", "Yên Phúc;Khánh Khê", "--year", "2021",
                 "--unit", "huyện Văn Quan", "-o", str(out["tong_hop"])]) == 0
    out["tong_hop_tinh_lai"] = tmp / "tong_hop_tinh_lai.xlsx"
    assert main(["recalc", str(out["tong_hop"]), "-o", str(out["tong_hop_tinh_lai"])]) == 0
    names = list(out)
    saved = through_libreoffice([out[n] for n in names], tmp / "lo")
    return out, table, blank_row, dict(zip(names, saved))


def test_a_blank_template_shows_nothing_in_any_formula_cell_or_the_total(books):
    out, _, _, lo = books
    for rows in (_values(out["mau"]), _values(lo["mau"])):       # as written (cached) and recalculated
        for r in list(range(FIRST, TOTAL)) + [TOTAL]:
            shown = {c: _cell(rows, f"{c}{r}") for c in NUMBER_COLUMNS}
            assert all(v in ("", None) for v in shown.values()), (r, shown)
    wb = openpyxl.load_workbook(out["mau"])
    assert all(str(wb["Biểu"][f"{c}{r}"].value).startswith('=IF(COUNT(')
               for c in FORMULA_COLUMNS for r in range(FIRST, TOTAL + 1))


def test_a_typed_row_computes_and_the_rest_stays_blank(books):
    _, _, _, lo = books
    expected = _expected_row(INPUTS)
    for name in ("mot_dong", "mot_dong_tinh_lai"):
        rows = _values(lo[name])
        for c in NUMBER_COLUMNS:
            assert _cell(rows, f"{c}{FIRST}") == pytest.approx(expected[c], abs=1e-9), (name, c)
            assert _cell(rows, f"{c}{FIRST + 1}") in ("", None), (name, c)
        # the total of one typed row is that row (rates from the sums)
        for c in "CDEFHJKLN":
            assert _cell(rows, f"{c}{TOTAL}") == pytest.approx(expected[c], abs=1e-9), (name, c)


def test_recalc_keeps_guarded_formulas_guarded(books):
    out, *_ = books
    wb = openpyxl.load_workbook(out["mot_dong_tinh_lai"])
    ws = wb["Biểu"]
    for r in (FIRST, FIRST + 1, TOTAL):
        for c in FORMULA_COLUMNS:
            assert ws[f"{c}{r}"].value.startswith("=IF(COUNT("), (c, r, ws[f"{c}{r}"].value)
    assert ws[f"C{TOTAL}"].value == f'=IF(COUNT(C{FIRST}:C{TOTAL - 1})=0,"",SUM(C{FIRST}:C{TOTAL - 1}))'


def test_recalc_guards_an_officers_row_without_figures_and_keeps_the_others_plain(books):
    out, table, blank_row, lo = books
    ws = openpyxl.load_workbook(out["cua_xa_tinh_lai"])["Biểu"]
    e = table.letter("3")
    assert ws[f"{e}{blank_row}"].value.startswith("=IF(COUNT(")
    assert ws[f"{e}{table.unit_rows[0]}"].value.startswith("=ROUND(")         # the officers' form kept
    rows = _values(lo["cua_xa_tinh_lai"])
    assert all(_cell(rows, f"{table.letter(n)}{blank_row}") in ("", None) for n in ("3", "6", "7", "9", "12", "13"))
    (sheet,) = validate_file(lo["cua_xa_tinh_lai"]).sheets
    assert [f.rule for f in sheet.findings if f.row == blank_row] == ["unit-no-figures"]


def test_a_consolidated_tables_blank_row_stays_blank_after_recalc(books):
    out, _, _, lo = books
    for name in ("tong_hop", "tong_hop_tinh_lai"):
        rows = _values(lo[name])
        names = [line[1] for line in rows]
        blank = names.index("Khánh Khê") + 1
        assert all(_cell(rows, f"{c}{blank}") in ("", None) for c in NUMBER_COLUMNS), name
        total = next(i for i, v in enumerate(names, start=1) if str(v).startswith("Cộng"))
        assert _cell(rows, f"C{total}") == 1188 and _cell(rows, f"E{total}") == pytest.approx(8.25)
    ws = openpyxl.load_workbook(out["tong_hop_tinh_lai"])["Biểu"]
    assert all(str(ws[f"{c}{blank}"].value).startswith("=IF(COUNT(") for c in FORMULA_COLUMNS)


def test_validate_reads_the_guarded_tables_as_before(books):
    _, _, _, lo = books
    for name in ("mau", "mot_dong", "mot_dong_tinh_lai", "tong_hop", "tong_hop_tinh_lai"):
        result = validate_file(lo[name])
        assert result.status == "ok", (name, result.error)
        errors = [f.message for s in result.sheets for f in s.findings if f.severity == "error"]
        assert errors == [], (name, errors)


def test_a_count_typed_as_text_leaves_guarded_cells_blank_and_each_is_named_once(books):
    """COUNT skips number text, so the row's rates and the total print empty: each is named once,
    as following from the text cell, saying it is empty and what it will show."""
    _, _, _, lo = books
    rows = _values(lo["mot_dong_chu"])
    assert _cell(rows, f"E{FIRST}") in ("", None) and _cell(rows, f"C{TOTAL}") in ("", None)
    (sheet,) = validate_file(lo["mot_dong_chu"]).sheets
    follows = {f.cell: f.message for f in sheet.findings if f.rule == "follows-culprit"}
    expected = _expected_row(INPUTS)
    # an empty stored result reads like none at all: the note may hedge ("có thể để trống, …")
    assert "để trống" in follows[f"E{FIRST}"] and f"C{FIRST}" in follows[f"E{FIRST}"]
    assert "đang ghi" not in follows[f"E{FIRST}"]
    assert f"thành {expected['E']:.2f}".replace(".", ",") in follows[f"E{FIRST}"]
    assert "để trống" in follows[f"C{TOTAL}"] and "thành 1.188" in follows[f"C{TOTAL}"]
    assert [f.rule for f in sheet.findings if f.cell == f"C{TOTAL}"] == ["follows-culprit"]
