"""Đối chiếu: a typed upper-level table against each unit's own workbook, cell by cell.

Each unit's figures are what consolidation takes from its workbook: the table of the upper
table's year, the sums of the unit's own rows, read as validate reads them."""
from __future__ import annotations

from pathlib import Path

from ..core.findings import CATALOGUE, Finding
from ..forms.formulas import row_expr
from .validate import FileResult, SheetResult, tool_sheet


def reconcile(upper: Path, paths: list[Path], *, progress: bool = False) -> list[FileResult]:
    """Findings on the upper table's cells where its figures differ from the unit's own total."""
    from .consolidate import consolidate
    from ..engines.file import WorkbookError, read_grids
    from ..core.numbers import shown_decimals
    from ..core.table import locate, row_numbers
    from .inbox import year_of

    try:
        grids = read_grids(Path(upper))
    except WorkbookError as exc:
        return [FileResult(str(upper), "unreadable", str(exc))]
    result = FileResult(str(upper), "ok")
    for grid in grids:
        if tool_sheet(grid):        # "Nguồn", "Tình hình nộp", charts: the tool's own, never "không có biểu"
            continue
        table = locate(grid)
        if table is None:
            if not grid.hidden:
                result.other_sheets.append(grid.name)
            continue
        form, unit_col = table.form, table.columns[table.form.unit_column.number]
        names = {r: str(grid.value(r, unit_col) or "").strip() for r in table.unit_rows}
        year, _ = year_of(grid, table)
        received = consolidate(paths, units=[n for n in names.values() if n], form_id=form.id, year=year,
                               progress=progress)
        findings: list[Finding] = []
        for row, name in names.items():
            src = received.used.get(name)
            if src is None:
                findings.append(CATALOGUE["reconcile-missing"].finding(grid.name, row, unit_col, unit=name))
                continue
            mine = row_numbers(grid, table, row)
            for c in form.columns:
                if not c.is_number or row_expr(c) is not None or c.number not in table.columns:
                    continue
                if c.kind == "rate" and c.of is not None:
                    continue   # a target rate is judged through its count (half-household rule)
                a, b = mine.get(c.number), src.part.figures.get(c.number)
                if a is None and b is None:
                    continue
                tol = 1e-6 if not c.decimals else 0.5 * 10.0 ** -shown_decimals(a if a is not None else 0.0,
                                                                                  grid.number_format(row, table.columns[c.number])) + 1e-9
                if a is None or b is None or abs(a - b) > tol:
                    findings.append(CATALOGUE["reconcile-mismatch"].finding(
                        grid.name, row, table.columns[c.number], actual=a, expected=b, decimals=c.decimals or None,
                        unit=name, number=c.number, file=src.name, sheet_name=src.part.sheet,
                        source_row=_rows_text(src.part)))
        result.sheets.append(SheetResult(grid.name, table, findings))
    if not result.sheets:
        result.status, result.error = "no_form", "Không tìm thấy biểu nào đã biết trong tệp cấp trên."
    return [result]


def _rows_text(part) -> str:
    """'8' or '8–10 (cộng)': where the unit's figure was read or summed."""
    if part.mended is not None:     # the unit's own total, which its other cells confirm (consolidate's rule)
        mended = {n for n, _, _ in part.mismatches}
        cells = ", ".join(s.cell for s in part.suspects if s.number in mended)
        return f"{part.total_row} (dòng Cộng; ô {cells} có lẽ ghi sai)"
    if part.summed:
        return f"{part.rows[0]}–{part.rows[-1]} (cộng các dòng)"
    return ", ".join(map(str, part.rows))
