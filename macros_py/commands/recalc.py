"""Tính lại: put the formula columns and the total row back as live formulas.

`plan_recalc` is pure: from a Grid and its Table it lists each cell to write
(formula and cached value) and each typed number that had replaced a formula.
Input cells are never in the plan. The file writer below and the live Excel
engine both apply the same plan.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..forms import formulas, notation
from ..core.coords import cell_ref
from ..core.grid import Grid
from ..core.percent import PERCENT, from_stored, scaled_excel, to_stored
from ..core.sheet_check import NOISE, SheetCheck, read_cells
from ..core.table import Table, locate, no_units_message


@dataclass(frozen=True)
class CellWrite:
    row: int
    col: int
    formula: str
    value: float | None

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)


@dataclass(frozen=True)
class Overwrite:
    """A typed value found where the form has a formula."""
    sheet: str
    ref: str
    column: str
    held: object
    expected: float | None


@dataclass(frozen=True)
class TextNumber:
    """An input cell holding number text ("1.188"): formulas cannot use it as it is."""
    sheet: str
    row: int
    col: int
    text: str
    value: float                 # as the officer meant it (percent points for a rate)
    stored: float | None = None  # what the cell holds once converted (0.0825 in a percent cell)
    unambiguous: bool = True     # one reading only: a whole count ≥ 0, a rate within 0–100

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)


@dataclass(frozen=True)
class Change:
    """A formula cell whose restored formula gives another figure than the cell showed."""
    sheet: str
    ref: str
    column: str
    shown: object          # the figure (or error value) the cell showed, as the officer saw it
    value: float | None    # the figure it shows now (percent points for a rate)
    text: str              # both written as officers write them: "-2,50 → -2,49"


def text_numbers(grid: Grid, table: Table, check: SheetCheck | None = None) -> list[TextNumber]:
    check = check or _read(grid, table)
    found = []
    for cell in sorted(check.text_numbers):
        column = check.column(cell)
        if formulas.row_expr(column) is not None or grid.formula(*cell) is not None:
            continue          # a formula column: restored as a formula, whatever was typed
        text = check.text_numbers[cell][0]
        value = check.numbers[cell]
        if column.kind == "count":
            clear = value >= 0 and float(value).is_integer()
        else:
            clear = -NOISE <= value <= 100 + NOISE
        found.append(TextNumber(grid.name, *cell, text, value, to_stored(value, check.scale(cell, as_number=True)),
                                clear))
    return found


def _read(grid: Grid, table: Table) -> SheetCheck:
    check = SheetCheck(grid, table)
    read_cells(check)
    return check


def _formula(check: SheetCheck, column, row: int, total: bool, sums: str | None, guard: bool) -> str | None:
    """The formula for one cell, in the workbook's own convention for rates: `=ROUND(D8/C8*100,2)`
    into a plain cell, `=ROUND(D8/C8,4)` into a cell with a percent format; with `guard`, showing
    nothing until the cells it reads hold numbers (`=IF(COUNT(D8,C8)<2,"",…)`)."""
    letters = check.table.letters
    cell = (row, check.table.columns[column.number])
    target = check.scale(cell, as_number=True)
    expr = formulas.total_expr(column) if total else formulas.row_expr(column)
    ref = lambda n: f"{letters[n]}{row}"  # noqa: E731
    if expr is None:
        return formulas.excel_formula(column, ref, total=total, sum_ranges=sums, guard=guard)
    scales = {n: check.scale((row, check.table.columns[n]), as_number=True) for n in notation.columns_of(expr)}
    body = scaled_excel(expr, ref, scales, target)
    places = column.decimals + (2 if target == PERCENT else 0)
    formula = f"=ROUND({body},{places})" if column.decimals else f"={body}"
    return formulas.guarded(formula, [ref(n) for n in notation.columns_of(expr)]) if guard else formula


def plan_recalc(grid: Grid, table: Table, *, read_text: bool = False,
                check: SheetCheck | None = None) -> tuple[list[CellWrite], list[Overwrite]]:
    """Cells to write and typed-over cells. Cached values treat number text as a
    spreadsheet does (not a number) unless read_text, used when it is converted.
    A total is never written over zero rows; rates keep the workbook's convention."""
    form, letters = table.form, table.letters
    check = check or _read(grid, table)
    writes: list[CellWrite] = []

    def inputs(row: int) -> dict:
        out = {}
        for c in check.columns:
            if formulas.row_expr(c) is None:
                cell = check.cell(row, c.number)
                out[c.number] = None if cell in check.text_numbers and not read_text else check.numbers.get(cell)
        return out

    # What each cell shows: a formula whose cells are not all typed shows nothing (it is guarded),
    # so a row without figures prints blank, never 0 or 0,00; a guarded formula stays guarded.
    unit_values = {r: formulas.shown_row(form, inputs(r)) for r in table.unit_rows}

    def emit(row: int, values: dict, total: bool, children: list[int]) -> None:
        for c in form.columns:
            if not c.is_number or c.number not in table.columns:
                continue
            cell = (row, table.columns[c.number])
            sums = formulas.sum_ranges(letters[c.number], children) if total else None
            guard = values.get(c.number) is None or formulas.is_guarded(grid.formula(*cell))
            formula = _formula(check, c, row, total, sums, guard)
            if formula:
                writes.append(CellWrite(row, cell[1], formula, to_stored(values.get(c.number),
                                                                         check.scale(cell, as_number=True))))

    for r in table.unit_rows:
        emit(r, unit_values[r], False, [])
    for sub, children in table.subtotal_rows.items():
        if children:
            emit(sub, formulas.shown_total(form, [unit_values[r] for r in children], inputs(sub)), True, children)
    if table.total_row is not None and table.unit_rows:
        emit(table.total_row, formulas.shown_total(form, list(unit_values.values()), inputs(table.total_row)),
             True, table.unit_rows)

    overwrites = []
    for w in writes:
        held = grid.value(w.row, w.col)
        if held is not None and grid.formula(w.row, w.col) is None:
            number = next(n for n, c in table.columns.items() if c == w.col)
            shown = from_stored(held, check.scale((w.row, w.col))) \
                if isinstance(held, (int, float)) and not isinstance(held, bool) else held
            expected = None if w.value is None else from_stored(w.value, check.scale((w.row, w.col), as_number=True))
            overwrites.append(Overwrite(grid.name, w.ref, number, shown, expected))
    return writes, overwrites


def changed_cells(grid: Grid, table: Table, writes: list[CellWrite], check: SheetCheck | None = None) -> list[Change]:
    """Formula cells whose restored formula gives another figure than the cell showed (a SUM
    that missed a row, a rate computed from a text number): each listed, never silently."""
    check = check or _read(grid, table)
    out = []
    for w in writes:
        cell = (w.row, w.col)
        if grid.formula(*cell) is None:
            continue              # typed cells are listed as overwrites
        held = grid.value(*cell)
        error = grid.errors.get(cell)
        scale = check.scale(cell, as_number=True)
        new = None if w.value is None else from_stored(w.value, scale)
        if error or isinstance(held, str):
            before = error or held
        elif isinstance(held, (int, float)) and not isinstance(held, bool):
            before = from_stored(held, scale)
            if check.same_shown(cell, before, new) or (new is None and before == 0):
                continue          # the same figure; or a 0 computed from nothing, now left blank
        else:
            continue              # no stored result: nothing was shown
        number = check.number_of[w.col]
        shown = before if isinstance(before, str) else check.shown(cell, before)
        out.append(Change(grid.name, w.ref, number, before, new, f"{shown} → {check.shown(cell, new)}"))
    return out


@dataclass
class RecalcResult:
    tables: list[Table]
    writes: int
    overwrites: list[Overwrite]
    text_numbers: list[TextNumber]
    converted: bool
    lost: list[str]
    changed: list[Change] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)     # tables found without unit rows (nothing written)


def recalc_file(src: Path, out: Path, *, force: bool = False, convert_text: bool = True) -> RecalcResult:
    """Write a copy of `src` with formulas restored; `src` is never written. Unambiguous number
    text in input cells is converted to numbers (each listed) unless convert_text is False."""
    from ..write import cached_values
    from ..engines.file import WorkbookError, add_formulas, read_grids, load_openpyxl
    from ..write.openpyxl_paint import add_conditional_rules, save_copy

    from ..write.safe_io import check_copyable

    src, out = Path(src), Path(out)
    check_copyable(src, "Tính lại (recalc)")
    grids = read_grids(src)     # with the error values a reader saw (#VALUE!), to list what changes
    wb = load_openpyxl(src)
    by_name = {g.name: g for g in grids}
    for ws in wb.worksheets:
        if ws.title in by_name:
            add_formulas(by_name[ws.title], ws)
    cached = cached_values.from_grids(grids)   # openpyxl drops every cached result on save
    result = RecalcResult([], 0, [], [], convert_text, [])
    for ws in wb.worksheets:
        grid = by_name.get(ws.title)
        if grid is None:
            continue
        table = locate(grid)
        if table is None:
            continue
        if not table.unit_rows:
            result.empty.append(no_units_message(table))
            continue
        check = _read(grid, table)
        texts = text_numbers(grid, table, check)
        converted = [t for t in texts if convert_text and t.unambiguous]
        for t in converted:
            ws.cell(t.row, t.col).value = t.stored
            grid.values[t.row - 1][t.col - 1] = t.stored     # the plan reads them as numbers now
        if converted:
            check = _read(grid, table)
        writes, overwrites = plan_recalc(grid, table, read_text=False, check=check)
        result.changed += changed_cells(grid, table, writes, check)
        for w in writes:
            ws.cell(w.row, w.col).value = w.formula
        add_conditional_rules(ws, table)
        cached[ws.title].update({w.ref: w.value for w in writes})
        result.tables.append(table)
        result.overwrites += overwrites
        result.text_numbers += texts
        result.writes += len(writes)
    if not result.tables:
        raise WorkbookError(" ".join(result.empty) or f"Không tìm thấy biểu nào đã biết trong tệp '{src.name}'.")
    result.lost = save_copy(wb, src, out, force, cached)
    return result
