"""Paint onto an existing workbook loaded with openpyxl (repaired and annotated copies)."""
from __future__ import annotations

from .conditional import conditional_rules
from .table import Table
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
    for rule in conditional_rules(table.form, table.letters, rows[0], rows[-1], table.total_row, table.unit_rows):
        if (rule.range, (rule.formula,)) in existing:
            continue
        ws.conditional_formatting.add(rule.range, Rule(type="expression", dxf=styles[rule.severity],
                                                       formula=[rule.formula]))
        added += 1
    return added
