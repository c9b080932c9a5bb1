"""Where each part of a new table goes: title, header block, numbering row, units, total.

Pure geometry and content, no file format: the xlsx writer and the live
Excel engine both paint from a Layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..core.coords import column_letter

from ..forms import formulas
from ..forms.spec import Form
from .text_fit import Style, TextBox, content_width, fit_row_heights

TITLE_ROW = 1
SUBTITLE_ROW = 2
COVERAGE_ROW = 3    # a consolidation says here what it covers ("Tổng hợp 12/17 đơn vị đã nộp, ngày …")
HEADER_TOP = 4
# The text above the units, as every painter writes it (Times New Roman throughout).
TITLE_STYLE = Style(13, bold=True)
SUBTITLE_STYLE = Style(11, italic=True)
HEADER_STYLE = Style(11, bold=True)
NUMBERING_STYLE = Style(9, italic=True)


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

    def header_cells(self) -> list[HeaderCell]:
        """Group headers across their columns; each leaf header fills down to the last header row."""
        form, last = self.form, HEADER_TOP + self.form.header_depth - 1
        cells = []
        deepest = {c.number: 0 for c in form.columns}
        for g in form.groups:
            a, b = form.position(g.first) + 1, form.position(g.last) + 1
            cells.append(HeaderCell(HEADER_TOP + g.level - 1, a, b, HEADER_TOP + g.level - 1, g.label))
            for c in form.columns[a - 1:b]:
                deepest[c.number] = max(deepest[c.number], g.level)
        for i, c in enumerate(form.columns):
            cells.append(HeaderCell(HEADER_TOP + deepest[c.number], i + 1, i + 1, last, c.header))
        return cells

    def text_boxes(self) -> list[TextBox]:
        """Title, subtitle, header and numbering cells with the style each is written in."""
        last = self.width
        boxes = [TextBox(TITLE_ROW, TITLE_ROW, 1, last, self.title, TITLE_STYLE),
                 TextBox(SUBTITLE_ROW, SUBTITLE_ROW, 1, last, self.subtitle, SUBTITLE_STYLE)]
        boxes += [TextBox(h.row, h.last_row, h.first_col, h.last_col, h.label, HEADER_STYLE)
                  for h in self.header_cells()]
        boxes += [TextBox(self.numbering_row, self.numbering_row, i + 1, i + 1, c.numbering_text, NUMBERING_STYLE)
                  for i, c in enumerate(self.form.columns)]
        return boxes

    def column_widths(self) -> list[float]:
        """The form's widths, the unit column widened to the longest name (a name never runs into the
        figures beside it; the total row's label is bold)."""
        names = [u.name for u in self.units]
        return [max(c.width, content_width(names, Style()), content_width([self.form.total_label], Style(bold=True)))
                if c.role == "unit" else c.width for c in self.form.columns]

    def row_heights(self) -> dict[int, float]:
        """Heights (points) of the rows above the units, so wrapped header text fits its cells."""
        return fit_row_heights(self.text_boxes(), self.column_widths())

    def body(self) -> list["RowContent"]:
        """Every unit row and the total row, cell by cell, as any painter writes them."""
        letters, form = self.letters, self.form
        unit_col = form.unit_column.number
        rows = []
        for idx, (unit, row) in enumerate(zip(self.units, self.unit_rows), start=1):
            values, ref = self.row_values(unit), _row_ref(letters, row)
            cells = []
            for c in form.columns:
                formula = formulas.excel_formula(c, ref, total=False)
                flag = unit.flagged.get(c.number)
                if formula and unit.blank:
                    cells.append(CellContent("formula", _shows_nothing_without_inputs(c, formula, ref)))
                elif formula:
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
        totals, ref = self.total_values(), _row_ref(letters, self.total_row)
        cells = []
        for c in form.columns:
            sums = formulas.sum_ranges(letters[c.number], self.unit_rows)
            formula = formulas.excel_formula(c, ref, total=True, sum_ranges=sums)
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

    def total_values(self) -> dict[str, float | None]:
        return formulas.compute_total(self.form, [u.inputs for u in self.units])


def _shows_nothing_without_inputs(column, formula: str, ref) -> str:
    """'=IF(COUNT(D9,C9)<2,"",ROUND(D9/C9*100,2))': a unit that has not reported shows an empty
    cell, not 0 or #DIV/0!, and the formula computes once its figures are typed."""
    from ..forms import notation

    refs = [ref(n) for n in dict.fromkeys(notation.columns_of(formulas.row_expr(column)))]
    return f'=IF(COUNT({",".join(refs)})<{len(refs)},"",{formula[1:]})'


def make_layout(form: Form, units: list[Unit], *, year: int | str = "……", unit: str = "……",
                title: str | None = None) -> Layout:
    fill = {"year": year, "unit": unit}
    return Layout(form, units, title or form.title.format(**fill), form.subtitle.format(**fill), str(unit))
