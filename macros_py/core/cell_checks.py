"""Checks of single cells: error values, blank inputs, number text, non-numbers, typed-over
formulas and duplicate unit names."""
from __future__ import annotations

from typing import Any

from ..forms import formulas
from ..forms.spec import Column
from .coords import cell_ref, column_letter
from .names import normalize_name
from .sheet_check import Cell, SheetCheck


def check_cells(check: SheetCheck) -> None:
    """Error values, blank inputs, number text and non-numbers."""
    table, grid, values = check.table, check.grid, check.grid.values
    unit_col = table.columns[check.form.unit_column.number]
    units = set(table.unit_rows)
    spec = [(c, table.columns[c.number]) for c in check.columns]
    texts: dict[int, list[tuple[Cell, Column]]] = {}     # sheet column → its cells of number text
    for row in check.rows:
        line = values[row - 1] if row <= len(values) else ()
        width = len(line)
        raws = [(c, col, line[col - 1] if col <= width and line[col - 1] != "" else None) for c, col in spec]
        name = line[unit_col - 1] if unit_col <= width else None
        # An unused row of a template: no name, nothing typed (its formulas' cached 0 is no data).
        no_inputs = all(raw is None for c, _, raw in raws if formulas.row_expr(c) is None)
        if (name is None or name == "") and no_inputs:
            continue
        # A named unit without any figure (it has not reported): one note for the row, not a
        # "blank, type 0" error per cell — a 0 would be a figure nobody sent.
        if no_inputs and row in units:
            check.add("unit-no-figures", (row, unit_col), name=name, line=row)
            continue
        for c, col, raw in raws:
            cell = (row, col)
            error = check.errors.get(cell)
            if error:
                if cell not in check.explained:     # named once, as following from its input
                    check.add("cell-error", cell, actual=error, number=c.number)
                continue
            if raw is None:
                if row in units and c.kind in ("count", "rate") and not c.optional and not grid.has_formula(*cell):
                    check.add("blank-input", cell, number=c.number, name=c.name)
                continue
            if check.numbers.get(cell) is None:
                found = check.add("not-a-number", cell, actual=_shown(raw), number=c.number)
                _name_followers(check, found, f"không phải là số ('{_shown(raw)}')",
                                f"ghi số vào {found.cell} thì ô này tính được")
            elif cell in check.text_numbers:
                texts.setdefault(col, []).append((cell, c))
    for cells in texts.values():
        if len(cells) > TEXT_COLUMN_FROM:
            _text_column(check, cells)
        else:
            for cell, c in cells:
                _text_cell(check, cell, c)


# More number-text cells than this in one column (a table pasted as text) are one finding.
TEXT_COLUMN_FROM = 5
# A finding lists at most this many cells that print wrong, then says how many more.
LISTED = 12


def _text_cell(check: SheetCheck, cell: Cell, c: Column) -> None:
    """One number-text cell: an error where formula cells reading it print wrong, else a warning."""
    text, how, _ = check.text_numbers[cell]
    spoiled = check.follows.get(cell, [])
    found = check.add("text-number-spoils" if spoiled else "text-number", cell, actual=text,
                      expected=check.numbers[cell], number=c.number, how=how, decimals=c.decimals or None,
                      count=len(spoiled), spoiled=_listed(spoiled))
    _name_followers(check, found, f"chứa số dạng văn bản '{text}'",
                    f"gõ lại {found.cell} thành số (hoặc bấm Tính lại) thì ô này thành {{then}}")


def _text_column(check: SheetCheck, cells: list[tuple[Cell, Column]]) -> None:
    """A column of number text (pasted as text): one finding for the column, at its first such
    cell, naming the others in `cells`; each formula cell it spoils is still named once."""
    (first, c), (last, _) = cells[0], cells[-1]
    spoiled = [d for cell, _ in cells for d in check.follows.get(cell, [])]
    found = check.add("text-number-column-spoils" if spoiled else "text-number-column", first,
                      number=c.number, span=f"{cell_ref(*first)}:{cell_ref(*last)}", count=len(cells),
                      example=check.text_numbers[first][0], example_cell=cell_ref(*first),
                      spoiled_count=len(spoiled), spoiled=_listed(spoiled))
    found.cells = [cell_ref(*cell) for cell, _ in cells[1:]]
    for cell, _ in cells:
        text = check.text_numbers[cell][0]
        _name_followers(check, found, f"chứa số dạng văn bản '{text}'",
                        f"gõ lại {cell_ref(*cell)} thành số (hoặc bấm Tính lại) thì ô này thành {{then}}",
                        source=cell)


def _listed(cells: list[Cell]) -> str:
    """'E15, I15, C25' in sheet order, at most LISTED of them, then how many more."""
    names = [cell_ref(*d) for d in sorted(set(cells))]
    more = len(names) - LISTED
    return ", ".join(names[:LISTED]) + (f" và {more} ô khác" if more > 0 else "")


def _name_followers(check: SheetCheck, found, cause: str, remedy: str, source: Cell | None = None) -> None:
    """The formula cells an input with a problem spoils: each named once, as following from it
    (`source`: the input, when the finding stands for several)."""
    source = source or (found.row, found.col)
    followers = check.follows.get(source, [])
    found.follows += [cell_ref(*d) for d in followers]
    for d in followers:
        check.add("follows-culprit", d, actual=printed_value(check, d), expected=check.numbers.get(d),
                  where=check.where(d), state=printed_state(check, d), culprit=cell_ref(*source), cause=cause,
                  remedy=remedy.replace("{then}", check.shown(d)))


def printed_value(check: SheetCheck, cell) -> Any:
    """What a formula cell prints now: its error value, or its figure as stored (None: blank)."""
    return check.errors.get(cell) or (check.uncached[cell] if cell in check.uncached else check.raw(cell))


def printed_state(check: SheetCheck, cell) -> str:
    """What a formula cell spoiled by an input prints now, said as a finding says it."""
    error = check.errors.get(cell)
    if error:
        return f"báo lỗi {error}"
    if cell in check.unsure:      # a formula without a stored result, reading number text
        return "tính từ số dạng văn bản nên có thể để trống, hiện số sai hoặc báo lỗi #VALUE! (tùy công thức và máy)"
    view = _stored_view(check, cell)
    if view is None:              # a guarded formula: COUNT skips the text
        return "đang để trống"
    return f"đang ghi {check.shown(cell, view)}"


def _stored_view(check: SheetCheck, cell) -> float | None:
    """What the cell shows now, in percent points (its number was replaced by the mended value)."""
    if cell in check.uncached:
        return check.uncached[cell]
    raw = check.raw(cell)
    if not isinstance(raw, (int, float)) or isinstance(raw, bool):
        return None
    return raw / check.scale(cell)


def _shown(raw: Any) -> str:
    """A non-number as the officer sees it (a date as 05/04/2021, not a Python repr)."""
    if hasattr(raw, "strftime"):
        return raw.strftime("%d/%m/%Y")
    return str(raw)


def check_formula_cells(check: SheetCheck) -> None:
    """Typed numbers where the form has formulas: per cell when the rest of the column has
    formulas (overwritten by hand), once per column when the whole column is typed."""
    if not check.grid.knows_formulas:
        return
    table = check.table
    for c in check.columns:
        if c.formula is None:
            continue
        cells = [check.cell(r, c.number) for r in table.unit_rows]
        typed = [cell for cell in cells if check.raw(cell) is not None and not check.is_formula(cell)]
        if typed and not any(check.is_formula(cell) for cell in cells):
            check.add("column-typed", (table.numbering_row, table.columns[c.number]), number=c.number,
                      formula=c.formula.text)
        elif typed:
            for cell in typed:
                check.typed_over.add(cell)      # a wrong figure there is said with this (typed-over-wrong)
                check.add("typed-over-formula", cell, actual=check.numbers.get(cell), number=c.number,
                          formula=c.formula.text, decimals=c.decimals or None, sign=check.percent_sign(cell))


def check_duplicates(check: SheetCheck) -> None:
    col = check.table.columns[check.form.unit_column.number]
    seen: dict[str, int] = {}
    for row in check.table.unit_rows:
        name = check.grid.value(row, col)
        if not isinstance(name, str) or not name.strip():
            continue
        key = normalize_name(name)
        if key in seen:
            first = seen[key]
            check.add("duplicate-unit", (row, col), name=name, other=f"{column_letter(col)}{first}",
                      other_name=check.grid.value(first, col))
        else:
            seen[key] = row
