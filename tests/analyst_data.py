"""Figures and workbooks for the analyst's tests: the seeds as published, read without the project's code,
and the Văn Quan district table consolidated from its communes' workbooks."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from conftest import DATA, van_quan_units


def published(tsv: str, header_rows: int, labels: int) -> list[tuple[str, list[float | None]]]:
    """(unit, numbers) of every row of a seed table as printed, read here without the project's code:
    a dot followed by groups of three digits separates thousands, a comma (or a lone dot) is decimal."""
    rows = []
    for line in (DATA / tsv).read_text(encoding="utf-8").splitlines()[header_rows:]:
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        numbers = []
        for text in parts[labels:]:
            text = text.strip()
            if not text:
                numbers.append(None)
            elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
                numbers.append(float(text.replace(".", "")))
            else:
                numbers.append(float(text.replace(",", ".")))
        rows.append((parts[labels - 1].strip(), numbers))
    return rows


def rounded(value: float, places: int = 2) -> float:
    """Half away from zero on the decimal digits as written, the way officers and Excel round."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def van_quan_inbox(box: Path) -> Path:
    """The 17 communes of seed 003, each its own workbook with village rows."""
    from test_consolidate import commune_workbook

    box.mkdir(parents=True)
    for i, unit in enumerate(van_quan_units()):
        commune_workbook(box / f"{i:02d}_bieu.xlsx", unit, epoch=1617235200 + i)
    return box


def consolidated_van_quan(folder: Path) -> Path:
    """The district's table made by `giamngheo consolidate` from the communes' workbooks."""
    from macros_py.cli import main

    box = van_quan_inbox(folder / "hop_thu")
    units = folder / "don_vi.csv"
    units.write_text("Đơn vị\n" + "\n".join(u.name for u in van_quan_units()) + "\n", encoding="utf-8")
    out = folder / "huyen_van_quan_2021.xlsx"
    assert main(["consolidate", str(box), "--units", str(units), "--year", "2021", "--unit", "huyện Văn Quan",
                 "-o", str(out)]) == 0
    return out
