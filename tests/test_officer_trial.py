"""Findings of an officer's trial, each on a workbook made as officers make theirs (openpyxl, then
saved through LibreOffice so formulas carry stored values). Expected figures are plain arithmetic
on the published Văn Quan figures, or what LibreOffice itself printed; never the project's code.

1. a count typed as text that makes printed cells wrong is an error naming them, else a warning;
2. a total row's rate typed at one decimal, rounded from the form's figure, is no error;
3. a column pasted as text is one finding, not one per cell;
4. a cell is named once; counts read as whole numbers in messages; notes in files name no command.
"""
from __future__ import annotations

import json
import math

import openpyxl
import pytest

from handmade import HandmadeTable, Style, build_workbook, round_half_up, through_libreoffice, van_quan
from macros_py.cli import main
from macros_py.commands.validate import render_text, validate_file

UNITS = van_quan()
HOUSEHOLDS = sum(v["1"] for _, v in UNITS)          # 13.850
POOR_END = sum(v["4"] for _, v in UNITS)            # 1.198
NEAR_POOR_END = sum(v["10"] for _, v in UNITS)      # 3.249
FORMULAS = Style(formulas=True, sheet="Biểu")
# Đồng Giáp (unit 6, row 14) made small: 13 poor of 178 households, 13/178x100 = 7,30
SMALL = {(6, "1"): 178, (6, "2"): 13, (6, "4"): 10, (6, "5"): 5.62, (6, "8"): 30, (6, "10"): 25, (6, "11"): 14.04}


def _vi(value: float, places: int) -> str:
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _one_decimal(count: float) -> float:
    """The total's rate as the form prints it (2 decimals), then as the officer typed it (1)."""
    return round_half_up(round_half_up(count / HOUSEHOLDS * 100, 2), 1)


def _whole_table_as_text(table_units):
    """Every figure of every unit and of the total typed as text, the Vietnamese way."""
    from handmade import NUMBERS, row_figures, total_figures

    rows = [row_figures(v) for _, v in table_units]
    typos = {}
    for who, figures in list(enumerate(rows)) + [("total", total_figures(rows))]:
        for n in NUMBERS:
            v = figures[n]
            typos[(who, n)] = _vi(v, 0 if float(v).is_integer() else 2)
    return typos


CASES = {
    # An Sơn's 1.527 households typed as text in a table of live formulas
    "text-1527": lambda: HandmadeTable(FORMULAS, typos={(7, "1"): "1.527"}),
    # Yên Phúc's 98 poor households typed as the text '45' (a wrong figure and text)… and as '98'
    "text-98": lambda: HandmadeTable(FORMULAS, typos={(0, "2"): "98"}),
    # a text '0' is read identically everywhere: by the rate, and by SUM (which skips it)
    "text-0": lambda: HandmadeTable(FORMULAS, edits={(0, "8"): 0, (0, "10"): 0, (0, "11"): 0},
                                    typos={(0, "8"): "0"}),
    # the same text in a typed table: nothing reads it
    "text-typed": lambda: HandmadeTable(Style(sheet="Biểu"), typos={(7, "1"): "1.527"}),
    # column 2 pasted as text; and a whole table
    "column-text": lambda: HandmadeTable(Style(sheet="Biểu"),
                                         typos={(i, "2"): str(int(v["2"])) for i, (_, v) in enumerate(UNITS)}),
    "column-text-live": lambda: HandmadeTable(FORMULAS, typos={(i, "1"): _vi(v["1"], 0)
                                                               for i, (_, v) in enumerate(UNITS)}),
    "table-text": lambda: HandmadeTable(Style(sheet="Biểu"), typos=_whole_table_as_text(UNITS)),
    # the total's target rates typed at one decimal (table starting in column C: col 5 is I)
    "total-one-decimal": lambda: HandmadeTable(FORMULAS.but(left=3), typos={
        ("total", "5"): _one_decimal(POOR_END), ("total", "11"): _one_decimal(NEAR_POOR_END)}),
    "total-wrong": lambda: HandmadeTable(FORMULAS.but(left=3), typos={
        ("total", "5"): _one_decimal(POOR_END) + 1.0}),
    "total-not-sum": lambda: HandmadeTable(FORMULAS.but(left=3), typos={
        ("total", "5"): _one_decimal(POOR_END), ("total", "4"): POOR_END + 10}),
    # a rate whose formula was typed over with a wrong figure
    "typed-over": lambda: HandmadeTable(FORMULAS, edits=SMALL, typos={(6, "3"): 7.03}),
    # Tràng Phái's near-poor 101 typed 110, in a typed table whose counts show 2 decimals
    "count-culprit": lambda: HandmadeTable(Style(sheet="Biểu"), typos={(3, "8"): 110}),
}


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    """Case → (table, the workbook as saved by openpyxl, as saved by LibreOffice)."""
    tmp = tmp_path_factory.mktemp("trial")
    tables, raws = {}, []
    for name, make in CASES.items():
        table = tables[name] = make()
        wb = build_workbook([table])
        if name == "count-culprit":           # the officer formatted the whole block 0.00
            ws = wb["Biểu"]
            for row in table.unit_rows + [table.total_row]:
                for n in ("1", "2", "4", "6", "8", "10", "12"):
                    ws[f"{table.letter(n)}{row}"].number_format = "0.00"
        if name == "total-one-decimal":       # one cell 0.00, the other 0.0
            wb["Biểu"][table.total_ref("11")].number_format = "0.0"
        raw = tmp / f"{name}.xlsx"
        wb.save(raw)
        raws.append(raw)
    saved = through_libreoffice(raws, tmp / "lo")
    return {name: (tables[name], raw, lo) for name, raw, lo in zip(CASES, raws, saved)}


def _findings(path):
    (sheet,) = validate_file(path).sheets
    return sheet.findings


def _printed(path, table):
    """What LibreOffice printed in every cell of the table's rows (errors as their text)."""
    ws = openpyxl.load_workbook(path, data_only=True)["Biểu"]
    return {f"{table.letter(n)}{r}": ws[f"{table.letter(n)}{r}"].value
            for r in table.unit_rows + [table.total_row] for n in ("1", "2", "3", "4", "5", "6", "7", "8", "9",
                                                                    "10", "11", "12", "13")}


def _wrong(printed, table):
    """Cells LibreOffice printed wrong: an error value, or a figure other than plain arithmetic's."""
    out = set()
    for row in table.unit_rows + [table.total_row]:
        for n, right in table.values[row].items():
            ref = f"{table.letter(n)}{row}"
            value = printed[ref]
            if isinstance(value, str) and value.startswith("#"):
                out.add(ref)
            elif isinstance(value, (int, float)) and not math.isclose(value, right, abs_tol=0.006):
                out.add(ref)
    return out


# ------------------------------------------------------------------ 1. number text that spoils what prints
def test_a_count_typed_as_text_that_makes_the_print_wrong_is_an_error_naming_those_cells(trial):
    table, raw, lo = trial["text-1527"]
    ref = table.ref(7, "1")
    wrong = _wrong(_printed(lo, table), table) - {ref}
    # LibreOffice reads '1.527' as 1,527: the row's rates print thousands, the total 12.323
    assert table.total_ref("1") in wrong and table.ref(7, "3") in wrong
    for path in (lo, raw):
        findings = _findings(path)
        errors = [f for f in findings if f.severity == "error"]
        assert [(f.cell, f.rule) for f in errors] == [(ref, "text-number-spoils")], path
        (error,) = errors
        assert set(error.follows) == wrong
        assert all(c in error.message for c in wrong) and "gõ lại ô này thành số 1.527" in error.message
        assert [f.cell for f in findings].count(ref) == 1
    assert validate_file(lo).count("error") == 1
    assert "1 lỗi" in render_text([validate_file(lo)])


def test_text_that_spreadsheets_read_alike_names_only_the_sum_that_skips_it(trial):
    """'98' as text: every spreadsheet's arithmetic reads it as 98, so the row prints right; only the
    total's SUM skips it (1.671 − 98) and what reads the total. Stored and uncached results agree."""
    table, raw, lo = trial["text-98"]
    ref = table.ref(0, "2")
    wrong = _wrong(_printed(lo, table), table) - {ref}
    assert wrong and all(c.endswith(str(table.total_row)) for c in wrong)
    for path in (lo, raw):
        (error,) = [f for f in _findings(path) if f.severity == "error"]
        assert (error.cell, error.rule, set(error.follows)) == (ref, "text-number-spoils", wrong), path


def test_text_nothing_prints_wrong_from_stays_a_warning(trial):
    for name in ("text-0", "text-typed"):
        table, raw, lo = trial[name]
        ref = table.ref(0, "8") if name == "text-0" else table.ref(7, "1")
        if name == "text-0":
            assert _wrong(_printed(lo, table), table) - {ref} == set()      # LibreOffice prints it all right
        for path in (lo, raw):
            findings = _findings(path)
            assert [f for f in findings if f.severity == "error"] == [], name
            assert [(f.cell, f.rule) for f in findings if f.cell == ref] == [(ref, "text-number")], name
    assert main(["validate", str(trial["text-typed"][2])]) == 0


# ------------------------------------------------------------------ 2. a total's rate at one decimal
def test_a_total_rate_typed_at_one_decimal_rounded_from_the_form_figure_passes(trial):
    table, _, lo = trial["total-one-decimal"]
    assert table.total_ref("5") == "I25"
    typed = _printed(lo, table)
    assert typed["I25"] == round_half_up(round_half_up(POOR_END / HOUSEHOLDS * 100, 2), 1)   # 8,65 → 8,7
    assert [f for f in _findings(lo) if f.severity != "info"] == []


def test_a_wrong_total_rate_or_total_count_still_fails(trial):
    table, _, lo = trial["total-wrong"]
    errors = [f for f in _findings(lo) if f.severity == "error"]
    assert [(f.cell, f.rule) for f in errors] == [(table.total_ref("5"), "total-rate")]
    assert errors[0].expected == pytest.approx(round_half_up(POOR_END / HOUSEHOLDS * 100, 2))
    table, _, lo = trial["total-not-sum"]
    errors = [(f.cell, f.rule) for f in _findings(lo) if f.severity == "error"]
    assert (table.total_ref("4"), "total-not-sum") in errors or \
        (table.total_ref("4"), "likely-culprit") in errors, errors


def test_a_one_decimal_rate_far_from_its_figure_fails_on_unit_rows_too():
    """9,3 typed for 8,25 (98/1188 = 8,2491): judged at one decimal it is neither 8,2 nor 8,3."""
    from macros_py.core.checks import check_table
    from macros_py.core.table import locate

    table = HandmadeTable(Style(sheet="Biểu"), typos={(0, "3"): 9.3, ("total", "3"): 12.1})
    grid = table.grid()
    cells = {(f.cell, f.rule) for f in check_table(grid, locate(grid)) if f.severity == "error"}
    assert (table.ref(0, "3"), "likely-culprit") in cells or (table.ref(0, "3"), "formula-mismatch") in cells
    assert not any(c == table.total_ref("3") for c, _ in cells)       # 1.671/13.850 = 12,06 → 12,1


# ------------------------------------------------------------------ 3. a column pasted as text
def test_a_column_pasted_as_text_is_one_finding(trial, tmp_path, capsys):
    table, _, lo = trial["column-text"]
    findings = _findings(lo)
    column = [f for f in findings if f.rule.startswith("text-number")]
    (f,) = column
    first, last = table.ref(0, "2"), table.ref(16, "2")
    assert (f.rule, f.severity, f.cell) == ("text-number-column", "warning", first)
    assert f"Cột 2 ({first}:{last}) có 17 ô" in f.message
    assert f.cells == [table.ref(i, "2") for i in range(1, 17)]
    assert main(["validate", "--format", "json", str(lo)]) == 0
    (sheet,) = json.loads(capsys.readouterr().out)["files"][0]["sheets"]
    texts = [x for x in sheet["findings"] if x["rule"].startswith("text-number")]
    assert len(texts) == 1 and len(texts[0]["cells"]) == 16
    # annotate marks every text cell, the full note once, and the report counts the column once
    out = tmp_path / "marked.xlsx"
    assert main(["validate", str(lo), "--annotate", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    notes = {table.ref(i, "2"): wb["Biểu"][table.ref(i, "2")].comment for i in range(17)}
    assert all(n is not None for n in notes.values())
    assert f.message in notes[first].text
    assert all(f.message not in n.text and first in n.text for c, n in notes.items() if c != first)
    report = [r for r in wb["Kiểm tra"].iter_rows(values_only=True) if r[5] and "văn bản" in str(r[5])]
    assert len(report) == 1


def test_a_whole_table_pasted_as_text_is_one_finding_per_column(trial):
    table, _, lo = trial["table-text"]
    findings = _findings(lo)
    texts = [f for f in findings if f.rule.startswith("text-number")]
    assert sorted(f.col for f in texts) == sorted(table.col(n) for n in
                                                   ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                                                    "13"))
    assert all(len(f.cells) == 17 for f in texts)            # 17 units and the total, one finding
    assert [f for f in findings if f.severity == "error"] == []


def test_a_column_of_text_spoiling_its_formulas_is_one_error(trial):
    table, _, lo = trial["column-text-live"]
    wrong = _wrong(_printed(lo, table), table) - {table.ref(i, "1") for i in range(17)}
    errors = [f for f in _findings(lo) if f.severity == "error"]
    assert [(f.cell, f.rule) for f in errors] == [(table.ref(0, "1"), "text-number-column-spoils")]
    assert set(errors[0].follows) == wrong


# ------------------------------------------------------------------ 4. wording and duplication
def test_a_formula_typed_over_with_a_wrong_figure_is_named_once(trial):
    table, _, lo = trial["typed-over"]
    assert table.ref(6, "3") == "E14" and round_half_up(13 / 178 * 100) == 7.30
    findings = _findings(lo)
    on = [f for f in findings if f.cell == "E14"]
    assert len(on) == 1 and on[0].severity == "error" and on[0].expected == pytest.approx(7.30)
    assert "7,30" in on[0].message and "7,03" in on[0].message
    assert render_text([validate_file(lo)]).count("Ô E14") == 1


def test_counts_in_messages_are_whole_numbers(trial):
    table, _, lo = trial["count-culprit"]
    findings = _findings(lo)
    (culprit,) = [f for f in findings if f.rule == "likely-culprit"]
    assert culprit.cell == table.ref(3, "8") and culprit.expected == 101
    text = render_text([validate_file(lo)])
    assert "đang ghi 110;" in culprit.message and "nếu là 101 " in culprit.message
    assert not any(s in text for s in ("101,00", "110,00"))


def test_notes_in_annotated_files_name_no_command(trial, tmp_path):
    table, _, lo = trial["typed-over"]
    out = tmp_path / "marked.xlsx"
    assert main(["validate", str(lo), "--annotate", str(out)]) == 1
    wb = openpyxl.load_workbook(out)
    note = wb["Biểu"]["E14"].comment.text
    assert "Tính lại (tab Giảm nghèo)" in note and "gõ lại công thức" in note
    written = [note] + [str(v) for row in wb["Kiểm tra"].iter_rows(values_only=True) for v in row if v]
    assert not any("giamngheo" in t or "chạy lệnh" in t for t in written)
    assert "giamngheo recalc" in render_text([validate_file(lo)])      # the command line keeps its words


def test_a_commune_whose_text_count_spoils_its_total_is_not_passed_in_the_consolidation(tmp_path):
    """Consolidate's 'Tình hình nộp': the commune whose Cộng prints short because a village's households
    are text says 'Có lỗi', not 'Đạt'; the clean commune still 'Đạt'."""
    from commune_sheets import FIRST_ROW, commune_workbook, villages
    from test_consolidate import table_rows

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    clean = villages(1188, 98, 68, 296, 260)
    spoiled = villages(1527, 145, 107, 309, 263)
    raws = [commune_workbook(tmp_path / "yen_phuc.xlsx", "xã", "Yên Phúc", clean, year=2021),
            commune_workbook(tmp_path / "an_son.xlsx", "xã", "An Sơn", spoiled, year=2021,
                             cells={f"C{FIRST_ROW}": str(spoiled[0]["1"])})]
    for saved in through_libreoffice(raws, inbox):
        assert saved.exists()
    out = tmp_path / "huyen.xlsx"
    main(["consolidate", str(inbox), "-o", str(out)])
    status = {r[1]: r[2] for r in table_rows(openpyxl.load_workbook(out)["Tình hình nộp"])[1:]}
    assert status["Yên Phúc"] == "Đạt" and status["An Sơn"] == "Có lỗi", status


def test_a_wrong_figure_typed_as_text_is_named_once(tmp_path):
    """'15.270' typed as text for An Sơn's 1.527 households: wrong and text, one finding says both
    (never 'retype it as 15.270' beside 'it should be about 1.527')."""
    table = HandmadeTable(FORMULAS, typos={(7, "1"): "15.270"})
    raw = tmp_path / "sai.xlsx"
    build_workbook([table]).save(raw)
    (lo,) = through_libreoffice([raw], tmp_path / "lo")
    for path in (raw, lo):
        on = [f for f in _findings(path) if f.cell == table.ref(7, "1")]
        assert [f.rule for f in on] == ["likely-culprit"], path
        assert abs(on[0].expected - 1527) <= 2 and "'15.270'" in on[0].message and "gõ lại thành số" in on[0].message


def test_a_unit_rate_at_one_decimal_rounded_from_the_form_figure_passes_as_on_the_total():
    """Yên Phúc's 98/1188 = 8,2491, which the form prints 8,25, typed 8,3 (its 7=5-3 then 5,75 − 8,3)."""
    from macros_py.core.checks import check_table
    from macros_py.core.table import locate

    assert round_half_up(round_half_up(98 / 1188 * 100, 2), 1) == 8.3
    table = HandmadeTable(Style(sheet="Biểu"), typos={(0, "3"): 8.3, (0, "7"): round_half_up(5.75 - 8.3)})
    grid = table.grid()
    assert [f for f in check_table(grid, locate(grid)) if f.severity != "info"] == []
