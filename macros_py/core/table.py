"""Find a form's table in a sheet: numbering row, unit rows, subtotal rows, total row.

Officers' sheets carry titles above the table, notes and signatures below,
blank rows inside, extra columns and retyped numbering ("I" for "1"); the
numbering row is the anchor, matched against each form's column numbers. Some officers number
STT and the name too ("(1) (2) (3) (4) (5)=(4)/(3)x100 …"): the form's numbers shifted by a
constant, recognised when the printed formulas say the form's after that shift. A numbering
row is never data, whatever form it belongs to ("(3)" there names a column, it is not −3).
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
    by_headers: bool = False                 # found by header phrases, not by a numbering row

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


def _formula_agrees(text: object, column, shift: int = 0) -> bool | None:
    """Does a numbering cell's '3=2/1x100' say the same as the form, once its column numbers are
    taken back by `shift` ('(5)=(4)/(3)x100' at shift 2)? None when it holds no formula."""
    if not isinstance(text, str) or "=" not in text or column.formula is None:
        return None
    parsed = _parse_numbering_formula(text)
    return None if parsed is None else _shifted(parsed, -shift) == column.formula.right


def _shifted(node, by: int):
    """An expression of the notation with every column number moved by `by`."""
    from ..forms import notation

    if by == 0:
        return node
    if isinstance(node, notation.Col):
        return notation.Col(str(int(node.number) + by))
    if isinstance(node, notation.Neg):
        return notation.Neg(_shifted(node.operand, by))
    if isinstance(node, notation.BinOp):
        return notation.BinOp(node.op, _shifted(node.left, by), _shifted(node.right, by))
    return node


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
    """The form's columns numbered in this row: as the form prints them, or shifted by the label
    columns numbered before them ('(1) (2)' for STT and name, then '(3)' for column 1)."""
    seen = _row_keys(grid, row)
    if len(seen) < 3:
        return None
    labels = [c.number for c in form.columns if not c.is_number]
    best = None
    for shift in range(len(labels) + 1):
        matched = _match_shifted(grid, row, form, seen, labels, shift)
        if matched and (best is None or matched[1] > best[1]):
            best = matched
    return best


def _match_shifted(grid: Grid, row: int, form: Form, seen: dict[str, int], labels: list[str],
                   shift: int) -> tuple[dict[str, int], int] | None:
    keys = form._index.get(("numbering keys", shift))      # the same for every row of every sheet
    if keys is None:
        keys = form._index[("numbering keys", shift)] = {
            n: (n if shift == 0 else str(int(n) + shift)) for n in (c.number for c in form.columns)
            if n in form.numbers and (shift == 0 or n.isdigit())}
    found = [n for n, key in keys.items() if key in seen]
    if len(found) < max(3, int(0.8 * len(form.numbers) + 0.5)):
        return None
    positions = [seen[keys[n]] for n in found]
    if positions != sorted(positions):
        return None
    # Label columns: by their letters (or, shifted, their numbers) if printed, else the columns
    # left of the first number.
    first = min(positions)
    label_keys = labels if shift == 0 else [str(i + 1 - len(labels) + shift) for i in range(len(labels))]
    score = len(found) + sum(1 for k in label_keys if k in seen)
    agreed = 0
    for n in found:
        agrees = _formula_agrees(grid.value(row, seen[keys[n]]), form.column(n), shift)
        if agrees is False:
            return None          # another form's formula in this column
        agreed += 1 if agrees else 0
    if shift and not agreed:
        return None              # shifted numbers alone could be anything: the formulas must say so
    columns = {n: seen[keys[n]] for n in found}
    for i, (n, key) in enumerate(zip(labels, label_keys)):
        at = seen.get(key)
        columns[n] = at if at is not None and at < first else first - len(labels) + i
    if any(c < 1 for c in columns.values()):
        return None
    return columns, score + 2 * agreed


def is_numbering_row(grid: Grid, row: int) -> bool:
    """A row that only numbers columns, for any form: letters, then consecutive numbers, each
    maybe with its formula ('A B 1 2 3=2/1x100', '(1) (2) (3) … (5)=(4)/(3)x100'). Never data."""
    cache = grid.cache.setdefault("numbering_like", {})
    if row in cache:
        return cache[row]
    keys: list[str] = []
    for v in (grid.values[row - 1] if row <= grid.nrows else ()):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        key = numbering_key(v)
        if key is None:
            keys = []
            break
        keys.append(key)
    numbers = [int(k) for k in keys if k.isdigit()]
    letters = len(keys) - len(numbers)
    cache[row] = (len(numbers) >= 3 and all(k.isdigit() for k in keys[letters:])
                  and all(b == a + 1 for a, b in zip(numbers, numbers[1:])))
    return cache[row]


def header_key(value: object) -> str:
    """Header text for matching: normalised, lower case, without spaces ('Hộ DTT S' → 'hộdtts')."""
    return normalize_name(value).replace(" ", "") if value is not None else ""


def _is_data_row(grid: Grid, row: int) -> bool:
    """At least three figures (formulas saved without values count), and not a numbering row
    ('(3)' there is a column's mark)."""
    from .numbers import as_number

    numbers = 0
    for col in range(1, grid.ncols + 1):
        v = grid.value(row, col)
        if v is not None and not isinstance(v, str) or (
                isinstance(v, str) and len(v) < 15 and as_number(v, True, accounting=False) is not None) or (
                v is None and grid.has_formula(row, col)):
            numbers += 1
    return numbers >= 3 and not is_numbering_row(grid, row)


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
        wanted = [(c.number, [header_key(m) for m in (c.match or (c.header,))], c.optional)
                  for c in form.columns if c.is_number]
        columns = _assign(wanted, texts, unit_col, grid.ncols)
        if columns is None:
            continue
        labels = [c.number for c in form.columns if not c.is_number]
        unit_index = labels.index(form.unit_column.number)
        for i, n in enumerate(labels):
            columns[n] = unit_col - unit_index + i
        if any(col < 1 for col in columns.values()):
            continue
        return Table(form, grid.name, last, columns, score=len(columns), by_headers=True)
    return None


def _assign(wanted: list[tuple[str, list[str], bool]], texts: dict[int, str], pos: int,
            ncols: int) -> dict[str, int] | None:
    """Each of the form's columns at the first column right of the last one whose header holds one
    of its phrases; an optional column is left out where taking the first match would leave a later
    column without one (an absent ethnic-minority rate must not take the next rate's column)."""
    if not wanted:
        return {}
    (number, keys, optional), rest = wanted[0], wanted[1:]
    found = next((col for col in range(pos + 1, ncols + 1) if any(k in texts[col] for k in keys)), None)
    if found is not None:
        later = _assign(rest, texts, found, ncols)
        if later is not None:
            return {number: found, **later}
    return _assign(rest, texts, pos, ncols) if optional else None


_GROUP_STT = re.compile(r"^(?:(?=[IVXLC])M*(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})|[A-H])[.):]?$")
_GROUP_NAME = re.compile(r"^(?=[IVXLC])M*(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})\s*[.):\-\u2013]\s*\S")
_GROUP_TOTAL = re.compile(r"^(cộng|tổng cộng|tổng)\s+\S")     # not the grand total (checked first)
_PART_OF = ("trong đó", "trong do", "chia ra", "bao gồm", "gồm:", "trong số")
# Below the table: notes, place and date, the signature block. Never unit rows.
_END_PREFIXES = ("ghi chú", "chú thích", "chú ý", "lưu ý", "nguồn:", "nguồn số liệu", "nơi nhận", "kt.", "kt ",
                 "tm.", "tm ", "q. ", "người lập", "lập biểu", "người ký", "xác nhận", "(ký", "ký tên", "*")
_END_WORDS = ("người lập biểu", "chủ tịch", "giám đốc", "trưởng phòng", "thủ trưởng", "đóng dấu", "kế toán")
_DATE = re.compile(r"ngày\s*[\d.…_/ ]*\s*tháng")


def _is_end_text(value: object) -> bool:
    """Notes, a place and date, or a signature line ("Ghi chú: …", "KT. CHỦ TỊCH", "…, ngày 5 tháng 4 năm …")."""
    if not isinstance(value, str) or not value.strip():
        return False
    key = normalize_name(value)
    return key.startswith(_END_PREFIXES) or any(w in key for w in _END_WORDS) or _DATE.search(key) is not None


def _is_numeric(grid: Grid, row: int, col: int) -> bool:
    """A figure in a number column: a number, number text, a formula or an error value."""
    v = grid.value(row, col)
    if v is None:
        return grid.has_formula(row, col) or (row, col) in grid.errors
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return True
    if isinstance(v, str):
        from .numbers import as_number

        return (row, col) in grid.errors or (len(v) < 20 and as_number(v, True) is not None) or v.startswith("#")
    return True    # a date or the like where a number belongs: still a filled cell of the row


def _is_index(value: object) -> bool:
    """A row number in the STT column (1, '2', '3.')."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().rstrip(".").isdigit()


def _row_kind(grid: Grid, table: Table, row: int, layout: tuple | None = None) -> str:
    """blank | end | total | label | subtotal | closing | heading | unit.

    Label-only rows ("Trong đó:", group headings, notes without figures) are skipped, never taken
    for the table's end; notes, dates and signatures below the table end it. `layout` (the label
    and number columns, from _layout) is worked out once per table by the caller."""
    form = table.form
    unit_col, label_cols, number_cols = layout or _layout(table)
    line = grid.values[row - 1] if row <= grid.nrows else ()
    width = len(line)
    labels = [line[c - 1] if c <= width and line[c - 1] != "" else None for c in label_cols]
    figures = [line[c - 1] if c <= width else None for c in number_cols]
    numeric = any(v.__class__ is float for v in figures) or \
        any(_is_numeric(grid, row, c) for c in number_cols)
    name = grid.value(row, unit_col)
    if not numeric:
        if any(_is_end_text(v) for v in line):
            return "end"
        if all(v is None for v in labels):
            return "blank"
    elif name is None or len(str(name).strip(" ()")) <= 1:
        if is_numbering_row(grid, row) or _match_numbering(grid, row, form):
            return "end"          # a numbering row: under the headers, or of another table below
    if any(is_total_label(v) for v in labels):
        return "total"
    if numeric and isinstance(name, str) and _may_start(name, "ct") and _GROUP_TOTAL.match(normalize_name(name)):
        return "closing"          # "Cộng khu vực I": the subtotal of the rows above it
    if isinstance(name, str) and _may_start(name.lstrip(" -–*"), "tcbg") and \
            unicodedata.normalize("NFC", name).lower().lstrip(" -–*").startswith(_PART_OF):
        return "label"            # "Trong đó:", a breakdown of the row above, not a unit
    stt = labels[0] if labels else None
    if (isinstance(stt, str) and _GROUP_STT.match(stt.strip())) or \
            (isinstance(name, str) and _GROUP_NAME.match(name.strip()) and not _is_index(stt)):
        return "subtotal" if numeric else "heading"
    if not numeric:
        # A named unit with nothing typed yet keeps its row number; any other text is a label.
        return "unit" if isinstance(name, str) and len(name) <= 60 and _is_index(stt) else "label"
    return "unit"


def _may_start(text: str, letters: str) -> bool:
    """Could the text, once normalised (NFC, lower case, spaces collapsed), start with one of these
    ASCII letters? Not when its first character is another ASCII one: normalising never turns an
    ASCII letter into a different base letter (most unit names are settled by this, without the
    full normalisation)."""
    first = text.lstrip()[:1]
    return not first.isascii() or first.lower() in letters


def _layout(table: Table) -> tuple[int, list[int], list[int]]:
    form, cols = table.form, table.columns
    return (cols[form.unit_column.number], [cols[c.number] for c in form.columns if not c.is_number],
            [cols[c.number] for c in form.columns if c.is_number and c.number in cols])


def _collect_rows(grid: Grid, table: Table) -> Table:
    blanks, current_sub, group_start = 0, None, 0
    layout = _layout(table)
    for row in range(table.numbering_row + 1, grid.nrows + 1):
        kind = _row_kind(grid, table, row, layout)
        started = bool(table.unit_rows or table.total_row or table.subtotal_rows)
        if kind == "blank":
            blanks += 1
            if blanks >= MAX_BLANK_RUN and started:
                break
            continue
        blanks = 0
        if kind == "end":
            if started:
                break
            continue          # a note between the header and the first row
        if kind == "label":
            continue
        if kind == "total":
            if table.total_row is not None:
                break
            table.total_row = row
            current_sub, group_start = None, len(table.unit_rows)
        elif kind == "closing":
            table.subtotal_rows[row] = table.unit_rows[group_start:]
            current_sub, group_start = None, len(table.unit_rows)
        elif kind == "subtotal":
            current_sub, group_start = row, len(table.unit_rows)
            table.subtotal_rows[row] = []
        elif kind == "heading":
            current_sub, group_start = None, len(table.unit_rows)
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


def no_units_message(table: Table) -> str:
    """Why a table found by its numbering row (or headers) cannot be checked: no unit rows under it."""
    where = "theo tiêu đề cột" if table.by_headers else "dòng đánh số cột"
    return (f"Trang '{table.sheet}': tìm thấy {table.form.name.lower()} ({where}, dòng {table.numbering_row}) "
            "nhưng không thấy dòng đơn vị nào bên dưới (mỗi đơn vị một dòng, có tên và số liệu). "
            "Hãy kiểm tra lại trang này.")


def row_numbers(grid: Grid, table: Table, row: int, *, read_text: bool = True) -> dict[str, float | None]:
    """The numeric cells of one table row, rates in percent points (a fraction shown `8,25%` reads
    8.25); number text read as the officer meant it, or, with read_text=False, as a spreadsheet's
    SUM does (not a number)."""
    from .numbers import as_number
    from .percent import PERCENT, from_stored, is_percent_format, percent_columns

    percent = percent_columns(table.form)
    out: dict[str, float | None] = {}
    for c in table.form.columns:
        if c.is_number and c.number in table.columns:
            col = table.columns[c.number]
            value = grid.value(row, col)
            number = as_number(value, whole=c.kind == "count") if read_text or not isinstance(value, str) else None
            if number is not None and c.number in percent and not isinstance(value, str):
                if grid.knows_formats:
                    scale = PERCENT if is_percent_format(grid.number_format(row, col)) else 1.0
                else:
                    scale = percent_conventions(grid, table).get(c.number, 1.0)
                number = from_stored(number, scale)
            out[c.number] = number
    return out


def percent_conventions(grid: Grid, table: Table) -> dict[str, float]:
    """Each percent column's scale where formats are unknown, worked out once per table."""
    from .numbers import as_number
    from .percent import column_conventions

    cache = grid.cache.setdefault("percent", {})
    key = (table.form.id, table.numbering_row)
    if key not in cache:
        def raw(r: int, c: int) -> float | None:
            v = grid.value(r, c)
            return None if isinstance(v, str) else as_number(v, False)
        cache[key] = column_conventions(table.form, table.columns, table.unit_rows, raw)
    return cache[key]


def locate(grid: Grid, forms: list[Form] | None = None) -> Table | None:
    """The table of any known form in this sheet."""
    if forms is None:
        from ..forms.spec import forms as all_forms
        forms = list(all_forms().values())
    found = find_tables(grid, forms)
    return found[0] if found else None
