"""What the README and the code promise, each exercised: exit codes, subtotals, clear, file modes,
the notation, table finding, the forms list and the formulas recalc writes for every form."""
from __future__ import annotations

import json
import os
import tomllib

import openpyxl
import re

import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

import arithmetic
from conftest import DATA, ROOT, published_van_quan
from fixtures import NUMBERING, typed_van_quan, total_row
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.commands.validate import validate_file
from macros_py.core.checks import check_table
from macros_py.core.grid import Grid
from macros_py.core.table import locate
from macros_py.forms import notation
from macros_py.forms.notation import BinOp, Col, Neg
from seed_tables import TITLE_ROWS, seed_workbook

VAN_QUAN = ROOT / "workbooks" / "van_quan_2021.xlsx"


# ------------------------------------------------------------- exit codes

def test_validate_exits_0_when_it_finds_only_warnings(tmp_path, capsys):
    """README: 0 done (validate: no error-severity finding), even with warnings and notes."""
    path = typed_van_quan(tmp_path / "b.xlsx", {"C13": "1.527"})       # number text: a warning
    assert main(["validate", str(path), "--format", "json"]) == 0
    severities = {f["severity"] for f in json.loads(capsys.readouterr().out)["files"][0]["sheets"][0]["findings"]}
    assert severities == {"warning", "info"}
    # and a relation whose severity is 'warning' (4<=2): 99 poor households planned at the end
    # of the year where 98 were poor at the start, the row and the total retyped consistently
    units = [{n: v[int(n) - 1] for n in ("1", "2", "4", "5", "8", "10", "11")} for _, v in published_van_quan()[0]]
    units[0].update({"4": 99, "5": arithmetic.percent(99, units[0]["1"])})
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["C13"] = 1527
    for row, values in ((6, arithmetic.unit_row(units[0])), (total_row(), arithmetic.total_row(units))):
        for c, v in enumerate(arithmetic.columns(values), start=3):
            ws.cell(row, c, v)
    wb.save(path)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[Cảnh báo] Ô F6: Kế hoạch có nhiều hộ nghèo cuối năm hơn đầu năm" in out and "[Lỗi]" not in out
    ws["D6"] = 89                                                      # one error as well: exit 1
    wb.save(path)
    assert main(["validate", str(path)]) == 1


# ------------------------------------------------------------- subtotal rows

SUBTOTALED = [("I", "Huyện X", None), (1, "Yên Phúc", 0), (2, "Khánh Khê", 1),
              ("II", "Huyện Y", None), (1, "Bình Phúc", 2)]
UNITS = [{"1": 1188, "2": 98, "4": 68, "5": 5.75, "8": 296, "10": 260, "11": 21.92},
         {"1": 435, "2": 66, "4": 46, "5": 10.67, "8": 56, "10": 49, "11": 11.37},
         {"1": 998, "2": 97, "4": 72, "5": 7.22, "8": 289, "10": 259, "11": 25.96}]


def subtotaled_workbook(path):
    """Two Roman-numbered groups with subtotal rows, every figure typed, the totals typed wrong
    (the grand total counting the subtotals too, as a careless SUM over the column does)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(NUMBERING)
    for stt, name, unit in SUBTOTALED:
        values = arithmetic.unit_row(UNITS[unit]) if unit is not None else {n: 1 for n in map(str, range(1, 14))}
        ws.append([stt, name] + arithmetic.columns(values))
    ws.append([None, "Tổng cộng"] + [2 * v for v in arithmetic.columns(arithmetic.total_row(UNITS))])
    wb.save(path)
    return path


def test_recalc_writes_subtotal_formulas_and_a_total_over_units_only(tmp_path):
    src, out = subtotaled_workbook(tmp_path / "s.xlsx"), tmp_path / "out.xlsx"
    assert main(["recalc", str(src), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    assert (ws["C2"].value, ws["C5"].value, ws["C7"].value) == ("=SUM(C3:C4)", "=SUM(C6)", "=SUM(C3:C4,C6)")
    assert ws["E2"].value == "=ROUND(IF(C2=0,0,D2/C2)*100,2)"
    assert ws["G5"].value == "=ROUND(IF(C5=0,0,F5/C5)*100,2)"      # a group's target rate: ratio of its sums
    assert (ws["H7"].value, ws["I7"].value, ws["O7"].value) == ("=F7-D7", "=ROUND(G7-E7,2)", "=ROUND(M7-K7,2)")
    assert ws["C3"].value == 1188 and ws["G3"].value == 5.75         # inputs untouched
    lo = openpyxl.load_workbook(recalculate(out, tmp_path / "lo"), data_only=True).active
    expected = {2: arithmetic.total_row(UNITS[:2]), 5: arithmetic.total_row(UNITS[2:]), 7: arithmetic.total_row(UNITS)}
    for row, values in expected.items():
        got = [lo.cell(row, c).value for c in range(3, 16)]
        assert got == pytest.approx(arithmetic.columns(values), abs=1e-9), row
    assert lo["C7"].value == 2621                                    # not 5,242: subtotals not counted twice
    assert validate_file(out).sheets[0].findings == []


# ------------------------------------------------------------- clear

@pytest.fixture
def annotated(tmp_path):
    """A table with errors, annotated; D9 carried the officer's own green fill and note before."""
    path = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89, "F10": None, "C13": "1.527"})
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["D9"].fill = PatternFill("solid", fgColor="FF00B050")
    ws["D9"].comment = Comment("Số liệu xã gửi ngày 3/4", "Lan")
    wb.save(path)
    marked = tmp_path / "m.xlsx"
    assert main(["validate", str(path), "--annotate", str(marked)]) == 1
    return marked


def test_clear_leaves_a_cell_the_officer_recoloured_or_renoted_after_annotating(annotated, tmp_path):
    wb = openpyxl.load_workbook(annotated)
    ws = wb["Biểu 01"]
    assert ws["D9"].fill.fgColor.rgb.endswith("FFC7CE") and ws["F10"].comment.author == "giamngheo"
    ws["D9"].fill = PatternFill("solid", fgColor="FFFFFF00")          # the officer re-colours D9 yellow
    ws["F10"].comment = Comment("Xã chưa báo số, đã gọi điện 5/4", "Lan")  # and writes her own note on F10
    wb.save(annotated)
    cleared = tmp_path / "c.xlsx"
    assert main(["clear", str(annotated), "-o", str(cleared)]) == 0
    ws = openpyxl.load_workbook(cleared)["Biểu 01"]
    assert ws["D9"].fill.fgColor.rgb == "FFFFFF00"                          # her colour stays
    assert ws["D9"].comment.text == "Số liệu xã gửi ngày 3/4"               # our note gives back hers
    assert ws["F10"].comment.text == "Xã chưa báo số, đã gọi điện 5/4"      # her new note stays
    assert ws["F10"].fill.fill_type is None                                 # our fill is gone
    assert ws["C13"].fill.fill_type is None and ws["C13"].comment is None


# ------------------------------------------------------------- output files

@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_outputs_are_readable_by_colleagues(tmp_path, umask_022, annotated):
    """The temporary file is created 0600; the output must get the usual 0644 under umask 022."""
    outputs = {"new": tmp_path / "new.xlsx", "recalc": tmp_path / "recalc.xlsx", "clear": tmp_path / "clear.xlsx",
               "annotate": tmp_path / "annotate.xlsx"}
    assert main(["new", "--units", "Xã A", "-o", str(outputs["new"])]) == 0
    assert main(["recalc", str(VAN_QUAN), "-o", str(outputs["recalc"])]) == 0
    assert main(["clear", str(annotated), "-o", str(outputs["clear"])]) == 0
    assert main(["validate", str(VAN_QUAN), "--annotate", str(outputs["annotate"])]) == 0
    assert {k: oct(p.stat().st_mode & 0o777) for k, p in outputs.items()} == {k: "0o644" for k in outputs}


# ------------------------------------------------------------- the notation

def test_unary_minus_parses_evaluates_and_renders():
    st = notation.parse("6=-(2-4)")
    assert st.right == Neg(BinOp("-", Col("2"), Col("4")))
    assert notation.evaluate(st.right, {"2": 98, "4": 68}) == -30
    ref = {"2": "D9", "4": "F9"}.get
    assert notation.to_excel(st.right, ref) == "-(D9-F9)"
    assert notation.parse_expr("-2+4") == BinOp("+", Neg(Col("2")), Col("4"))
    assert notation.evaluate(notation.parse_expr("-2+4"), {"2": 98, "4": 68}) == -30
    assert notation.evaluate(notation.parse_expr("--2"), {"2": 5}) == 5
    assert notation.evaluate(notation.parse_expr("-2"), {"2": None}) is None
    assert notation.to_excel(notation.parse_expr("2/(1x4)"), {"1": "C9", "2": "D9", "4": "F9"}.get) == \
        "IF((C9*F9)=0,0,D9/(C9*F9))"
    assert notation.to_text(st.right) == "-(2-4)"          # back to the officers' notation, meaning kept
    for text in ("(2+4)/1x100", "5-(3-4)", "-2+4", "2/(1-4)", "2-4-1", "2x(4+1)"):
        assert notation.to_text(notation.parse_expr(text)) == text


@pytest.mark.parametrize("text, op, holds, breaks", [
    # (left, right) pairs: the comparison must hold for the first list and break for the second
    ("2>=1", ">=", [(5, 5), (6, 5)], [(4, 5), (4.999, 5)]),
    ("2<1", "<", [(4, 5), (4.999, 5)], [(5, 5), (6, 5)]),
    ("2>1", ">", [(6, 5), (5.001, 5)], [(5, 5), (4, 5)]),
    ("2<=1", "<=", [(5, 5), (4, 5)], [(6, 5), (5.001, 5)]),
    ("2≥1", ">=", [(5, 5)], [(4, 5)]),
])
def test_comparisons_mean_what_they_say(text, op, holds, breaks):
    st = notation.parse(text)
    assert (st.op, st.left, st.right) == (op, Col("2"), Col("1"))
    assert all(notation.compare(op, a, b) for a, b in holds), holds
    assert not any(notation.compare(op, a, b) for a, b in breaks), breaks
    # equal within floating-point noise is equal: 0.1+0.2 against 0.3
    assert notation.compare(op, 0.1 + 0.2, 0.3) is (op in ("<=", ">="))


TEST_FORM = """
id = "thu-nghiem"
name = "Biểu thử"
title = "BIỂU THỬ"
[[columns]]
number = "A"
header = "STT"
name = "STT"
kind = "label"
[[columns]]
number = "B"
header = "Đơn vị"
name = "Đơn vị"
kind = "label"
role = "unit"
[[columns]]
number = "1"
header = "Hộ"
name = "Tổng số hộ"
kind = "count"
[[columns]]
number = "2"
header = "Hộ nghèo đầu năm"
name = "Hộ nghèo đầu năm"
kind = "count"
[[columns]]
number = "3"
header = "Hộ nghèo cuối năm"
name = "Hộ nghèo cuối năm"
kind = "count"
[[columns]]
number = "4"
header = "Giảm"
name = "Số hộ giảm"
kind = "formula"
formula = "4=-(3-2)"
[[rules]]
check = "1>=2"
message = "nhiều hộ nghèo hơn số hộ"
[[rules]]
check = "3<2"
message = "không giảm"
[[rules]]
check = "1>3"
message = "cuối năm không ít hơn số hộ"
"""


def test_a_form_with_unary_minus_and_strict_comparisons_is_checked_as_written():
    from macros_py.forms.spec import _build

    form = _build(tomllib.loads(TEST_FORM))
    rows = [["A", "B", "1", "2", "3", "4=-(3-2)"],
            [1, "Xã A", 100, 40, 30, 10],      # every rule holds; 4 = -(30-40) = 10
            [2, "Xã B", 100, 40, 40, 0],       # 3<2 breaks (equal is not less)
            [3, "Xã C", 100, 120, 100, 20],    # 1>=2 and 1>3 break; 3<2 holds
            [4, "Xã D", 100, 40, 30, -10]]     # the formula's sign: -10 is wrong
    grid = Grid("Biểu", rows)
    table = locate(grid, [form])
    found = [f for f in check_table(grid, table) if f.severity == "error"]
    assert sorted((f.cell, f.rule) for f in found) == [("C4", "relation"), ("C4", "relation"), ("E3", "relation"),
                                                        ("F5", "formula-mismatch")]
    messages = " | ".join(f.message for f in found)
    for text in ("nhiều hộ nghèo hơn số hộ", "cuối năm không ít hơn số hộ", "không giảm", "phải là 10"):
        assert text in messages


# ------------------------------------------------------------- finding the table

def test_rows_after_the_total_are_not_units(tmp_path):
    """Below the total: notes, a signature block, and a row of figures that belongs to no unit."""
    path = typed_van_quan(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    total = total_row()
    ws.cell(total + 1, 2, "Xã sáp nhập (số liệu năm trước)")
    for c, v in zip(range(3, 16), [500, 400, 1, 900, 5, 1, 1, 1, 1, 1, 1, 1, 1]):   # breaks every rule
        ws.cell(total + 1, c, v)
    ws.cell(total + 4, 2, "NGƯỜI LẬP BIỂU")
    ws.cell(total + 4, 10, "KT. CHỦ TỊCH")
    ws.cell(total + 8, 2, "Nguyễn Văn A")
    ws.cell(total + 9, 3, 2021)
    wb.save(path)
    result = validate_file(path)
    table = result.sheets[0].table
    assert (table.unit_rows[0], table.unit_rows[-1], len(table.unit_rows), table.total_row) == (6, 22, 17, 23)
    assert [f for f in result.sheets[0].findings if f.severity == "error"] == []


OUT_OF_ORDER = ["A", "B", "1", "2", "4", "3=2/1x100", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
                "12=10-8", "13=11-9"]


def test_an_out_of_order_numbering_row_is_not_read_as_the_form():
    """Columns 3 and 4 printed the other way round: reading it as the form would check the wrong
    cells against each formula; it is no table of the form (the real numbering row below is)."""
    row = [1, "Yên Phúc", 1188, 98, 68, 8.25, 5.75, -30, -2.5, 296, 24.92, 260, 21.92, -36, -3]
    assert locate(Grid("Biểu", [OUT_OF_ORDER, row])) is None
    grid = Grid("Biểu", [["Bảng phụ"], OUT_OF_ORDER, row, [None], NUMBERING,
                         [1, "Yên Phúc", 1188, 98, 8.25, 68, 5.75, -30, -2.5, 296, 24.92, 260, 21.92, -36, -3]])
    table = locate(grid)
    assert (table.numbering_row, table.unit_rows, table.columns["3"]) == (5, [6], 5)


# ------------------------------------------------------------- forms

def test_forms_lists_all_four_forms(capsys):
    assert main(["forms"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["chi-tieu-giam-ngheo-btxh", "du-kien-giam-ngheo",
                                                       "ke-hoach-giam-ngheo-xa", "lo-trinh-giam-ngheo-tinh"]
    assert lines[1] == "du-kien-giam-ngheo\tBiểu dự kiến giảm nghèo, cận nghèo (13 cột số)"
    assert [line.rsplit("(", 1)[1] for line in lines] == ["13 cột số)", "13 cột số)", "6 cột số)", "8 cột số)"]


# ------------------------------------------------------------- recalc, every form

def _rate(num, den, r, d=2):
    return f"=ROUND(IF({den}{r}=0,0,{num}{r}/{den}{r})*100,{d})"


# form → (seed table, decimal separator, formulas of a unit row r, formulas of the total row t
#         given the first and last unit rows a, b); written by hand from each spec's notation
RECALC = {
    "chi-tieu-giam-ngheo-btxh": ("cam_lo_2022.tsv", ".",
        lambda r: {"E": _rate("D", "B", r), "G": _rate("F", "B", r), "I": _rate("H", "B", r),
                   "K": _rate("J", "B", r), "M": f"=D{r}-L{r}", "N": _rate("M", "B", r)},
        lambda t, a, b: {"B": f"=SUM(B{a}:B{b})", "D": f"=SUM(D{a}:D{b})", "H": f"=SUM(H{a}:H{b})",
                         "L": f"=SUM(L{a}:L{b})", "E": _rate("D", "B", t), "M": f"=D{t}-L{t}",
                         "N": _rate("M", "B", t)}),
    "lo-trinh-giam-ngheo-tinh": ("dak_nong_2024.tsv", ",",
        lambda r: {"E": _rate("D", "C", r), "H": f"=ROUND(E{r}-J{r},1)", "I": f"=D{r}-G{r}",
                   "J": _rate("I", "F", r)},
        lambda t, a, b: {"C": f"=SUM(C{a}:C{b})", "D": f"=SUM(D{a}:D{b})", "F": f"=SUM(F{a}:F{b})",
                         "G": f"=SUM(G{a}:G{b})", "E": _rate("D", "C", t), "H": f"=ROUND(E{t}-J{t},1)",
                         "I": f"=D{t}-G{t}", "J": _rate("I", "F", t)}),
    "ke-hoach-giam-ngheo-xa": ("krong_no_2020_000.tsv", ",",
        lambda r: {"E": f"=C{r}-F{r}"},
        lambda t, a, b: {"C": f"=SUM(C{a}:C{b})", "F": f"=SUM(F{a}:F{b})", "G": f"=SUM(G{a}:G{b})",
                         "E": f"=C{t}-F{t}", "D": None, "H": None}),     # the total's rates are typed
}


def _guarded(formula: str, typed) -> str:
    """A unit row's formula as recalc writes it where a cell it reads was left blank in the seed:
    showing nothing until both are typed (=IF(COUNT(F5,B5)<2,"",…)), its cells in notation order."""
    m = re.search(r"([A-Z]+\d+)/([A-Z]+\d+)", formula) or re.search(r"([A-Z]+\d+)-([A-Z]+\d+)", formula)
    refs = m.groups()
    if all(typed[ref].value not in (None, "") for ref in refs):
        return formula
    return f'=IF(COUNT({",".join(refs)})<{len(refs)},"",{formula[1:]})'


@pytest.mark.parametrize("form_id", sorted(RECALC))
def test_recalc_writes_every_formula_of_a_seed_form(tmp_path, form_id):
    tsv, decimal, unit_formulas, total_formulas = RECALC[form_id]
    src = seed_workbook(tsv, tmp_path / "seed.xlsx", decimal=decimal)
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(src), "-o", str(out), "--convert-text-numbers"]) == 0
    lines = len((DATA / tsv).read_text(encoding="utf-8").splitlines())
    first, total = TITLE_ROWS + 3, TITLE_ROWS + lines          # two header lines, the total last
    ws, typed = openpyxl.load_workbook(out).active, openpyxl.load_workbook(src).active
    for r in range(first, total):
        expected = {col: _guarded(f, typed) for col, f in unit_formulas(r).items()}
        assert {col: ws[f"{col}{r}"].value for col in expected} == expected, r
    expected = total_formulas(total, first, total - 1)
    got = {col: ws[f"{col}{total}"].value for col in expected}
    assert {c: v for c, v in got.items() if expected[c] is not None} == {c: v for c, v in expected.items() if v}
    assert all(not str(got[c]).startswith("=") for c, v in expected.items() if v is None)


def test_recalc_writes_every_formula_of_the_main_form(tmp_path):
    src, out = typed_van_quan(tmp_path / "b.xlsx"), tmp_path / "out.xlsx"
    assert main(["recalc", str(src), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    t = total_row()
    for r in list(range(6, t)) + [t]:
        assert {c: ws[f"{c}{r}"].value for c in "EHIKNO"} == {
            "E": _rate("D", "C", r), "H": f"=F{r}-D{r}", "I": f"=ROUND(G{r}-E{r},2)",
            "K": _rate("J", "C", r), "N": f"=L{r}-J{r}", "O": f"=ROUND(M{r}-K{r},2)"}, r
    assert {c: ws[f"{c}{t}"].value for c in "CDFJL"} == {c: f"=SUM({c}6:{c}22)" for c in "CDFJL"}
    assert (ws[f"G{t}"].value, ws[f"M{t}"].value) == (_rate("F", "C", t), _rate("L", "C", t))
