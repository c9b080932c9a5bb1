"""Đánh dấu and Xóa đánh dấu: mark each finding's cell, and remove exactly those marks.

`plan_marks` is pure (findings → one mark per cell); the painters apply it.
What clear needs (each marked cell's own fill and note before marking) is kept
inside the workbook, in a very hidden sheet, so it survives saving, closing,
e-mailing and reopening, in Excel or elsewhere.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..core.findings import CATALOGUE, SEVERITY_ORDER, SEVERITY_VI, Finding, for_face
from ..core.numbers import format_vi
from ..write.text_fit import FONT_NAME, Style, fit_widths, sheet_heights

REPORT_SHEET = "Kiểm tra"
STATE_SHEET = "_giamngheo_danh_dau"
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7",
         "follows": "FDE9E7"}   # lighter: a cell that is wrong only because of a culprit elsewhere
# What each fill means, in the order the legend on the report sheet names them (README says the same).
FILL_MEANINGS = (("error", "đỏ nhạt — lỗi"), ("warning", "vàng — cảnh báo"),
                 ("follows", "hồng nhạt — ô chỉ sai theo một ô khác có lẽ ghi sai (sửa ô đó thì ô này đúng)"),
                 ("info", "xanh nhạt — lưu ý"))
AUTHOR = "giamngheo"
# The hidden state sheet, shared with the live painter (excel.py): row 1 names the report
# sheet, row 2 is this header, then one row per marked cell.
STATE_HEADER = ("sheet", "cell", "fill", "comment", "author", "our_fill", "our_note")
REPORT_HEADER = ("STT", "Trang tính", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi", "Giá trị đúng")
VALUE_COLUMNS = (7, 8)      # 1-based: the two value columns, right-aligned
REPORT_TITLE = "KẾT QUẢ KIỂM TRA BIỂU"
REPORT_TITLE_STYLE = Style(12, bold=True)        # the report's first line; the rest is 11 pt, one font throughout
NO_FINDINGS = "Không có lỗi nào."
NO_FINDINGS_ROW = (None,) * 5 + (NO_FINDINGS,) + (None,) * 2     # in the message column


@dataclass(frozen=True)
class Mark:
    sheet: str
    ref: str
    severity: str     # the most severe finding on the cell
    note: str         # every finding's message on the cell
    fill: str = ""    # the fill colour (RRGGBB): the severity's, lighter where the cell only follows a culprit


def plan_marks(findings: list[Finding]) -> list[Mark]:
    """One mark per cell, its note every finding on it. A finding about several cells (a column of
    number text) marks each; its message is written once, at its own cell, the others point there.
    Notes are read in Excel by whoever opens the file: they name the button, never the command line."""
    by_cell: dict[tuple[str, str], list[tuple[Finding, str]]] = {}
    for f in findings:
        by_cell.setdefault((f.sheet, f.cell), []).append((f, note_text(f)))
        for ref in f.cells:
            by_cell.setdefault((f.sheet, ref), []).append(
                (f, f"{CATALOGUE[f.rule].title}: xem ghi chú ở ô {f.cell}."))
    marks = []
    for (sheet, ref), group in by_cell.items():
        group.sort(key=lambda pair: SEVERITY_ORDER[pair[0].severity])
        note = "\n".join(f"[{SEVERITY_VI[f.severity]}] {text}" for f, text in group)
        follows = all(f.rule == "follows-culprit" for f, _ in group)
        severity = group[0][0].severity
        marks.append(Mark(sheet, ref, severity, note, FILLS["follows" if follows else severity]))
    return marks


def note_text(f: Finding) -> str:
    """A finding's message as written into a file (a note, the report sheet)."""
    return for_face(f.message, "file")


@dataclass(frozen=True)
class ReportRow:
    values: tuple


def _places(value, decimals: int | None) -> int:
    """The places format_vi shows `value` at in a message."""
    return decimals if decimals is not None else (0 if float(value).is_integer() else 2)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def report_rows(findings: list[Finding]) -> list[ReportRow]:
    """Rows of the 'Kiểm tra' sheet, most severe first; the rule by its Vietnamese title (the JSON keeps
    the id); the two values written as the message writes them, Vietnamese separators at the message's
    places ('1.527', '30,87'), whatever the locale of the program that prints them; text the officer
    typed stays as typed."""
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.row, f.col))
    rows = []
    for i, f in enumerate(ordered, start=1):
        pair = (f.actual, f.expected)
        places = max((_places(v, f.decimals) for v in pair if _is_number(v)), default=0)
        shown = [format_vi(float(v), places) if _is_number(v) else (None if v is None else str(v)) for v in pair]
        rows.append(ReportRow((i, f.sheet, f.cell, SEVERITY_VI[f.severity], CATALOGUE[f.rule].title, note_text(f),
                               *shown)))
    return rows


def report_title(findings: list[Finding], source: str | None, when: datetime) -> list[str]:
    """What the sheet is, which workbook, when, and the tally: the lines above the report's header."""
    counts = {sev: sum(f.severity == sev for f in findings) for sev in SEVERITY_VI}
    tally = ", ".join(f"{n} {SEVERITY_VI[sev].lower()}" for sev, n in counts.items()) if findings \
        else "không có lỗi nào"
    lines = [REPORT_TITLE]
    if source:
        lines.append(f"Tệp: {source}")
    legend = fill_legend(findings)
    lines.append(f"Ngày kiểm tra: {when:%d/%m/%Y %H:%M}. Kết quả: {tally}." + (f" {legend}" if legend else ""))
    return lines


def fill_legend(findings: list[Finding]) -> str | None:
    """The line saying what each colour on the marked cells means, naming only the colours used."""
    used = {m.fill for m in plan_marks(findings)}
    parts = [text for key, text in FILL_MEANINGS if FILLS[key] in used]
    return "Màu tô các ô: " + "; ".join(parts) + "." if parts else None


def report_geometry(rows: list[ReportRow], title: list[str]) -> tuple[list[float], dict[int, float]]:
    """Column widths by content that keep the report one A4 landscape page wide (long messages
    wrap), and the height of every row (1-based) that holds its wrapped text."""
    texts = [["" if v is None else str(v) for v in r.values] for r in rows] or \
        [["" if v is None else str(v) for v in NO_FINDINGS_ROW]]
    widths = fit_widths([list(col) for col in zip(*texts)], list(REPORT_HEADER), indent=True)
    return widths, sheet_heights(title, REPORT_TITLE_STYLE, list(REPORT_HEADER), texts, widths, indent=True)


# ---------------------------------------------------------------- openpyxl painter

def _color_state(c) -> dict | None:
    if c is None:
        return None
    return {"type": c.type, "value": c.value if c.type != "theme" else c.theme, "tint": c.tint}


def _color_from_state(d):
    from openpyxl.styles import Color

    if not d:
        return Color()
    kind = d["type"]
    if kind == "theme":
        return Color(theme=d["value"], tint=d["tint"])
    if kind == "indexed":
        return Color(indexed=d["value"], tint=d["tint"])
    return Color(rgb=d["value"], tint=d["tint"])


def _fill_state(fill) -> dict:
    """A cell's own fill as JSON-able data: a pattern fill, or a gradient (its geometry and stops)."""
    if getattr(fill, "tagname", "") == "gradientFill":
        return {"gradient": {"type": fill.type, "degree": fill.degree, "left": fill.left, "right": fill.right,
                             "top": fill.top, "bottom": fill.bottom,
                             "stop": [[_color_state(s.color), s.position] for s in fill.stop]}}
    return {"fill_type": fill.fill_type, "fg": _color_state(fill.fgColor), "bg": _color_state(fill.bgColor)}


def _fill_from_state(state: dict):
    from openpyxl.styles import GradientFill, PatternFill
    from openpyxl.styles.fills import Stop

    if "gradient" in state:
        g = state["gradient"]
        return GradientFill(type=g["type"], degree=g["degree"], left=g["left"], right=g["right"], top=g["top"],
                            bottom=g["bottom"], stop=[Stop(_color_from_state(c), pos) for c, pos in g["stop"]])
    return PatternFill(fill_type=state["fill_type"], fgColor=_color_from_state(state["fg"]),
                       bgColor=_color_from_state(state["bg"]))


def _set_text(cell, text: str) -> None:
    """Write text that is never taken for a formula ('=…', '+…', '@…' from input stay inert)."""
    cell.value = text
    cell.data_type = "s"


def annotate_workbook(wb, findings: list[Finding], source: str | None = None) -> int:
    """Mark the cells of an openpyxl workbook in place; return how many cells were marked.
    `source` (the checked file's name) goes in the report's title."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    clear_workbook(wb)
    marks = [m for m in plan_marks(findings) if m.sheet in wb.sheetnames]
    report_name = REPORT_SHEET
    while report_name in wb.sheetnames:          # never take over an officer's own sheet
        report_name = f"{REPORT_SHEET} ({len(report_name) - len(REPORT_SHEET) + 2})"
    state = wb.create_sheet(STATE_SHEET)
    state.sheet_state = "veryHidden"
    state.append(("report", report_name))
    state.append(STATE_HEADER)
    for m in marks:
        cell = wb[m.sheet][m.ref]
        old = cell.comment
        row = (m.sheet, m.ref, json.dumps(_fill_state(cell.fill)), old.text if old else None,
               old.author if old else None, m.fill, m.note)
        state.append(row)
        for c in state[state.max_row]:
            c.data_type = "s" if isinstance(c.value, str) else c.data_type
        cell.fill = PatternFill(fill_type="solid", fgColor=m.fill, bgColor=m.fill)
        comment = Comment(m.note, AUTHOR)
        comment.width, comment.height = 320, 140
        cell.comment = comment

    _write_report(wb.create_sheet(report_name), findings, source)
    return len(marks)


def _write_report(report, findings: list[Finding], source: str | None) -> None:
    """The 'Kiểm tra' sheet as a document to print: title lines, a header row repeated on every page,
    wrapped text, A4 landscape one page wide, Times New Roman throughout."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    rows = report_rows(findings)
    title = report_title(findings, source, datetime.now())
    widths, heights = report_geometry(rows, title)
    plain, bold = Font(name=FONT_NAME, size=11), Font(name=FONT_NAME, size=11, bold=True)
    side = Side(style="thin")
    box = Border(left=side, right=side, top=side, bottom=side)
    def body_alignment(c: int) -> Alignment:       # STT centred; the rest a little off the borders
        if c == 1:
            return Alignment(wrap_text=True, vertical="top", horizontal="center")
        return Alignment(wrap_text=True, vertical="top", horizontal="right" if c in VALUE_COLUMNS else "left",
                         indent=1)
    for r, line in enumerate(title, start=1):
        _set_text(report.cell(r, 1), line)
        report.cell(r, 1).font = Font(name=FONT_NAME, size=REPORT_TITLE_STYLE.size, bold=True) if r == 1 else plain
        report.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="center")
        report.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(REPORT_HEADER))
    head = len(title) + 2
    for c, text in enumerate(REPORT_HEADER, start=1):
        cell = report.cell(head, c)
        _set_text(cell, text)
        cell.font, cell.border = bold, box
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for r, row in enumerate(rows, start=head + 1):
        for c, v in enumerate(row.values, start=1):
            cell = report.cell(r, c)
            if isinstance(v, str):
                _set_text(cell, v)
            else:
                cell.value = v
            cell.font, cell.border, cell.alignment = plain, box, body_alignment(c)
        link = report.cell(r, 3)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{row.values[1]}'!{row.values[2]}")
        link.font = Font(name=FONT_NAME, size=11, color="0563C1", underline="single")
    if not rows:
        for c, v in enumerate(NO_FINDINGS_ROW, start=1):
            cell = report.cell(head + 1, c)
            if v:
                _set_text(cell, v)
            cell.font, cell.border, cell.alignment = plain, box, body_alignment(c)
    for c, width in enumerate(widths, start=1):
        report.column_dimensions[get_column_letter(c)].width = width
    for r, height in heights.items():
        report.row_dimensions[r].height = height
    report.freeze_panes = report.cell(head + 1, 1).coordinate
    report.print_title_rows = f"{head}:{head}"
    report.page_setup.orientation = "landscape"
    report.page_setup.paperSize = report.PAPERSIZE_A4
    report.page_setup.fitToWidth, report.page_setup.fitToHeight = 1, 0
    report.sheet_properties.pageSetUpPr.fitToPage = True
    report.print_options.horizontalCentered = True
    report.page_margins.left = report.page_margins.right = 0.4
    report.oddFooter.center.text = "Trang &P/&N"
    report.oddFooter.center.font = f"{FONT_NAME},Regular"


def clear_workbook(wb) -> int:
    """Remove what annotate added: restore each cell's own fill and note, drop the report sheets.

    A cell the officer re-coloured or re-noted since is left as the officer made it.
    """
    if STATE_SHEET not in wb.sheetnames:
        return 0
    from openpyxl.comments import Comment

    state = wb[STATE_SHEET]
    report_name = state.cell(1, 2).value
    if report_name in wb.sheetnames:
        del wb[report_name]
    restored = 0
    for sheet, ref, fill, text, author, ours, our_note, *_ in state.iter_rows(min_row=3, values_only=True):
        if sheet not in wb.sheetnames or not ref:
            continue
        cell = wb[sheet][ref]
        current = cell.fill
        if getattr(current, "fill_type", None) == "solid" and str(current.fgColor.rgb).upper().endswith(str(ours).upper()):
            cell.fill = _fill_from_state(json.loads(fill))
        # Other programs may drop the author on save: recognise our note by its text.
        if cell.comment is not None and (cell.comment.text or "").strip() == (our_note or "").strip():
            cell.comment = Comment(text, author or "") if text else None
        restored += 1
    del wb[STATE_SHEET]
    return restored


# ---------------------------------------------------------------- files

def _save_with_cache(wb, src: Path, out: Path, force: bool) -> list[str]:
    from ..write import cached_values
    from ..engines.file import read_grids
    from ..write.openpyxl_paint import save_copy

    return save_copy(wb, src, out, force, cached_values.from_grids(read_grids(src)))


def annotate_file(src: Path, out: Path, result, *, force: bool = False) -> int:
    """Write a marked copy of `src` (never `src` itself) for a validate result."""
    from ..engines.file import load_openpyxl
    from ..write.safe_io import check_copyable

    check_copyable(Path(src), "Đánh dấu ô sai (--annotate)")
    wb = load_openpyxl(Path(src))
    findings = [f for s in result.sheets for f in s.findings]
    n = annotate_workbook(wb, findings, Path(src).name)
    _save_with_cache(wb, Path(src), Path(out), force)
    return n


def clear_file(src: Path, out: Path, *, force: bool = False) -> int:
    from ..engines.file import check_readable, load_openpyxl
    from ..write.safe_io import check_copyable

    check_readable(Path(src))
    check_copyable(Path(src), "Xóa đánh dấu (clear)")
    wb = load_openpyxl(Path(src))
    n = clear_workbook(wb)
    _save_with_cache(wb, Path(src), Path(out), force)
    return n
