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
    "points-0.0-national-signature-paren": Style(rate_format="0.0", national_header=True, signature=True,
                                                 numbering="paren", top=2, left=3, notes_column=True),
    "general-formulas-spaced": Style(rate_format="General", formulas=True, numbering="spaced"),
    "percent-typed-numbers": Style(rates="percent", numbering="numbers"),
    "percent-formulas": Style(rates="percent", formulas=True),
    "percent-0.0-total-first": Style(rates="percent", rate_format="0.0", formulas=True, total="first", trong_do=True,
                                     total_label="Tổng cộng"),
    "total-first-trong-do": Style(total="first", trong_do=True, blank_rows=True),
    "groups-formulas-nfd": Style(groups=3, blank_rows=True, formulas=True, total_label="Tổng cộng", nfd=True,
                                 signature=True),
    "groups-total-first": Style(groups=2, total="first", trong_do=True, total_label="Tổng số", subtotals="bottom"),
    "no-numbering": Style(numbering="none", national_header=True, signature=True),
    "no-numbering-percent-first": Style(numbering="none", rates="percent", formulas=True, total="first",
                                        trong_do=True),
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


def _text_table() -> tuple[dict, object]:
    """An Sơn's 1,527 households typed as text '1 527' in a table of live formulas."""
    table = HandmadeTable(LAYOUTS["general-formulas-spaced"].but(sheet="Biểu"), typos={(7, "1"): "1 527"})
    return {"Biểu": table}, build_workbook([table])


def _missed_row_table() -> tuple[dict, object]:
    """A total whose SUM leaves out the last commune."""
    table = HandmadeTable(LAYOUTS["general-formulas-spaced"].but(sheet="Biểu"))
    wb = build_workbook([table])
    c = table.letter("1")
    wb["Biểu"][table.total_ref("1")] = f"=SUM({c}{table.unit_rows[0]}:{c}{table.unit_rows[-2]})"
    return {"Biểu": table}, wb


EXTRAS = {"text": _text_table, "missed-row": _missed_row_table}


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Layout (or extra case) → (tables by sheet, the workbook as LibreOffice saved it)."""
    tmp = tmp_path_factory.mktemp("handmade")
    raw, tables = [], {}
    for name, style in LAYOUTS.items():
        tables[name] = _tables(style)
        path = tmp / f"{name}.xlsx"
        build_workbook(list(tables[name].values()), {"Hướng dẫn": GUIDE, "Nháp": SCRATCH}).save(path)
        raw.append(path)
    for name, make in EXTRAS.items():
        tables[name], wb = make()
        wb.save(tmp / f"{name}.xlsx")
        raw.append(tmp / f"{name}.xlsx")
    saved = through_libreoffice(raw, tmp / "lo")
    return {name: (tables[name], path) for name, path in zip(list(LAYOUTS) + list(EXTRAS), saved)}


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
        if f.rule in ("likely-culprit", "formula-mismatch", "typed-over-wrong", "total-not-sum"):
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
    # Tính lại in Excel keeps the sheet's convention too: fractions into percent cells, never x100
    tables, path = workbooks["percent-formulas"]
    book = book_for(path)
    excel.run(book, "recalc")
    table = tables["Sạch"]
    r, c, d = table.unit_rows[0], table.letter("1"), table.letter("2")
    written = [v for a in book.json()["actions"] if a["func"] == "setFormula" and a["sheet_position"] == 2
               for line in a["values"] for v in line]
    assert f"=ROUND(IF({c}{r}=0,0,{d}{r}/{c}{r}),4)" in written and not any("*100" in v for v in written)
    converted = [through_libreoffice([workbooks[n][1] for n in ("percent-typed-numbers", "percent-formulas")],
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
    new = _new_workbook_with_typos(tmp / "moi.xlsx")
    for name in LAYOUTS:
        out = tmp / f"{name}.xlsx"
        path = workbooks[name][1]
        assert main(["recalc", str(path), "-o", str(out)]) == 0
        outs.append(out)
        if name in ("percent-formulas", "groups-total-first"):
            marked = tmp / f"{name}-danh-dau.xlsx"
            assert main(["validate", str(out), "--annotate", str(marked)]) == 1
            annotated.append(marked)
    painted = probe_workbooks(outs + annotated + [new], tmp / "probe")
    values = [tmp / "probe" / "lo" / f"probe_{i}.xlsx" for i in range(len(outs))]   # LibreOffice's own figures
    return {name: (out, paint, lo) for name, out, paint, lo in zip(LAYOUTS, outs, painted, values)}, \
        dict(zip(("percent-formulas", "groups-total-first", "new"), zip(annotated + [new], painted[len(outs):])))


def _new_workbook_with_typos(path):
    """`giamngheo new`'s own workbook, then an officer's slips: a households count ten times too big,
    a target off by far more than half a household, a blank input, a negative count."""
    from conftest import van_quan_units
    from macros_py.forms.spec import get_form
    from macros_py.write.layout import make_layout
    from macros_py.write.xlsx_writer import write_new_workbook

    write_new_workbook(make_layout(get_form(), van_quan_units(), year=2021), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Biểu"]
    ws["C23"], ws["G9"], ws["L10"], ws["J12"] = 2770, 7.75, None, -149
    wb.save(path)
    return path


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


def test_annotated_copies_and_new_workbooks_keep_conditional_formats_that_agree(recalculated):
    for layout, (marked, painted) in recalculated[1].items():
        named = {}
        for s in validate_file(marked).sheets:
            named[s.name] = {f.cell for f in s.findings if f.severity in ("error", "warning")}
        assert painted and all(cells <= named.get(sheet, set()) for sheet, cells in painted.items()), layout
    # a blank input paints nothing (its neighbour M10 once turned red); the slips do light up
    painted = recalculated[1]["new"][1]["Biểu"]
    assert "M10" not in painted and {"G9", "J12", "G23", "M23"} <= painted


# ---------------------------------------------------------------- precision, structure, text, recognition

def _errors_on(table: HandmadeTable) -> list[tuple[str, str]]:
    from macros_py.core.checks import check_table
    from macros_py.core.table import locate

    grid = table.grid()
    return [(f.cell, f.rule) for f in check_table(grid, locate(grid)) if f.severity == "error"]


@pytest.mark.parametrize("typos, flagged", [
    ({(0, "3"): 8.2, (0, "7"): -2.45}, False),                 # 8,2 for 98/1188 = 8,2491: right at one decimal
    ({(0, "3"): 98 / 1188 * 100, (0, "7"): 5.75 - 98 / 1188 * 100}, False),   # pasted unrounded from a formula
    ({(1, "3"): 9.27, (1, "7"): 7.22 - 9.27}, True),          # 9,27 for 97/998 = 9,72: digits swapped
])
def test_a_rate_is_judged_at_the_precision_its_writer_used(typos, flagged):
    table = HandmadeTable(Style(), typos=typos)
    ((key, _),) = [(k, v) for k, v in typos.items() if k[1] == "3"]
    assert _errors_on(table) == ([(table.ref(*key), "formula-mismatch")] if flagged else [])


def test_a_whole_number_is_judged_at_one_decimal_where_the_form_has_decimals():
    """`3` for 71/2500 = 2,84: judged at one decimal, 3,0 against 2,8, it is wrong."""
    units = [("Xã A", {"1": 2500, "2": 71, "4": 50, "5": 2.0, "8": 100, "10": 90, "11": 3.6}),
             ("Xã B", {"1": 1000, "2": 50, "4": 40, "5": 4.0, "8": 80, "10": 70, "11": 7.0})]
    table = HandmadeTable(Style(), units=units, typos={(0, "3"): 3, (0, "7"): -1.0})
    assert _errors_on(table) == [(table.ref(0, "3"), "formula-mismatch")]
    assert _errors_on(HandmadeTable(Style(), units=units)) == []


def test_a_province_table_typed_at_one_decimal_in_two_decimal_cells_is_clean(tmp_path):
    """Seed 002's 'Tỷ lệ dự kiến giảm' is printed with one decimal (0,8 for 3,78 − 2,99 = 0,79); an
    officer's cells formatted 0.00 show 0,80. Each is a right rounding at the decimals typed."""
    from seed_tables import seed_workbook

    path = seed_workbook("dak_nong_2024.tsv", tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for row in ws.iter_rows(min_row=5):
        for cell in row[4:]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    wb.save(path)
    result = validate_file(path)
    assert [(f.cell, f.rule) for s in result.sheets for f in s.findings if f.severity != "info"] == []


def _save(wb, path):
    wb.save(path)
    return path


def _empty_table(path):
    """A numbering row, a 'Trong đó:' row and a signature block: no unit row at all."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu"
    ws["A1"] = "BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM 2021"
    ws.append([])
    ws.append(["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10", "11",
               "12=10-8", "13=11-9"])
    ws.append([None, "Trong đó:"])
    ws.append([])
    ws.append([None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, None, None, "KT. CHỦ TỊCH"])
    return _save(wb, path)


def test_a_table_without_unit_rows_is_never_no_errors(tmp_path, capsys):
    path = _empty_table(tmp_path / "rong.xlsx")
    assert main(["validate", str(path)]) == 2
    assert "không thấy dòng đơn vị nào bên dưới" in capsys.readouterr().out
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 2       # never a =SUM(0) total
    assert "không thấy dòng đơn vị nào" in capsys.readouterr().err and not out.exists()


def test_number_text_is_read_as_meant_without_a_cascade(workbooks, tmp_path, capsys):
    """An Sơn's 1,527 households typed as text '1 527' in a table of live formulas: the spreadsheet
    shows #VALUE! in the row's rates and a total short of 1,527. The text is an error naming them;
    each is named once, as following from the text; recalc converts it (listed), --keep-text keeps it."""
    tables, path = workbooks["text"]
    table = tables["Biểu"]
    (sheet,) = validate_file(path).sheets
    ref = table.ref(7, "1")
    (error,) = [f for f in sheet.findings if f.severity == "error"]
    assert (error.cell, error.rule, error.expected) == (ref, "text-number-spoils", 1527)
    warnings = {f.cell: f for f in sheet.findings if f.severity == "warning"}
    spoiled = {table.ref(7, n) for n in ("3", "7", "9", "13")}
    totals = {table.total_ref(n) for n in ("1", "3", "5", "7", "9", "11", "13")}
    assert set(warnings) == spoiled | totals and set(error.follows) == spoiled | totals
    assert all(c in error.message for c in spoiled | totals)
    assert all(warnings[c].rule == "follows-culprit" and "báo lỗi #VALUE! vì ô " + ref in warnings[c].message
               for c in spoiled)
    assert f"đang ghi {13850 - 1527:,}".replace(",", ".") in warnings[table.total_ref("1")].message

    out = tmp_path / "fixed.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Biểu!{ref}: '1 527' đọc là 1.527" in printed
    assert f"Biểu!{table.total_ref('1')} (cột 1): 12.323 → 13.850" in printed      # each changed figure listed
    assert f"Biểu!{table.ref(7, '3')} (cột 3): #VALUE! → 9,50" in printed
    assert openpyxl.load_workbook(out)["Biểu"][ref].value == 1527
    assert [f for f in validate_file(out).sheets[0].findings if f.severity != "info"] == []
    kept = tmp_path / "kept.xlsx"
    assert main(["recalc", str(path), "-o", str(kept), "--keep-text"]) == 0
    assert openpyxl.load_workbook(kept)["Biểu"][ref].value == "1 527"


def test_ambiguous_number_text_is_kept_and_said(tmp_path, capsys):
    """'1,5' households cannot be a count: recalc leaves it for the officer instead of guessing."""
    table = HandmadeTable(Style(sheet="Biểu"), typos={(2, "1"): "1,5"})
    path = _save(build_workbook([table]), tmp_path / "t.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    assert "được giữ nguyên vì có thể đọc nhiều cách" in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["Biểu"][table.ref(2, "1")].value == "1,5"


def test_recalc_lists_a_total_whose_formula_missed_a_row(workbooks, tmp_path, capsys):
    tables, path = workbooks["missed-row"]
    table = tables["Biểu"]
    assert [(f.cell, f.rule) for f in validate_file(path).sheets[0].findings if f.severity == "error"] == \
        [(table.total_ref("1"), "total-not-sum")]
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    assert f"Biểu!{table.total_ref('1')} (cột 1): 12.556 → 13.850" in capsys.readouterr().out


def test_a_title_in_decomposed_unicode_names_its_unit():
    import unicodedata

    from macros_py.commands.inbox import guess_unit

    title = unicodedata.normalize("NFD", "UBND xã An Sơn")
    assert guess_unit([title, "Sheet1", "bieu"]) == guess_unit(["UBND xã An Sơn", "Sheet1", "bieu"]) == "An Sơn"
