"""Where each part of a new table goes: title, header block, numbering row, units, total.

Pure geometry and content, no file format: the xlsx writer and the live
Excel engine both paint from a Layout.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..core.coords import column_letter

from ..forms import formulas
from ..forms.spec import Form
from .text_fit import CELL_PADDING_PX, Style, TextBox, balance, column_px, content_width, fit_row_heights, wrap

TITLE_ROW = 1
SUBTITLE_ROW = 2
COVERAGE_ROW = 3    # a consolidation says here what it covers ("Tổng hợp 12/17 đơn vị đã nộp, ngày …")
HEADER_TOP = 4
# The text above the units, as every painter writes it (Times New Roman throughout).
TITLE_STYLE = Style(13, bold=True)
SUBTITLE_STYLE = Style(11, italic=True)
HEADER_STYLE = Style(11, bold=True)
NUMBERING_STYLE = Style(9, italic=True)
BODY_STYLE = Style(11)
TOTAL_STYLE = Style(11, bold=True)
LEGEND_STYLE = Style(11, italic=True)
SIGN_TITLE_STYLE = Style(11, bold=True)
SIGN_NOTE_STYLE = Style(11, italic=True)
UNIT_WIDTH_CAP = 24     # characters: a longer unit name wraps in its cell rather than widening the whole table
_AUTHORITY = re.compile(r"^\s*(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+", re.IGNORECASE)
_LEVEL = re.compile(r"^(xã|phường|thị trấn|thị xã|thành phố|huyện|quận|tỉnh)(?=\s)", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """One unit row: its name and whatever inputs are known (column number → value).

    A consolidation also marks rows: `blank` for a unit without figures (its formula cells
    show nothing rather than 0 or #DIV/0!), `note` on the name cell for doubtful figures,
    `flagged` cells (column number → note) filled where the unit's own total was wrong."""
    name: str
    inputs: dict[str, float | None] = field(default_factory=dict)
    blank: bool = False
    note: str | None = None
    flagged: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Signature:
    """The place-and-date line and the two signatures under a table officers print, sign and send,
    laid out as Vietnamese official tables are: the date above the right-hand title, each title with
    how it is signed under it, then room to sign."""
    place_date: str
    left: tuple[str, str] = ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)")
    right: tuple[str, str] = ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)")
    room: int = 4                 # blank rows to sign in

    @property
    def height(self) -> int:
        """Rows it takes: the date, the titles, how each is signed, the room to sign."""
        return 3 + self.room


def signature_for(unit: str) -> Signature:
    """'Văn Quan, ngày …… tháng …… năm ……' for 'huyện Văn Quan': the place is the unit's own name,
    the date is left for the officer to write when signing."""
    place = _LEVEL.sub("", authority(unit), count=1).strip() or "……"
    return Signature(f"{place}, ngày …… tháng …… năm ……")


def signature_spans(widths: list[float]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Columns (1-based, inclusive) of the left and right signature: each about a third of the
    table's width, at its two edges."""
    third, n = sum(widths) / 3, len(widths)
    left = 1
    while left < n and sum(widths[:left]) < third:
        left += 1
    right = n
    while right > left + 1 and sum(widths[right - 1:]) < third:
        right -= 1
    return (1, left), (right, n)


@dataclass(frozen=True)
class HeaderCell:
    row: int
    first_col: int   # 1-based
    last_col: int
    last_row: int
    label: str


@dataclass(frozen=True)
class CellContent:
    kind: str                  # formula | number | text | blank
    value: object = None       # the formula text for kind 'formula'
    cached: float | None = None
    note: str | None = None    # a cell note (comment) to attach
    marked: bool = False       # filled: a figure or a unit a reader should look at


@dataclass(frozen=True)
class RowContent:
    row: int
    total: bool
    cells: list[CellContent]


def _row_ref(letters: dict[str, str], row: int):
    return lambda number: f"{letters[number]}{row}"


@dataclass
class Layout:
    form: Form
    units: list[Unit]
    title: str
    subtitle: str
    unit: str = ""           # who makes the table ("huyện Văn Quan"), for titles of sheets beside it
    coverage: str | None = None      # the line under the title of a consolidation
    total_label: str | None = None   # e.g. "Cộng (12/17 đơn vị)"; the form's own label when None
    year: int | str = "……"           # fills "{year}" and "{period}" (plan_period) in the form's header texts
    legend: str | None = None        # the line under the table saying what its colours mean

    @property
    def total_text(self) -> str:
        return self.total_label or self.form.total_label

    @property
    def legend_row(self) -> int:
        return self.total_row + 2        # a blank row between the table and its legend

    @property
    def signature(self) -> Signature:
        return signature_for(self.unit)

    @property
    def signature_row(self) -> int:
        """The place-and-date line: a blank row under the table (or under its legend)."""
        return (self.legend_row if self.legend else self.total_row) + 2

    @property
    def printed_title(self) -> str:
        """The title as printed: lines balanced, never one word left alone on the last line."""
        return balance(self.title, self.span_px(1, self.width), TITLE_STYLE)

    def span_px(self, first: int, last: int, widths: list[float] | None = None) -> float:
        """The width text can use across columns first..last (1-based)."""
        widths = widths or self.column_widths()
        return sum(column_px(widths[c - 1]) for c in range(first, last + 1)) - CELL_PADDING_PX

    def total_span(self, widths: list[float] | None = None) -> tuple[int, int]:
        """Columns (1-based) the total row's label spans: the unit column when the label fits there,
        else every label column around it, merged (STT and unit name)."""
        widths = widths or self.column_widths()
        unit = self.form.position(self.form.unit_column.number) + 1
        if len(wrap(self.total_text, self.span_px(unit, unit, widths), TOTAL_STYLE)) == 1:
            return unit, unit
        first = last = unit
        while first > 1 and not self.form.columns[first - 2].is_number:
            first -= 1
        while last < self.width and not self.form.columns[last].is_number:
            last += 1
        return first, last

    @property
    def width(self) -> int:
        return len(self.form.columns)

    @property
    def numbering_row(self) -> int:
        return HEADER_TOP + self.form.header_depth

    @property
    def first_unit_row(self) -> int:
        return self.numbering_row + 1

    @property
    def unit_rows(self) -> list[int]:
        return list(range(self.first_unit_row, self.first_unit_row + len(self.units)))

    @property
    def total_row(self) -> int:
        return self.first_unit_row + len(self.units)

    @property
    def letters(self) -> dict[str, str]:
        return {c.number: column_letter(i + 1) for i, c in enumerate(self.form.columns)}

    def _fill(self, text: str) -> str:
        """A header text with the plan year and its programme period written in."""
        return text.format(year=self.year, period=plan_period(self.year)) if "{" in text else text

    def header_cells(self) -> list[HeaderCell]:
        """Group headers across their columns; each leaf header fills down to the last header row."""
        form, last = self.form, HEADER_TOP + self.form.header_depth - 1
        cells = []
        deepest = {c.number: 0 for c in form.columns}
        for g in form.groups:
            a, b = form.position(g.first) + 1, form.position(g.last) + 1
            cells.append(HeaderCell(HEADER_TOP + g.level - 1, a, b, HEADER_TOP + g.level - 1, self._fill(g.label)))
            for c in form.columns[a - 1:b]:
                deepest[c.number] = max(deepest[c.number], g.level)
        for i, c in enumerate(form.columns):
            cells.append(HeaderCell(HEADER_TOP + deepest[c.number], i + 1, i + 1, last, self._fill(c.header)))
        return cells

    def text_boxes(self) -> list[TextBox]:
        """Title, subtitle, header and numbering cells with the style each is written in."""
        last = self.width
        boxes = [TextBox(TITLE_ROW, TITLE_ROW, 1, last, self.printed_title, TITLE_STYLE),
                 TextBox(SUBTITLE_ROW, SUBTITLE_ROW, 1, last, self.subtitle, SUBTITLE_STYLE)]
        boxes += [TextBox(h.row, h.last_row, h.first_col, h.last_col, h.label, HEADER_STYLE)
                  for h in self.header_cells()]
        boxes += [TextBox(self.numbering_row, self.numbering_row, i + 1, i + 1, c.numbering_text, NUMBERING_STYLE)
                  for i, c in enumerate(self.form.columns)]
        return boxes

    def body_boxes(self) -> list[TextBox]:
        """The unit names and the total label that wrap (a long merged commune's name), and the legend."""
        widths = self.column_widths()
        unit = self.form.position(self.form.unit_column.number) + 1
        width = self.span_px(unit, unit, widths)
        boxes = [TextBox(row, row, unit, unit, u.name, BODY_STYLE) for u, row in zip(self.units, self.unit_rows)
                 if len(wrap(u.name, width, BODY_STYLE)) > 1]
        first, last = self.total_span(widths)
        if len(wrap(self.total_text, self.span_px(first, last, widths), TOTAL_STYLE)) > 1:
            boxes.append(TextBox(self.total_row, self.total_row, first, last, self.total_text, TOTAL_STYLE))
        if self.legend:
            boxes.append(TextBox(self.legend_row, self.legend_row, 1, self.width, self.legend, LEGEND_STYLE))
        return boxes

    def column_widths(self) -> list[float]:
        """The form's widths, the unit column widened to the longest name and the total label (a name
        never runs into the figures beside it) up to UNIT_WIDTH_CAP: longer names wrap."""
        names = [u.name for u in self.units]
        need = max(content_width(names, BODY_STYLE), content_width([self.total_text], TOTAL_STYLE))
        return [max(c.width, min(need, UNIT_WIDTH_CAP)) if c.role == "unit" else c.width for c in self.form.columns]

    def row_heights(self) -> dict[int, float]:
        """Heights (points) of the rows whose text wraps: header rows (merged cells never grow by
        themselves), long unit names, a long total label, the legend."""
        return fit_row_heights(self.text_boxes() + self.body_boxes(), self.column_widths())

    def body(self) -> list["RowContent"]:
        """Every unit row and the total row, cell by cell, as any painter writes them. Every formula
        shows nothing until the figures it reads are typed (a template prints blank rows and a
        blank total, never 0 and 0,00), with the result it shows cached."""
        letters, form = self.letters, self.form
        unit_col = form.unit_column.number
        rows = []
        for idx, (unit, row) in enumerate(zip(self.units, self.unit_rows), start=1):
            values, ref = self.shown_values(unit), _row_ref(letters, row)
            cells = []
            for c in form.columns:
                formula = formulas.excel_formula(c, ref, total=False, guard=True)
                flag = unit.flagged.get(c.number)
                if formula:
                    cells.append(CellContent("formula", formula, values[c.number], flag, bool(flag)))
                elif c.number == unit_col:
                    cells.append(CellContent("text", unit.name, note=unit.note, marked=bool(unit.note)))
                elif not c.is_number:
                    cells.append(CellContent("number", idx))
                elif unit.inputs.get(c.number) is None:
                    cells.append(CellContent("blank"))
                else:
                    cells.append(CellContent("number", float(unit.inputs[c.number]), note=flag, marked=bool(flag)))
            rows.append(RowContent(row, False, cells))
        totals, ref = self.shown_totals(), _row_ref(letters, self.total_row)
        cells = []
        for c in form.columns:
            sums = formulas.sum_ranges(letters[c.number], self.unit_rows)
            formula = formulas.excel_formula(c, ref, total=True, sum_ranges=sums, guard=True)
            if formula:
                cells.append(CellContent("formula", formula, totals[c.number]))
            elif c.number == unit_col:
                cells.append(CellContent("text", self.total_label or form.total_label))
            else:
                cells.append(CellContent("blank"))
        rows.append(RowContent(self.total_row, True, cells))
        return rows

    def row_values(self, unit: Unit) -> dict[str, float | None]:
        return formulas.compute(self.form, unit.inputs, blank_as_zero=True)

    def shown_values(self, unit: Unit) -> dict[str, float | None]:
        """A unit row as its (guarded) formulas show it: empty where a figure it reads is not typed."""
        return formulas.shown_row(self.form, {} if unit.blank else unit.inputs)

    def shown_totals(self) -> dict[str, float | None]:
        return formulas.shown_total(self.form, [{} if u.blank else u.inputs for u in self.units])


def plan_period(year: int | str) -> str:
    """The poverty standard's period a plan year falls in, as plans name it ("giai đoạn 2022 - 2025"):
    2016 - 2020 (kept through 2021), 2022 - 2025, then five-year periods from 2026; "……" for no year."""
    try:
        y = int(str(year).strip())
    except ValueError:
        return "……"
    if 2016 <= y <= 2021:
        return "2016 - 2020"
    if 2022 <= y <= 2025:
        return "2022 - 2025"
    start = 2026 + (y - 2026) // 5 * 5
    return f"{start} - {start + 4}"


def authority(unit: str) -> str:
    """What follows "UBND" in a title: 'Ủy ban nhân dân huyện Văn Quan' → 'huyện Văn Quan',
    'Thị trấn Văn Quan' → 'thị trấn Văn Quan' (the administrative word in lower case, as written
    after "UBND"); the unit's own name is kept as typed."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(unit))).strip()
    while (stripped := _AUTHORITY.sub("", text, count=1)) != text:
        text = stripped
    return _LEVEL.sub(lambda m: m.group(1).lower(), text, count=1)


def make_layout(form: Form, units: list[Unit], *, year: int | str = "……", unit: str = "……",
                title: str | None = None) -> Layout:
    unit = authority(unit) or "……"
    fill = {"year": year, "unit": unit, "period": plan_period(year)}
    return Layout(form, units, title or form.title.format(**fill), form.subtitle.format(**fill), unit, year=year)
