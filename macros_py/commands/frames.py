"""The analyst's face: plan tables and findings as pandas DataFrames, one table or many years at once.

The numbers are the validator's own (`core.sheet_check`): number text read as meant ("1.188",
"8,25"), formula cells without a stored result computed, so an analysis never disagrees with
Kiểm tra. pandas is imported only inside the functions that build frames: the validate path and
the add-in's clicks never load it.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..core.table import Table
from ..errors import OfficerError
from ..forms.spec import Form

LONG_COLUMNS = ("unit", "level", "kind", "year", "form", "column", "column_name", "value", "source", "sheet", "row")
FINDING_COLUMNS = ("path", "sheet", "form", "cell", "row", "column", "rule", "severity", "message", "expected",
                   "actual", "follows")
# Administrative words → the level they name (a district-level town or city counts as a district).
LEVELS = {"xã": "xã", "phường": "xã", "thị trấn": "xã", "huyện": "huyện", "thị xã": "huyện",
          "thành phố": "huyện", "quận": "huyện", "tỉnh": "tỉnh"}
_LEVEL_WORD = "|".join(sorted(LEVELS, key=len, reverse=True))
_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
HEADER_ROWS = 4      # column headers span at most this many rows above the numbering row
REFORM_YEAR = 2026   # from 1 July 2025 communes report straight to the province: plans from 2026 on


class NoTableError(OfficerError):
    """A workbook holds no table of a known form (or not on the sheet asked for)."""


@dataclass
class TableRead:
    """One table as plain data (picklable, no pandas): its rows' numbers and where it came from."""
    source: str
    sheet: str
    form: Form
    unit: str | None = None          # the unit that made the table ("Văn Quan"), from its title
    level: str | None = None         # that unit's level (xã, huyện, tỉnh)
    unit_level: str | None = None    # the level of the units in its rows
    year: int | None = None
    rows: list[tuple[int, str, str, dict[str, float | None]]] = field(default_factory=list)  # row, kind, unit, values


def _text(value: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip() if value is not None else ""


def title_and_header(grid, table: Table) -> tuple[list[str], list[str]]:
    """Text above the table: title lines (the national header, the office, the title, the date: rows
    of one or two cells) until the column headers (a row of three cells or more, at most
    HEADER_ROWS above the numbering row), then the headers."""
    titles: list[str] = []
    header: list[str] = []
    for r in range(1, table.numbering_row + 1):
        line = grid.values[r - 1] if r <= len(grid.values) else ()
        texts = [_text(v) for v in line if isinstance(v, str) and v.strip()]
        filled = sum(1 for v in line if v not in (None, ""))
        if header or (filled >= 3 and r >= table.numbering_row - HEADER_ROWS):
            header += texts
        else:
            titles += texts
    return titles, header


def reporting_unit(texts: list[str]) -> tuple[str | None, str | None]:
    """('Văn Quan', 'huyện') from '… của UBND huyện Văn Quan', ('Thị trấn Văn Quan', 'xã') from 'UBND THỊ TRẤN
    VĂN QUAN' (a township keeps its level word: its name alone is the district's, inbox.unit_label); titles
    naming the People's Committee first, never the national motto ("Cộng hòa xã hội chủ nghĩa") or "bảo trợ
    xã hội"; a name written in capitals only when no other line writes it."""
    from .inbox import admin_name, unit_label

    def rank(text: str) -> tuple[bool, int]:
        folded = text.casefold()
        return text.isupper(), 0 if ("ubnd" in folded or "ủy ban" in folded or "uỷ ban" in folded) else 1

    for text in sorted((t for t in texts if "xã hội" not in t.casefold()), key=rank):
        found = admin_name(text)
        if found:
            return unit_label(*found), LEVELS.get(found[0])
    return None, None


def plan_year(titles: list[str], header: list[str], names: Iterable[str]) -> int | None:
    """The plan's year: 'NĂM 2021' in a title (not a date line 'ngày … năm …'), else the latest
    'năm YYYY' of the column headers ('cuối năm 2019', 'năm 2020'), else a year in the file or sheet name."""
    for group in ([t for t in titles if "ngày" not in t.casefold()], titles):
        for text in group:
            m = _YEAR.search(text)
            if m:
                return int(m.group(1))
    years = [int(y) for t in header for y in _YEAR.findall(t)]
    if years:
        return max(years)
    for name in names:
        m = _FILE_YEAR.search(name)
        if m:
            return int(m.group(1))
    return None


def _unit_level(grid, table: Table, level: str | None, year: int | None) -> str | None:
    """The level of the row units: named by the unit column's header ('Tên xã, thị trấn', 'Huyện,
    thành phố', 'Đơn vị (cấp xã)'), else the level below the reporting unit (a province's units
    are districts until the 2025 reform, communes after it)."""
    col = table.columns[table.form.unit_column.number]
    header = " ".join(_text(grid.value(r, col)) for r in range(max(1, table.numbering_row - HEADER_ROWS),
                                                                table.numbering_row + 1)
                      if isinstance(grid.value(r, col), str)).casefold()
    found = [(header.find(w), LEVELS[w]) for w in LEVELS if re.search(rf"\b{w}\b", header)]
    if found:
        return min(found)[1]
    if level == "tỉnh":
        return "xã" if year is not None and year >= REFORM_YEAR else "huyện"
    return {"huyện": "xã", "xã": "thôn"}.get(level or "")


def _numbers(grid, table: Table) -> dict[tuple[int, int], float | None]:
    """The validator's numbers for every cell of the table."""
    from ..core.sheet_check import SheetCheck, read_cells

    check = SheetCheck(grid, table)
    read_cells(check)
    numbers = check.numbers
    # Until the core reads percent-formatted rates as the percentage they show (issue 12), a cell
    # holding 0.0825 under a % format is read here as 8.25. Only where the core kept the stored
    # value as it is, so this does nothing once the core converts.
    for cell, value in numbers.items():
        fmt = grid.number_format(*cell)
        if value is not None and fmt and "%" in fmt and value == grid.value(*cell):
            numbers[cell] = value * 100
    return numbers


def read_tables(path: Path | str, forms: list[Form] | None = None) -> list[TableRead]:
    """Every table of a known form in the workbook, one per sheet, in sheet order."""
    from ..core.table import locate
    from ..engines.file import read_grids
    from ..forms.formulas import row_expr

    path = Path(path)
    out = []
    for grid in read_grids(path):
        table = locate(grid, forms)
        if table is None or not (table.unit_rows or table.total_row):
            continue
        numbers = _numbers(grid, table)
        titles, header = title_and_header(grid, table)
        unit, level = reporting_unit(titles)
        if level is None and table.total_row is not None:   # "Toàn tỉnh", "Cộng toàn huyện"
            label = " ".join(_text(grid.value(table.total_row, c)) for c in table.columns.values()
                             if isinstance(grid.value(table.total_row, c), str)).casefold()
            m = re.search(rf"toàn ({_LEVEL_WORD})\b", label)
            level = LEVELS[m.group(1)] if m else None
        year = plan_year(titles, header, (path.name, grid.name))
        read = TableRead(str(path), grid.name, table.form, unit, level, _unit_level(grid, table, level, year), year)
        kinds = {r: "unit" for r in table.unit_rows} | {r: "subtotal" for r in table.subtotal_rows}
        if table.total_row is not None:
            kinds[table.total_row] = "total"
        unit_col = table.columns[table.form.unit_column.number]
        labels = [table.columns[c.number] for c in table.form.columns if not c.is_number]
        numeric = [c.number for c in table.form.columns if c.is_number]
        inputs = [n for n in numeric if row_expr(table.form.column(n)) is None]
        for row in sorted(kinds):
            name = _text(grid.value(row, unit_col))
            values = {n: numbers.get((row, table.columns[n])) if n in table.columns else None for n in numeric}
            if kinds[row] == "unit" and not name and all(values[n] is None for n in inputs):
                continue    # an unused template row: no name, nothing typed
            if not name:    # a group's subtotal may carry its label ("I. Các xã khu vực III") in the STT column
                name = next((_text(grid.value(row, c)) for c in labels if isinstance(grid.value(row, c), str)), "")
            read.rows.append((row, kinds[row], name, values))
        out.append(read)
    return out


def _forms(form: str | None) -> list[Form] | None:
    from ..forms.spec import get_form

    return [get_form(form)] if form else None


def read_table(path, sheet: str | None = None, form: str | None = None):
    """One table as a DataFrame: a row per unit, subtotal and total (column `kind`), a column per
    numeric column of the form named by its number ("1", "2", …); `df.attrs` holds the form, sheet,
    reporting unit, level, year, source and the columns' Vietnamese names (`df.attrs["columns"]`).

    >>> df = read_table("van_quan_2021.xlsx")
    >>> df[df.kind == "unit"].sort_values("3", ascending=False)[["unit", "3", "5"]].head()
    """
    import pandas as pd

    tables = read_tables(Path(path), _forms(form))
    if sheet is not None:
        tables = [t for t in tables if t.sheet == sheet]
    if not tables:
        where = f"trang '{sheet}' của tệp" if sheet is not None else "tệp"
        raise NoTableError(f"Không tìm thấy biểu nào đã biết trong {where} '{Path(path).name}'.")
    t = max(tables, key=lambda x: (x.year or 0, -tables.index(x)))     # the latest year's, as consolidate takes
    if len(tables) > 1:
        warnings.warn(f"Tệp '{Path(path).name}' có {len(tables)} biểu ("
                      + ", ".join(f"trang '{x.sheet}'" + (f" năm {x.year}" if x.year else "") for x in tables)
                      + f"): dùng trang '{t.sheet}'" + (f" (năm {t.year}, năm mới nhất)" if t.year else "")
                      + "; chọn trang khác bằng sheet='…'.", stacklevel=2)
    numeric = [c for c in t.form.columns if c.is_number]
    df = pd.DataFrame([{"unit": name, "kind": kind, "row": row, **values} for row, kind, name, values in t.rows],
                      columns=["unit", "kind", "row"] + [c.number for c in numeric])
    df[[c.number for c in numeric]] = df[[c.number for c in numeric]].astype("float64")
    df.attrs.update(form=t.form.id, form_name=t.form.name, sheet=t.sheet, unit=t.unit, level=t.level,
                    unit_level=t.unit_level, year=t.year, source=t.source,
                    columns={c.number: c.name for c in numeric},
                    other_sheets=[x.sheet for x in tables if x is not t])
    return df


def long_records(t: TableRead) -> list[tuple]:
    """A table in long format: one record per row and numeric column (LONG_COLUMNS). The total
    row stands for the reporting unit itself, at its level."""
    names = {c.number: c.name for c in t.form.columns if c.is_number}
    out = []
    for row, kind, name, values in t.rows:
        unit, level = name, t.unit_level
        if kind == "total":
            unit, level = (t.unit or name), t.level
        elif kind == "subtotal":
            level = None
        for number, value in values.items():
            out.append((unit, level, kind, t.year, t.form.id, number, names[number], value, t.source, t.sheet, row))
    return out


@dataclass
class ManyRead:
    records: list[tuple] = field(default_factory=list)
    tables: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (file, Vietnamese reason)


def gather(paths, form: str | None = None) -> ManyRead:
    """Long records of every table in the files and folders given; bad files are listed, never raised."""
    from ..engines.file import WorkbookError
    from ..engines.mail import describe, is_container, received_as
    from .inbox import collect

    if isinstance(paths, (str, Path)):
        paths = [paths]
    files, notes = collect([Path(p) for p in paths])
    result = ManyRead(skipped=[("", note) for note in notes])
    forms = _forms(form)
    for f in files:
        if is_container(f):         # a mail or zip that held no workbook
            result.skipped.append((received_as(f), describe(f)))
            continue
        try:
            tables = read_tables(f, forms)
        except WorkbookError as exc:
            result.skipped.append((received_as(f), str(exc)))
            continue
        except Exception as exc:  # one strange file never stops a province's export
            result.skipped.append((received_as(f), f"Lỗi không mong đợi khi đọc tệp ({type(exc).__name__}); tệp được "
                                                   "bỏ qua."))
            continue
        if not tables:
            result.skipped.append((received_as(f), "Không tìm thấy biểu nào đã biết trong tệp."))
            continue
        tables = [t for t in tables if any(kind == "unit" for _, kind, _, _ in t.rows) and not _blank(t)]
        if not tables:
            result.skipped.append((received_as(f), "Biểu trống: chưa có số liệu của đơn vị nào."))
            continue
        result.files += 1
        result.tables += len(tables)
        for t in tables:
            t.source = received_as(f)
            result.records += long_records(t)
    result.records = _one_spelling(result.records)
    return result


def _blank(t: TableRead) -> bool:
    """An unfilled template (made by the tool or by hand): no input figure other than 0 in any row,
    its formulas giving only zeros — never exported as a table of zeros."""
    from ..forms.formulas import row_expr

    inputs = [c.number for c in t.form.columns if c.is_number and row_expr(c) is None]
    return all(not values.get(n) for _, _, _, values in t.rows for n in inputs)


def _one_spelling(records: list[tuple]) -> list[tuple]:
    """One spelling per unit: names that fold alike at one level ('Hoà Bình', 'Hòa Bình', 'HÒA BÌNH';
    'TT Văn Quan', 'Thị trấn Văn Quan') take the most frequent spelling, then the new tone placement,
    then the first in Vietnamese order."""
    from ..core.names import collation_key, new_tone_placement
    from .inbox import unit_key

    at = LONG_COLUMNS.index("unit"), LONG_COLUMNS.index("level")
    spellings: dict[tuple, Counter] = {}
    for r in records:
        if r[at[0]]:
            spellings.setdefault((r[at[1]], unit_key(r[at[0]])), Counter())[r[at[0]]] += 1
    best = {k: min(c, key=lambda name: (-c[name], new_tone_placement(name) != name, collation_key(name)))
            for k, c in spellings.items()}
    out = []
    for r in records:
        name = best.get((r[at[1]], unit_key(r[at[0]]))) if r[at[0]] else None
        out.append(r if name in (None, r[at[0]]) else r[:at[0]] + (name,) + r[at[0] + 1:])
    return out


def long_frame(records: list[tuple]):
    import pandas as pd

    df = pd.DataFrame.from_records(records, columns=list(LONG_COLUMNS))
    df["year"] = df["year"].astype("Int64")
    df["value"] = df["value"].astype("float64")
    df["row"] = df["row"].astype("int64")
    return df


def read_many(paths, form: str | None = None):
    """Many tables (files, folders; many years and levels) in long format: one row per unit, column and
    table, with unit, level, kind, year, form, column, column_name, value, source, sheet, row.
    Files that cannot be read are skipped with a warning and listed in `df.attrs["skipped"]`.

    >>> df = read_many(["2021/", "2022/"])
    >>> df[(df.column == "3") & (df.kind == "unit")].pivot_table(index="unit", columns="year", values="value")
    """
    got = gather(paths, form)
    if got.skipped:
        warnings.warn("Bỏ qua: " + "; ".join(f"{Path(p).name}: {why}" if p else why for p, why in got.skipped),
                      stacklevel=2)
    df = long_frame(got.records)
    df.attrs["skipped"] = [{"source": p, "error": why} for p, why in got.skipped]
    return df


def findings(path):
    """Kiểm tra's findings for one workbook as a DataFrame: one row per finding with the fields of
    the JSON contract (cell, row, column, rule, severity, message, expected, actual, follows) and
    the file, sheet and form they belong to."""
    import pandas as pd

    from .validate import validate_file

    result = validate_file(Path(path))
    if result.status == "unreadable":
        from ..engines.file import WorkbookError

        raise WorkbookError(result.error)
    if result.status != "ok":
        raise NoTableError(result.error)
    rows = [{"path": result.path, "sheet": s.name, "form": s.table.form.id, **f.to_json()}
            for s in result.sheets for f in s.findings]
    for r in rows:
        r["follows"] = list(r.get("follows", []))
    df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    df["row"] = df["row"].astype("int64")
    return df
