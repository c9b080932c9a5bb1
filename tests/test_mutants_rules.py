"""Tests written to kill mutants of the rules (core/) that survived a mutation run (tests/MUTATION.md).

Each checks what an officer sees: a finding's rule, cell, expected figure and message. Tables are
built in memory from seed 003's published rows (as the officers typed them); expectations are
plain arithmetic written here from the numbering row (`3=2/1x100`, `6=4-2` …), never the code's.
"""
from __future__ import annotations

import pytest

from conftest import published_van_quan
from fixtures import NUMBERING
from macros_py.core.checks import check_table
from macros_py.core.grid import Grid, cell_key
from macros_py.core.table import locate

UNITS = {name: list(values) for name, values in published_van_quan()[0]}
COUNTS = (1, 2, 4, 8, 10)             # the typed counts, by column number


def total_of(rows: list[list[float]]) -> list[float]:
    """The total row by hand: counts summed, every rate the ratio of the sums, changes differences."""
    t = {n: sum(r[n - 1] for r in rows) for n in COUNTS}
    pct = lambda a, b: round(a / b * 100 + 1e-9, 2)     # noqa: E731 (no half-way cases in these sums)
    t[3], t[5], t[9], t[11] = pct(t[2], t[1]), pct(t[4], t[1]), pct(t[8], t[1]), pct(t[10], t[1])
    t[6], t[7], t[12], t[13] = t[4] - t[2], round(t[5] - t[3], 2), t[10] - t[8], round(t[11] - t[9], 2)
    return [t[n] for n in range(1, 14)]


def grid_of(units: dict[str, list[float]], *, total: bool = True, edits: dict[str, object] | None = None,
            numbering: list[str] = NUMBERING) -> Grid:
    """Numbering row in row 1, the units from row 2, the total ("Cộng") last; `edits` by cell name."""
    rows = [list(numbering)]
    for i, (name, values) in enumerate(units.items(), start=1):
        rows.append([i, name, *values])
    if total:
        rows.append([None, "Cộng", *total_of(list(units.values()))])
    for ref, value in (edits or {}).items():
        col = ord(ref[0]) - ord("A")
        row = int(ref[1:]) - 1
        rows[row][col] = value
    return Grid("Biểu", rows)


def findings(grid: Grid, *, exact: bool = False):
    table = locate(grid)
    assert table is not None
    return check_table(grid, table, exact=exact)


def brief(found) -> list[tuple[str, str]]:
    return sorted((f.cell, f.rule) for f in found)


def three(*names: str) -> dict[str, list[float]]:
    return {n: list(UNITS[n]) for n in names or ("Yên Phúc", "Bình Phúc", "Tân Đoàn")}


def test_the_published_rows_are_clean():
    assert findings(grid_of(three())) == []


# ------------------------------------------------------------- row_rules: what each finding says

def test_a_target_rate_that_disagrees_with_its_count_says_both_ways_to_mend_it():
    """Yên Phúc (1.188 households, 68 poor at the end) with a target of 12 %: 12 % of 1.188 is
    142,56 households, 74,56 more than 68; 68/1188 x 100 = 5,7239 %. Column 7 is typed to agree
    with the 12 %, so this is the only broken rule and no culprit is named."""
    found = findings(grid_of(three(), edits={"G2": 12, "I2": 12 - 8.25}))
    assert len(found) == 1
    f = found[0]
    assert (f.cell, f.rule, f.severity, f.actual, f.expected, f.decimals) == \
        ("G2", "rate-count-mismatch", "error", 12, 5.72, 2)
    assert f.message == ("Ô G2 (cột 5): tỷ lệ 12,00% của 1.188 hộ là 142,6 hộ, lệch 74,6 hộ so với 68 hộ ở ô F2 "
                         "(cột 4), quá nửa hộ làm tròn. Một trong hai ô ghi sai: nếu tỷ lệ đúng thì số hộ là khoảng "
                         "143; nếu số hộ đúng thì tỷ lệ là khoảng 5,72%.")


def test_a_rate_below_its_count_and_a_whole_implied_count():
    """1 % of 1.188 is 11,88 households (56,12 fewer than 68); 25 % is exactly 297, written
    without a decimal (229 more than 68)."""
    low = findings(grid_of(three(), edits={"G2": 1, "I2": 1 - 8.25}))
    assert [(f.cell, f.rule) for f in low] == [("G2", "rate-count-mismatch")]
    assert "tỷ lệ 1,00% của 1.188 hộ là 11,9 hộ, lệch 56,1 hộ so với 68 hộ" in low[0].message
    assert "số hộ là khoảng 12;" in low[0].message
    whole = findings(grid_of(three(), edits={"G2": 25, "I2": 25 - 8.25}))
    assert [(f.cell, f.rule) for f in whole] == [("G2", "rate-count-mismatch")]
    assert "tỷ lệ 25,00% của 1.188 hộ là 297 hộ, lệch 229 hộ so với 68 hộ" in whole[0].message
    assert "số hộ là khoảng 297;" in whole[0].message
    # 0,84 % of 1.188 is 9,9792 households: 10 to a tenth (not 10,0), 58,0208 = 58 away from 68
    near = findings(grid_of(three(), edits={"G2": 0.84, "I2": 0.84 - 8.25}))
    assert [(f.cell, f.rule) for f in near] == [("G2", "rate-count-mismatch")]
    assert "tỷ lệ 0,84% của 1.188 hộ là 10 hộ, lệch 58 hộ so với 68 hộ" in near[0].message
    assert "số hộ là khoảng 10;" in near[0].message


def test_a_formula_cell_typed_wrong_says_what_the_formula_gives():
    """Column 6 (6=4-2) of Yên Phúc typed -31 where 68 - 98 = -30."""
    found = findings(grid_of(three(), edits={"H2": -31}))
    assert [(f.cell, f.rule, f.actual, f.expected, f.decimals) for f in found] == \
        [("H2", "formula-mismatch", -31, -30, None)]
    assert found[0].message == "Ô H2 (cột 6: 6=4-2) ghi -31, nhưng theo công thức phải là -30."


def test_a_rate_formula_off_by_more_than_its_rounding():
    """Column 3 (3=2/1x100) typed 8,35 where 98/1188 x 100 = 8,2492 → 8,25 (column 7 typed to
    agree, so only column 3's rule breaks). (8,3 would pass: the printed 8,25 rounded to one decimal.)"""
    found = findings(grid_of(three(), edits={"E2": 8.35, "I2": 5.75 - 8.35}))
    assert [(f.cell, f.rule, f.actual, f.expected, f.decimals) for f in found] == \
        [("E2", "formula-mismatch", 8.35, 8.25, 2)]
    assert found[0].message == "Ô E2 (cột 3: 3=2/1x100) ghi 8,35, nhưng theo công thức phải là 8,25."


def test_a_message_shows_as_many_decimals_as_tell_the_figures_apart():
    """A stored 8,2549 against 98/1188 x 100 = 8,24916: both read 8,25 at two decimals, so the
    message uses three (8,255 against 8,249), never "ghi 8,25, phải là 8,25". The cell shows
    three decimals (format 0.000), so it is judged at three."""
    grid = grid_of(three(), edits={"E2": 8.2549, "I2": 5.75 - 8.2549})
    grid.knows_formats, grid.formats = True, {cell_key(2, 5): "0.000"}
    found = findings(grid)
    assert [(f.cell, f.rule, f.decimals) for f in found] == [("E2", "formula-mismatch", 3)]
    assert found[0].expected == 8.249
    assert found[0].message == "Ô E2 (cột 3: 3=2/1x100) ghi 8,255, nhưng theo công thức phải là 8,249."
    # 8,24946 shown at four decimals against 8,249158: the same at two and at three (8,249), told
    # apart only at four (8,2495 against 8,2492)
    grid = grid_of(three(), edits={"E2": 8.24946, "I2": 5.75 - 8.24946})
    grid.knows_formats, grid.formats = True, {cell_key(2, 5): "0.0000"}
    found = findings(grid)
    assert [(f.cell, f.rule, f.decimals, f.expected) for f in found] == [("E2", "formula-mismatch", 4, 8.2492)]
    assert found[0].message == "Ô E2 (cột 3: 3=2/1x100) ghi 8,2495, nhưng theo công thức phải là 8,2492."
    # shown at four decimals (0.0000): judged at four, still told apart at three
    grid = grid_of(three(), edits={"E2": 8.2549, "I2": 5.75 - 8.2549})
    grid.knows_formats, grid.formats = True, {cell_key(2, 5): "0.0000"}
    found = findings(grid)
    assert [(f.cell, f.rule, f.decimals, f.expected) for f in found] == [("E2", "formula-mismatch", 3, 8.249)]
    assert found[0].message == "Ô E2 (cột 3: 3=2/1x100) ghi 8,255, nhưng theo công thức phải là 8,249."


# A form with no formulas and no relations: each bound and each total is then the only rule a
# wrong cell breaks, so its own finding is what the officer gets (no culprit search).
PLAIN_FORM = """
id = "t-plain"
name = "T"
title = "T"
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
header = "Hộ nghèo"
name = "Hộ nghèo"
kind = "count"
[[columns]]
number = "3"
header = "Tỷ lệ"
name = "Tỷ lệ"
kind = "rate"
decimals = 2
total = "input"
"""


# The same with an optional count and two relations, one an equality (a culprit can be solved from it).
RELATION_FORM = PLAIN_FORM.replace('id = "t-plain"', 'id = "t-relation"') + """
[[columns]]
number = "4"
header = "Hộ không nghèo"
name = "Hộ không nghèo"
kind = "count"
optional = true
[[rules]]
check = "2<=1"
message = "Số hộ nghèo lớn hơn tổng số hộ"
[[rules]]
check = "1=2+4"
severity = "warning"
message = "Tổng số hộ không bằng hộ nghèo cộng hộ không nghèo"
"""


def plain(rows: list[list], total: list | None = None, spec: str = PLAIN_FORM):
    import tomllib

    from macros_py.forms.spec import _build

    form = _build(tomllib.loads(spec))
    numbering = ["A", "B", "1", "2", "3"] + (["4"] if spec is RELATION_FORM else [])
    lines = [numbering] + [[i, f"Xã {chr(64 + i)}", *r] for i, r in enumerate(rows, start=1)]
    if total is not None:
        lines.append([None, "Cộng", *total])
    grid = Grid("Biểu", lines)
    table = locate(grid, [form])
    assert table is not None and len(table.unit_rows) == len(rows)
    return check_table(grid, table)


def test_bounds_each_say_what_is_wrong():
    found = plain([[100, -5, 10], [100, 40.5, 10], [100, 40, 100.5], [100, 40, -0.25], [100, 40, 100],
                   [0, 0, 0]])
    assert [(f.cell, f.rule, f.severity, f.actual, f.decimals) for f in found] == [
        ("D2", "negative-count", "error", -5, None), ("D3", "not-whole", "error", 40.5, 2),
        ("E4", "rate-out-of-range", "error", 100.5, 2), ("E5", "rate-out-of-range", "error", -0.25, 2)]
    assert [f.message for f in found] == [
        "Ô D2 (cột 2): số hộ không thể âm (-5).",
        "Ô D3 (cột 2): số hộ phải là số nguyên, đang ghi 40,50.",
        "Ô E4 (cột 3): tỷ lệ 100,50% nằm ngoài khoảng 0–100%.",
        "Ô E5 (cột 3): tỷ lệ -0,25% nằm ngoài khoảng 0–100%."]


def test_a_count_is_whole_within_the_spreadsheets_noise():
    """3,00000001 is a float's noise around 3 (whole); 3,00001 is not whole."""
    found = plain([[100, 3.00000001, 3], [100, 3.00001, 3]])
    assert [(f.cell, f.rule) for f in found] == [("D3", "not-whole")]


def test_a_total_that_is_not_the_sum_says_what_the_units_add_to():
    """Households 100 + 250 + 75 = 425, typed 420 in the total; poor 10 + 20 + 5 = 35 (right)."""
    found = plain([[100, 10, 10], [250, 20, 8], [75, 5, 6.67]], total=[420, 35, 8.24])
    assert [(f.cell, f.rule, f.actual, f.expected) for f in found] == [("C5", "total-not-sum", 420, 425)]
    assert found[0].message == "Ô C5 (dòng Cộng, cột 1) ghi 420, nhưng cộng các đơn vị được 425."
    assert plain([[100, 10, 10], [250, 20, 8], [75, 5, 6.67]], total=[425, 35, 8.24]) == []


def test_a_large_total_is_judged_exactly():
    """A province's 1.250.000 households typed 1.250.001: one household off is an error however
    large the total (the tolerance is relative float noise, far below one household)."""
    found = plain([[625_000, 10, 0], [625_000, 20, 0]], total=[1_250_001, 30, 0])
    assert [(f.cell, f.rule, f.expected) for f in found] == [("C4", "total-not-sum", 1_250_000)]
    assert plain([[625_000, 10, 0], [625_000, 20, 0]], total=[1_250_000, 30, 0]) == []


def test_the_json_of_a_finding_names_its_cell_and_figures():
    found = plain([[100, -5, 10]])[0]
    assert found.to_json() == {"cell": "D2", "row": 2, "column": "D", "rule": "negative-count", "severity": "error",
                               "message": "Ô D2 (cột 2): số hộ không thể âm (-5).", "expected": None, "actual": -5}
    culprit = findings(grid_of(three(), edits={"E2": 8.52}))[0]
    assert culprit.to_json() == {
        "cell": "E2", "row": 2, "column": "E", "rule": "likely-culprit", "severity": "error",
        "message": culprit.message, "expected": 8.25, "actual": 8.52, "follows": ["I2"]}


def test_the_json_of_a_column_finding_lists_the_columns_other_cells():
    """Seven households counts pasted as text: one finding at D2, and its JSON (what the command
    line prints and the add-in marks from) names D3…D8 too."""
    units = three(*list(UNITS)[:7])
    grid = grid_of(units, edits={f"D{r}": str(int(v[1])) for r, v in enumerate(units.values(), start=2)})
    (found,) = findings(grid)
    assert (found.rule, found.severity) == ("text-number-column", "warning")     # no formula reads them wrong
    assert found.to_json()["cells"] == ["D3", "D4", "D5", "D6", "D7", "D8"]
    assert "cells" not in findings(grid_of(three(), edits={"D2": "98"}))[0].to_json()


def test_a_list_of_cells_names_twelve_then_says_how_many_more():
    from macros_py.core.cell_checks import LISTED, _listed

    cells = [(row, 5) for row in range(8, 8 + 14)]
    assert LISTED == 12
    assert _listed(cells[:12]) == "E8, E9, E10, E11, E12, E13, E14, E15, E16, E17, E18, E19"
    assert _listed(cells[:13]) == _listed(cells[:12]) + " và 1 ô khác"
    assert _listed(cells) == _listed(cells[:12]) + " và 2 ô khác"


def test_messages_name_the_button_in_excel_and_the_command_on_the_command_line():
    from macros_py.core.findings import for_face

    cli = "Cột 3 được gõ tay toàn bộ; chạy lệnh 'giamngheo recalc' để đưa công thức vào."
    assert for_face(cli, "excel") == "Cột 3 được gõ tay toàn bộ; bấm nút Tính lại (tab Giảm nghèo) để đưa công thức vào."
    assert for_face(cli, "cli") == cli


# ------------------------------------------------------------- agreements (Krông Nô's form)

KRONG_NO = ["A", "B", "1", "2", "3=1-4", "4", "5", "6"]


def krong_no(*rows: list) -> list:
    lines = [KRONG_NO] + [[i, name, *figures] for i, (name, *figures) in enumerate(rows, start=1)]
    return findings(Grid("Biểu", lines))


def test_two_derivations_of_the_households_that_do_not_overlap_are_a_warning():
    """Buôn Choah (seed 000) with its rate reduction typed 3,87 for 2,87: 17 households reduced /
    3,87 % (± 0,005) = 438,71–439,84 households; 56 poor at the end / 9,44 % (± 0,005) =
    592,91–593,54. The published 2,87 gives 591,3–593,4, which meets 592,9–593,5: no finding there."""
    found = krong_no(["Buôn Choah", 73, 3.87, 56, 17, 13, 9.44], ["Nâm N'Đir", 96, 1.44, 67, 29, 21, 3.34])
    assert [(f.cell, f.rule, f.severity, f.actual, f.expected) for f in found] == \
        [("D2", "agree", "warning", 3.87, None)]
    assert found[0].message == (
        "Ô D2: Số hộ dân cư suy ra từ số hộ giảm và tỷ lệ giảm không khớp với số suy ra từ số hộ nghèo và tỷ lệ "
        "cuối năm (438,7–439,8 so với 592,9–593,5, đã tính sai số làm tròn của các số đã ghi).")
    assert krong_no(["Buôn Choah", 73, 2.87, 56, 17, 13, 9.44]) == []


def test_agreement_allows_exactly_the_rounding_of_the_shown_figures():
    """17 reduced at 2,87 % (± 0,005) gives 17/2,875 … 17/2,865 x 100 = 591,30–593,37 households.
    56 poor at the end over an end rate r ± 0,005: 9,47 gives 591,03–591,65 and 9,44 gives
    592,91–593,54 (both meet it); 9,48 gives 590,40–591,03 and 9,43 gives 593,54–594,16 (neither)."""
    for rate in (9.44, 9.47):
        assert krong_no(["Buôn Choah", 73, 2.87, 56, 17, 13, rate]) == [], rate
    for rate in (9.43, 9.48):
        assert [(f.cell, f.rule) for f in krong_no(["Buôn Choah", 73, 2.87, 56, 17, 13, rate])] == \
            [("D2", "agree")], rate


def test_intervals_that_touch_agree():
    """50 households reduced at 1,12 % and 50 poor at the end at 1,13 %: 50/1,125 x 100 = 4444,4
    is both the low end of the first range (4444,4–4484,3) and the high end of the second
    (4405,3–4444,4). Touching ranges agree, either way round; 1,14 leaves a gap."""
    assert krong_no(["X", 100, 1.12, 50, 50, 0, 1.13]) == []
    assert krong_no(["X", 100, 1.13, 50, 50, 0, 1.12]) == []
    assert [(f.cell, f.rule) for f in krong_no(["X", 100, 1.12, 50, 50, 0, 1.14])] == [("D2", "agree")]


def test_a_single_household_reduced_is_still_judged_and_none_reduced_is_not():
    """1 household at 5 % is 19,8–20,2 households, against 56/9,44 % = 592,9–593,5: a warning.
    0 households reduced says nothing about the households (0/5 %): no warning."""
    found = krong_no(["X", 57, 5.00, 56, 1, 0, 9.44])
    assert [(f.cell, f.rule) for f in found] == [("D2", "agree")]
    assert "(19,8–20,2 so với 592,9–593,5," in found[0].message
    assert krong_no(["X", 56, 5.00, 56, 0, 0, 9.44]) == []


def test_a_wrong_count_that_breaks_a_formula_and_the_agreement_is_named_once():
    """Buôn Choah's end count (column 3 = 1 - 4 = 73 - 17 = 56) typed 66: both the formula and the
    agreement break, and one correction (56) mends both; likewise its reduction (column 4)
    typed 27 where 73 - 56 = 17."""
    other = ["Nâm N'Đir", 96, 1.44, 67, 29, 21, 3.34]
    found = krong_no(["Buôn Choah", 73, 2.87, 66, 17, 13, 9.44], other)
    assert [(f.cell, f.rule, f.expected) for f in found] == [("E2", "likely-culprit", 56), ("D2", "follows-culprit", 2.87)]
    found = krong_no(["Buôn Choah", 73, 2.87, 56, 27, 13, 9.44], other)
    assert [(f.cell, f.rule, f.expected) for f in found][0] == ("F2", "likely-culprit", 17)


# ------------------------------------------------------------- relations of a spec

def test_a_broken_relation_says_both_sides():
    found = plain([[100, 120, 10], [100, 40, 10]], spec=RELATION_FORM)
    assert [(f.sheet, f.cell, f.rule, f.severity, f.actual) for f in found] == [("Biểu", "D2", "relation", "error", 120)]
    assert found[0].message == "Ô D2: Số hộ nghèo lớn hơn tổng số hộ (120 so với 100)."


def test_an_equality_relation_names_the_one_wrong_count():
    """Xã A: 100 households, 60 not poor, poor typed 150: 2<=1 and 1=2+4 both break, and one
    correction mends both: 100 - 60 = 40 poor (C2, where the equality is placed, follows it).
    With 4 blank the equality is not judged."""
    found = plain([[100, 150, 10, 60], [100, 40, 10, 60], [100, 150, 10]], spec=RELATION_FORM)
    assert [(f.cell, f.rule, f.actual, f.expected) for f in found] == \
        [("D2", "likely-culprit", 150, 40), ("D4", "relation", 150, None), ("C2", "follows-culprit", 100, 100)]
    assert found[0].message.startswith("Ô D2 (Xã A, cột 2 — Hộ nghèo) có lẽ ghi sai: đang ghi 150; nếu là 40 thì")
    # the equality alone (a warning in this spec): both sides said
    found = plain([[100, 30, 10, 60]], spec=RELATION_FORM)
    assert [(f.cell, f.rule, f.severity) for f in found] == [("C2", "relation", "warning")]
    assert found[0].message == "Ô C2: Tổng số hộ không bằng hộ nghèo cộng hộ không nghèo (100 so với 90)."


# ------------------------------------------------------------- number text and what it spoils

def formula_grid(edits: dict[str, object], formulas: dict[str, str], errors: dict[str, str]) -> Grid:
    grid = grid_of(three(), edits=edits)
    grid.knows_formulas = True
    grid.formulas = {cell_key(int(ref[1:]), ord(ref[0]) - 64): text for ref, text in formulas.items()}
    grid.errors = {(int(ref[1:]), ord(ref[0]) - 64): text for ref, text in errors.items()}
    return grid


def by_cell(found) -> dict[str, object]:
    return {f.cell: f for f in found}


def test_number_text_names_the_formula_cells_it_spoils():
    """Yên Phúc's households typed as the text '1.188': its rates (=D2/C2*100, =J2/C2*100) show
    #VALUE!; each is named once as following from C2, with what it becomes once C2 is a number
    (98/1188 x 100 = 8,25; 296/1188 x 100 = 24,92)."""
    grid = formula_grid({"C2": "1.188", "E2": None, "K2": None}, {"E2": "=D2/C2*100", "K2": "=J2/C2*100"},
                        {"E2": "#VALUE!", "K2": "#VALUE!"})
    found = by_cell(findings(grid))
    text = found["C2"]
    # the rates print #VALUE!, so the text is an error (not only a warning)
    assert (text.rule, text.actual, text.expected, text.follows) == ("text-number-spoils", "1.188", 1188, ["E2", "K2"])
    for ref, figure, number in (("E2", "8,25", 98 / 1188 * 100), ("K2", "24,92", 296 / 1188 * 100)):
        f = found[ref]
        assert (f.rule, f.severity, f.actual) == ("follows-culprit", "warning", "#VALUE!")
        assert f.expected == pytest.approx(number)
        assert "báo lỗi #VALUE! vì ô C2 chứa số dạng văn bản '1.188'" in f.message
        assert f.message.startswith(f"Ô {ref} (Yên Phúc, cột {'3' if ref == 'E2' else '9'} — Tỷ lệ hộ ")
        assert f.message.endswith(f"gõ lại C2 thành số (hoặc bấm Tính lại) thì ô này thành {figure}.")


def test_a_formula_still_showing_an_old_figure_says_what_it_shows():
    grid = formula_grid({"C2": "1.188", "E2": 9.0}, {"E2": "=D2/C2*100"}, {})
    f = by_cell(findings(grid))["E2"]
    assert (f.rule, f.actual) == ("follows-culprit", 9.0)
    assert "đang ghi 9,00 vì ô C2 chứa số dạng văn bản '1.188'" in f.message


def test_a_percent_cell_still_showing_an_old_figure_says_it_in_percent():
    """=D2/C2 in a 0.00% cell still storing 0,09 (9,00 %) while C2 holds the text '1.188'."""
    grid = formula_grid({"C2": "1.188", "E2": 0.09}, {"E2": "=D2/C2"}, {})
    grid.knows_formats, grid.formats = True, {cell_key(2, 5): "0.00%"}
    f = by_cell(findings(grid))["E2"]
    assert (f.rule, f.actual) == ("follows-culprit", 0.09)
    assert "đang ghi 9,00% vì ô C2 chứa số dạng văn bản '1.188'" in f.message
    assert f.message.endswith("thì ô này thành 8,25%.")


def test_a_guarded_formula_reading_number_text_may_show_anything():
    grid = formula_grid({"C2": "1.188", "E2": ""}, {"E2": '=IF(COUNT(D2,C2)<2,"",D2/C2*100)'}, {})
    f = by_cell(findings(grid))["E2"]
    assert (f.rule, f.actual) == ("follows-culprit", None)
    assert "(%)) tính từ số dạng văn bản nên có thể để trống, hiện số sai hoặc báo lỗi #VALUE! (tùy công thức và " \
        "máy) vì ô C2 chứa" in f.message


def test_a_word_in_a_number_cell_names_the_formula_it_spoils():
    grid = formula_grid({"C2": "chưa có", "E2": None}, {"E2": "=D2/C2*100"}, {"E2": "#VALUE!"})
    found = by_cell(findings(grid))
    assert (found["C2"].rule, found["C2"].actual, found["C2"].follows) == ("not-a-number", "chưa có", ["E2"])
    f = found["E2"]
    assert (f.rule, f.actual, f.expected) == ("follows-culprit", "#VALUE!", None)
    assert "báo lỗi #VALUE! vì ô C2 không phải là số ('chưa có'); ghi số vào C2 thì ô này tính được." in f.message


def test_a_date_in_a_number_cell_is_shown_as_the_officer_sees_it():
    import datetime

    found = findings(grid_of(three(), edits={"D2": datetime.date(2021, 4, 5)}))
    f = by_cell(found)["D2"]
    assert (f.rule, f.actual) == ("not-a-number", "05/04/2021")
    assert f.message == "Ô D2 (cột 2): '05/04/2021' không phải là số."


# ------------------------------------------------------------- rates kept as fractions (formats unknown)

def fractions(units: dict[str, list[float]], cols=(3, 5, 9, 11), rows: set[str] | None = None):
    out = {}
    for name, values in units.items():
        values = list(values)
        if rows is None or name in rows:
            for c in cols:
                values[c - 1] = round(values[c - 1] / 100, 6)
        out[name] = values
    return out


def test_rate_columns_kept_as_fractions_are_read_as_percentages():
    """.xls/.ods (formats unknown): 0,0825 in column 3 is the 8,25 % the cell shows."""
    assert findings(grid_of(fractions(three()), total=False)) == []
    found = findings(grid_of(fractions(three()), total=False, edits={"E2": 0.0852}))
    assert [(f.cell, f.rule, f.expected, f.actual) for f in found] == \
        [("E2", "likely-culprit", 8.25, 8.52), ("I2", "follows-culprit", -2.5, -2.5)]
    assert "đang ghi 8,52%; nếu là 8,25% thì" in found[0].message


def test_target_rates_as_fractions_are_recognised_within_half_a_household():
    """Khánh Khê's 10,67 % of 435 (46/435 = 10,57 %, 0,10 apart) and Đồng Giáp's 11,08 % of 565
    (63/565 = 11,15 %, 0,07 apart) are within half a household of their counts; kept as 0,1067
    and 0,1108 they still read as fractions."""
    units = fractions(three("Khánh Khê", "Đồng Giáp"))
    assert findings(grid_of(units, total=False)) == []


def test_the_majority_of_a_columns_figures_decides_how_it_is_kept():
    """Column 3 with two fractions and one percentage: the percentage (7,88, read as 788 %) is
    the odd one; with one of each, the column reads as percentages and the fraction is flagged."""
    found = findings(grid_of(fractions(three(), cols=(3,), rows={"Yên Phúc", "Bình Phúc"}), total=False))
    assert "E4" in {f.cell for f in found} and not {"E2", "E3"} & {f.cell for f in found}
    two = fractions(three("Yên Phúc", "Bình Phúc"), cols=(3,), rows={"Yên Phúc"})
    found = findings(grid_of(two, total=False))
    assert "E2" in {f.cell for f in found} and "E3" not in {f.cell for f in found}


# ------------------------------------------------------------- more of what findings say

def test_a_total_rate_says_it_is_computed_from_the_totals():
    """The total's column 3 typed 8,80 where 252/2909 x 100 = 8,66 (column 7 of the total typed to
    agree with the 8,80)."""
    units = three()
    total = total_of(list(units.values()))
    found = findings(grid_of(units, edits={"E5": 8.80, "I5": round(total[4] - 8.80, 2)}))
    assert [(f.sheet, f.cell, f.rule, f.actual, f.expected) for f in found] == [("Biểu", "E5", "total-rate", 8.8, 8.66)]
    assert found[0].message.startswith("Ô E5 (dòng Cộng, cột 3: 3=2/1x100) ghi 8,80, nhưng tính từ số tổng phải là "
                                       "8,66 (tỷ lệ dòng tổng")


def test_a_rate_cell_with_a_percent_format_is_named_with_its_sign():
    grid = grid_of(three(), edits={"E2": 0.0835, "I2": 5.75 - 8.35})
    grid.knows_formats, grid.formats = True, {cell_key(2, 5): "0.00%"}
    found = findings(grid)
    assert [(f.sheet, f.cell, f.rule, f.actual, f.expected) for f in found] == \
        [("Biểu", "E2", "formula-mismatch", 8.35, 8.25)]
    assert found[0].message == "Ô E2 (cột 3: 3=2/1x100) ghi 8,35%, nhưng theo công thức phải là 8,25%."


def test_the_expected_figure_comes_from_the_operands_as_stored():
    """Column 7 (7=5-3) typed -2,495 in a 0.0000 cell, with column 3 holding the unrounded
    98/1188 x 100 = 8,249158: the formula gives 5,75 - 8,249158 = -2,499158, told apart from
    -2,495 at three decimals: -2,499 (not the -2,500 of the 8,25 that column 3 shows)."""
    grid = grid_of(three(), edits={"E2": 98 / 1188 * 100, "I2": -2.495})
    grid.knows_formats, grid.formats = True, {cell_key(2, 9): "0.0000", cell_key(2, 5): "0.00"}
    found = findings(grid)
    assert [(f.cell, f.rule, f.actual, f.expected, f.decimals) for f in found] == \
        [("I2", "formula-mismatch", -2.495, -2.499, 3)]
    assert found[0].message == "Ô I2 (cột 7: 7=5-3) ghi -2,495, nhưng theo công thức phải là -2,499."


PROVINCE = [132604, 13000, 9.8, 12874, 9.7104, -126, -0.09, 5000, 3.77, 4800, 3.62, -200, -0.15]


def test_a_provinces_target_rate_is_told_apart_at_the_decimals_it_shows():
    """A province (132.604 households, 12.874 poor at the end) with a target 9,7104 % shown
    9,710: 12.874/132.604 x 100 = 9,70861 %, which reads 9,71 too at two decimals, so the
    message uses three: 9,710 % against 9,709 %. 9,7104 % of 132.604 is 12.876,39 households,
    2,39 more than 12.874."""
    grid = grid_of({"Tỉnh X": PROVINCE}, total=False)
    grid.knows_formats, grid.formats = True, {cell_key(2, 7): "0.000"}
    found = findings(grid)
    assert [(f.sheet, f.cell, f.rule, f.actual, f.expected, f.decimals) for f in found] == \
        [("Biểu", "G2", "rate-count-mismatch", 9.7104, 9.709, 3)]
    assert found[0].message == (
        "Ô G2 (cột 5): tỷ lệ 9,710% của 132.604 hộ là 12.876,4 hộ, lệch 2,4 hộ so với 12.874 hộ ở ô F2 (cột 4), "
        "quá nửa hộ làm tròn. Một trong hai ô ghi sai: nếu tỷ lệ đúng thì số hộ là khoảng 12.876; nếu số hộ "
        "đúng thì tỷ lệ là khoảng 9,709%.")


ZERO_HOUSEHOLDS = {"Xã Y": [0, 0, 0, 5, 0, 5, 0, 0, 0, 0, 0, 0, 0]}


def test_a_target_over_zero_households_is_reported_without_a_rate_to_offer():
    """0 households, 5 poor at the end at 0 %: no rate can be offered (5/0), and no single
    correction mends everything (the count's 0 would break column 6 = 5 - 0)."""
    found = findings(grid_of(ZERO_HOUSEHOLDS, total=False))
    rate = [f for f in found if f.rule in ("rate-count-mismatch", "rate-without-households")]
    assert [(f.cell, f.rule, f.actual, f.expected) for f in rate] == [("G2", "rate-without-households", 0, None)]
    assert rate[0].message == ("Ô G2 (cột 5): ô F2 (cột 4) ghi 5 hộ nhưng ô C2 (cột 1) ghi 0 hộ dân cư, nên không "
                               "tính được tỷ lệ. Một trong hai ô ghi sai: xem lại số hộ dân cư hoặc số hộ ở ô F2.")
    # the Kiểm tra sheet and the JSON place it on its sheet and show its figures at the form's decimals
    assert (rate[0].sheet, rate[0].decimals) == ("Biểu", 2)


def _one_rate(count: int) -> dict[str, list[float]]:
    """A province-sized unit: 1.000.000 households, 100.000 poor (10,00 %) at the start, `count` at
    the end with the rate typed 9,25."""
    return {"Tỉnh X": [1_000_000, 100_000, 10.00, count, 9.25, count - 100_000, -0.75, 0, 0, 0, 0, 0, 0]}


def test_a_rate_rounded_to_its_decimals_holds_however_many_households_it_is_off():
    """92.546 of 1.000.000 is 9,2546 %: 9,25 is that rate rounded (0,0046 < half a hundredth), though
    46 households lie between 9,25 % and the count. 92.551 is 9,2551 %, which rounds to 9,26: 9,25 is
    then wrong."""
    assert findings(grid_of(_one_rate(92_546), total=False)) == []
    assert [(f.cell, f.rule) for f in findings(grid_of(_one_rate(92_551), total=False))] == \
        [("G2", "rate-count-mismatch")]


def test_a_target_over_zero_households_never_says_none():
    found = findings(grid_of(ZERO_HOUSEHOLDS, total=False))
    assert not any("None" in f.message for f in found)


def test_counts_below_one_that_are_not_whole_are_not_negative():
    found = plain([[100, 0.5, 10]])
    assert [(f.sheet, f.cell, f.rule) for f in found] == [("Biểu", "D2", "not-whole")]
    found = plain([[100, 10, 10], [250, 20, 8]], total=[340, 30, 0])
    assert [(f.sheet, f.cell, f.rule) for f in found] == [("Biểu", "C4", "total-not-sum")]


def test_a_rate_computed_from_a_later_rate_is_read_as_its_operands_are():
    """Seed 002 (Đắk Nông 2024) with formats unknown: column 6 (6=3-8) reads column 8, which comes
    after it. Published as percentages or kept as fractions (0,0378; 0,008; 0,0299), its rows and
    total are clean either way."""
    from conftest import DATA

    def vi(text: str) -> float:
        return float(text.replace(".", "").replace(",", "."))

    lines = [line.split("\t") for line in (DATA / "dak_nong_2024.tsv").read_text(encoding="utf-8").splitlines()[2:]
             if line.strip()]
    numbering = ["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=3-8", "7=2-5", "8=7/4x100"]
    for scale in (1, 100):
        rows = [numbering]
        for line in lines:
            figures = [vi(t) for t in line[2:10]]
            for i in (2, 5, 7):            # columns 3, 6, 8
                figures[i] = round(figures[i] / scale, 6)
            rows.append([line[0], line[1], *figures])
        grid = Grid("Biểu", rows)
        table = locate(grid)
        assert table.form.id == "lo-trinh-giam-ngheo-tinh" and len(table.unit_rows) == len(lines) - 1
        assert check_table(grid, table) == [], scale
        broken = Grid("Biểu", [list(r) for r in rows])
        broken.values[1][7] = round(1.8 / scale, 6)      # Krông Nô's 6 typed 1,8 for 3,78 - 2,99 = 0,79 → 0,8
        assert [(f.cell, f.rule) for f in check_table(broken, locate(broken)) if f.severity == "error"] == \
            [("H2", "formula-mismatch")], scale


def test_an_agreement_carries_the_severity_its_spec_gives():
    """Krông Nô's spec with its agreement made an error: the finding is an error, in its sheet."""
    import tomllib
    from importlib import resources

    from macros_py.forms.spec import _build

    text = (resources.files("macros_py.forms") / "krong_no_giam_ngheo.toml").read_text(encoding="utf-8")
    assert 'anchor = "2"\n' in text
    form = _build(tomllib.loads(text.replace('anchor = "2"\n', 'anchor = "2"\nseverity = "error"\n')))
    grid = Grid("Biểu 2020", [KRONG_NO, [1, "Buôn Choah", 73, 3.87, 56, 17, 13, 9.44]])
    found = check_table(grid, locate(grid, [form]))
    assert [(f.sheet, f.cell, f.rule, f.severity) for f in found] == [("Biểu 2020", "D2", "agree", "error")]


def cells_flagged(grid: Grid) -> list[str]:
    return sorted({f.cell for f in findings(grid)})


def test_every_rate_column_kept_as_fractions_including_the_changes():
    """Columns 3, 5, 7, 9, 11, 13 all fractions (7 = 5 - 3 as -0,025 for -2,5 points): clean."""
    assert findings(grid_of(fractions(three(), cols=(3, 5, 7, 9, 11, 13)), total=False)) == []


SMALL = {"Xã A": [1000, 5, 0.5, 4, 0.4, -1, -0.1, 6, 0.6, 5, 0.5, -1, -0.1],
         "Xã B": [2000, 8, 0.4, 6, 0.3, -2, -0.1, 10, 0.5, 8, 0.4, -2, -0.1],
         "Xã C": [500, 3, 0.6, 2, 0.4, -1, -0.2, 4, 0.8, 3, 0.6, -1, -0.2]}


def test_small_rates_kept_as_fractions_are_still_told_from_percentages():
    """Rates under 1 % (5/1000 = 0,5 %) as 0,005: 0,005 is 0,495 away from 0,5 (not the figure
    at face value), 0,5 once × 100."""
    assert findings(grid_of(SMALL, total=False)) == []
    assert findings(grid_of(fractions(SMALL, cols=(3, 5, 7, 9, 11, 13)), total=False)) == []
    found = cells_flagged(grid_of(fractions(SMALL, cols=(3, 5, 7, 9, 11, 13)), total=False, edits={"E2": 0.006}))
    assert "E2" in found and "E3" not in found


def test_rows_that_fit_neither_reading_do_not_vote():
    """Column 3: Yên Phúc 0,0825 (a fraction), Bình Phúc 0,5 (neither 9,72 nor 0,0972): the
    column reads as fractions, so only Bình Phúc's cell is wrong."""
    two = three("Yên Phúc", "Bình Phúc")
    assert cells_flagged(grid_of(fractions(two, cols=(3,), rows={"Yên Phúc"}), total=False, edits={"E3": 0.5})) == \
        ["E3", "I3"]


def test_three_percentages_outvote_two_fractions():
    five = three("Yên Phúc", "Bình Phúc", "Tân Đoàn", "Tràng Phái", "Điềm He")
    assert cells_flagged(grid_of(fractions(five, cols=(3,), rows={"Yên Phúc", "Bình Phúc"}), total=False)) == \
        ["E2", "E3", "I2", "I3"]


def test_a_blank_first_rate_does_not_stop_the_reading_of_the_column():
    assert findings(grid_of(fractions(three(), cols=(3,)), total=False, edits={"E2": None})) == []


def test_recalc_stores_figures_of_percent_cells_as_the_fractions_they_show(tmp_path):
    """Rates kept as fractions with a 0.00% format: recalc's formulas (=ROUND(…D2/C2,4)) carry
    stored results as fractions too (98/1188 = 8,25 % stored 0,0825), so a workbook opened
    without recalculation shows 8,25%, not 825,00%."""
    import openpyxl

    from macros_py.cli import main

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu"
    for col, text in enumerate(NUMBERING, start=1):
        ws.cell(1, col, text)
    units = three()
    for row, (name, values) in enumerate(units.items(), start=2):
        ws.cell(row, 1, row - 1)
        ws.cell(row, 2, name)
        for col, value in enumerate(values, start=3):
            cell = ws.cell(row, col, value)
            if col in (5, 7, 9, 11, 13, 15):          # columns 3, 5, 7, 9, 11, 13
                cell.value, cell.number_format = round(value / 100, 6), "0.00%"
    ws.cell(5, 1, 4)
    ws.cell(5, 2, "Xã chưa báo số hộ")             # households blank: its rates have no figure yet
    for col in (5, 7, 9, 11, 13, 15):
        ws.cell(5, col).number_format = "0.00%"
    wb.save(tmp_path / "a.xlsx")
    assert main(["recalc", str(tmp_path / "a.xlsx"), "-o", str(tmp_path / "b.xlsx")]) == 0
    formulas = openpyxl.load_workbook(tmp_path / "b.xlsx").active
    # 3=2/1x100 into a percent cell is D2/C2 (no x100); 7=5-3 and 13=11-9 subtract fractions as they are
    assert [formulas.cell(2, col).value for col in (5, 9, 11, 15)] == \
        ["=ROUND(IF(C2=0,0,D2/C2),4)", "=ROUND(G2-E2,4)", "=ROUND(IF(C2=0,0,J2/C2),4)", "=ROUND(M2-K2,4)"]
    out = openpyxl.load_workbook(tmp_path / "b.xlsx", data_only=True).active
    for row, values in enumerate(units.values(), start=2):
        households, poor, near = values[0], values[1], values[7]
        start, near_start = round(poor / households * 100, 2), round(near / households * 100, 2)
        assert out.cell(row, 5).value == pytest.approx(start / 100, abs=1e-9)                 # 3=2/1x100
        assert out.cell(row, 11).value == pytest.approx(near_start / 100, abs=1e-9)           # 9=8/1x100
        assert out.cell(row, 9).value == pytest.approx((values[4] - start) / 100, abs=1e-9)   # 7=5-3


def test_a_unit_without_poor_households_does_not_stop_the_reading_of_a_column():
    """A first unit with no poor households (rate 0, which votes neither way) before two
    fractions: the column still reads as fractions."""
    units = {"Xã Không": [400, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], **three("Yên Phúc", "Bình Phúc")}
    assert findings(grid_of(fractions(units, cols=(3,)), total=False)) == []


def test_rows_that_fit_neither_reading_do_not_outvote_one_that_fits():
    """Column 3: Yên Phúc 8,25 (a percentage), Bình Phúc 0,5 and Tân Đoàn 0,6 (neither 9,72 / 7,88
    nor a hundredth of them): the column reads as percentages; only the two odd cells are wrong."""
    assert cells_flagged(grid_of(three(), total=False, edits={"E3": 0.5, "E4": 0.6})) == ["E3", "E4", "I3", "I4"]


def test_of_the_households_both_targets_allow_the_central_one_is_offered():
    """Yên Phúc's households typed 11.860, with its start counts (columns 2, 8) blank so only the
    targets judge them: 5,75 % must give 68 ± 0,5 households (1.174–1.191) and 21,92 % must give
    260 ± 0,5 (1.184–1.188). Of 1.184–1.188 the central 1.186 strains the targets least
    (5,75 % of 1.186 = 68,20; 21,92 % of 1.186 = 259,97), more than 1.188 (68,31; 260,41) or
    1.184 (68,08; 259,53)."""
    found = findings(grid_of(three("Yên Phúc"), total=False, edits={"D2": None, "J2": None, "C2": 11860}))
    assert [(f.cell, f.rule, f.expected) for f in found if f.severity == "error"] == \
        [("C2", "likely-culprit", 1186), ("D2", "blank-input", None), ("J2", "blank-input", None)]
    assert found[0].message == ("Ô C2 (Yên Phúc, cột 1 — Tổng số hộ dân cư) có lẽ ghi sai: đang ghi 11.860; nếu là "
                                "1.186 thì 2 ô khác sẽ đúng theo: G2, M2.")


def test_a_provinces_target_rate_that_is_the_correct_rounding_holds():
    """9,71 % of 132.604 households is 12.875,8, 1,8 households from 12.874, yet 12.874/132.604 x 100
    = 9,7086 % rounds to 9,71: at two decimals no rate comes closer, so nothing is flagged."""
    row = list(PROVINCE)
    row[4], row[6] = 9.71, round(9.71 - 9.8, 2)
    assert findings(grid_of({"Tỉnh X": row}, total=False)) == []


# core/table.py (phase 4): what a sheet with a table but no unit rows is told, and which rows
# without figures are units.
def test_a_table_without_unit_rows_is_told_where_it_was_found():
    from dataclasses import replace

    from macros_py.commands.validate import validate_grids
    from macros_py.core.table import no_units_message

    grid = Grid("Biểu", [["BIỂU DỰ KIẾN GIẢM NGHÈO NĂM 2021"], list(NUMBERING)])
    result = validate_grids("x.xlsx", [grid])
    assert result.status == "no_form"
    assert result.error == ("Trang 'Biểu': tìm thấy biểu dự kiến giảm nghèo, cận nghèo (dòng đánh số cột, dòng 2) "
                            "nhưng không thấy dòng đơn vị nào bên dưới (mỗi đơn vị một dòng, có tên và số liệu). "
                            "Hãy kiểm tra lại trang này.")
    by_headers = replace(locate(grid), by_headers=True)
    assert no_units_message(by_headers).startswith(
        "Trang 'Biểu': tìm thấy biểu dự kiến giảm nghèo, cận nghèo (theo tiêu đề cột, dòng 2) nhưng")


def test_a_unit_not_yet_filled_in_keeps_its_row_and_a_note_row_is_not_a_unit():
    """A unit whose figures are not typed yet is a unit when its STT is a row number (2, '3.', ' 4 ');
    a row whose STT cell holds other text ('a)') or nothing is a note, not a unit."""
    units = three()
    rows = [list(NUMBERING), [1, "Yên Phúc", *units["Yên Phúc"]], [2, "Thôn Nà Pán", None],
            ["3.", "Bình Phúc"], [" 4 ", "Tân Đoàn"], ["a)", "Thôn mới tách"],
            [None, "Xã Tri Lễ (gửi sau)"], [5, "Tràng Phái", *UNITS["Tràng Phái"]],
            [None, "Cộng", *total_of([units["Yên Phúc"], UNITS["Tràng Phái"]])]]
    table = locate(Grid("Biểu", rows))
    names = [rows[r - 1][1] for r in table.unit_rows]
    assert names == ["Yên Phúc", "Thôn Nà Pán", "Bình Phúc", "Tân Đoàn", "Tràng Phái"]
    assert table.total_row == len(rows)


def _exact_rows(inputs: dict[str, list[float]]) -> dict[str, list[float]]:
    """Rows whose formula columns hold what a formula leaves (unrounded: 98/1188*100 = 8.2491582…),
    as a workbook whose formulas a reader cannot see (.xls, .ods, the remote engine) still shows."""
    out = {}
    for name, v in inputs.items():
        c = {n: v[n - 1] for n in (1, 2, 4, 5, 8, 10, 11)}
        c[3], c[9] = c[2] / c[1] * 100, c[8] / c[1] * 100
        c[6], c[7], c[12], c[13] = c[4] - c[2], c[5] - c[3], c[10] - c[8], c[11] - c[9]
        out[name] = [c[n] for n in range(1, 14)]
    return out


@pytest.mark.parametrize("noise", [0.0, 2e-9])
def test_where_formulas_cannot_be_seen_exact_figures_are_taken_for_formulas(noise):
    """Formulas unknown: a column whose every figure is exactly what the form computes is read as
    formulas, so a wrong count (more poor households than households, a total that does not add up)
    is named as the one cell to mend, the rate computed from it following (binary noise of a few
    1e-9 is still exact). Two units are enough to tell."""
    right = _exact_rows(three("Yên Phúc", "Bình Phúc"))
    typed = dict(right)
    wrong = dict(zip(range(1, 14), right["Bình Phúc"]))
    wrong[2] = 9700.0                                       # 97 poor households typed 9700
    wrong[3], wrong[6] = wrong[2] / wrong[1] * 100 + noise, wrong[4] - wrong[2]
    wrong[7] = wrong[5] - wrong[3]
    typed["Bình Phúc"] = [wrong[n] for n in range(1, 14)]
    rows = [list(NUMBERING)] + [[i, n, *v] for i, (n, v) in enumerate(typed.items(), start=1)]
    t = {n: right["Yên Phúc"][n - 1] + right["Bình Phúc"][n - 1] for n in (1, 2, 4, 5, 8, 10, 11)}
    t[3], t[9] = t[2] / t[1] * 100, t[8] / t[1] * 100
    t[5], t[11] = t[4] / t[1] * 100, t[10] / t[1] * 100
    t[6], t[7], t[12], t[13] = t[4] - t[2], t[5] - t[3], t[10] - t[8], t[11] - t[9]
    rows.append([None, "Cộng", *[t[n] for n in range(1, 14)]])
    grid = Grid("Biểu", rows)
    assert not grid.knows_formulas
    culprits = [f for f in findings(grid) if f.rule == "likely-culprit"]
    assert [(f.cell, f.expected) for f in culprits] == [("D3", 97.0)]
    assert {"E3", "H3"} <= set(culprits[0].follows)


# ------------------------------------------------------------- core/sheet_check.py: how a cell prints

def _sheet_check(style=None, **planted):
    """A hand-made table's SheetCheck, read as the file engine reads a LibreOffice-saved workbook."""
    from handmade import HandmadeTable, Style
    from macros_py.core.checks import run_checks

    table = HandmadeTable(style or Style(), **planted)
    grid = table.grid()
    check, _ = run_checks(grid, locate(grid))
    return table, check


def test_same_shown_is_half_a_unit_of_the_last_printed_place_with_a_relative_allowance():
    """Two figures print the same within half a unit of the last decimal the form shows (0,005 for
    a rate, 0,5 for a count), with an allowance of 1e-7 of the figure for the noise of arithmetic."""
    table, check = _sheet_check()
    row = table.unit_rows[0]
    rate, count = (row, table.col("3")), (row, table.col("1"))
    assert check.same_shown(rate, 8.25, 8.2545) and not check.same_shown(rate, 8.25, 8.2555)
    assert check.same_shown(count, 1e6, 1e6 + 0.55)             # 0,5 + 1e-7 × 1.000.000 = 0,6
    assert not check.same_shown(count, 1e6, 1e6 + 0.65)
    assert check.same_shown(count, 0.0, 0.5 + 1e-7)              # at the edge itself
    assert not check.same_shown(count, 1.0, 1.5 + 1.5e-7)        # allowance 1e-7 × max(1, |a|)
    assert check.same_shown(count, None, None) and not check.same_shown(count, None, 0.0)


def test_the_places_a_cell_is_quoted_at():
    """Counts whole (33, never 33,00), or as typed where they are not whole; rates at the decimals
    their cell's format shows (0.0: one), else at the form's two."""
    from handmade import Style

    table, check = _sheet_check(Style(rate_format="0.0"), typos={(2, "1"): 316.5})
    row, odd = table.unit_rows[0], table.unit_rows[2]
    assert check.shown_places((row, table.col("1"))) == 0
    assert check.shown_places((odd, table.col("1"))) is None
    assert check.shown_places((row, table.col("5"))) == 1
    _, plain = _sheet_check()
    assert plain.shown_places((row, table.col("5"))) == 2
    general, loose = _sheet_check(Style(rate_format="General"))      # General: the form's two (7,00)
    assert [loose.shown_places((general.unit_rows[i], general.col("5"))) for i in (0, 7, 16)] == [2, 2, 2]


def test_where_names_a_row_without_a_name_by_its_number():
    from macros_py.core.table import locate as find

    table, check = _sheet_check()
    grid = table.grid()
    unit, total = table.unit_rows[4], table.total_row
    name_col = table.col("B")
    grid.values[unit - 1][name_col - 1] = None
    from macros_py.core.checks import run_checks
    check, _ = run_checks(grid, find(grid))
    assert check.where((unit, table.col("2"))) == f"dòng {unit}, cột 2 — Số hộ nghèo đầu năm"
    assert check.where((total, table.col("1"))) == "dòng Cộng, cột 1 — Tổng số hộ dân cư"
    assert check.where((unit + 1, table.col("1"))) == f"{table.units[5][0]}, cột 1 — Tổng số hộ dân cư"


def test_a_figure_is_written_as_the_officer_reads_it():
    """A count whole even with arithmetic noise (33, not 33,00), a count that is not whole with its
    decimals (316,50), a blank cell as '(trống)' with no percent sign after it, a fraction-stored
    rate with its sign (8,25%)."""
    from handmade import Style
    from macros_py.core.checks import run_checks
    from macros_py.core.table import locate as find

    table, _ = _sheet_check(Style(rates="percent"))
    grid = table.grid()
    row, odd, blank = table.unit_rows[0], table.unit_rows[2], table.unit_rows[4]
    grid.values[odd - 1][table.col("1") - 1] = 316.5
    grid.values[blank - 1][table.col("5") - 1] = None
    check, _ = run_checks(grid, find(grid))
    assert check.shown((row, table.col("1")), 33.00000001) == "33"
    assert check.shown((odd, table.col("1"))) == "316,50"
    assert check.shown((blank, table.col("5"))) == "(trống)"
    assert check.shown((row, table.col("5")), 8.25) == "8,25%"


@pytest.mark.parametrize("groups", [0, 2])
def test_formulas_the_engine_cannot_see_get_the_same_advice(groups):
    """A workbook read without its formulas (.xls or .ods through calamine, xlwings' remote engine):
    the columns and totals that are exactly what the form computes are taken as formulas, so Tràng
    Phái's 33 typed 3320 gets word for word the advice it gets where the formulas are seen: the
    culprit, the totals and subtotals that follow it and what each will show."""
    from handmade import HandmadeTable, Style

    table = HandmadeTable(Style(formulas=True, total="first", groups=groups), typos={(3, "4"): 3320})
    seen, unseen = table.grid(), table.grid()
    unseen.formulas, unseen.knows_formulas = {}, False
    advice = [[(f.cell, f.rule, f.message) for f in check_table(g, locate(g)) if f.severity != "info"]
              for g in (seen, unseen)]
    assert advice[0] == advice[1]
    assert sum(rule == "follows-culprit" for _, rule, _ in advice[1]) == (10 if groups else 6)     # G, H of the row; F to I of the total (and of the subtotal)
