"""Write a new table workbook with xlsxwriter: live formulas with cached values.

xlsxwriter is used for new workbooks because it stores each formula's cached
result (openpyxl cannot), so mail and phone previews that never recalculate
still show the numbers, and it is the fastest writer measured here.
"""
from __future__ import annotations

from dataclasses import dataclass
import os
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path

from .conditional import conditional_rules
from .layout import (COVERAGE_ROW, HEADER_STYLE, HEADER_TOP, LEGEND_STYLE, NUMBERING_STYLE, SIGN_NOTE_STYLE,
                     SIGN_TITLE_STYLE, SUBTITLE_ROW, SUBTITLE_STYLE, TITLE_ROW, TITLE_STYLE, Layout, Signature,
                     signature_spans)
from .text_fit import FONT_NAME, PAGE_WIDTH, Style, fit_widths, sheet_heights

ERROR_STYLE = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
WARNING_STYLE = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
# No font scheme: a font marked with the theme's scheme is drawn in the theme's font (Calibri) by Excel,
# whatever its name says.
FONT = {"font_name": FONT_NAME, "font_size": 11, "font_scheme": "none"}
LIST_TITLE_STYLE = Style(12, bold=True)


def _font(style: Style) -> dict:
    return dict(FONT, font_size=style.size, bold=style.bold, italic=style.italic)


@dataclass(frozen=True)
class ListSheet:
    """A plain list sheet written beside the table (sources, completeness): documents officers
    print and send, so they carry title lines above the header and can highlight rows."""
    name: str
    header: tuple[str, ...]
    rows: list[tuple]
    widths: tuple[float, ...] = ()              # the most each column needs (widths follow the content)
    title: tuple[str, ...] = ()                 # lines above the header (what, which unit, the date)
    highlight: frozenset[int] = frozenset()     # indices into `rows` to fill (e.g. units not reported)
    centre: frozenset[int] = frozenset()        # columns centred (STT, small counts)
    hidden: frozenset[int] = frozenset()        # columns kept for machines (a full hash): never printed
    page: float = PAGE_WIDTH                    # characters across the page (wider: printed a little smaller)
    signature: Signature | None = None          # the place, date and signatures under the rows


def _default_title(sheet: ListSheet, layout: Layout, created: datetime) -> tuple[str, ...]:
    """Title lines for a list sheet whose maker gave none: what it is, for which table and unit, when."""
    unit = f"Đơn vị: {layout.unit}. " if layout.unit.strip("…. ") else ""
    return f"{sheet.name.upper()} — {layout.title}", f"{unit}Lập ngày {created:%d/%m/%Y}."


# Excel 365's dynamic-array functions, which xlsxwriter rewrites with 29 regular expressions on every
# formula; the forms' formulas use none of them (SUM, IF, COUNT, ROUND, INDEX, MATCH, LARGE …).
_DYNAMIC_NAMES = ("ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
                  "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SINGLE", "SEQUENCE",
                  "SORT", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS",
                  "WRAPROWS", "XLOOKUP", "_xlfn")


@lru_cache(maxsize=1)
def plain_formula_worksheet():
    """xlsxwriter's Worksheet, preparing a formula that names no dynamic-array function the way
    xlsxwriter itself would (the leading '=' and array braces stripped) without its 29 regular
    expressions: ~2.9 s of a 1,000-unit consolidation's 34,000 formulas. Any formula that might
    need them, or a workbook with future functions on, goes through xlsxwriter's own code; a test
    compares the sheets written both ways byte for byte."""
    import re

    from xlsxwriter.worksheet import Worksheet

    dynamic = re.compile("|".join(_DYNAMIC_NAMES))

    class PlainFormulaWorksheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False, *args, **kwargs):
            if expand_future_functions or args or kwargs or self.use_future_functions or dynamic.search(formula):
                return super()._prepare_formula(formula, expand_future_functions, *args, **kwargs)
            if formula.startswith("{"):
                formula = formula[1:]
            if formula.startswith("="):
                formula = formula[1:]
            if formula.endswith("}"):
                formula = formula[:-1]
            return formula

    return PlainFormulaWorksheet


def write_new_workbook(layout: Layout, path: Path, extra: list[ListSheet] = (), *, charts: bool = False) -> None:
    """The table on the sheet "Biểu"; with `charts`, the form's charts on "Biểu đồ"; then `extra` sheets."""
    import xlsxwriter  # deferred: only the writing path needs it

    form = layout.form
    # The workbook's own default font is the table's: one font for every cell, typed-in ones too.
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True, "default_format_properties": dict(FONT)})
    wb.worksheet_class = plain_formula_worksheet()
    # SOURCE_DATE_EPOCH (reproducible builds) fixes the date, so rebuilt examples compare byte for byte.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    created = datetime.fromtimestamp(int(epoch), timezone.utc).replace(tzinfo=None) if epoch else datetime.now()
    wb.set_properties({"title": layout.title, "comments": f"giamngheo form {form.id}", "created": created})
    ws = wb.add_worksheet("Biểu")
    base = dict(FONT, border=1, valign="vcenter")
    f_title = wb.add_format(dict(_font(TITLE_STYLE), align="center", valign="vcenter", text_wrap=True))
    f_sub = wb.add_format(dict(_font(SUBTITLE_STYLE), align="center", valign="vcenter", text_wrap=True))
    f_head = wb.add_format(dict(base, **_font(HEADER_STYLE), align="center", text_wrap=True))
    f_num_row = wb.add_format(dict(base, **_font(NUMBERING_STYLE), align="center", text_wrap=True))
    fmt_cache: dict[tuple, object] = {}

    def cell_format(column, *, total: bool, computed: bool, marked: bool = False):
        key = (column.number, total, computed, marked)
        if key not in fmt_cache:
            spec = dict(base, locked=computed)
            if column.is_number:
                spec["num_format"] = column.number_format
            elif column.role != "unit":
                spec["align"] = "center"
            else:
                spec["text_wrap"] = True        # a long name wraps in the capped column (its row is sized)
            if total:
                spec["bold"] = True
            if computed and not total:
                spec["bg_color"] = "#F2F2F2"
            if marked:
                spec["bg_color"] = WARNING_STYLE["bg_color"]
            fmt_cache[key] = wb.add_format(spec)
        return fmt_cache[key]

    last_col = layout.width - 1
    ws.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, last_col, layout.printed_title, f_title)
    ws.merge_range(SUBTITLE_ROW - 1, 0, SUBTITLE_ROW - 1, last_col, layout.subtitle, f_sub)
    for row, height in layout.row_heights().items():     # Excel never grows merged cells to fit
        ws.set_row(row - 1, height)
    if layout.coverage:
        f_cover = wb.add_format(dict(_font(SUBTITLE_STYLE), bold=True, align="center"))
        ws.merge_range(COVERAGE_ROW - 1, 0, COVERAGE_ROW - 1, last_col, layout.coverage, f_cover)
    for h in layout.header_cells():
        if h.first_col == h.last_col and h.row == h.last_row:
            ws.write_string(h.row - 1, h.first_col - 1, h.label, f_head)
        else:
            ws.merge_range(h.row - 1, h.first_col - 1, h.last_row - 1, h.last_col - 1, h.label, f_head)
    for i, (c, width) in enumerate(zip(form.columns, layout.column_widths())):
        ws.write_string(layout.numbering_row - 1, i, c.numbering_text, f_num_row)
        ws.set_column(i, i, width)

    letters = layout.letters
    label_first, label_last = layout.total_span()
    for content in layout.body():
        r = content.row - 1
        for i, (c, cell) in enumerate(zip(form.columns, content.cells)):
            if content.total and label_first - 1 <= i <= label_last - 1 and label_first < label_last:
                if c.role == "unit":     # a label too long for the unit column: over STT and name, wrapped
                    ws.merge_range(r, label_first - 1, r, label_last - 1, cell.value,
                                   wb.add_format(dict(base, bold=True, text_wrap=True)))
                continue
            typed = content.total and c.is_number and c.total == "input"   # e.g. a rate with no households
            fmt = cell_format(c, total=content.total, computed=content.total and not typed or cell.kind == "formula",
                              marked=cell.marked)
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
            if cell.note:
                ws.write_comment(r, i, cell.note, {"x_scale": 3, "y_scale": 2.5, "font_name": FONT["font_name"]})

    if layout.legend:
        ws.merge_range(layout.legend_row - 1, 0, layout.legend_row - 1, last_col, layout.legend,
                       wb.add_format(dict(_font(LEGEND_STYLE), text_wrap=True, valign="top")))
    write_signature(wb, ws, layout.signature, layout.signature_row - 1, signature_spans(layout.column_widths()))
    styles = {"error": wb.add_format(ERROR_STYLE), "warning": wb.add_format(WARNING_STYLE)}
    last_unit = layout.unit_rows[-1] if layout.units else layout.first_unit_row
    for rule in conditional_rules(form, letters, layout.first_unit_row, last_unit, layout.total_row,
                                  layout.unit_rows):
        ws.conditional_format(rule.range, {"type": "formula", "criteria": "=" + rule.formula,
                                           "format": styles[rule.severity]})

    ws.freeze_panes(layout.numbering_row, 2)
    print_setup(ws)
    ws.repeat_rows(HEADER_TOP - 1, layout.numbering_row - 1)
    ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True,
                    "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True})
    if charts:
        from .charts import write_charts

        write_charts(wb, layout, ws.name)
    for sheet in extra:
        _write_list(wb, sheet, sheet.title or _default_title(sheet, layout, created))
    wb.close()


def write_signature(wb, ws, sig: Signature, top: int, spans) -> None:
    """The place-and-date line and the two signatures from row `top` (0-based), each title centred
    over its columns (1-based spans), room to sign below; all inside the printed width."""
    (l1, l2), (r1, r2) = spans
    date = wb.add_format(dict(_font(SIGN_NOTE_STYLE), align="center"))
    title = wb.add_format(dict(_font(SIGN_TITLE_STYLE), align="center"))
    note = wb.add_format(dict(_font(SIGN_NOTE_STYLE), align="center"))

    def put(row: int, first: int, last: int, text: str, fmt) -> None:
        if first == last:
            ws.write_string(row, first - 1, text, fmt)
        else:
            ws.merge_range(row, first - 1, row, last - 1, text, fmt)

    put(top, r1, r2, sig.place_date, date)
    for (first, last), (head, how) in (((l1, l2), sig.left), ((r1, r2), sig.right)):
        put(top + 1, first, last, head, title)
        put(top + 2, first, last, how, note)
    ws.write_blank(top + sig.height - 1, 0, None, note)      # the room to sign is part of the printed page


def _write_list(wb, sheet: ListSheet, title: tuple[str, ...]) -> None:
    """A list sheet as a document to print: title lines, a header row repeated on every page, widths by
    content within one A4 landscape page, wrapped text a little off the borders, one font. Every text is
    written as a string: nothing copied from received files becomes a formula."""
    ws = wb.add_worksheet(sheet.name)
    width = len(sheet.header)
    shown = [c for c in range(width) if c not in sheet.hidden]
    bold = wb.add_format(dict(FONT, bold=True, border=1, text_wrap=True, valign="vcenter", align="center",
                              bg_color="#F2F2F2"))
    formats = {}

    def body_format(marked: bool, centre: bool, number: bool):
        key = (marked, centre, number)
        if key not in formats:
            spec = dict(FONT, border=1, valign="top", text_wrap=True)
            spec.update(align="center") if centre else spec.update(indent=1, align="right" if number else "left")
            if marked:
                spec["bg_color"] = ERROR_STYLE["bg_color"]
            formats[key] = wb.add_format(spec)
        return formats[key]

    title_formats = [wb.add_format(dict(_font(LIST_TITLE_STYLE), text_wrap=True, valign="vcenter"))] + \
        [wb.add_format(dict(FONT, text_wrap=True, valign="vcenter"))] * max(0, len(title) - 1)
    columns = [["" if row[c] is None else str(row[c]) for row in sheet.rows] for c in shown]
    caps = tuple(sheet.widths[c] if c < len(sheet.widths) else 1e9 for c in shown) if sheet.widths else ()
    widths = fit_widths(columns, [sheet.header[c] for c in shown], indent=True, caps=caps, page=sheet.page)
    heights = sheet_heights(list(title), LIST_TITLE_STYLE, [sheet.header[c] for c in shown],
                            [list(r) for r in zip(*columns)], widths, indent=True)
    last_shown = max(shown)
    for r, line in enumerate(title):
        if last_shown > 0:
            ws.merge_range(r, 0, r, last_shown, line, title_formats[r])
        else:
            ws.write_string(r, 0, line, title_formats[r])
    top = len(title) + (1 if title else 0)    # a blank line between the title and the header
    for c, text in enumerate(sheet.header):
        ws.write_string(top, c, text, bold)
    for i, row in enumerate(sheet.rows):
        r = top + 1 + i
        for c, value in enumerate(row):
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            fmt = body_format(i in sheet.highlight, c in sheet.centre, number)
            if value is None:
                ws.write_blank(r, c, None, fmt)
            elif number:
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value), fmt)
    if sheet.signature is not None:
        full = [widths[shown.index(c)] if c in shown else 0.0 for c in range(width)]
        write_signature(wb, ws, sheet.signature, top + len(sheet.rows) + 2, signature_spans(full))
    for c, w in zip(shown, widths):
        ws.set_column(c, c, w)
    for c in sheet.hidden:
        ws.set_column(c, c, sheet.widths[c] if c < len(sheet.widths) else 20, None, {"hidden": True})
    for r, h in heights.items():
        ws.set_row(r - 1, h)
    ws.freeze_panes(top + 1, 0)
    print_setup(ws, top)


def print_setup(ws, header_row: int | None = None) -> None:
    """A4 landscape, one page wide (as many tall as needed), the header on every page, page numbers."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer(f'&C&"{FONT_NAME},Regular"Trang &P/&N')
    if header_row is not None:
        ws.repeat_rows(header_row)
