"""Numbers as officers type them: "1.229" (one thousand …), "8,25" (eight and a quarter).

Vietnamese writes '.' between thousands and ',' before decimals; English
copies do the opposite. A lone separator followed by exactly three digits is
ambiguous: a whole count reads it as thousands, a rate as a decimal.
A figure in parentheses, "(30)", is an accountant's negative; the same text in a numbering row
or a header names a column, so the table finder reads text with `accounting=False`.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass

_NUMBER = re.compile(r"^[+-]?[\d.,\s\u00a0]*\d[\d.,\s\u00a0]*%?$")


@dataclass(frozen=True)
class ParsedNumber:
    value: float
    how: str        # Vietnamese: how the text was read, for the finding message
    decimals: int = 0   # decimals as typed ("8,70" → 2)


def parse_number(text: str, whole: bool, *, accounting: bool = True) -> ParsedNumber | None:
    """Read number text; `whole` says the column holds counts. None if not a number.
    Without `accounting`, "(3)" is no number (a column's mark, not minus three)."""
    s = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    if s.startswith("(") and s.endswith(")"):
        if not accounting:
            return None
        s = "-" + s[1:-1]
    if not s or not _NUMBER.match(s):
        return None
    percent = s.endswith("%")
    s = s.rstrip("%").replace(" ", "").replace("\u00a0", "")
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    dots, commas = s.count("."), s.count(",")
    decimal_sep = None
    if dots and commas:
        # The separator that comes last is the decimal one.
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        whole_part, _ = s.rsplit(decimal_sep, 1)
        groups = whole_part.split(thousands_sep)
        # one decimal separator, after groups of three: "1.234,5"; not "1,2.3,4" nor "1..2,5"
        if decimal_sep in whole_part or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return None
        how = ("dấu chấm phân nghìn, dấu phẩy thập phân" if decimal_sep == ","
               else "dấu phẩy phân nghìn, dấu chấm thập phân")
        value = float(s.replace(thousands_sep, "").replace(decimal_sep, "."))
    elif dots + commas == 0:
        value, how = float(s), "số nguyên"
    else:
        sep = "." if dots else ","
        groups = s.split(sep)
        thousands = all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        if len(groups) > 2 and not thousands:
            return None
        if len(groups) > 2 or (thousands and whole):
            value, how = float(s.replace(sep, "")), f"dấu '{sep}' phân nghìn"
        else:
            decimal_sep = sep
            value, how = float(s.replace(sep, ".")), f"dấu '{sep}' thập phân"
    if percent:
        how += ", bỏ dấu %"
    value *= sign
    if not math.isfinite(value):
        return None
    decimals = len(s.rsplit(decimal_sep, 1)[1]) if decimal_sep else 0
    return ParsedNumber(value, how, decimals)


def shown_decimals(value: float, number_format: str | None = None) -> int:
    """Decimals the reader sees: from the number format if known, else from the value itself."""
    if number_format and number_format not in ("General", "@"):
        return _format_places(number_format)
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 10
    frac = text.split(".")[1].rstrip("0") if "." in text else ""
    return min(len(frac), 10)


@lru_cache(maxsize=256)
def _format_places(number_format: str) -> int:      # a sheet has few formats and many cells
    m = re.search(r"\.([0#?]+)", number_format.split(";")[0])
    return len(m.group(1)) if m else 0


def as_number(value: object, whole: bool, *, accounting: bool = True) -> float | None:
    """A cell value as a number if it is one or is number text; None otherwise
    (`accounting`: as in parse_number)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        parsed = parse_number(value, whole, accounting=accounting)
        return parsed.value if parsed else None
    return None


def format_vi(value: float | None, decimals: int | None = None) -> str:
    """1198 → '1.198', -3.41 → '-3,41': numbers as officers write them."""
    if value is None:
        return "(trống)"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    return f"{value:,.{decimals}f}".translate(str.maketrans(",.", ".,"))
