"""Every seed table, built as a workbook exactly as published, validates to its real errors."""
from __future__ import annotations

import pytest

from seed_tables import seed_workbook
from macros_py.commands.validate import validate_file


def _found(path):
    result = validate_file(path)
    assert result.status == "ok", result.error
    (sheet,) = result.sheets
    return sheet, {sev: sorted((f.cell, f.rule) for f in sheet.findings if f.severity == sev)
                   for sev in ("error", "warning", "info")}


KRONG_NO_ERRORS = [
    ("G15", "relation"),          # TT Đắk Mâm: 26 DTTS households reduced out of 16 reduced
    ("G16", "likely-culprit"),    # Nam Xuân: 59 of 29; 13 would also make the DTTS total 280 right
]
KRONG_NO_WARNINGS = sorted([     # households implied by reduction/rate and by end/rate disagree
    ("D9", "agree"), ("D11", "agree"), ("D12", "agree"),
    # (Đắk Nang, D7, agrees: its end rate is stored 8.7, which may have been typed at one decimal,
    # and at one decimal 94/8,7 gives 1.074–1.087 households, overlapping 44/4,08's 1.077–1.080)
    ("G17", "follows-culprit"),  # the DTTS total, right only once Nam Xuân's 59 is mended
])


@pytest.mark.parametrize("tsv", ["krong_no_2020_000.tsv", "krong_no_2020_001.tsv"])
def test_krong_no_2020(tmp_path, tsv):
    sheet, found = _found(seed_workbook(tsv, tmp_path / "k.xlsx"))
    assert sheet.table.form.id == "ke-hoach-giam-ngheo-xa"
    assert len(sheet.table.unit_rows) == 12 and sheet.table.total_row == 17
    assert found["error"] == KRONG_NO_ERRORS
    assert found["warning"] == KRONG_NO_WARNINGS
    culprit = next(f for f in sheet.findings if f.cell == "G16")
    assert (culprit.expected, culprit.follows) == (13, ["G17"])


def test_dak_nong_2024_is_clean(tmp_path):
    sheet, found = _found(seed_workbook("dak_nong_2024.tsv", tmp_path / "d.xlsx"))
    assert sheet.table.form.id == "lo-trinh-giam-ngheo-tinh"
    assert len(sheet.table.unit_rows) == 8
    assert found["error"] == [] and found["warning"] == []


def test_cam_lo_2022(tmp_path):
    sheet, found = _found(seed_workbook("cam_lo_2022.tsv", tmp_path / "c.xlsx", decimal="."))
    assert sheet.table.form.id == "chi-tieu-giam-ngheo-btxh"
    assert len(sheet.table.unit_rows) == 8 and sheet.table.total_row == 13
    assert found["error"] == sorted([
        ("I7", "formula-mismatch"),    # Cam Thành BTXH rate 33/2223 = 1.48, printed 1.49
        ("E10", "formula-mismatch"),   # Cam Tuyên 109/1481 = 7.36, printed 3.76 (digits swapped)
        ("G10", "formula-mismatch"),   # Cam Tuyên DTTS poor 42/1481 = 2.84, printed 0.28
        ("D10", "relation"),           # Cam Tuyên BTXH 53 + able to exit 48 = 101, not 109
        ("J13", "total-not-sum"),      # able to exit: the units add up to 100, the total says 108
        ("N13", "total-rate"),         # end-of-year rate 429/14905 = 2.88, printed 2.82
    ])
    assert found["warning"] == [("K13", "text-number")]   # "0,72" with a comma in a dot-decimal table
    e10 = next(f for f in sheet.findings if f.cell == "E10")
    assert e10.expected == 7.36 and e10.actual == 3.76
