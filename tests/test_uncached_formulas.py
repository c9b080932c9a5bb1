"""Formula cells without a stored result (a workbook saved by openpyxl or another script) are read
as the spreadsheet will show them when the officer opens and prints it: Excel's SUM skips a count
typed as text, so the total row prints 12.323 households where the communes hold 13.850. That
printed total is reported once, as following from the text cell, exactly as when the workbook
has been saved by a spreadsheet (stored results). Expected figures are plain arithmetic.
"""
from __future__ import annotations

import pytest

from handmade import HandmadeTable, Style, build_workbook, through_libreoffice, van_quan
from macros_py.commands.validate import validate_file

AN_SON = 7                  # 0-based: An Sơn, 1.527 households
HOUSEHOLDS = [v["1"] for _, v in van_quan()]


def _table(typed: str) -> HandmadeTable:
    return HandmadeTable(Style(formulas=True, sheet="Biểu"), typos={(AN_SON, "1"): typed})


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The same table saved by openpyxl (no stored results) and after a trip through LibreOffice."""
    tmp = tmp_path_factory.mktemp("uncached")
    raw = tmp / "van_quan_loi.xlsx"
    build_workbook([_table("1.527")]).save(raw)
    (lo,) = through_libreoffice([raw], tmp / "lo")
    return raw, lo


def _findings(path):
    (sheet,) = validate_file(path).sheets
    return sheet.findings


def test_the_printed_total_is_reported_as_following_from_the_text_cell(saved):
    raw, _ = saved
    table = _table("1.527")
    assert HOUSEHOLDS[AN_SON] == 1527 and sum(HOUSEHOLDS) == 13850
    printed = sum(HOUSEHOLDS) - 1527          # SUM skips the text: 12.323
    findings = _findings(raw)
    total = [f for f in findings if f.cell == table.total_ref("1")]
    assert [f.rule for f in total] == ["follows-culprit"]          # once, and not as a wrong sum
    (f,) = total
    assert f"đang ghi {int(printed):,}".replace(",", ".") in f.message and "13.850" in f.message
    assert f.actual == printed and f.expected == 13850
    assert table.ref(AN_SON, "1") in f.message
    text = next(x for x in findings if x.rule == "text-number-spoils")     # the total prints short: an error
    assert text.cell == table.ref(AN_SON, "1") and table.total_ref("1") in text.follows
    # the total's rates print from 12.323 too: 1.198 poor households of them, 9,72 %
    poor = sum(v["2"] for _, v in van_quan())
    rate = next(x for x in findings if x.cell == table.total_ref("3"))
    assert rate.rule == "follows-culprit"
    assert f"{poor / printed * 100:.2f}".replace(".", ",") in rate.message
    assert [x.cell for x in findings if x.severity == "error"] == [text.cell]


def test_no_figure_is_claimed_for_a_cell_whose_result_depends_on_the_computer(saved):
    """`=D15/C15*100` with C15 the text '1.527': Excel reads the text with the computer's
    separators (1527 or 1,527) or gives #VALUE!. The cell is named as following from C15, without
    a figure said to be on it."""
    raw, _ = saved
    table = _table("1.527")
    rate = next(f for f in _findings(raw) if f.cell == table.ref(AN_SON, "3"))
    assert rate.rule == "follows-culprit" and "đang ghi" not in rate.message and "#VALUE!" in rate.message


def test_uncached_and_stored_results_name_the_same_cells(saved):
    raw, lo = saved
    follows = [{f.cell for f in _findings(p) if f.rule == "follows-culprit"} for p in (raw, lo)]
    assert follows[0] == follows[1] and _table("1.527").total_ref("1") in follows[0]


def test_arithmetic_on_text_that_is_no_number_shows_value_error(tmp_path):
    """Households typed 'chưa rõ': Excel's =D15/C15*100 shows #VALUE!, named once as following from it."""
    table = _table("chưa rõ")
    path = tmp_path / "chua_ro.xlsx"
    build_workbook([table]).save(path)
    findings = _findings(path)
    source = next(f for f in findings if f.rule == "not-a-number")
    assert source.cell == table.ref(AN_SON, "1")
    rate = [f for f in findings if f.cell == table.ref(AN_SON, "3")]
    assert [f.rule for f in rate] == ["follows-culprit"] and "báo lỗi #VALUE!" in rate[0].message
    assert not any(f.rule == "cell-error" for f in findings)


def test_a_wrong_count_typed_as_text_names_each_following_cell_once(tmp_path):
    """'15.270' typed as text for 1.527: the text and the wrong figure are one culprit; each cell that
    follows gets one note, saying what it prints (the total without the row) and what it will be."""
    table = _table("15.270")
    path = tmp_path / "sai_va_chu.xlsx"
    build_workbook([table]).save(path)
    findings = _findings(path)
    (culprit,) = [f for f in findings if f.rule == "likely-culprit"]
    # a count that mends every rule of the row: its targets allow a household either way of 1.527
    assert culprit.cell == table.ref(AN_SON, "1") and abs(culprit.expected - 1527) <= 2
    follows = [f.cell for f in findings if f.rule == "follows-culprit"]
    assert len(follows) == len(set(follows)) and table.total_ref("1") in follows
    total = next(f for f in findings if f.rule == "follows-culprit" and f.cell == table.total_ref("1"))
    printed, right = int(sum(HOUSEHOLDS) - 1527), int(sum(HOUSEHOLDS) - 1527 + culprit.expected)
    assert total.actual == printed
    assert f"đang ghi {printed:,}".replace(",", ".") in total.message
    assert f"thành {right:,}".replace(",", ".") in total.message


def test_a_stored_empty_result_is_told_from_no_stored_result(tmp_path):
    """A formula saved by a spreadsheet with an empty text result (a guarded formula printing
    nothing: t="str", an empty <v>) prints blank; one saved by openpyxl has no result at all and is
    computed. The reader keeps the two apart."""
    from pathlib import Path

    from macros_py.engines.file import read_grids

    (lo,) = read_grids(Path(__file__).parent / "data" / "culprit_text_guarded_libreoffice.xlsx")
    assert lo.blank_results == {(12, 8)} and lo.has_formula(12, 8) and lo.value(12, 8) is None
    raw = tmp_path / "openpyxl.xlsx"
    build_workbook([_table("1.527")]).save(raw)
    (grid,) = read_grids(raw)
    assert grid.blank_results == set() and grid.has_formula(12, 8) and grid.value(12, 8) is None



ALL_ZERO = {(AN_SON, n): 0 for n in ("1", "2", "4", "5", "8", "10", "11")}   # a commune with no household left


def _no_households(tmp_path, guarded: bool):
    """An Sơn with no household left, its rate 3 unguarded (=D15/C15*100) or guarded; the cells
    that show #DIV/0!, from the form: 3=2/1x100 and 9=8/1x100 divide by the households; 7=5-3 and
    13=11-9 take their errors."""
    probe = HandmadeTable(Style(formulas=True, sheet="Biểu"))
    c1, c2 = probe.ref(AN_SON, "1"), probe.ref(AN_SON, "2")
    typos = dict(ALL_ZERO) | ({(AN_SON, "3"): f"=IF({c1}=0,0,{c2}/{c1}*100)"} if guarded else {})
    table = HandmadeTable(Style(formulas=True, sheet="Biểu"), typos=typos)
    raw = tmp_path / "khong_con_ho.xlsx"
    build_workbook([table]).save(raw)
    assert f"<f>IF({c1}=0" in zip_text(raw) if guarded else f"<f>{c2}/{c1}*100</f>" in zip_text(raw)
    return raw, {table.ref(AN_SON, n) for n in ({"9", "13"} | (set() if guarded else {"3", "7"}))}


def _div0_cells(path) -> set[str]:
    findings = _findings(path)
    assert all(f.rule == "cell-error" and "#DIV/0!" in f.message for f in findings)
    return {f.cell for f in findings}


@pytest.mark.parametrize("guarded", [False, True])
def test_a_rate_over_no_households_shows_div0_unless_guarded(tmp_path, guarded):
    """`=D15/C15*100` over 0 households: every spreadsheet shows #DIV/0!, saved with a result or not,
    and so do the differences computed from it; `=IF(C15=0,0,D15/C15*100)` shows 0. A workbook
    saved without results is judged as it will show once opened."""
    raw, shown_error = _no_households(tmp_path, guarded)
    assert _div0_cells(raw) == shown_error


@pytest.mark.parametrize("guarded", [False, True])
def test_libreoffice_shows_div0_in_the_same_cells(tmp_path, guarded):
    raw, shown_error = _no_households(tmp_path, guarded)
    (lo,) = through_libreoffice([raw], tmp_path / "lo")
    assert _div0_cells(lo) == shown_error


def zip_text(path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


# ------------------------------------------------------------- a column pasted as text, saved by a script
def _dotted(value: float) -> str:
    return f"{int(value):,}".replace(",", ".")          # 1188 → '1.188', as a Vietnamese officer types it


def _pasted(tmp_path, number: str):
    units = van_quan()
    table = HandmadeTable(Style(formulas=True, sheet="Biểu"),
                          typos={(i, number): _dotted(v[number]) for i, (_, v) in enumerate(units)})
    path = tmp_path / f"cot_{number}_van_ban.xlsx"
    build_workbook([table]).save(path)
    return table, units, _findings(path)


def test_a_column_of_households_pasted_as_text_is_one_error_listing_what_it_spoils(tmp_path):
    """17 household counts pasted as text, 5 of them with a thousands dot ('1.188'), which a
    spreadsheet reads by the computer's settings: in those 5 rows the rates 3=2/1x100 and 9=8/1x100
    and the changes 7=5-3 and 13=11-9 print unsure; in the total row the SUM of column 1 skips every
    text, and so the total's 1 and its rates 3, 5, 9, 11 and changes 7, 13 print wrong. 27 cells,
    listed in sheet order, twelve of them by name."""
    table, units, findings = _pasted(tmp_path, "1")
    dotted = [i for i, (_, v) in enumerate(units) if v["1"] >= 1000]
    assert len(dotted) == 5
    spoiled = [table.ref(i, n) for i in dotted for n in ("3", "7", "9", "13")] + \
              [table.total_ref(n) for n in ("1", "3", "5", "7", "9", "11", "13")]
    (column,) = [f for f in findings if f.rule.startswith("text-number")]
    first, last = table.ref(0, "1"), table.ref(16, "1")
    assert (column.rule, column.cell) == ("text-number-column-spoils", first)
    assert column.message == (
        f"Cột 1 ({first}:{last}) có 17 ô số ghi dạng văn bản (ví dụ '{_dotted(units[0][1]['1'])}' ở ô {first}) "
        f"nên 27 ô tính từ chúng đang in sai hoặc báo lỗi: {', '.join(spoiled[:12])} và 15 ô khác. Hãy gõ lại "
        "các ô này thành số (hoặc chọn cả vùng, bấm dấu chấm than vàng, chọn Convert to Number) để các ô đó "
        "tính đúng.")
    assert column.cells == [table.ref(i, "1") for i in range(1, 17)]
    assert sorted(column.follows) == sorted(spoiled)
    follows = {f.cell: f for f in findings if f.rule == "follows-culprit"}
    assert sorted(follows) == sorted(spoiled)
    for i in dotted:                       # each row's cells name that row's own text
        assert f"vì ô {table.ref(i, '1')} chứa số dạng văn bản '{_dotted(units[i][1]['1'])}'" in \
            follows[table.ref(i, "3")].message
    assert "thì ô này thành 13.850." in follows[table.total_ref("1")].message


def test_a_column_of_plain_digits_pasted_as_text_spoils_only_the_total(tmp_path):
    """Poor households pasted as text ('98'): every spreadsheet computes a row's rate from plain
    digits, but the total's SUM skips text: the total's 2 and, from it, 3=2/1x100, 6=4-2 and 7=5-3
    print wrong. Fewer than LISTED cells: all named, no "và … ô khác"."""
    table, units, findings = _pasted(tmp_path, "2")
    (column,) = [f for f in findings if f.rule.startswith("text-number")]
    spoiled = [table.total_ref(n) for n in ("2", "3", "6", "7")]
    assert column.rule == "text-number-column-spoils"
    assert f"(ví dụ '{int(units[0][1]['2'])}' ở ô {table.ref(0, '2')}) nên 4 ô tính từ chúng đang in sai " \
           f"hoặc báo lỗi: {', '.join(spoiled)}. Hãy" in column.message
    assert column.follows == spoiled


def test_one_count_typed_as_text_names_what_it_spoils_and_the_number_it_should_be(tmp_path):
    """'1.527' in C15: An Sơn's 3, 7, 9, 13 and the total's 1, 3, 5, 7, 9, 11, 13 print wrong."""
    table = _table("1.527")
    raw = tmp_path / "mot_o_van_ban.xlsx"
    build_workbook([table]).save(raw)
    (text,) = [f for f in _findings(raw) if f.rule.startswith("text-number")]
    spoiled = [table.ref(AN_SON, n) for n in ("3", "7", "9", "13")] + \
              [table.total_ref(n) for n in ("1", "3", "5", "7", "9", "11", "13")]
    assert text.message == (
        f"Ô {table.ref(AN_SON, '1')} (cột 1): số '1.527' được lưu dạng văn bản nên 11 ô tính từ nó đang in sai "
        f"hoặc báo lỗi: {', '.join(spoiled)}. Hãy gõ lại ô này thành số 1.527 (số, không phải văn bản) để các "
        "ô đó tính đúng.")


def test_a_rate_typed_as_text_is_read_at_the_forms_decimals(tmp_path):
    """An Sơn's end-of-year rate (column 5, 7 %) typed as the text '7': read as 7,00, the form's two
    decimals; no formula of the row reads it wrong (plain digits), so a warning."""
    table = HandmadeTable(Style(formulas=True, sheet="Biểu"), typos={(AN_SON, "5"): "7"})
    assert van_quan()[AN_SON][1]["5"] == 7
    path = tmp_path / "ty_le_van_ban.xlsx"
    build_workbook([table]).save(path)
    (found,) = _findings(path)
    assert (found.rule, found.message) == ("text-number", f"Ô {table.ref(AN_SON, '5')} (cột 5): số '7' được lưu "
                                           "dạng văn bản; đã đọc là 7,00 (số nguyên). Hãy gõ lại thành số để "
                                           "công thức dùng được.")
