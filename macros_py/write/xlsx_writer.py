"""Write a new table workbook with xlsxwriter: live formulas with cached values.

xlsxwriter is used for new workbooks because it stores each formula's cached
result (openpyxl cannot), so mail and phone previews that never recalculate
still show the numbers, and it is the fastest writer measured here.
"""
from __future__ import annotations

from dataclasses import dataclass
import os
from datetime import datetime, timezone
from pathlib import Path

from .conditional import conditional_rules
from .layout import HEADER_TOP, SUBTITLE_ROW, TITLE_ROW, Layout

ERROR_STYLE = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
WARNING_STYLE = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
FONT = {"font_name": "Times New Roman", "font_size": 11}


@dataclass(frozen=True)
class ListSheet:
    """A plain list sheet written beside the table (sources, completeness): documents officers
    print and send, so they carry title lines above the header and can highlight rows."""
    name: str
    header: tuple[str, ...]
    rows: list[tuple]
    widths: tuple[float, ...] = ()
    title: tuple[str, ...] = ()                 # lines above the header (what, which unit, the date)
    highlight: frozenset[int] = frozenset()     # indices into `rows` to fill (e.g. units not reported)


def write_new_workbook(layout: Layout, path: Path, extra: list[ListSheet] = ()) -> None:
    import xlsxwriter  # deferred: only the writing path needs it

    form = layout.form
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True})
    # SOURCE_DATE_EPOCH (reproducible builds) fixes the date, so rebuilt examples compare byte for byte.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    created = datetime.fromtimestamp(int(epoch), timezone.utc).replace(tzinfo=None) if epoch else datetime.now()
    wb.set_properties({"title": layout.title, "comments": f"giamngheo form {form.id}", "created": created})
    ws = wb.add_worksheet("Biểu")
    base = dict(FONT, border=1, valign="vcenter")
    f_title = wb.add_format(dict(FONT, bold=True, font_size=13, align="center", valign="vcenter", text_wrap=True))
    f_sub = wb.add_format(dict(FONT, italic=True, align="center"))
    f_head = wb.add_format(dict(base, bold=True, align="center", text_wrap=True))
    f_num_row = wb.add_format(dict(base, italic=True, align="center", font_size=9))
    fmt_cache: dict[tuple, object] = {}

    def cell_format(column, *, total: bool, computed: bool):
        key = (column.number, total, computed)
        if key not in fmt_cache:
            spec = dict(base, locked=computed)
            if column.is_number:
                spec["num_format"] = column.number_format
            elif column.role != "unit":
                spec["align"] = "center"
            if total:
                spec["bold"] = True
            if computed and not total:
                spec["bg_color"] = "#F2F2F2"
            fmt_cache[key] = wb.add_format(spec)
        return fmt_cache[key]

    last_col = layout.width - 1
    ws.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, last_col, layout.title, f_title)
    ws.merge_range(SUBTITLE_ROW - 1, 0, SUBTITLE_ROW - 1, last_col, layout.subtitle, f_sub)
    ws.set_row(TITLE_ROW - 1, 36)
    for h in layout.header_cells():
        if h.first_col == h.last_col and h.row == h.last_row:
            ws.write_string(h.row - 1, h.first_col - 1, h.label, f_head)
        else:
            ws.merge_range(h.row - 1, h.first_col - 1, h.last_row - 1, h.last_col - 1, h.label, f_head)
    for i, c in enumerate(form.columns):
        ws.write_string(layout.numbering_row - 1, i, c.numbering_text, f_num_row)
        ws.set_column(i, i, c.width)

    letters = layout.letters
    for content in layout.body():
        r = content.row - 1
        for i, (c, cell) in enumerate(zip(form.columns, content.cells)):
            typed = content.total and c.is_number and c.total == "input"   # e.g. a rate with no households
            fmt = cell_format(c, total=content.total, computed=content.total and not typed or cell.kind == "formula")
            if cell.kind == "formula":
                # No computable result (a blank or absurd input): store an empty result, never
                # xlsxwriter's default 0, which previews would show as a real figure.
                ws.write_formula(r, i, cell.value, fmt, "" if cell.cached is None else cell.cached)
            elif cell.kind == "text":
                ws.write_string(r, i, cell.value, fmt)
            elif cell.kind == "number":
                ws.write_number(r, i, cell.value, fmt)
            else:
                ws.write_blank(r, i, None, fmt)

    styles = {"error": wb.add_format(ERROR_STYLE), "warning": wb.add_format(WARNING_STYLE)}
    last_unit = layout.unit_rows[-1] if layout.units else layout.first_unit_row
    for rule in conditional_rules(form, letters, layout.first_unit_row, last_unit, layout.total_row,
                                  layout.unit_rows):
        ws.conditional_format(rule.range, {"type": "formula", "criteria": "=" + rule.formula,
                                           "format": styles[rule.severity]})

    ws.freeze_panes(layout.numbering_row, 2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(HEADER_TOP - 1, layout.numbering_row - 1)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True,
                    "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True})
    for sheet in extra:
        _write_list(wb, sheet)
    wb.close()


def _write_list(wb, sheet: ListSheet) -> None:
    """Every text is written as a string: nothing copied from received files becomes a formula."""
    ws = wb.add_worksheet(sheet.name)
    bold = wb.add_format(dict(FONT, bold=True, border=1, text_wrap=True, valign="vcenter"))
    cell = wb.add_format(dict(FONT, border=1, valign="top", text_wrap=True))
    marked = wb.add_format(dict(FONT, border=1, valign="top", text_wrap=True, bg_color=ERROR_STYLE["bg_color"]))
    title = wb.add_format(dict(FONT, bold=True))
    for r, line in enumerate(sheet.title):
        ws.write_string(r, 0, line, title)
    top = len(sheet.title) + (1 if sheet.title else 0)    # a blank line between the title and the header
    for c, text in enumerate(sheet.header):
        ws.write_string(top, c, text, bold)
    for i, row in enumerate(sheet.rows):
        r, fmt = top + 1 + i, marked if i in sheet.highlight else cell
        lines = max((-(-len(str(v)) // max(int(w * 1.1), 1)) for v, w in zip(row, sheet.widths) if v is not None),
                    default=1)
        if lines > 1:      # wrapped text: LibreOffice does not grow the row by itself when printing
            ws.set_row(r, 15 * lines)
        for c, value in enumerate(row):
            if value is None:
                ws.write_blank(r, c, None, fmt)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value), fmt)
    for c, width in enumerate(sheet.widths):
        ws.set_column(c, c, width)
    ws.freeze_panes(top + 1, 0)
