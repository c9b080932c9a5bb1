"""Đánh dấu and Xóa đánh dấu: mark each finding's cell, and remove exactly those marks.

`plan_marks` is pure (findings → one mark per cell); the painters apply it.
What clear needs (each marked cell's own fill and note before marking) is kept
inside the workbook, in a very hidden sheet, so it survives saving, closing,
e-mailing and reopening, in Excel or elsewhere.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..core.findings import CATALOGUE, SEVERITY_ORDER, SEVERITY_VI, Finding

REPORT_SHEET = "Kiểm tra"
STATE_SHEET = "_giamngheo_danh_dau"
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7",
         "follows": "FDE9E7"}   # lighter: a cell that is wrong only because of a culprit elsewhere
AUTHOR = "giamngheo"
# The hidden state sheet, shared with the live painter (excel.py): row 1 names the report
# sheet, row 2 is this header, then one row per marked cell.
STATE_HEADER = ("sheet", "cell", "fill", "comment", "author", "our_fill", "our_note")
REPORT_HEADER = ("STT", "Trang", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Giá trị ghi", "Giá trị đúng")


@dataclass(frozen=True)
class Mark:
    sheet: str
    ref: str
    severity: str     # the most severe finding on the cell
    note: str         # every finding's message on the cell
    fill: str = ""    # the fill colour (RRGGBB): the severity's, lighter where the cell only follows a culprit


def plan_marks(findings: list[Finding]) -> list[Mark]:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_cell.setdefault((f.sheet, f.cell), []).append(f)
    marks = []
    for (sheet, ref), group in by_cell.items():
        group.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        note = "\n".join(f"[{SEVERITY_VI[f.severity]}] {f.message}" for f in group)
        follows = all(f.rule == "follows-culprit" for f in group)
        marks.append(Mark(sheet, ref, group[0].severity, note, FILLS["follows" if follows else group[0].severity]))
    return marks


def report_rows(findings: list[Finding]) -> list[tuple]:
    """Rows of the 'Kiểm tra' sheet, most severe first; the rule by its Vietnamese title (the JSON keeps the id)."""
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.row, f.col))
    return [(i, f.sheet, f.cell, SEVERITY_VI[f.severity], CATALOGUE[f.rule].title, f.message,
             f.actual if isinstance(f.actual, (int, float)) else (str(f.actual) if f.actual is not None else None),
             f.expected) for i, f in enumerate(ordered, start=1)]


# ---------------------------------------------------------------- openpyxl painter

def _fill_state(fill) -> dict:
    def color(c):
        if c is None:
            return None
        return {"type": c.type, "value": c.value if c.type != "theme" else c.theme, "tint": c.tint}
    return {"fill_type": fill.fill_type, "fg": color(fill.fgColor), "bg": color(fill.bgColor)}


def _fill_from_state(state: dict):
    from openpyxl.styles import Color, PatternFill

    def color(d):
        if not d:
            return Color()
        kind = d["type"]
        if kind == "theme":
            return Color(theme=d["value"], tint=d["tint"])
        if kind == "indexed":
            return Color(indexed=d["value"], tint=d["tint"])
        return Color(rgb=d["value"], tint=d["tint"])
    return PatternFill(fill_type=state["fill_type"], fgColor=color(state["fg"]), bgColor=color(state["bg"]))


def _set_text(cell, text: str) -> None:
    """Write text that is never taken for a formula ('=…', '+…', '@…' from input stay inert)."""
    cell.value = text
    cell.data_type = "s"


def annotate_workbook(wb, findings: list[Finding]) -> int:
    """Mark the cells of an openpyxl workbook in place; return how many cells were marked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

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

    report = wb.create_sheet(report_name)
    report.append(REPORT_HEADER)
    for cell in report[1]:
        cell.font = Font(bold=True)
    for values in report_rows(findings):
        report.append([None] * len(REPORT_HEADER))
        r = report.max_row
        for i, v in enumerate(values, start=1):
            if isinstance(v, str):
                _set_text(report.cell(r, i), v)
            else:
                report.cell(r, i).value = v
        link = report.cell(r, 3)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{values[1]}'!{values[2]}")
        link.font = Font(color="0563C1", underline="single")
    if not findings:
        _set_text(report.cell(2, 1), "Không có lỗi nào.")
    for letter, width in zip("ABCDEFGH", (5, 14, 7, 10, 20, 90, 12, 12)):
        report.column_dimensions[letter].width = width
    report.freeze_panes = "A2"
    return len(marks)


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
        if current.fill_type == "solid" and str(current.fgColor.rgb).upper().endswith(str(ours).upper()):
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
    from ..engines.file import WorkbookError, load_openpyxl

    if Path(src).suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError("Chỉ đánh dấu được tệp .xlsx/.xlsm; hãy lưu tệp dạng .xlsx rồi chạy lại.")
    wb = load_openpyxl(Path(src))
    findings = [f for s in result.sheets for f in s.findings]
    n = annotate_workbook(wb, findings)
    _save_with_cache(wb, Path(src), Path(out), force)
    return n


def clear_file(src: Path, out: Path, *, force: bool = False) -> int:
    from ..engines.file import check_readable, load_openpyxl

    check_readable(Path(src))
    wb = load_openpyxl(Path(src))
    n = clear_workbook(wb)
    _save_with_cache(wb, Path(src), Path(out), force)
    return n
