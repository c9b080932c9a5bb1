"""The year a plan table is for, read from its title, its sheet name or its header.

"BIỂU DỰ KIẾN GIẢM NGHÈO NĂM 2026" plans 2026. A date ("ngày 10 tháng 12 năm 2025",
"10/12/2025") says when the plan was signed, often the year before, and a period
("chuẩn nghèo 2016-2020", "giai đoạn 2021 - 2025") names a poverty standard: neither
decides while a plain year is written.
"""
from __future__ import annotations

import re
import unicodedata

_PERIOD = re.compile(r"(?<!\d)(?:19|20)\d\d\s*[-–—]\s*(?:19|20)\d\d(?!\d)")
_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*((?:19|20)\d\d)(?!\d)"
                   r"|tháng\s*[^\s\d]*\s*\d{0,2}\s*[^\s\d]*\s*năm\s*((?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d/.,])(20\d\d)(?![\d/.,]\d)")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def plain_years(text: str) -> list[int]:
    """Years written in the text, leaving out periods and the years of dates."""
    text = _DATE.sub(" ", _PERIOD.sub(" ", _plain(text)))
    return [int(y) for y in _YEAR.findall(text)]


def date_years(text: str) -> list[int]:
    """Years of the dates in the text (when the plan was signed)."""
    return [int(a or b) for a, b in _DATE.findall(_PERIOD.sub(" ", _plain(text)))]


WHERE = {"title": "tiêu đề", "sheet": "tên trang", "header": "tiêu đề cột", "date": "ngày ký trong tiêu đề"}


def table_year(title: str, sheet: str, header: str) -> tuple[int | None, str]:
    """(year, where it was read) for one table: its title, else its sheet name ("Năm 2026"),
    else its header ("Số hộ nghèo cuối năm 2024": the latest year named), else the date it
    was signed; (None, "") when nothing says."""
    for where, years in (("title", plain_years(title)), ("sheet", plain_years(sheet)),
                         ("header", plain_years(header)), ("date", date_years(title))):
        if years:
            return max(years), where
    return None, ""
