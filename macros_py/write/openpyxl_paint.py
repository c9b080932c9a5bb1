"""Paint onto an existing workbook loaded with openpyxl (repaired and annotated copies)."""
from __future__ import annotations

import sys
from pathlib import Path

from .conditional import conditional_rules, shown_places
from ..core.table import Table
from .xlsx_writer import ERROR_STYLE, WARNING_STYLE


def _differential(style: dict):
    from openpyxl.styles import Font, PatternFill
    from openpyxl.styles.differential import DifferentialStyle

    color = style["bg_color"].lstrip("#")
    return DifferentialStyle(fill=PatternFill(start_color=color, end_color=color, fill_type="solid", bgColor=color),
                             font=Font(color=style["font_color"].lstrip("#")))


def add_conditional_rules(ws, table: Table) -> int:
    """Add the form's live checks to the sheet, skipping any already there (re-runs add nothing)."""
    from openpyxl.formatting.rule import Rule

    rows = table.data_rows
    if not rows:
        return 0
    existing = {(str(cf.sqref), tuple(r.formula)) for cf in ws.conditional_formatting for r in cf.rules}
    styles = {"error": _differential(ERROR_STYLE), "warning": _differential(WARNING_STYLE)}
    added = 0
    places = {n: shown_places(ws.cell(r, col).number_format for r in table.unit_rows)
              for n, col in table.columns.items()}
    for rule in conditional_rules(table.form, table.letters, rows[0], rows[-1], table.total_row, table.unit_rows,
                                  subtotals=table.subtotal_rows, places=places):
        if (rule.range, (rule.formula,)) in existing:
            continue
        ws.conditional_formatting.add(rule.range, Rule(type="expression", dxf=styles[rule.severity],
                                                       formula=[rule.formula]))
        added += 1
    return added


def save_copy(wb, src: Path, out: Path, force: bool, cached: dict) -> list[str]:
    """Save an openpyxl workbook as a copy of `src`: cached results put back, the output
    renamed into place only when complete; returns what could not be carried over."""
    from . import cached_values
    from .dropped_parts import lost_parts
    from .safe_io import atomic_output

    with atomic_output(out, force, inputs=(src,)) as tmp:
        wb.save(tmp)
        cached_values.inject(tmp, cached)
        lost = lost_parts(src, tmp)
        for line in lost:          # said before the copy lands
            print(f"Lưu ý: {line}", file=sys.stderr)
    return lost
