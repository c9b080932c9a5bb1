"""Advice that blames the right cell: a wrong count is named as the count, never as a correct
rate ("tỷ lệ đúng là khoảng 30,08%"); where the rules cannot tell which of a rate and its count
is wrong, the message says what each would have to be and blames neither.

The commune's workbook is the tool's own template filled in, then one count typed wrong, the way
the reviewer's inbox was made (Điềm He's villages, "Thôn Nà 2" planned 34 poor households at the
end of the year against 37 at the start, typed 77); expected figures are plain arithmetic.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from handmade import NUMBERS, HandmadeTable, Style, build_workbook, round_half_up, van_quan
from macros_py.cli import main
from macros_py.commands.validate import validate_file
from macros_py.forms.spec import get_form
from macros_py.write.layout import Unit, make_layout
from macros_py.write.xlsx_writer import write_new_workbook

# Điềm He's villages: households, poor start, poor end, target rate, near-poor start, end, rate.
VILLAGES = [("Thôn Nà 1", 399, 30, 29, 7.27, 36, 32, 8.02), ("Thôn Nà 2", 256, 37, 34, 13.28, 38, 35, 13.67),
            ("Thôn Nà 3", 316, 11, 6, 1.90, 52, 49, 15.51), ("Thôn Nà 4", 231, 7, 3, 1.30, 10, 8, 3.46),
            ("Thôn Nà 5", 254, 37, 32, 12.60, 28, 26, 10.24), ("Thôn Nà 6", 254, 22, 16, 6.30, 39, 38, 14.96),
            ("Thôn Nà 7", 239, 25, 22, 9.21, 16, 15, 6.28)]
ROW = 9        # Thôn Nà 2 in the template: title, subtitle, a blank line, three header rows, numbering, units
F, G = "F", "G"     # column 4 (poor households at the end of the year) and 5 (its target rate)


def commune(path: Path, end_poor: int) -> Path:
    units = [Unit(name, {"1": h, "2": p, "4": (end_poor if name == "Thôn Nà 2" else e), "5": r,
                         "8": n, "10": ne, "11": nr})
             for name, h, p, e, r, n, ne, nr in VILLAGES]
    write_new_workbook(make_layout(get_form(), units, year=2026, unit="xã Điềm He"), path)
    ws = openpyxl.load_workbook(path)["Biểu"]
    assert ws[f"B{ROW}"].value == "Thôn Nà 2" and ws[f"{F}{ROW}"].value == end_poor
    return path


def test_the_planted_count_is_named_with_the_value_the_rate_gives(tmp_path):
    """77 against 37 at the start: the count breaks its target rate and 'end ≤ start'. The count is
    the culprit, with 13,28% of 256 = 34 households, and no finding says the rate should be 30,08."""
    path = commune(tmp_path / "diem_he.xlsx", 77)
    (sheet,) = validate_file(path).sheets
    errors = [f for f in sheet.findings if f.severity == "error"]
    assert [(f.cell, f.rule) for f in errors] == [(f"{F}{ROW}", "likely-culprit")]
    assert errors[0].expected == round(13.28 * 256 / 100) == 34
    wrong_rate = f"{77 / 256 * 100:.2f}".replace(".", ",")     # 30,08: what blaming the rate would say
    assert not any(wrong_rate in f.message for f in sheet.findings)


def test_the_submission_sheet_names_the_count(tmp_path):
    """The consolidation's 'Tình hình nộp' quotes the commune's first error: it names F9, the count."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    commune(box / "bieu_Diem_He.xlsx", 77)
    out = tmp_path / "tong_hop.xlsx"
    assert main(["consolidate", str(box), "--units", "Điềm He", "--year", "2026", "--unit", "huyện Văn Quan",
                 "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Tình hình nộp"]
    note = next(row[5] for row in ws.iter_rows(values_only=True) if row[1] == "Điềm He")
    assert f"Ô {F}{ROW}" in note and "đang ghi 77" in note and "nếu là 34" in note
    assert "30,08" not in note and "tỷ lệ đúng" not in note


@pytest.mark.parametrize("end_poor", [30, 36])
def test_when_only_the_rate_rule_breaks_the_message_blames_neither(tmp_path, end_poor):
    """30 (or 36) typed for 34: below the start, so only 'rate within half a household of its count'
    breaks, and that one rule cannot tell whether the rate or the count is wrong. The finding names
    both cells and what each would have to be; it never asserts that the rate is the wrong one."""
    path = commune(tmp_path / "diem_he.xlsx", end_poor)
    (sheet,) = validate_file(path).sheets
    errors = [f for f in sheet.findings if f.severity == "error"]
    assert [(f.cell, f.rule) for f in errors] == [(f"{G}{ROW}", "rate-count-mismatch")]
    message = errors[0].message
    rate_from_count = f"{end_poor / 256 * 100:.2f}".replace(".", ",")
    count_from_rate = round(13.28 * 256 / 100)
    assert f"{F}{ROW}" in message and f"{G}{ROW}" in message
    assert f"tỷ lệ là khoảng {rate_from_count}%" in message and f"số hộ là khoảng {count_from_rate}" in message
    assert "tỷ lệ đúng là" not in message


# --------------------------------------------------------------------------- the whole advice, word for word
# Hand-made tables (tests/handmade.py: formulas as officers type them, saved by openpyxl, so the tool
# computes what Excel will show): one count typed wrong, and every finding it causes compared whole
# with a message built here from figures worked out by plain arithmetic (handmade's `values`).

TITLES = {"1": "Tổng số hộ dân cư", "2": "Số hộ nghèo đầu năm", "3": "Tỷ lệ hộ nghèo đầu năm (%)",
          "4": "Số hộ nghèo cuối năm", "5": "Tỷ lệ hộ nghèo cuối năm (%)", "6": "Số hộ nghèo tăng (+), giảm (-)",
          "7": "Tỷ lệ hộ nghèo tăng (+), giảm (-)", "8": "Số hộ cận nghèo đầu năm",
          "9": "Tỷ lệ hộ cận nghèo đầu năm (%)", "10": "Số hộ cận nghèo cuối năm",
          "11": "Tỷ lệ hộ cận nghèo cuối năm (%)", "12": "Số hộ cận nghèo tăng (+), giảm (-)",
          "13": "Tỷ lệ hộ cận nghèo tăng (+), giảm (-)"}
RATE_COLUMNS = {"3", "5", "7", "9", "11", "13"}


def vn(value: float, number: str) -> str:
    """A figure as the messages print it: 3.320, -473, 32,38."""
    text = f"{value:,.2f}" if number in RATE_COLUMNS else f"{round(value):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def advice(path: Path) -> dict[str, tuple[str, str]]:
    """cell → (rule, message) of every finding that is not a note; each cell is named once."""
    (sheet,) = validate_file(path).sheets
    found = [(f.cell, f.rule, f.message) for f in sheet.findings if f.severity != "info"]
    assert len({cell for cell, _, _ in found}) == len(found), found
    return {cell: (rule, message) for cell, rule, message in found}


def handmade_file(tmp_path: Path, table) -> Path:
    path = tmp_path / "handmade.xlsx"
    build_workbook([table]).save(path)
    return path


class Place:
    """Where a cell is in a hand-made table, as the messages say it."""

    def __init__(self, table, row: int):
        self.table, self.row = table, row

    def where(self, number: str) -> str:
        t = self.table
        name = t.cells[(self.row, t.col("B"))].value      # as typed: "Tràng Phái", "Toàn huyện", "Các xã khu vực I"
        who = name if self.row in t.unit_rows else f"dòng {name}"
        return f"{who}, cột {number} — {TITLES[number]}"

    def ref(self, number: str) -> str:
        return f"{self.table.letter(number)}{self.row}"


def follows(place: Place, number: str, culprit: str, cause: str, now: float | None, then: float | None,
            error: str | None = None) -> str:
    """A follows-culprit message: a formula cell that will show another figure (then given), or a
    typed cell of a rule the correction mends (then None)."""
    if then is None:
        state, remedy = f"không khớp (đang ghi {vn(now, number)})", f"sửa {culprit} thì ô này khớp"
    else:
        state = f"báo lỗi {error}" if error else f"đang ghi {vn(now, number)}"
        remedy = f"sửa {culprit} thì ô này thành {vn(then, number)}"
    return f"Ô {place.ref(number)} ({place.where(number)}) {state} vì ô {culprit} {cause}; {remedy}."


def test_a_count_typed_wrong_under_subtotals_is_named_once_and_each_cell_it_spoils_says_so(tmp_path):
    """Total first, two Roman-numbered groups with their subtotals, live formulas: Tràng Phái's 33 poor
    households at the end of the year typed 3320. The culprit's message lists the cells that will be
    right, its own row first, then the total and the subtotal row by row; each of them says what it
    shows now and what it will show once the count is mended."""
    style = Style(total="first", formulas=True, groups=2)
    table = HandmadeTable(style, typos={(3, "4"): 3320})
    wrong = HandmadeTable(style, edits={(3, "4"): 3320}).values     # what the formulas show with 3320
    unit_row, total, sub = table.unit_rows[3], table.total_row, list(table.subtotal_rows)[0]
    assert total < sub < unit_row and table.units[3][0] == "Tràng Phái" and table.values[unit_row]["4"] == 33
    unit, culprit = Place(table, unit_row), f"F{unit_row}"
    cause = "có lẽ ghi sai"
    spoiled = [(unit, "6")] + [(Place(table, r), n) for r in (total, sub) for n in ("4", "5", "6", "7")]
    expected = {culprit: ("likely-culprit", f"Ô {culprit} ({unit.where('4')}) có lẽ ghi sai: đang ghi 3.320; nếu là 33 "
                          f"thì 10 ô khác sẽ đúng theo: {unit.ref('5')}, "
                          + ", ".join(p.ref(n) for p, n in spoiled) + ".")}
    expected[unit.ref("5")] = ("follows-culprit", follows(unit, "5", culprit, cause, table.values[unit_row]["5"], None))
    for place, n in spoiled:
        expected[place.ref(n)] = ("follows-culprit", follows(place, n, culprit, cause, wrong[place.row][n],
                                                             table.values[place.row][n]))
    assert advice(handmade_file(tmp_path, table)) == expected


def test_a_count_typed_as_text_is_named_with_its_text_at_the_culprit_and_at_each_cell_it_spoils(tmp_path):
    """The same slip typed as the text '3320' in a table whose formula columns were pasted as figures:
    the culprit says the cell holds text to retype as a number, and each cell of a rule it breaks
    says that its cause is that text."""
    table = HandmadeTable(Style(total="first"), typos={(3, "4"): "3320"})
    row = table.unit_rows[3]
    unit, total, culprit = Place(table, row), Place(table, table.total_row), f"F{row}"
    cause = "chứa số dạng văn bản '3320' và có lẽ ghi sai"
    expected = {
        culprit: ("likely-culprit", f"Ô {culprit} ({unit.where('4')}) có lẽ ghi sai: đang ghi 3.320; nếu là 33 thì 3 ô "
                  f"khác sẽ đúng theo: G{row}, H{row}, F{table.total_row} (ô đang chứa số dạng văn bản '3320': "
                  "hãy gõ lại thành số)."),
        f"G{row}": ("follows-culprit", follows(unit, "5", culprit, cause, table.values[row]["5"], None)),
        f"H{row}": ("follows-culprit", follows(unit, "6", culprit, cause, table.values[row]["6"], None)),
        f"F{table.total_row}": ("follows-culprit", follows(total, "4", culprit, cause,
                                                           table.values[table.total_row]["4"], None)),
    }
    assert advice(handmade_file(tmp_path, table)) == expected


def test_an_error_value_another_unit_sends_into_the_total_is_never_blamed_on_the_culprit(tmp_path):
    """Tràng Phái's count typed 3320 while another commune's cell of the same column shows #N/A: the
    total sums that error, so it shows #N/A whatever Tràng Phái types. The total keeps its own
    error finding; the culprit's advice names only the cells its correction mends."""
    style = Style(total="first", formulas=True)
    table = HandmadeTable(style, typos={(3, "4"): 3320, (5, "4"): "#N/A"})
    row, top = table.unit_rows[3], table.total_row
    wrong = HandmadeTable(style, edits={(3, "4"): 3320}).values
    unit, culprit = Place(table, row), f"F{row}"
    found = advice(handmade_file(tmp_path, table))
    assert found[culprit] == ("likely-culprit", f"Ô {culprit} ({unit.where('4')}) có lẽ ghi sai: đang ghi 3.320; "
                              f"nếu là 33 thì 2 ô khác sẽ đúng theo: G{row}, H{row}.")
    assert found[f"H{row}"] == ("follows-culprit", follows(unit, "6", culprit, "có lẽ ghi sai", wrong[row]["6"],
                                                           table.values[row]["6"]))
    for letter in "FGHI":      # the total's counts and rates of the poor: the error, said as an error
        assert found[f"{letter}{top}"][0] == "cell-error" and "#N/A" in found[f"{letter}{top}"][1]
    assert not any(rule == "follows-culprit" and cell.endswith(str(top)) for cell, (rule, _) in found.items())


def test_an_error_value_the_culprit_causes_is_said_with_the_figure_it_will_show(tmp_path):
    """Households typed 0 in a table saved by LibreOffice: its rate formulas (=D12/C12*100) store
    #DIV/0!. Those cells are named once, as following the culprit: "báo lỗi #DIV/0! vì ô C12 có lẽ ghi
    sai; sửa C12 thì ô này thành …". The vendored file is handmade.HandmadeTable(Style(total="first",
    formulas=True), typos={(3, "1"): 0}) saved through LibreOffice 7 (`save_through_libreoffice`)."""
    table = HandmadeTable(Style(total="first", formulas=True), typos={(3, "1"): 0})
    row = table.unit_rows[3]
    path = shutil.copy(Path(__file__).parent / "data" / "culprit_div0_libreoffice.xlsx", tmp_path / "t.xlsx")
    found = advice(path)
    rule, message = found[f"C{row}"]
    proposed = int(message.split("nếu là ")[1].split(" ")[0].replace(".", ""))
    unit, culprit = Place(table, row), f"C{row}"
    r = table.values[row]
    for n, count in (("3", "2"), ("9", "8")):      # 3=2/1x100, 9=8/1x100 with the proposed households
        then = round(r[count] / proposed * 100, 2)
        assert found[unit.ref(n)] == ("follows-culprit", follows(unit, n, culprit, "có lẽ ghi sai", None, then,
                                                                 error="#DIV/0!"))
    assert rule == "likely-culprit" and not any(rule == "cell-error" for rule, _ in found.values())


# --------------------------------------------------------------------------- which count is proposed
# Households typed ten times too many. Two typed target rates each allow a range of households
# (within half a household of their counts); the proposal must mend both, so it lies where the ranges
# meet, and of those counts it is the one that mends them most exactly. Expected by brute force.

def _rate_gap(rate: float, count: float, households: int) -> float:
    return abs(rate * households / 100 - count)


@pytest.mark.parametrize("inputs, true_households", [
    # 2,00% of [875, 925] is 18 within half a household; 5,05% of [862, 881] is 44: they meet on [875, 881]
    ({"2": 20, "4": 18, "5": 2.00, "8": 50, "10": 44, "11": 5.05}, 878),
    # 2,00% → [875, 925]; 4,85% of [918, 938] is 45: they meet on [918, 925]
    ({"2": 20, "4": 18, "5": 2.00, "8": 50, "10": 45, "11": 4.85}, 920),
    # 13,28% of 256 is 34 (Thôn Nà 2) and 13,67% is 35: [253, 260] and [252, 259]
    ({"2": 37, "4": 34, "5": 13.28, "8": 38, "10": 35, "11": 13.67}, 256),
    # Tràng Phái: 3,93% of [827, 852] is 33 and 10,65% of [831, 840] is 89; 89/10,65% = 835,7 mends both best
    ({"2": 41, "4": 33, "5": 3.93, "8": 101, "10": 89, "11": 10.65}, 831),
    # 2,00% → [875, 925] and 10,00% of [865, 875] is 87: they meet at one count
    ({"2": 20, "4": 18, "5": 2.00, "8": 90, "10": 87, "11": 10.00}, 875),
])
def test_the_households_proposed_mend_both_rates_and_are_the_closest_count_that_does(tmp_path, inputs,
                                                                                    true_households):
    units = van_quan()[:4] + [("Xã Thử", {"1": true_households, **inputs})]
    table = HandmadeTable(Style(formulas=True), units=units, typos={(4, "1"): true_households * 10})
    rates = [(inputs["5"], inputs["4"]), (inputs["11"], inputs["10"])]
    assert all(_rate_gap(r, c, true_households) <= 0.5 for r, c in rates)
    mending = [h for h in range(1, 5000) if all(_rate_gap(r, c, h) <= 0.5 + 1e-9 for r, c in rates)]
    best = min(mending, key=lambda h: (round(sum(_rate_gap(r, c, h) for r, c in rates), 6), h))
    row = table.unit_rows[4]
    rule, message = advice(handmade_file(tmp_path, table))[f"C{row}"]
    assert rule == "likely-culprit"
    assert f"đang ghi {vn(true_households * 10, '1')}; nếu là {vn(best, '1')} thì" in message


# --------------------------------------------------------------------------- the searches themselves
class _Band:
    """A rule that holds while the trial value lies in [lo, hi]."""

    solvable = True

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def holds(self, look) -> bool:
        value = look("x")
        return isinstance(value, float) and self.lo <= value <= self.hi and value == int(value)


def _trial(start):
    def trial(value):
        return lambda cell: value
    trial.start = start
    return trial


@pytest.mark.parametrize("lo, hi, start", [(827, 852, 840), (0, 5, 1), (0, 5, 5), (0, 5, 3), (10, 10, 10),
                                           (3, 40, 39), (3, 40, 4), (100, 777_777, 101), (2, 9, 2)])
def test_the_edge_of_a_range_of_counts_is_found_exactly(lo, hi, start):
    """From a count at which the rule holds, the last whole count either way at which it still holds
    (never a negative count)."""
    from macros_py.core.culprits import _edge

    band = _Band(lo, hi)
    assert _edge(band, _trial(start), float(start), -1) == max(lo, 0)
    assert _edge(band, _trial(start), float(start), 1) == hi


class _Residual:
    solvable = True

    def __init__(self, fn):
        self.fn = fn

    def residual(self, look):
        return self.fn(look("x"))


@pytest.mark.parametrize("fn, start, root, within", [
    (lambda x: 0.0393 * x - 33, 8300.0, 33 / 0.0393, 1e-10),            # a rate's count: linear, exact at once
    (lambda x: 33 / x * 100 - 3.93, 900.0, 3300 / 3.93, 1e-10),         # a rate from households, near its root
    (lambda x: (x - 7.25) ** 3, 3.0, 7.25, 1e-6),                       # flat at its root: mended within 1e-6
    (lambda x: x * x + 1, 2.0, None, None),                             # no root
    (lambda x: x * x + 0.5, 2.0, None, None),                           # no root, yet never far from one
    (lambda x: None if x > 100 else x - 150, 10.0, None, None),         # the rule cannot be read on the way
    (lambda x: 5.0, 1.0, None, None),                                   # the value does not matter to the rule
])
def test_the_value_that_mends_a_rule_is_solved_or_none(fn, start, root, within):
    """The secant search behind every proposed value: the value at which the rule's residual is 0
    (to 1e-10 where it gets there, else 1e-6), or None."""
    from macros_py.core.culprits import _solve

    found = _solve(_Residual(fn), _trial(start))
    if root is None:
        assert found is None
    else:
        assert abs(fn(found)) < within and found == pytest.approx(root, abs=1e-2)


def test_two_counts_typed_wrong_in_one_column_share_the_total_which_is_named_once_with_both(tmp_path):
    """Tràng Phái's 33 typed 3320 and Khánh Khê's 46 typed 4600: the total and its rates follow both.
    Each of those cells is named once, with what it shows now (both slips in it) and what it will show
    once both are mended; each culprit's own row follows it alone."""
    style = Style(total="first", formulas=True)
    slips = {(3, "4"): 3320, (5, "4"): 4600}
    table = HandmadeTable(style, typos=slips)
    wrong = HandmadeTable(style, edits=slips).values
    top, rows = table.total_row, [table.unit_rows[3], table.unit_rows[5]]
    cause = "có lẽ ghi sai"
    expected = {}
    for (unit, _), typed, row in zip(slips, slips.values(), rows):
        place, culprit = Place(table, row), f"F{row}"
        right = table.values[row]["4"]
        expected[culprit] = ("likely-culprit", f"Ô {culprit} ({place.where('4')}) có lẽ ghi sai: đang ghi "
                             f"{vn(typed, '4')}; nếu là {vn(right, '4')} thì 6 ô khác sẽ đúng theo: G{row}, H{row}, "
                             f"F{top}, G{top}, H{top}, I{top}.")
        expected[f"G{row}"] = ("follows-culprit", follows(place, "5", culprit, cause, table.values[row]["5"], None))
        expected[f"H{row}"] = ("follows-culprit", follows(place, "6", culprit, cause, wrong[row]["6"],
                                                          table.values[row]["6"]))
    both = f"F{rows[0]} và F{rows[1]}"
    total = Place(table, top)
    for n in ("4", "5", "6", "7"):
        expected[total.ref(n)] = ("follows-culprit", follows(total, n, both, cause, wrong[top][n], table.values[top][n]))
    assert advice(handmade_file(tmp_path, table)) == expected


def test_a_rate_typed_wrong_is_named_with_the_rate_at_its_decimals(tmp_path):
    """3,93% typed 39,3 in a table whose differences were typed: the rate breaks its count and
    7=5-3; it is named at two decimals, and the typed difference follows it."""
    table = HandmadeTable(Style(), typos={(3, "5"): 39.3})
    row = table.unit_rows[3]
    place, culprit = Place(table, row), f"G{row}"
    right = table.values[row]
    assert advice(handmade_file(tmp_path, table)) == {
        culprit: ("likely-culprit", f"Ô {culprit} ({place.where('5')}) có lẽ ghi sai: đang ghi 39,30; nếu là "
                  f"{vn(right['5'], '5')} thì 1 ô khác sẽ đúng theo: I{row}."),
        f"I{row}": ("follows-culprit", follows(place, "7", culprit, "có lẽ ghi sai", right["7"], None)),
    }


def test_three_counts_typed_wrong_in_one_column_are_listed_with_commas_then_và(tmp_path):
    """Three slips in one column: the total and its rates follow all three, named "F12, F14 và F16"
    in the cause and the remedy. Each finding also carries, as figures, what the cell shows now and
    what it will show once the three are mended (the JSON report and the add-in read these)."""
    style = Style(total="first", formulas=True)
    slips = {(3, "4"): 3320, (5, "4"): 4600, (7, "4"): 1900}
    table = HandmadeTable(style, typos=slips)
    wrong = HandmadeTable(style, edits=slips).values
    top = table.total_row
    rows = [table.unit_rows[unit] for unit, _ in slips]
    three = f"F{rows[0]}, F{rows[1]} và F{rows[2]}"
    total = Place(table, top)
    path = handmade_file(tmp_path, table)
    found = advice(path)
    for n in ("4", "5", "6", "7"):
        assert found[total.ref(n)] == ("follows-culprit", follows(total, n, three, "có lẽ ghi sai", wrong[top][n],
                                                                  table.values[top][n]))
    (sheet,) = validate_file(path).sheets
    figures = {f.cell: (f.actual, f.expected) for f in sheet.findings if f.rule == "follows-culprit"}
    for n in ("4", "6"):      # counts: whole households
        assert figures[total.ref(n)] == (pytest.approx(wrong[top][n]), pytest.approx(table.values[top][n]))
    for n in ("5", "7"):      # rates: what the formula shows, unrounded, and the rate once mended
        assert figures[total.ref(n)] == (pytest.approx(wrong[top][n], abs=0.005),
                                         pytest.approx(table.values[top][n], abs=0.005))


def test_a_typed_total_two_slips_spoil_follows_both_and_each_culprit_names_it(tmp_path):
    """Figures pasted from Word: Tràng Phái's count is the text '3320', Khánh Khê's count typed 4600.
    The typed total (right) matches the units only once both are mended: its finding names both
    cells, each with its own cause, and each culprit counts it among the cells it mends. (It used to
    follow the second culprit alone, "sửa F14 thì ô này khớp", which mending F14 alone does not do.)"""
    slips = {(3, "4"): "3320", (5, "4"): 4600}
    table = HandmadeTable(Style(total="first"), typos=slips)
    top = table.total_row
    rows = [table.unit_rows[3], table.unit_rows[5]]
    found = advice(handmade_file(tmp_path, table))
    total = Place(table, top)
    cause = f"chứa số dạng văn bản '3320' và có lẽ ghi sai, ô F{rows[1]} có lẽ ghi sai"
    assert found[total.ref("4")] == ("follows-culprit", follows(total, "4", f"F{rows[0]}", cause,
                                                                table.values[top]["4"], None)
                                     .replace(f"sửa F{rows[0]} thì", f"sửa F{rows[0]} và F{rows[1]} thì"))
    for unit, row in zip((3, 5), rows):
        right = vn(table.values[row]["4"], "4")
        assert f"nếu là {right} thì 3 ô khác sẽ đúng theo: G{row}, H{row}, F{top}" in found[f"F{row}"][1]


def test_the_cells_a_correction_mends_are_those_whose_printed_figure_changes(tmp_path):
    """Tràng Phái's 831 households typed 826: its typed target rates (5 and 11) no longer fit their
    counts, and the culprit's message lists the cells that will be right once it is mended: those
    two rates, and every formula cell whose printed figure the correction changes. The total's rate
    of column 5 moves by less than 0,005 and prints the same either way: it is not listed."""
    style = Style(total="first", formulas=True)
    table = HandmadeTable(style, typos={(3, "1"): 826})
    wrong = HandmadeTable(style, edits={(3, "1"): 826}).values
    row, top = table.unit_rows[3], table.total_row
    assert table.values[row]["1"] == 831

    def printed(value, number):
        return vn(round_half_up(value, 2) if number in RATE_COLUMNS else value, number)

    def changes(r, number):
        return printed(wrong[r][number], number) != printed(table.values[r][number], number)

    formulas = ("3", "6", "7", "9", "12", "13")
    listed = [table.letter(n) + str(row) for n in NUMBERS if n in ("5", "11") or (n in formulas and changes(row, n))]
    listed += [table.letter(n) + str(top) for n in NUMBERS if changes(top, n)]     # the total: all formulas
    assert not changes(top, "5") and f"G{top}" not in listed
    rule, message = advice(handmade_file(tmp_path, table))[f"C{row}"]
    assert (rule, message.split(" sẽ đúng theo: ")[1]) == ("likely-culprit", ", ".join(listed) + ".")


def test_a_cell_follows_only_the_slips_whose_correction_changes_what_it_prints(tmp_path):
    """Tràng Phái's poor households 33 typed 3320 and Khánh Khê's 435 households typed 415 (the
    tool proposes 431, which its two target rates allow). The total's column 7 (5-3, a difference
    of rates) prints 20,35; mending F12 makes it -3,42, and mending C14 as proposed as well leaves
    -3,42: it follows F12 alone, and C14's list of the cells it mends leaves it out, though C14's
    households reach it."""
    style = Style(total="first", formulas=True)
    slips = {(3, "4"): 3320, (5, "1"): 415}
    table = HandmadeTable(style, typos=slips)
    top, f12, c14 = table.total_row, table.unit_rows[3], table.unit_rows[5]
    assert (table.values[c14]["1"], f"F{f12}", f"C{c14}") == (435, "F12", "C14")
    found = advice(handmade_file(tmp_path, table))
    proposed = int(found[f"C{c14}"][1].split("nếu là ")[1].split(" ")[0])
    both_wrong = HandmadeTable(style, edits=slips).values
    f12_mended = HandmadeTable(style, edits={(5, "1"): 415}).values
    both_mended = HandmadeTable(style, edits={(5, "1"): proposed}).values

    def printed(values):
        return vn(round_half_up(values[top]["7"], 2), "7")

    assert printed(f12_mended) == printed(both_mended) != printed(both_wrong)
    total = Place(table, top)
    assert found[f"I{top}"] == ("follows-culprit", follows(total, "7", f"F{f12}", "có lẽ ghi sai",
                                                           both_wrong[top]["7"], f12_mended[top]["7"]))
    assert f"I{top}" not in found[f"C{c14}"][1] and f"I{top}" in found[f"F{f12}"][1]


def test_a_guarded_formula_the_text_leaves_blank_is_said_to_be_blank(tmp_path):
    """Tràng Phái's count typed as the text '3320' under a guarded difference,
    =IF(COUNT(D12,F12)<2,"",F12-D12): the spreadsheet stores an empty result (COUNT skips the
    text), so the cell prints nothing. Its finding says so ("đang để trống"), never the 3.279 its
    formula would give if the text were read as a number. The vendored file is made by
    tests/data/make_guarded.py's recipe (handmade table, two cells changed, saved by LibreOffice 7)."""
    table = HandmadeTable(Style(total="first", formulas=True))
    row = table.unit_rows[3]
    path = shutil.copy(Path(__file__).parent / "data" / "culprit_text_guarded_libreoffice.xlsx", tmp_path / "t.xlsx")
    found = advice(path)
    unit, culprit = Place(table, row), f"F{row}"
    cause = "chứa số dạng văn bản '3320' và có lẽ ghi sai"
    right = table.values[row]["6"]                     # 33 - 41
    assert found[unit.ref("6")] == ("follows-culprit", f"Ô {unit.ref('6')} ({unit.where('6')}) đang để trống vì ô "
                                    f"{culprit} {cause}; sửa {culprit} thì ô này thành {vn(right, '6')}.")
    assert found[culprit][0] == "likely-culprit" and f"{unit.ref('6')}," in found[culprit][1]


def test_the_report_sheet_quotes_a_rate_culprit_at_the_forms_decimals(tmp_path):
    """An Sơn's target rate 7,00% typed 70: the message and the 'Kiểm tra' sheet's two value columns
    both say 70,00 and 7,00, at the form's two decimals, though both figures are whole."""
    from macros_py.commands.annotate import report_rows

    table = HandmadeTable(Style(), typos={(7, "5"): 70})
    row = table.unit_rows[7]
    assert table.values[row]["5"] == 7.0
    (sheet,) = validate_file(handmade_file(tmp_path, table)).sheets
    (culprit,) = [f for f in sheet.findings if f.rule == "likely-culprit"]
    assert (culprit.cell, culprit.message.split(": ")[1].split(" thì")[0]) == (f"G{row}", "đang ghi 70,00; nếu là 7,00")
    (line,) = [r for r in report_rows(sheet.findings) if r.values[2] == f"G{row}"]
    assert line.values[-2:] == ("70,00", "7,00")


def test_a_culprit_leaves_the_cells_another_text_number_spoils_to_that_text(tmp_path):
    """Two counts typed as text in a table saved by a script (formulas without stored results): An
    Sơn's households '1.527' (right, but text) and Tràng Phái's poor households '3320' (a slip).
    Naming the slip as the culprit must not swallow the cells An Sơn's text spoils: the total of
    column 1, which the spreadsheet prints without An Sơn (SUM skips text), still says so."""
    table = HandmadeTable(Style(formulas=True), typos={(7, "1"): "1.527", (3, "4"): "3320"})
    an_son, top = table.unit_rows[7], table.total_row
    households = [inputs["1"] for _, inputs in van_quan()]
    assert households[7] == 1527
    found = advice(handmade_file(tmp_path, table))
    total = Place(table, top)
    source = f"C{an_son}"
    assert found[f"C{top}"] == ("follows-culprit", f"Ô C{top} ({total.where('1')}) đang ghi "
                                f"{vn(sum(households) - 1527, '1')} vì ô {source} chứa số dạng văn bản '1.527'; gõ lại "
                                f"{source} thành số (hoặc bấm Tính lại) thì ô này thành {vn(sum(households), '1')}.")
    assert found[f"F{table.unit_rows[3]}"][0] == "likely-culprit"

