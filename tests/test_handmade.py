"""Officers' own workbooks, laid out by hand (tests/handmade.py) and saved through LibreOffice:
each layout validates clean, each planted error is found at its cell and nowhere else, recalc
keeps every total and the workbook's own conventions, and the conditional formats paint no cell
the validator passes.

Every layout is one workbook holding a guide sheet, a scratch sheet and one table sheet per
planted error (several tables in one workbook), so LibreOffice runs once for all of them.
"""
from __future__ import annotations

import openpyxl
import pytest

from handmade import HandmadeTable, Style, build_workbook, through_libreoffice
from macros_py.cli import main
from macros_py.commands.validate import validate_file

LAYOUTS = {
    "points-typed": Style(),
    "points-0.0-typed": Style(rate_format="0.0"),
    "general-formulas": Style(rate_format="General", formulas=True),
    "percent-typed": Style(rates="percent"),
    "percent-formulas": Style(rates="percent", formulas=True),
    "percent-0.0-total-first": Style(rates="percent", rate_format="0.0", formulas=True, total="first", trong_do=True,
                                     total_label="Tổng cộng"),
    "total-first-trong-do": Style(total="first", trong_do=True, blank_rows=True),
    "groups-formulas": Style(groups=3, blank_rows=True, formulas=True, total_label="Tổng cộng"),
    "groups-total-first": Style(groups=2, total="first", trong_do=True, total_label="Tổng số"),
    "national-signature-paren": Style(national_header=True, signature=True, numbering="paren", top=2, left=3,
                                      notes_column=True),
    "spaced-formulas-signature": Style(numbering="spaced", formulas=True, national_header=True, signature=True),
    "numbers-percent": Style(numbering="numbers", rates="percent"),
    "no-numbering": Style(numbering="none", national_header=True, signature=True),
    "no-numbering-percent-first": Style(numbering="none", rates="percent", formulas=True, total="first",
                                        trong_do=True),
    "nfd": Style(nfd=True, signature=True, formulas=True),
}
# One wrong figure each, in percent points, on the Văn Quan communes (0-based):
# Hoà Bình's 277 households typed 2770; Đồng Giáp's rate 15.58 typed with swapped digits;
# Điềm He's target 4.93 typed 9.3; the district's 1,671 poor households typed 1,761.
PLANTS = {
    "Hộ": {(15, "1"): 2770},
    "Tỷ lệ": {(6, "3"): 15.85},
    "Chỉ tiêu": {(4, "5"): 9.3},
    "Tổng": {("total", "2"): 1761},
}
COUNT_COLUMNS = ("1", "2", "4", "6", "8", "10", "12")
GUIDE = [["HƯỚNG DẪN LẬP BIỂU"], ["Cột 3 = cột 2 / cột 1 x 100"], ["Số liệu tính đến 31/12/2020", 2020]]
SCRATCH = [["nháp", 1188, 98, 8.25], [None, 998, 97], ["Cộng", 2186, 195]]


def _tables(style: Style) -> dict[str, HandmadeTable]:
    tables = {"Sạch": HandmadeTable(style.but(sheet="Sạch"))}
    for name, typos in PLANTS.items():
        tables[name] = HandmadeTable(style.but(sheet=name), typos=typos)
    return tables


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Layout → (tables by sheet, the workbook as LibreOffice saved it)."""
    tmp = tmp_path_factory.mktemp("handmade")
    raw, tables = [], {}
    for name, style in LAYOUTS.items():
        tables[name] = _tables(style)
        path = tmp / f"{name}.xlsx"
        build_workbook(list(tables[name].values()), {"Hướng dẫn": GUIDE, "Nháp": SCRATCH}).save(path)
        raw.append(path)
    saved = through_libreoffice(raw, tmp / "lo")
    return {name: (tables[name], path) for name, path in zip(LAYOUTS, saved)}


def _right(table: HandmadeTable, key) -> float:
    unit, number = key
    row = table.total_row if unit == "total" else table.unit_rows[unit]
    return table.shown(row, number)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_reads_right_and_each_planted_error_is_found_at_its_cell(workbooks, layout):
    tables, path = workbooks[layout]
    result = validate_file(path)
    assert result.status == "ok", result.error
    assert set(result.other_sheets) == {"Hướng dẫn", "Nháp"}
    sheets = {s.name: s for s in result.sheets}
    assert set(sheets) == set(tables)
    for name, table in tables.items():
        sheet = sheets[name]
        found = sheet.table
        assert (found.unit_rows, found.total_row) == (table.unit_rows, table.total_row), name
        assert {r: kids for r, kids in found.subtotal_rows.items()} == table.subtotal_rows, name
        errors = [f for f in sheet.findings if f.severity == "error"]
        if name == "Sạch":
            assert errors == [], [f.message for f in errors]
            continue
        ((key, typed),) = PLANTS[name].items()
        ref = table.total_ref(key[1]) if key[0] == "total" else table.ref(*key)
        assert [f.cell for f in errors] == [ref], [f.message for f in errors]
        (f,) = errors
        if f.rule in ("likely-culprit", "formula-mismatch", "total-not-sum"):
            assert f.expected == pytest.approx(_right(table, key), abs=0.006), f.message
        else:
            assert f.rule == "rate-count-mismatch"   # a target against its count: the rate is named
        # messages quote figures as the cell shows them: a rate kept as a fraction shows a percent sign
        if key[1] in ("3", "5") and table.style.rates == "percent":
            assert f"{str(typed).replace('.', ',')}" in f.message and "%" in f.message


def test_a_count_through_live_formulas_is_the_one_culprit_and_what_follows_stays_visible(workbooks, tmp_path):
    """Households typed 2770 for 277 in a table of live formulas: every rate of the row and the whole
    total row follow it. The count is named (not the two correct target rates), and each cell that
    follows gets its own warning pointing to it, painted lighter by --annotate."""
    tables, path = workbooks["percent-formulas"]
    table = tables["Hộ"]
    sheet = next(s for s in validate_file(path).sheets if s.name == "Hộ")
    culprit = next(f for f in sheet.findings if f.rule == "likely-culprit")
    ref, row = table.ref(15, "1"), table.unit_rows[15]
    assert (culprit.cell, culprit.actual, culprit.expected) == (ref, 2770, 277)
    assert culprit.message.startswith(f"Ô {ref} (Hoà Bình, cột 1 — Tổng số hộ dân cư) có lẽ ghi sai: đang ghi 2.770; "
                                      "nếu là 277 thì 13 ô khác sẽ đúng theo: ")
    follows = {f.cell: f for f in sheet.findings if f.rule == "follows-culprit"}
    expected = {table.ref(15, n) for n in ("3", "5", "7", "9", "11", "13")} | \
        {table.total_ref(n) for n in ("1", "3", "5", "7", "9", "11", "13")}
    assert set(follows) == expected == set(culprit.follows)
    assert all(f.severity == "warning" and f"vì ô {ref} có lẽ ghi sai" in f.message for f in follows.values())
    total_rate = follows[table.total_ref("3")]
    assert "đang ghi 10,22%" in total_rate.message and "thành 12,06%" in total_rate.message   # 1671/16343, 1671/13850

    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(path), "--annotate", str(out)]) == 1
    ws = openpyxl.load_workbook(out)["Hộ"]
    assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE")
    for cell in expected:
        assert ws[cell].fill.fgColor.rgb.endswith("FDE9E7"), cell          # lighter: follows the culprit
        assert f"ô {ref}" in ws[cell].comment.text
    assert ws[f"C{row - 1}"].fill.fill_type is None


def test_clean_layouts_through_the_live_engine_and_calamine(workbooks, tmp_path):
    """Formats unknown: the remote Excel engine and .xls/.ods read through calamine decide from the
    figures of a whole column that rates are kept as fractions."""
    from macros_py import excel
    from xlwings_payload import book_for

    for layout in ("percent-formulas", "no-numbering-percent-first"):
        tables, path = workbooks[layout]
        book = book_for(path)
        result = excel.run(book, "validate")
        errors = {(f["sheet"], f["cell"]) for f in result["findings"] if f["severity"] == "error"}
        assert errors == {("Hộ", tables["Hộ"].ref(15, "1")), ("Tỷ lệ", tables["Tỷ lệ"].ref(6, "3")),
                          ("Chỉ tiêu", tables["Chỉ tiêu"].ref(4, "5")),
                          ("Tổng", tables["Tổng"].total_ref("2"))}, layout
    converted = [through_libreoffice([workbooks[n][1] for n in ("percent-typed", "percent-formulas")],
                                     tmp_path / t.split(":")[0], t) for t in ("ods", "xls:MS Excel 97")]
    for path in [p for batch in converted for p in batch]:
        result = validate_file(path)
        layout = path.stem
        tables = workbooks[layout][0]
        errors = {(s.name, f.cell) for s in result.sheets for f in s.findings if f.severity == "error"}
        assert errors == {("Hộ", tables["Hộ"].ref(15, "1")), ("Tỷ lệ", tables["Tỷ lệ"].ref(6, "3")),
                          ("Chỉ tiêu", tables["Chỉ tiêu"].ref(4, "5")),
                          ("Tổng", tables["Tổng"].total_ref("2"))}, path.name


@pytest.fixture(scope="module")
def recalculated(workbooks, tmp_path_factory):
    """Layout → (recalc's copy, what the conditional formats paint in it and in an annotated copy of it,
    LibreOffice's own values of the recalculated copy)."""
    from cf_probe import probe_workbooks

    tmp = tmp_path_factory.mktemp("recalc")
    outs, annotated = [], []
    for name, (_, path) in workbooks.items():
        out = tmp / f"{name}.xlsx"
        assert main(["recalc", str(path), "-o", str(out)]) == 0
        outs.append(out)
        if name in ("percent-formulas", "groups-total-first"):
            marked = tmp / f"{name}-danh-dau.xlsx"
            assert main(["validate", str(out), "--annotate", str(marked)]) == 1
            annotated.append(marked)
    painted = probe_workbooks(outs + annotated, tmp / "probe")
    values = [tmp / "probe" / "lo" / f"probe_{i}.xlsx" for i in range(len(outs))]   # LibreOffice's own figures
    return {name: (out, paint, lo) for name, out, paint, lo in zip(workbooks, outs, painted, values)}, \
        dict(zip(("percent-formulas", "groups-total-first"), zip(annotated, painted[len(outs):])))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_recalc_keeps_every_total_and_the_workbooks_conventions(workbooks, recalculated, layout):
    tables, _ = workbooks[layout]
    out, _, lo = recalculated[0][layout]
    table = tables["Sạch"]
    ws = openpyxl.load_workbook(out)["Sạch"]
    lo_ws = openpyxl.load_workbook(lo, data_only=True)["Sạch"]
    row = table.unit_rows[0]
    percent = table.style.rates == "percent"
    rate = ws[table.ref(0, "3")].value
    c, d = table.letter("1"), table.letter("2")
    # the workbook's own convention: a fraction into a percent cell, x100 into a plain one
    assert rate == (f"=ROUND(IF({c}{row}=0,0,{d}{row}/{c}{row}),4)" if percent
                    else f"=ROUND(IF({c}{row}=0,0,{d}{row}/{c}{row})*100,2)")
    assert ws[table.ref(0, "3")].number_format == ("0.0%" if table.style.rate_format == "0.0" else "0.00%") \
        if percent else True
    scale = 0.01 if percent else 1.0
    for r in [table.total_row] + list(table.subtotal_rows):
        for n in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"):
            got = lo_ws[f"{table.letter(n)}{r}"].value
            if n in COUNT_COLUMNS:
                assert got == table.shown(r, n), (r, n)
            else:
                assert got == pytest.approx(table.shown(r, n) * scale, abs=0.006 * scale), (r, n)
    # the recalculated copy validates as the source did: clean stays clean, a planted input stays named
    result = {s.name: s for s in validate_file(out).sheets}
    assert [f.cell for f in result["Sạch"].findings if f.severity == "error"] == []
    assert [f.cell for f in result["Hộ"].findings if f.severity == "error"] == [tables["Hộ"].ref(15, "1")]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_conditional_formats_paint_no_cell_the_validator_passes(workbooks, recalculated, layout):
    out, painted, _ = recalculated[0][layout]
    named = {}
    for s in validate_file(out).sheets:
        named[s.name] = {f.cell for f in s.findings if f.severity in ("error", "warning")}
    for sheet, cells in painted.items():
        assert cells <= named.get(sheet, set()), (sheet, sorted(cells - named.get(sheet, set())))
    assert painted["Sạch"] == set()
    # and they do light up: the households typo shows live, with its consequences
    assert workbooks[layout][0]["Hộ"].ref(15, "1") in painted["Hộ"] or \
        {workbooks[layout][0]["Hộ"].ref(15, n) for n in ("5", "11")} <= painted["Hộ"]


def test_annotated_copies_keep_conditional_formats_that_agree(recalculated):
    for layout, (marked, painted) in recalculated[1].items():
        named = {}
        for s in validate_file(marked).sheets:
            named[s.name] = {f.cell for f in s.findings if f.severity in ("error", "warning")}
        assert painted and all(cells <= named.get(sheet, set()) for sheet, cells in painted.items()), layout
