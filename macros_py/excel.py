"""What the Excel ribbon calls: each button runs one entry point on the open workbook.

The add-in's single VBA callback runs `dispatch(control.Tag)`; dispatch finds the
caller's book and the entry point named by the tag. The entry points use the same
core as the command line (table finding, checks, recalc plan, consolidation); only
the painting differs. Each click starts a new Python process, so this module
imports nothing heavy at load time.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import OfficerError, UsageError
from .write.formula_safe import inert
from .write.text_fit import FONT_NAME
from .commands.annotate import (AUTHOR, NO_FINDINGS_ROW, REPORT_HEADER, REPORT_SHEET, STATE_HEADER, STATE_SHEET,
                                REPORT_TITLE_STYLE, VALUE_COLUMNS, plan_marks, report_geometry, report_rows,
                                report_title)

TITLE = "Giảm nghèo"


def _sheet_names(book) -> list[str]:
    return [s.name for s in book.sheets]


def _free_name(book, base: str) -> str:
    names, name, n = set(_sheet_names(book)), base, 1
    while name in names:
        n += 1
        name = f"{base} ({n})"
    return name


def _tables(book):
    """(sheet, grid, table) for every sheet holding a known form."""
    from .engines.live import read_grid
    from .core.table import locate

    found = []
    for sheet in book.sheets:
        if sheet.name in (STATE_SHEET,) or sheet.name.startswith(REPORT_SHEET):
            continue
        grid = read_grid(sheet)
        table = locate(grid)
        if table is not None:
            found.append((sheet, grid, table))
    if not found:
        raise UsageError("Không tìm thấy biểu nào đã biết trong sổ này (cần dòng đánh số cột A, B, 1, 2, … "
                        "hoặc tiêu đề cột đúng mẫu).")
    return found


# ---------------------------------------------------------------- Tạo biểu mới

def new_table(book, form_id: str | None = None, units: list[str] | None = None) -> dict:
    """Tạo biểu mới: a new sheet with the form, formulas live, ready to fill."""
    from .write.layout import HEADER_TOP, NUMBERING_STYLE, SUBTITLE_ROW, TITLE_ROW, TITLE_STYLE, Unit, make_layout
    from .forms.spec import DEFAULT_FORM, get_form

    form = get_form(form_id or DEFAULT_FORM)
    layout = make_layout(form, [Unit(u) for u in units] if units else [Unit("") for _ in range(10)])
    width = layout.width
    matrix: list[list] = [[None] * width for _ in range(layout.total_row)]
    matrix[TITLE_ROW - 1][0] = layout.printed_title
    matrix[SUBTITLE_ROW - 1][0] = layout.subtitle
    for h in layout.header_cells():
        matrix[h.row - 1][h.first_col - 1] = h.label
    for i, c in enumerate(form.columns):
        matrix[layout.numbering_row - 1][i] = "'" + c.numbering_text if "=" in c.numbering_text else c.numbering_text
    for content in layout.body():
        for i, cell in enumerate(content.cells):
            matrix[content.row - 1][i] = inert(cell.value) if cell.kind != "formula" else cell.value
    sheet = book.sheets.add(_free_name(book, "Biểu"), after=book.sheets[len(book.sheets) - 1])
    sheet.range((1, 1), (layout.total_row, width)).formula = matrix
    sheet.range((TITLE_ROW, 1), (TITLE_ROW, width)).merge()
    sheet.range((SUBTITLE_ROW, 1), (SUBTITLE_ROW, width)).merge()
    for h in layout.header_cells():
        if (h.first_col, h.row) != (h.last_col, h.last_row):
            sheet.range((h.row, h.first_col), (h.last_row, h.last_col)).merge()
    whole = sheet.range((1, 1), (layout.total_row, width))
    whole.font.name = FONT_NAME
    whole.font.size = 11
    sheet.range((TITLE_ROW, 1)).font.bold = True
    sheet.range((TITLE_ROW, 1)).font.size = TITLE_STYLE.size
    sheet.range((SUBTITLE_ROW, 1)).font.italic = True
    sheet.range((1, 1), (layout.numbering_row, width)).wrap_text = True
    sheet.range((HEADER_TOP, 1), (layout.numbering_row - 1, width)).font.bold = True
    numbering = sheet.range((layout.numbering_row, 1), (layout.numbering_row, width))
    numbering.font.italic = True
    numbering.font.size = NUMBERING_STYLE.size
    for i, (c, column_width) in enumerate(zip(form.columns, layout.column_widths()), start=1):
        if c.is_number:
            sheet.range((layout.first_unit_row, i), (layout.total_row, i)).number_format = c.number_format
        elif c.role == "unit":      # long names wrap in the capped column; their rows are sized below
            sheet.range((layout.first_unit_row, i), (layout.total_row, i)).wrap_text = True
        sheet.range((1, i)).column_width = column_width
    first, last = layout.total_span()
    if first < last:                # a total label too long for the unit column spans the label columns
        label = sheet.range((layout.total_row, first), (layout.total_row, last))
        label.value = [[layout.total_text] + [None] * (last - first)]
        label.merge()
        label.wrap_text = True
    for row, height in layout.row_heights().items():     # Excel never grows merged cells to fit
        sheet.range((row, 1)).row_height = height
    sheet.range((layout.total_row, 1), (layout.total_row, width)).font.bold = True
    _add_signature(sheet, layout)
    _add_live_checks(sheet, layout)
    sheet.activate()
    return {"sheet": sheet.name, "form": form.id}


def _add_signature(sheet, layout) -> None:
    """The place-and-date line and the two signatures under the table, as the file writer lays them."""
    from .write.layout import signature_spans

    sig, top, width = layout.signature, layout.signature_row, layout.width
    (l1, l2), (r1, r2) = signature_spans(layout.column_widths())
    block = [[None] * width for _ in range(3)]
    block[0][r1 - 1] = sig.place_date
    for first, (title, how) in ((l1, sig.left), (r1, sig.right)):
        block[1][first - 1], block[2][first - 1] = title, how
    sheet.range((top, 1), (top + 2, width)).value = block
    for row in range(top, top + 3):
        for first, last in ((l1, l2), (r1, r2)):
            if (row, first) != (top, l1) and first < last:
                sheet.range((row, first), (row, last)).merge()
        _align(sheet.range((row, 1), (row, width)), "center")
    sheet.range((top, r1)).font.italic = True
    sheet.range((top + 1, 1), (top + 1, width)).font.bold = True
    sheet.range((top + 2, 1), (top + 2, width)).font.italic = True


def _add_live_checks(sheet, layout) -> None:
    """The same conditional formatting the file writers add: rule breaks light up without the add-in."""
    from .write.conditional import conditional_rules
    from .write.xlsx_writer import ERROR_STYLE, WARNING_STYLE

    styles = {"error": ERROR_STYLE, "warning": WARNING_STYLE}
    last = layout.unit_rows[-1] if layout.units else layout.first_unit_row
    for rule in conditional_rules(layout.form, layout.letters, layout.first_unit_row, last, layout.total_row,
                                  layout.unit_rows):
        style = styles[rule.severity]
        sheet.range(rule.range).conditional_formats.add_custom(
            "=" + rule.formula, fill_color=style["bg_color"], font_color=style["font_color"])


# ---------------------------------------------------------------- Tính lại

def recalc(book) -> dict:
    """Tính lại: formula columns and totals back as live formulas; report typed-over cells."""
    from .engines.live import write_formulas
    from .commands.recalc import plan_recalc

    restored, typed = 0, []
    for sheet, grid, table in _tables(book):
        writes, overwrites = plan_recalc(grid, table)
        write_formulas(sheet, [(w.row, w.col, w.formula) for w in writes])
        restored += len(writes)
        typed += [f"{sheet.name}!{o.ref}" for o in overwrites]
    message = f"Đã đưa {restored} ô công thức trở lại."
    if typed:
        shown = ", ".join(typed[:15]) + (" …" if len(typed) > 15 else "")
        message += f"\n{len(typed)} ô đã bị gõ đè số lên công thức: {shown}"
    book.app.alert(message, title=TITLE)
    return {"formulas": restored, "typed_over": typed}


# ---------------------------------------------------------------- Kiểm tra / Xóa đánh dấu

def validate(book) -> dict:
    """Kiểm tra: fill and note each finding's cell, list all findings with links, summarise."""
    from dataclasses import replace

    from .core.checks import check_table
    from .core.findings import for_face
    from .engines.live import read_fill, read_note, write_note

    clear(book, quiet=True)
    findings = []
    sheets = {}
    for sheet, grid, table in _tables(book):
        findings += [replace(f, message=for_face(f.message, "excel")) for f in check_table(grid, table)]
        sheets[sheet.name] = sheet
    marks = plan_marks(findings)
    state = [["report", _free_name(book, REPORT_SHEET)],
             list(STATE_HEADER)]
    for m in marks:
        rng = sheets[m.sheet][m.ref]
        fill, note = read_fill(rng), read_note(rng)
        rng.color = "#" + m.fill
        wrote = write_note(rng, m.note)
        state.append([m.sheet, m.ref, json.dumps(fill), note or "", AUTHOR if note else "", m.fill,
                      m.note if wrote else ""])
    last = book.sheets[len(book.sheets) - 1]
    report = book.sheets.add(state[0][1], after=last)
    _write_report(report, findings, book.name)
    hidden = book.sheets.add(STATE_SHEET, after=report)
    hidden.range("A1").value = [[inert(v) for v in row] + [None] * (len(STATE_HEADER) - len(row)) for row in state]
    hidden.visible = False
    counts = {sev: sum(f.severity == sev for f in findings) for sev in ("error", "warning", "info")}
    if findings:
        message = (f"Kiểm tra xong: {counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['info']} lưu ý. "
                   f"Các ô có vấn đề đã được tô màu; danh sách ở trang '{report.name}'.")
    else:
        message = "Kiểm tra xong: không có lỗi nào."
    book.app.alert(message, title=TITLE)
    return {"findings": [f.to_json() | {"sheet": f.sheet} for f in findings], "report": report.name, **counts}


def _write_report(report, findings, source: str) -> None:
    """The report sheet as the file painter writes it: title lines, header, rows, widths by content,
    wrapped, one font; set up to print A4 landscape one page wide where the engine allows."""
    from datetime import datetime

    rows = report_rows(findings)
    title = report_title(findings, source, datetime.now())
    widths, heights = report_geometry(rows, title)
    head, n = len(title) + 2, len(REPORT_HEADER)
    body = [[inert(v) for v in r.values] for r in rows] or [list(NO_FINDINGS_ROW)]
    values = report.range((head + 1, VALUE_COLUMNS[0]), (head + len(body), VALUE_COLUMNS[-1]))
    values.number_format = "@"      # '1.527', '30,87' written as the messages write them stay text in any locale
    report.range("A1").value = [[line] + [None] * (n - 1) for line in title] + [[None] * n, list(REPORT_HEADER)] + body
    everything = report.range((1, 1), (head + len(body), n))
    everything.font.name = FONT_NAME
    everything.font.size = 11
    everything.wrap_text = True
    for r in range(1, len(title) + 1):
        report.range((r, 1), (r, n)).merge()
    report.range((1, 1)).font.bold = True
    report.range((1, 1)).font.size = REPORT_TITLE_STYLE.size
    report.range((head, 1), (head, n)).font.bold = True
    for c, width in enumerate(widths, start=1):
        report.range((1, c)).column_width = width
    for r, height in heights.items():
        report.range((r, 1)).row_height = height
    _align(report.range((head + 1, 1), (head + len(body), 1)), "center")
    _align(values, "right")
    for i, r in enumerate(rows, start=head + 1):
        report.range((i, 3)).add_hyperlink(f"#'{r.values[1]}'!{r.values[2]}", r.values[2])
    _print_setup(report, head)


def _align(rng, where: str) -> None:
    """STT centred, values right-aligned, where the client can align (Excel's own object model, Office.js);
    a client that cannot leaves the cells as they are."""
    try:
        rng.horizontal_alignment = where
    except NotImplementedError:
        pass


def _print_setup(sheet, header_row: int) -> None:
    """A4 landscape, one page wide, the header row on every page. Only Excel's own object model
    (Windows, macOS) has page setup; the remote engine has none, and printing is no reason to fail."""
    if _engine(sheet.book) == "remote":
        return
    try:
        setup = sheet.api.PageSetup
        setup.Orientation, setup.PaperSize = 2, 9          # xlLandscape, xlPaperA4
        setup.Zoom, setup.FitToPagesWide, setup.FitToPagesTall = False, 1, False
        setup.PrintTitleRows = f"${header_row}:${header_row}"
        setup.CenterFooter = "Trang &P/&N"
    except Exception:   # noqa: BLE001 - an engine without this object model: the sheet stays as it is
        pass


def clear(book, quiet: bool = False) -> dict:
    """Xóa đánh dấu: remove exactly what Kiểm tra added, from the state kept in the workbook."""
    from .engines.live import read_fill, read_note, restore_fill

    names = _sheet_names(book)
    if STATE_SHEET not in names:
        if not quiet:
            book.app.alert("Không có đánh dấu nào để xóa.", title=TITLE)
        return {"restored": 0}
    rows = book.sheets[STATE_SHEET].used_range.options(ndim=2).value
    report_name = rows[0][1] if rows and rows[0] else None
    restored = 0
    for sheet_name, ref, fill, comment, author, ours, our_note, *_ in rows[2:]:
        if sheet_name not in names or not ref:
            continue
        rng = book.sheets[sheet_name][ref]
        current = read_fill(rng)
        if current.get("unknown") or str(current.get("rgb", "")).upper().endswith(str(ours).upper()):
            restore_fill(rng, json.loads(fill) if fill else {})
        if our_note:
            now = read_note(rng)
            if now is not None and now.strip() == str(our_note).strip():
                rng.note.delete()
                if comment:
                    rng.add_note(str(comment))
        restored += 1
    if report_name in names:
        book.sheets[report_name].delete()
    book.sheets[STATE_SHEET].delete()
    if not quiet:
        book.app.alert(f"Đã xóa {restored} đánh dấu.", title=TITLE)
    return {"restored": restored}


# ---------------------------------------------------------------- Tổng hợp

def _pick_folder(book) -> Path | None:
    try:
        dialog = book.app.api.FileDialog(4)   # msoFileDialogFolderPicker (Windows Excel)
    except (NotImplementedError, AttributeError):
        raise UsageError("Chức năng chọn thư mục chỉ có trên Excel cho Windows; hãy dùng lệnh "
                        "'giamngheo consolidate'.") from None
    dialog.Title = "Chọn thư mục chứa các biểu đơn vị gửi lên"
    if dialog.Show() != -1:
        return None
    return Path(dialog.SelectedItems(1))


def consolidate(book, folder: str | Path | None = None) -> dict:
    """Tổng hợp: merge a folder of received workbooks into a new workbook and open it."""
    from datetime import datetime

    from .commands.consolidate import consolidate as run, refuse_unusable, render_text, write_consolidation

    folder = Path(folder) if folder else _pick_folder(book)
    if folder is None:
        return {"cancelled": True}
    if not folder.is_dir():
        raise UsageError(f"Không tìm thấy thư mục '{folder}'.")
    result = run([folder])
    refuse_unusable(result)
    out = folder / f"Tong_hop_{datetime.now():%Y%m%d_%H%M%S}.xlsx"
    write_consolidation(result, out)
    if _engine(book) != "remote":   # the remote engine cannot open files; the path is in the message
        book.app.books.open(str(out))
    book.app.alert(render_text(result) + f"\nĐã ghi: {out}", title=TITLE)
    return {"output": str(out), "used": len(result.used), "missing": result.missing}


def _engine(book) -> str:
    try:
        return book.app.engine.name
    except AttributeError:
        return ""


# ---------------------------------------------------------------- Gửi lên

def send(book, path: str | Path | None = None) -> dict:
    """Gửi lên: check the saved workbook, write its clean stamped copy into 'gui_len' beside it,
    and open a draft with the copy attached (Outlook on Windows, else an .eml). Never sends."""
    from .commands import send as sending

    src = Path(path) if path else _saved_file(book)
    if src is None:
        return {"cancelled": True}
    checked = sending.check(src)
    errors = checked[0].count("error")
    if errors:
        answer = book.app.alert(f"Biểu có {errors} lỗi (bấm Kiểm tra để xem từng ô). Vẫn tạo bản gửi lên? "
                                "Số lỗi được ghi kèm bản gửi để cấp trên biết.", title=TITLE, buttons="yes_no",
                                mode="critical")
        if answer != "yes":        # "no", or a client that cannot answer: nothing is written
            return {"cancelled": True, "errors": errors}
    folder = src.parent / "gui_len"
    folder.mkdir(exist_ok=True)
    copy = sending.make_copy(src, folder, force=True, checked=checked)
    to = sending.recipient()
    draft = None
    if not _outlook_draft(copy, to):
        draft = sending.write_draft(copy, to, copy.path.with_suffix(".eml"), force=True)
        _open_file(draft)
    where = "Outlook đã mở thư nháp kèm bản gửi" if draft is None else f"Thư nháp: {draft}"
    book.app.alert(f"Đã tạo bản gửi lên (sạch, có dấu kiểm tra): {copy.path}\n{where}.\n"
                   "Xem lại thư rồi bấm Gửi.", title=TITLE)
    return {"copy": str(copy.path), "draft": str(draft) if draft else None, "errors": errors}


def _saved_file(book) -> Path | None:
    """The workbook's file, saved first if Excel says it has unsaved changes (asked, never silently)."""
    full = Path(book.fullname)
    if not full.is_file():
        raise UsageError("Hãy lưu sổ (Ctrl+S) trước khi gửi lên: bản gửi được tạo từ tệp đã lưu.")
    try:
        saved = book.api.Saved
    except AttributeError:          # not Windows Excel: the file is what there is
        return full
    if not saved:
        if book.app.alert("Sổ có thay đổi chưa lưu. Lưu rồi gửi lên?", title=TITLE, buttons="yes_no") != "yes":
            return None
        book.save()
    return full


def _outlook_draft(copy, to: str | None) -> bool:
    """Windows with Outlook: a new message with the copy attached, shown for the officer to send.
    Any failure (no Outlook, no pywin32, a policy prompt refused) falls back to the .eml draft."""
    import sys

    if not sys.platform.startswith("win"):
        return False
    try:
        import win32com.client

        mail = win32com.client.Dispatch("Outlook.Application").CreateItem(0)   # olMailItem
        if to:
            mail.To = to
        mail.Subject = copy.subject
        mail.Body = copy.body(to)
        mail.Attachments.Add(str(copy.path))
        mail.Display(False)
        return True
    except Exception:
        return False


def _open_file(path: Path) -> None:
    """Open the draft in the default mail program (Windows); elsewhere the message gives its path."""
    import os

    if hasattr(os, "startfile"):
        try:
            os.startfile(str(path))
        except OSError:
            pass


# ---------------------------------------------------------------- dispatch

ACTIONS = {"new_table": new_table, "recalc": recalc, "validate": validate, "clear": clear,
           "consolidate": consolidate, "send": send}


def split_tag(tag: str) -> tuple[str, dict]:
    """'new_table:ke-hoach-giam-ngheo-xa' → ('new_table', {'form_id': …}): one entry point, several buttons."""
    name, _, argument = tag.partition(":")
    return name, ({"form_id": argument} if argument else {})


def run(book, tag: str, **kwargs) -> dict | None:
    """Run the entry point named by a ribbon tag; every failure becomes a Vietnamese message."""
    tag, extra = split_tag(tag)
    kwargs = {**extra, **kwargs}
    action = ACTIONS.get(tag)
    if action is None:
        book.app.alert(f"Nút '{tag}' chưa được hỗ trợ; hãy cập nhật giamngheo.", title=TITLE, mode="critical")
        return None
    try:
        return action(book, **kwargs)
    except OfficerError as exc:
        book.app.alert(str(exc), title=TITLE, mode="critical")
    except Exception as exc:  # never a traceback window for an officer
        log = log_error(tag)
        where = f" Chi tiết đã ghi vào tệp '{log}'; hãy gửi tệp này" if log else " Hãy báo"
        book.app.alert(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}).{where} cho bộ phận CNTT.",
                       title=TITLE, mode="critical")
    return None


def log_path() -> Path:
    """%USERPROFILE%\\.giamngheo\\giamngheo.log, beside the add-in's config: where IT looks."""
    return Path.home() / ".giamngheo" / "giamngheo.log"


def log_error(tag: str) -> Path | None:
    """Append the current exception's traceback to the log (kept under ~1 MB); None if it cannot be written."""
    import platform
    import sys
    import traceback
    from datetime import datetime

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > 1_000_000:
            path.replace(path.with_suffix(".log.1"))
        with path.open("a", encoding="utf-8") as f:
            f.write(f"=== {datetime.now():%Y-%m-%d %H:%M:%S} nút '{tag}' · Python {platform.python_version()} · "
                    f"{sys.platform}\n{traceback.format_exc()}\n")
    except OSError:
        return None
    return path


def dispatch(tag: str) -> None:
    """The one function the add-in's VBA calls: RunPython "import macros_py.excel as g; g.dispatch('validate')"."""
    import sys

    # xlwings imports pandas and numpy when installed (a quarter second and a tenth per click); both
    # are optional to xlwings and no button needs them.
    sys.modules.setdefault("pandas", None)
    sys.modules.setdefault("numpy", None)
    import xlwings as xw

    try:
        book = xw.Book.caller()
    except Exception:   # xlwings shows the traceback itself; the log keeps it for IT
        log_error(tag)
        raise
    run(book, tag)
