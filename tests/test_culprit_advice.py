"""Advice that blames the right cell: a wrong count is named as the count, never as a correct
rate ("tỷ lệ đúng là khoảng 30,08%"); where the rules cannot tell which of a rate and its count
is wrong, the message says what each would have to be and blames neither.

The commune's workbook is the tool's own template filled in, then one count typed wrong, the way
the reviewer's inbox was made (Điềm He's villages, "Thôn Nà 2" planned 34 poor households at the
end of the year against 37 at the start, typed 77); expected figures are plain arithmetic.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

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
