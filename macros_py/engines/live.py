"""The live engine: read and paint an open workbook through xlwings.

Every call into Excel costs, so a sheet is read in one call (plus one for its
formulas where the engine can give them) and written in column blocks. Engines
that cannot read formulas, fills or notes (xlwings' remote engine) are handled:
the grid then says it does not know formulas, and clear's state lives in the
workbook, never in Python memory between clicks.
"""
from __future__ import annotations

from itertools import groupby
from typing import Iterable

from ..core.grid import Grid


def read_grid(sheet) -> Grid:
    """The sheet from A1 to the end of its used range, as a Grid."""
    rng = sheet.used_range
    values = rng.options(ndim=2).value or [[]]
    r0, c0 = rng.row, rng.column
    rows = [[] for _ in range(r0 - 1)] + [[None] * (c0 - 1) + list(r) for r in values]
    grid = Grid(sheet.name, rows)
    try:
        formulas = rng.formula
    except NotImplementedError:      # the remote engine does not send formulas
        return grid
    if isinstance(formulas, str):
        formulas = ((formulas,),)
    for i, line in enumerate(formulas):
        for j, text in enumerate(line if isinstance(line, (list, tuple)) else (line,)):
            if isinstance(text, str) and text.startswith("="):
                grid.set_formula(r0 + i, c0 + j, text)
                if grid.value(r0 + i, c0 + j) is None:      # Excel computed it: a guarded formula's ""
                    grid.blank_results.add((r0 + i, c0 + j))
    grid.knows_formulas = True
    return grid


def write_formulas(sheet, cells: Iterable[tuple[int, int, str]]) -> int:
    """Write (row, col, formula) cells, one call per run of adjacent rows in a column."""
    calls = 0
    ordered = sorted(cells, key=lambda c: (c[1], c[0]))
    for col, group in groupby(ordered, key=lambda c: c[1]):
        run: list[tuple[int, int, str]] = []
        for cell in list(group) + [None]:
            if cell is not None and (not run or cell[0] == run[-1][0] + 1):
                run.append(cell)
                continue
            if run:
                sheet.range((run[0][0], col), (run[-1][0], col)).formula = [[f] for _, _, f in run]
                calls += 1
            run = [cell] if cell is not None else []
    return calls


def read_fill(rng) -> dict:
    """The cell's own fill, as the state clear restores; {'unknown': True} where unreadable."""
    try:
        color = rng.color
    except NotImplementedError:
        return {"unknown": True}
    if color is None:
        return {}
    if isinstance(color, (tuple, list)):
        color = "#{:02X}{:02X}{:02X}".format(*color[:3])
    return {"rgb": str(color)}


def read_note(rng) -> str | None:
    try:
        note = rng.note
    except NotImplementedError:
        return None
    return note.text if note is not None else None


def write_note(rng, text: str) -> bool:
    """Replace the cell's note with ours; False where the engine cannot add notes."""
    try:
        existing = rng.note
        if existing is not None:
            existing.delete()
        rng.add_note(text)
        return True
    except NotImplementedError:
        return False


def restore_fill(rng, state: dict) -> None:
    if state.get("rgb"):
        rng.color = state["rgb"]
    elif state.get("fill_type") == "solid" and (state.get("fg") or {}).get("type") == "rgb":
        rng.color = "#" + str(state["fg"]["value"])[-6:]
    else:
        rng.color = None
