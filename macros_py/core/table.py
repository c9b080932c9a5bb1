"""Find a form's table in a sheet: numbering row, unit rows, subtotal rows, total row.

Officers' sheets carry titles above the table, notes and signatures below,
blank rows inside, extra columns and retyped numbering ("I" for "1"); the
numbering row is the anchor, matched against each form's column numbers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .coords import column_letter
from .grid import Grid
from .names import normalize_name
from ..forms.notation import CHAR_FIXES
from ..forms.spec import Form

TOTAL_LABELS = ("cộng", "tổng cộng", "tổng", "tổng số", "toàn huyện", "toàn tỉnh", "toàn xã",
                "toàn thành phố", "toàn thị xã", "cộng toàn huyện", "cộng toàn tỉnh")
_COVERAGE_NOTE = re.compile(r"\s*\([^()]*\)$")   # "Cộng (12/17 đơn vị)": a partial consolidation's total
_ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")
SCAN_ROWS = 500   # the numbering row sits near the top; notes never push it further
MAX_BLANK_RUN = 3


@dataclass
class Table:
    form: Form
    sheet: str
    numbering_row: int                       # the numbering row, or the last header row when found by headers
    columns: dict[str, int]                  # column number → 1-based sheet column
    score: int = 0                           # how well the sheet matched the form (best wins)
    unit_rows: list[int] = field(default_factory=list)
    subtotal_rows: dict[int, list[int]] = field(default_factory=dict)   # subtotal → its unit rows
    total_row: int | None = None

    def letter(self, number: str) -> str:
        return column_letter(self.columns[number])

    @property
    def letters(self) -> dict[str, str]:
        return {n: column_letter(c) for n, c in self.columns.items()}

    @property
    def data_rows(self) -> list[int]:
        return sorted(self.unit_rows + list(self.subtotal_rows))

    @property
    def header_top(self) -> int:
        return max(1, self.numbering_row - self.form.header_depth)


def numbering_key(value: object) -> str | None:
    """'3=2/1x100' → '3', 'I' → '1', '(4)' → '4', 1.0 → '1', 'A' → 'A'."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() and value >= 0 else None
    text = str(value).strip().strip("$").strip()
    text = text.split("=")[0].strip().strip("()").strip()
    if text.upper() in ("A", "B", "C", "D"):
        return text.upper()
    fixed = text.translate(CHAR_FIXES)
    return str(int(fixed)) if fixed.isdigit() else None


def is_total_label(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    quick = unicodedata.normalize("NFC", value).casefold()
    if "cộng" not in quick and "tổng" not in quick and "toàn" not in quick:
        return False           # most rows are unit names: skip the full normalisation
    key = _COVERAGE_NOTE.sub("", normalize_name(value).strip(" :.")).strip(" :.")
    return key in TOTAL_LABELS or key.startswith(("tổng cộng", "cộng toàn", "toàn huyện", "toàn tỉnh"))


def _formula_agrees(text: object, column) -> bool | None:
    """Does a numbering cell's '3=2/1x100' say the same as the form? None when it holds no formula."""
    if not isinstance(text, str) or "=" not in text or column.formula is None:
        return None
    parsed = _parse_numbering_formula(text)
    return None if parsed is None else parsed == column.formula.right


@lru_cache(maxsize=1024)
def _parse_numbering_formula(text: str):
    from ..forms import notation

    try:
        return notation.parse(text).right
    except notation.NotationError:
        return None


def _row_keys(grid: Grid, row: int) -> dict[str, int]:
    """Numbering keys of a row → first column, computed once per grid (every form asks)."""
    cache = grid.cache.setdefault("numbering", {})
    seen = cache.get(row)
    if seen is None:
        seen = {}
        for col in range(1, grid.ncols + 1):
            key = numbering_key(grid.value(row, col))
            if key is not None and key not in seen:
                seen[key] = col
        cache[row] = seen
    return seen


def _match_numbering(grid: Grid, row: int, form: Form) -> tuple[dict[str, int], int] | None:
    seen = _row_keys(grid, row)
    if len(seen) < 3:
        return None
    found = [c.number for c in form.columns if c.number in seen and c.number in form.numbers]
    if len(found) < max(3, int(0.8 * len(form.numbers) + 0.5)):
        return None
    positions = [seen[n] for n in found]
    if positions != sorted(positions):
        return None
    score = len([c for c in form.columns if c.number in seen])
    for n in found:
        agrees = _formula_agrees(grid.value(row, seen[n]), form.column(n))
        if agrees is False:
            return None          # another form's formula in this column
        score += 2 if agrees else 0
    columns = {n: seen[n] for n in found}
    # Label columns: by their letters if printed, else the columns left of the first number.
    first = min(positions)
    labels = [c.number for c in form.columns if not c.is_number]
    for i, n in enumerate(labels):
        columns[n] = seen.get(n, first - len(labels) + i)
    if any(c < 1 for c in columns.values()):
        return None
    return columns, score


def header_key(value: object) -> str:
    """Header text for matching: normalised, lower case, without spaces ('Hộ DTT S' → 'hộdtts')."""
    return normalize_name(value).replace(" ", "") if value is not None else ""


def _is_data_row(grid: Grid, row: int) -> bool:
    from .numbers import as_number

    numbers = 0
    for col in range(1, grid.ncols + 1):
        v = grid.value(row, col)
        if v is not None and not isinstance(v, str) or (isinstance(v, str) and as_number(v, True) is not None
                                                        and len(v) < 15):
            numbers += 1
    return numbers >= 3


def _match_headers(grid: Grid, form: Form) -> Table | None:
    """Find a form without a numbering row by its header phrases, column by column left to right."""
    if not form.unit_match or not any(c.match for c in form.columns):
        return None
    unit_keys = [header_key(m) for m in form.unit_match]
    for row in range(1, min(grid.nrows, SCAN_ROWS) + 1):
        unit_col = next((col for col in range(1, grid.ncols + 1)
                         if any(k in header_key(grid.value(row, col)) for k in unit_keys)
                         and isinstance(grid.value(row, col), str) and len(grid.value(row, col)) < 40), None)
        if unit_col is None or _is_data_row(grid, row):
            continue
        last = row
        while last + 1 <= grid.nrows and last - row < 3 and not _is_data_row(grid, last + 1):
            last += 1
        texts = {col: header_key(" ".join(str(grid.value(r, col)) for r in range(row, last + 1)
                                          if grid.value(r, col) is not None))
                 for col in range(1, grid.ncols + 1)}
        columns, pos, ok = {}, unit_col, True
        for c in form.columns:
            if not c.is_number:
                continue
            keys = [header_key(m) for m in (c.match or (c.header,))]
            found = next((col for col in range(pos + 1, grid.ncols + 1) if any(k in texts[col] for k in keys)), None)
            if found is None:
                ok = c.optional
                if not ok:
                    break
                continue
            columns[c.number], pos = found, found
        if not ok:
            continue
        labels = [c.number for c in form.columns if not c.is_number]
        unit_index = labels.index(form.unit_column.number)
        for i, n in enumerate(labels):
            columns[n] = unit_col - unit_index + i
        if any(col < 1 for col in columns.values()):
            continue
        return Table(form, grid.name, last, columns, score=len(columns))
    return None


def _row_kind(grid: Grid, table: Table, row: int) -> str:
    form, cols = table.form, table.columns
    unit_col = cols[form.unit_column.number]
    labels = [grid.value(row, cols[c.number]) for c in form.columns if not c.is_number]
    has_numbers = any(grid.value(row, cols[c.number]) is not None or grid.has_formula(row, cols[c.number])
                      for c in form.columns if c.is_number and c.number in cols)
    if not has_numbers and all(v is None for v in labels):
        return "blank"
    if any(is_total_label(v) for v in labels):
        return "total"
    stt = labels[0] if labels else None
    if isinstance(stt, str) and _ROMAN.match(stt.strip().upper()) and stt.strip():
        return "subtotal" if has_numbers else "heading"
    if not has_numbers:
        name = grid.value(row, unit_col)
        return "unit" if isinstance(name, str) and len(name) <= 60 and table.total_row is None else "end"
    return "unit"


def _collect_rows(grid: Grid, table: Table) -> Table:
    blanks, current_sub = 0, None
    for row in range(table.numbering_row + 1, grid.nrows + 1):
        kind = _row_kind(grid, table, row)
        if kind == "blank":
            blanks += 1
            if blanks >= MAX_BLANK_RUN and (table.unit_rows or table.total_row):
                break
            continue
        blanks = 0
        if kind == "end":
            break
        if kind == "total":
            if table.total_row is not None:
                break
            table.total_row = row
            current_sub = None
        elif kind == "subtotal":
            current_sub = row
            table.subtotal_rows[row] = []
        elif kind == "heading":
            current_sub = None
        elif table.total_row is not None and table.unit_rows and table.total_row > table.unit_rows[-1]:
            break  # rows after a closing total are notes, not units
        else:
            table.unit_rows.append(row)
            if current_sub is not None:
                table.subtotal_rows[current_sub].append(row)
    return table


def find_tables(grid: Grid, forms: list[Form]) -> list[Table]:
    """The table of the best-matching form in this sheet, or nothing."""
    # A numbering row is the strongest evidence: header phrases are tried only without one.
    # Rows are scanned once, every form tried on each; the first row that matches is the one.
    found: list[Table] = []
    for row in range(1, min(grid.nrows, SCAN_ROWS) + 1):
        for form in forms:
            matched = _match_numbering(grid, row, form)
            if matched:
                found.append(Table(form, grid.name, row, matched[0], score=matched[1]))
        if found:
            break
    if not found:
        found = [t for t in (_match_headers(grid, f) for f in forms) if t is not None]
    found.sort(key=lambda t: (-t.score, t.numbering_row))
    return [_collect_rows(grid, found[0])] if found else []


def row_numbers(grid: Grid, table: Table, row: int, *, read_text: bool = True) -> dict[str, float | None]:
    """The numeric cells of one table row; number text read as the officer meant it,
    or, with read_text=False, as a spreadsheet's SUM does (not a number)."""
    from .numbers import as_number

    out: dict[str, float | None] = {}
    for c in table.form.columns:
        if c.is_number and c.number in table.columns:
            value = grid.value(row, table.columns[c.number])
            out[c.number] = as_number(value, whole=c.kind == "count") if read_text or not isinstance(value, str) \
                else None
    return out


def locate(grid: Grid, forms: list[Form] | None = None) -> Table | None:
    """The table of any known form in this sheet."""
    if forms is None:
        from ..forms.spec import forms as all_forms
        forms = list(all_forms().values())
    found = find_tables(grid, forms)
    return found[0] if found else None
