"""Build the JSON that xlwings' VBA client sends for a workbook, from a real file."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlwings as xw
from python_calamine import CalamineWorkbook


def _cell(v):
    if v == "":
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def payload(path: Path, *, client: str = "VBA", extra_sheets: list[dict] | None = None) -> dict:
    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        width = max((len(r) for r in rows), default=0)
        values = [[_cell(v) for v in r] + [None] * (width - len(r)) for r in rows] or [[]]
        sheet = {"name": name, "values": values, "pictures": [], "tables": []}
        if client == "Office.js":
            sheet.update(notes=[], notes_supported=True)
        sheets.append(sheet)
    sheets += extra_sheets or []
    return {"client": client, "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def book_for(path: Path, **kw):
    return xw.Book(json=payload(path, **kw))


def actions(book) -> list[dict]:
    return book.json()["actions"]
