"""The seed documents' tables as officers' workbooks, exactly as published."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from conftest import DATA
from macros_py.core.numbers import parse_number

TITLE_ROWS = 2   # a title line and a blank line above the header, as in real sheets


def seed_workbook(tsv: str, path: Path, *, decimal: str = ",") -> Path:
    """Write the TSV table (header rows and data, as copied from the seed) as a workbook.

    Numbers become numeric cells; a number written with the other decimal separator than
    the table's (seed 004's lone "0,72") stays text, as Excel would keep it.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu"
    ws["A1"] = "BIỂU KÈM THEO KẾ HOẠCH GIẢM NGHÈO"
    lines = (DATA / tsv).read_text(encoding="utf-8").splitlines()
    for r, line in enumerate(lines, start=TITLE_ROWS + 1):
        for c, text in enumerate(line.split("\t"), start=1):
            text = text.strip()
            if not text:
                continue
            parsed = parse_number(text, whole=True)
            other = "," if decimal == "." else "."
            keep_text = parsed is None or (other in text and len(text.split(other)[-1]) != 3) or \
                (c <= 2 and not text.replace(".", "").isdigit())
            cell = ws.cell(r, c, text if keep_text else parsed.value)
            if not keep_text and decimal in text and len(text.split(decimal)[-1]) in (1, 2):
                cell.number_format = "0." + "0" * len(text.split(decimal)[-1])   # 8,70 shows two decimals
    wb.save(path)
    return path
