"""The sheet "Biểu đồ": native Excel bar charts by unit, live on the table's formulas.

Which charts a form has is data (`[[charts]]` in its spec): each series is a column or an
expression in the officers' notation. Officers paste these charts into their reports, and the
receiver may have no add-in, so the charts are ordinary Excel charts (xlsxwriter) over cells:

- hidden helper columns read each unit's figures from the table (`='Biểu'!E9`, `='Biểu'!D9-'Biểu'!F9`),
  #N/A (a gap in the chart, never a false 0) while an input the series needs is blank, and a sort
  key with the unit's position as tie-break;
- a visible block lists the units sorted by the first series, largest first, with classic
  functions only (LARGE, MATCH, INDEX: Excel 2007 and LibreOffice alike), so the order follows
  the figures when officers correct them;
- the charts plot the visible block. Cached values are written with every formula, so previews
  that never recalculate show the charts too.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.coords import column_letter
from ..forms import formulas, notation
from ..forms.notation import Expr
from ..forms.spec import Chart, Form
from .layout import Layout
from .text_fit import Style, wrap

CHART_SHEET = "Biểu đồ"
FONT = "Times New Roman"
CHART_WIDTH = 760                 # pixels: the printable width of an A4 portrait page
MAX_CHART_UNITS = 40              # a chart of a province's hundred communes shows the 40 largest (all are listed)
CHART_COLUMNS = 12                # default columns (64 px) the charts span; data starts after them
ROW_PX = 20                       # xlsxwriter's default row height in pixels
PAGE_ROWS = 56                    # rows of one A4 portrait page at the scale that fits the charts' width
FIRST_ROW = 2                     # 0-based: a title line and a blank line above the first chart
CHART_FRAME = 120                 # pixels of a chart that are not bars: title, value axis, its title, legend
LABEL_STYLE = Style(9)            # the category axis' unit names
LABEL_PX = 180                    # the width LibreOffice gives a category name before wrapping it
LINE_PX = 14                      # one line of a 9 pt name
BLANK_NOTE = "Chưa có số liệu: các biểu đồ của trang này tự vẽ khi nhập số liệu vào trang '{sheet}'."
FILLED_NOTE = ("Các biểu đồ của trang này vẽ theo số liệu ở trang '{sheet}'. Tệp được tạo khi chưa có số liệu nên "
               "vùng in của trang này chỉ gồm hai dòng đầu: để in biểu đồ, bỏ vùng in (Page Layout › Print Area › "
               "Clear Print Area).")
MISSING_KEY = -1e6                # sort key of a unit whose figure is not there yet (sorts last)
TIE_DIVISOR = 10_000_000          # unit i's key is lowered by i / TIE_DIVISOR: equal figures keep table order


@dataclass(frozen=True)
class SeriesPlan:
    name: str
    expr: Expr
    inputs: tuple[str, ...]       # input columns the figure needs (blank input → #N/A)
    decimals: int


def input_columns(form: Form, expr: Expr) -> tuple[str, ...]:
    """The input columns an expression rests on, through the form's row formulas: '3' → ('1', '2')."""
    seen: list[str] = []
    todo = list(notation.columns_of(expr))
    while todo:
        number = todo.pop(0)
        if number in seen:
            continue
        computed = formulas.row_expr(form.column(number))
        if computed is None:
            seen.append(number)
        else:
            todo += notation.columns_of(computed)
    return tuple(n for n in (c.number for c in form.columns) if n in seen)


def series_plans(form: Form, chart: Chart) -> list[SeriesPlan]:
    plans = []
    for s in chart.series:
        cols = notation.columns_of(s.value)
        plans.append(SeriesPlan(s.name, s.value, input_columns(form, s.value),
                                max((form.column(n).decimals for n in cols), default=0)))
    return plans


def figure(plan: SeriesPlan, inputs: dict[str, float | None], values: dict[str, float | None]) -> float | None:
    """What the helper cell shows: None (#N/A) while an input is blank, else the expression."""
    if any(inputs.get(n) is None for n in plan.inputs):
        return None
    return notation.evaluate(plan.expr, values)


def sort_key(value: float | None, position: int) -> float:
    """The helper key, computed exactly as its formula does."""
    return (MISSING_KEY if value is None else value) - position / TIE_DIVISOR


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def category_px(names: list[str], series: int) -> int:
    """Height per unit so LibreOffice and Excel show every name (they skip names that would overlap):
    room for the unit's bars and for its name wrapped over as many lines as the longest one needs."""
    lines = max((len(wrap(n, LABEL_PX, LABEL_STYLE)) for n in names), default=1)
    return max(20, series * 9 + 6, lines * LINE_PX + 6)


def chart_height(names: list[str], series: int) -> int:
    return max(300, CHART_FRAME + len(names) * category_px(names, series))


def write_charts(wb, layout: Layout, table_sheet: str) -> None:
    """Add the sheet "Biểu đồ" with the form's charts over the units of `table_sheet`; a form
    without charts, or a table without units, gets no sheet."""
    form = layout.form
    if not form.charts or not layout.units:
        return
    ws = wb.add_worksheet(CHART_SHEET)
    src = "'" + table_sheet.replace("'", "''") + "'"     # quoted always: Vietnamese names, spaces
    letters, rows, n = layout.letters, layout.unit_rows, len(layout.units)
    unit_letter = letters[form.unit_column.number]
    f_title = wb.add_format({"font_name": FONT, "bold": True, "font_size": 13})
    f_head = wb.add_format({"font_name": FONT, "bold": True, "border": 1})
    f_text = wb.add_format({"font_name": FONT, "border": 1})
    f_key = wb.add_format({"font_name": FONT})
    ws.write_string(0, 0, f"Biểu đồ: {layout.title}", f_title)
    blank = not any(v is not None for u in layout.units for v in u.inputs.values())
    if blank:       # a template: say so, in a line that follows the figures (it is a formula)
        inputs = ",".join(f"{src}!{letters[c.number]}{rows[0]}:{letters[c.number]}{rows[-1]}"
                          for c in form.columns if c.is_number and formulas.row_expr(c) is None)
        note = BLANK_NOTE.format(sheet=table_sheet)
        ws.write_formula(1, 0, f'=IF(COUNT({inputs})=0,"{note}","{FILLED_NOTE.format(sheet=table_sheet)}")',
                         wb.add_format({"font_name": FONT, "italic": True}), note)

    inputs = [u.inputs for u in layout.units]
    values = [layout.row_values(u) for u in layout.units]
    plans = [series_plans(form, chart) for chart in form.charts]
    # Side by side from FIRST_ROW: each chart's sorted block (unit, series; visible, right of the charts),
    # then each chart's helper block (unit, series, key, position; hidden columns).
    blocks, col = [], CHART_COLUMNS + 1
    for p in plans:
        blocks.append(col)
        ws.set_column(col, col, 18)
        ws.set_column(col + 1, col + len(p), 16)
        col += len(p) + 2
    helpers = []
    for p in plans:
        helpers.append(col)
        ws.set_column(col, col + len(p) + 2, None, None, {"hidden": True})
        col += len(p) + 3
    head, first = FIRST_ROW, FIRST_ROW + 1             # header row, then one row per unit
    last = first + n - 1

    def column_range(col: int) -> str:
        a = column_letter(col + 1)
        return f"${a}${first + 1}:${a}${last + 1}"

    top, page_top, breaks = FIRST_ROW, 0, []
    for chart, series, data_col, helper_col in zip(form.charts, plans, blocks, helpers):
        m = len(series)
        f_nums = [wb.add_format({"font_name": FONT, "border": 1, "num_format": _number_format(p.decimals)})
                  for p in series]
        ws.write_string(head - 1, data_col, chart.title, f_key)
        ws.write_string(head, data_col, chart.category_axis, f_head)
        for j, p in enumerate(series):
            ws.write_string(head, data_col + 1 + j, p.name, f_head)
        ws.write_string(head, helper_col, "Đơn vị (theo thứ tự trong biểu)", f_key)
        key_col, pos_col = helper_col + 1 + m, helper_col + 2 + m

        figures = []
        for i, (row, unit) in enumerate(zip(rows, layout.units)):
            r = first + i
            ws.write_formula(r, helper_col, f'={src}!{unit_letter}{row}&""', f_key, unit.name)   # blank → "", not 0
            row_figures = []
            for j, p in enumerate(series):
                body = notation.to_excel(p.expr, lambda number, row=row: f"{src}!{letters[number]}{row}")
                blanks = ",".join(f'{src}!{letters[c]}{row}=""' for c in p.inputs)
                value = figure(p, inputs[i], values[i])
                row_figures.append(value)
                ws.write_formula(r, helper_col + 1 + j, f"=IF(OR({blanks}),NA(),{body})" if blanks else f"={body}",
                                 f_key, "#N/A" if value is None else value)
            figures.append(row_figures)
            first_figure = column_letter(helper_col + 2) + str(r + 1)
            ws.write_formula(r, key_col, f"=IF(ISNUMBER({first_figure}),{first_figure},{MISSING_KEY:.0f})"
                                         f"-{i + 1}/{TIE_DIVISOR}", f_key, sort_key(row_figures[0], i + 1))
        order = sorted(range(n), key=lambda i: sort_key(figures[i][0], i + 1), reverse=True)
        keys = column_range(key_col)
        for k, i in enumerate(order):
            r = first + k
            ws.write_formula(r, pos_col, f"=MATCH(LARGE({keys},{k + 1}),{keys},0)", f_key, i + 1)
            pos = f"${column_letter(pos_col + 1)}{r + 1}"
            ws.write_formula(r, data_col, f"=INDEX({column_range(helper_col)},{pos})", f_text, layout.units[i].name)
            for j in range(m):
                value = figures[i][j]
                ws.write_formula(r, data_col + 1 + j, f"=INDEX({column_range(helper_col + 1 + j)},{pos})",
                                 f_nums[j], "#N/A" if value is None else value)

        shown = min(n, MAX_CHART_UNITS)
        height = chart_height([layout.units[i].name for i in order[:shown]], m)
        title = chart.title if shown == n else f"{chart.title} ({shown} đơn vị đứng đầu trong {n})"
        span = -(-height // ROW_PX) + 1
        if top > page_top + FIRST_ROW and top + span - page_top > PAGE_ROWS:   # never cut a chart in two
            breaks.append(top)
            page_top = top
            top += 1            # a blank row at the top of the page: no edge of the chart at the foot of the last
        ws.insert_chart(top, 0, _bar_chart(wb, title, chart, series, (first, first + shown - 1, data_col), height),
                        {"object_position": 1})
        top += span
    ws.set_h_pagebreaks(breaks)
    # A template prints its title and the line saying charts come with the figures, not pages of empty charts.
    ws.print_area(0, 0, 1 if blank else top, CHART_COLUMNS - 1)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_footer(f'&C&"{FONT},Regular"Trang &P/&N')


def _bar_chart(wb, title: str, chart: Chart, plans: list[SeriesPlan], block: tuple[int, int, int], height: int):
    """Clustered horizontal bars; categories top-down in the block's (sorted) order."""
    first, last, data_col = block
    bar = wb.add_chart({"type": "bar"})
    font = {"name": FONT, "size": 9}
    for j, p in enumerate(plans):
        bar.add_series({
            "name": p.name,
            "categories": [CHART_SHEET, first, data_col, last, data_col],
            "values": [CHART_SHEET, first, data_col + 1 + j, last, data_col + 1 + j],
            "data_labels": {"value": True, "num_format": _number_format(p.decimals),
                            "font": {"name": FONT, "size": 8}},
            "gap": 60,
        })
    bar.set_title({"name": title, "name_font": {"name": FONT, "size": 12, "bold": True}})
    # In a bar chart xlsxwriter's x axis is the horizontal value axis, y the category axis.
    bar.set_x_axis({"name": chart.axis, "name_font": dict(font, bold=False), "num_font": font,
                    "num_format": "General"})        # 0, 2, 4 … (or 0.5, 1 …): no decimals that say nothing
    bar.set_y_axis({"name": chart.category_axis, "name_font": dict(font, bold=False), "num_font": font,
                    "reverse": True, "crossing": "max", "interval_unit": 1})   # largest on top, the value axis still below
    bar.set_legend({"position": "bottom", "font": font})
    bar.show_blanks_as("gap")
    bar.set_size({"width": CHART_WIDTH, "height": height})
    return bar
