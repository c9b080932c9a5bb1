"""Tính lại: put the formula columns and the total row back as live formulas.

`plan_recalc` is pure: from a Grid and its Table it lists each cell to write
(formula and cached value) and each typed number that had replaced a formula.
Input cells are never in the plan. The file writer below and the live Excel
engine both apply the same plan.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..forms import formulas
from ..core.coords import cell_ref
from ..core.grid import Grid
from ..core.table import Table, locate, row_numbers


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
    value: float

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)


def text_numbers(grid: Grid, table: Table) -> list[TextNumber]:
    from ..core.numbers import as_number

    found = []
    for row in table.data_rows + ([table.total_row] if table.total_row else []):
        for c in table.form.columns:
            if c.is_number and formulas.row_expr(c) is None and c.number in table.columns:
                col = table.columns[c.number]
                value = grid.value(row, col)
                if isinstance(value, str) and grid.formula(row, col) is None:
                    number = as_number(value, whole=c.kind == "count")
                    if number is not None:
                        found.append(TextNumber(grid.name, row, col, value, number))
    return found


def _inputs_only(table: Table, values: dict) -> dict:
    return {n: v for n, v in values.items() if formulas.row_expr(table.form.column(n)) is None}


def plan_recalc(grid: Grid, table: Table, *, read_text: bool = False) -> tuple[list[CellWrite], list[Overwrite]]:
    """Cells to write and typed-over cells. Cached values treat number text as a
    spreadsheet does (not a number) unless read_text, used when it is converted."""
    form, letters = table.form, table.letters
    writes: list[CellWrite] = []
    unit_values = {r: formulas.compute(form, _inputs_only(table, row_numbers(grid, table, r, read_text=read_text)),
                                       blank_as_zero=True)
                   for r in table.unit_rows}

    def emit(row: int, values: dict, total: bool, children: list[int]) -> None:
        ref = lambda n: f"{letters[n]}{row}"  # noqa: E731 - tiny closure over the row
        for c in form.columns:
            if not c.is_number or c.number not in table.columns:
                continue
            sums = formulas.sum_ranges(letters[c.number], children) if total else None
            formula = formulas.excel_formula(c, ref, total=total, sum_ranges=sums)
            if formula:
                writes.append(CellWrite(row, table.columns[c.number], formula, values.get(c.number)))

    for r in table.unit_rows:
        emit(r, unit_values[r], False, [])
    for sub, children in table.subtotal_rows.items():
        emit(sub, formulas.compute_total(form, [unit_values[r] for r in children]), True, children)
    if table.total_row is not None:
        emit(table.total_row, formulas.compute_total(form, list(unit_values.values())), True, table.unit_rows)

    overwrites = []
    for w in writes:
        held = grid.value(w.row, w.col)
        if held is not None and grid.formula(w.row, w.col) is None:
            number = next(n for n, c in table.columns.items() if c == w.col)
            overwrites.append(Overwrite(grid.name, w.ref, number, held, w.value))
    return writes, overwrites


@dataclass
class RecalcResult:
    tables: list[Table]
    writes: int
    overwrites: list[Overwrite]
    text_numbers: list[TextNumber]
    converted: bool
    lost: list[str]


def recalc_file(src: Path, out: Path, *, force: bool = False, convert_text: bool = False) -> RecalcResult:
    """Write a copy of `src` with formulas restored; `src` is never written."""
    from ..write import cached_values
    from ..engines.file import add_formulas, read_grids, load_openpyxl
    from ..write.openpyxl_paint import add_conditional_rules, save_copy

    src, out = Path(src), Path(out)
    grids = read_grids(src, with_formulas=False)
    wb = load_openpyxl(src)
    by_name = {g.name: g for g in grids}
    for ws in wb.worksheets:
        if ws.title in by_name:
            add_formulas(by_name[ws.title], ws)
    cached = cached_values.from_grids(grids)   # openpyxl drops every cached result on save
    tables, all_overwrites, all_text, count = [], [], [], 0
    for ws in wb.worksheets:
        grid = by_name.get(ws.title)
        if grid is None:
            continue
        table = locate(grid)
        if table is None:
            continue
        texts = text_numbers(grid, table)
        if convert_text:
            for t in texts:
                ws.cell(t.row, t.col).value = t.value
        writes, overwrites = plan_recalc(grid, table, read_text=convert_text)
        for w in writes:
            ws.cell(w.row, w.col).value = w.formula
        add_conditional_rules(ws, table)
        cached[ws.title].update({w.ref: w.value for w in writes})
        tables.append(table)
        all_overwrites += overwrites
        all_text += texts
        count += len(writes)
    if not tables:
        from ..engines.file import WorkbookError
        raise WorkbookError(f"Không tìm thấy biểu nào đã biết trong tệp '{src.name}'.")
    lost = save_copy(wb, src, out, force, cached)
    return RecalcResult(tables, count, all_overwrites, all_text, convert_text, lost)
