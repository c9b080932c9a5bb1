"""The main form's figures worked out by hand, for expectations independent of the product.

Written from the officers' numbering row (`3=2/1x100`, `6=4-2`, `7=5-3`, `9=8/1x100`,
`12=10-8`, `13=11-9`) and DOMAIN.md's total row (counts summed, rates the ratio of the sums),
never through `macros_py.forms`: a wrong formula in the product then disagrees with these.
Rates are rounded to 2 decimals half away from zero, as Excel's ROUND does on the 15
significant digits it keeps.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping, Sequence

COUNTS = ("1", "2", "4", "8", "10")          # typed counts; "5" and "11" are typed target rates


def excel_round(value: float, decimals: int = 2) -> float:
    """Excel's ROUND(value, decimals): 15 significant digits, then halves away from zero."""
    exact = Decimal(f"{value:.15g}")
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def percent(part: float, whole: float) -> float:
    """part/whole x 100 rounded to 2 decimals; the workbook's IF(whole=0,0,…) gives 0."""
    return 0.0 if whole == 0 else excel_round(part / whole * 100)


def unit_row(u: Mapping[str, float]) -> dict[str, float]:
    """Columns 1..13 of one unit row from its inputs (1, 2, 4, 5, 8, 10, 11)."""
    c = {n: u[n] for n in ("1", "2", "4", "5", "8", "10", "11")}
    c["3"] = percent(c["2"], c["1"])                 # 3=2/1x100
    c["6"] = c["4"] - c["2"]                         # 6=4-2
    c["7"] = excel_round(c["5"] - c["3"])            # 7=5-3
    c["9"] = percent(c["8"], c["1"])                 # 9=8/1x100
    c["12"] = c["10"] - c["8"]                       # 12=10-8
    c["13"] = excel_round(c["11"] - c["9"])          # 13=11-9
    return c


def total_row(units: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The total row: counts are sums; every rate is the ratio of the sums (1198/13850 = 8.65),
    never a sum or average of the unit rates; the changes are differences of the totals."""
    t = {n: sum(u[n] for u in units) for n in COUNTS}
    t["5"] = percent(t["4"], t["1"])                 # the target rate of the total: 4/1x100 of the sums
    t["11"] = percent(t["10"], t["1"])
    return unit_row(t)


def columns(row: Mapping[str, float]) -> list[float]:
    """Columns 1..13 in sheet order."""
    return [row[str(n)] for n in range(1, 14)]
