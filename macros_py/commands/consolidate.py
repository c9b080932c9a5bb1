"""Tổng hợp: the next level's table from the workbooks the units sent.

One row per unit, its figures taken from the unit's own total row (or its only row);
formulas and totals live. Two versions from one unit are never summed: the latest
(by the workbook's own last-saved time, then file time) is used and the others are
set aside and named. Sheets "Nguồn" and "Tình hình nộp" say where each row came from
and who has not reported.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..engines.mail import is_container, origin
from .inbox import Source, collect, find_unit, guess_unit, read_source, unit_key
from ..write.layout import Unit, make_layout
from ..write.xlsx_writer import ListSheet

PARALLEL_FROM = 16   # below this, starting worker processes costs more than it saves


@dataclass
class Consolidation:
    form_id: str
    units: list[str]                                   # row order of the output
    used: dict[str, Source] = field(default_factory=dict)
    set_aside: dict[str, list[Source]] = field(default_factory=dict)
    unknown: list[Source] = field(default_factory=list)   # readable, but no listed unit named
    bad: list[Source] = field(default_factory=list)       # unreadable or no known form
    other_form: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [u for u in self.units if u not in self.used]


def read_all(files: list[Path], progress: bool) -> list[Source]:
    """Read every file, on both cores when there are many; a bad file never stops the run."""
    names = [str(f) for f in files]
    bar = _progress(len(names), progress)
    if len(names) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            out = []
            for src in pool.map(read_source, names, chunksize=8):
                out.append(src)
                bar.update(1)
    else:
        out = []
        for name in names:
            out.append(read_source(name))
            bar.update(1)
    bar.close()
    return out


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Đọc tệp", unit=" tệp", disable=not enabled or total < 2, file=sys.stderr,
                leave=False)


def consolidate(paths: list[Path], *, units: list[str] | None = None, form_id: str | None = None,
                progress: bool = False) -> Consolidation:
    files, notes = collect(paths)
    sources = read_all(files, progress)
    readable = [s for s in sources if s.status == "ok"]
    if form_id is None:
        counts: dict[str, int] = {}
        for s in readable:
            counts[s.form] = counts.get(s.form, 0) + 1
        form_id = max(counts, key=counts.get) if counts else None
    result = Consolidation(form_id or "", list(units or []), notes=notes)
    result.bad = [s for s in sources if s.status != "ok"]
    result.other_form = [s for s in readable if s.form != form_id]
    by_unit: dict[str, list[Source]] = {}
    named: dict[str, str] = {}      # unit key → the first spelling seen (without a units list)
    for s in readable:
        if s.form != form_id:
            continue
        s.unit = find_unit(s.texts, units) if units else (guess_unit(s.texts) or s.texts[-1])
        if s.unit is None:
            result.unknown.append(s)
            continue
        if not units:   # without a list, names that fold alike are one unit
            s.unit = named.setdefault(unit_key(s.unit), s.unit)
        by_unit.setdefault(s.unit, []).append(s)
    if not units:
        result.units = sorted(by_unit, key=lambda u: min(str(s.path) for s in by_unit[u]))
    for unit, group in by_unit.items():
        group.sort(key=lambda s: s.order_key, reverse=True)
        result.used[unit] = group[0]
        if len(group) > 1:
            result.set_aside[unit] = group[1:]
    return result


def _when(src: Source) -> str:
    if src.saved:
        return src.saved.astimezone().strftime("%d/%m/%Y %H:%M")
    from datetime import datetime
    return datetime.fromtimestamp(src.mtime).strftime("%d/%m/%Y %H:%M") + " (giờ tệp)"


def _shown(src: Source) -> str:
    """The file as officers know it: 'thu.eml › bieu.xlsx' for a workbook that came in a mail."""
    o = origin(src.path)
    return o.display if o else Path(src.path).name


def _verdict(src: Source) -> str:
    if src.errors:
        return f"Có {src.errors} lỗi"
    return "Đạt" + (f" ({src.warnings} cảnh báo)" if src.warnings else "")


def report_sheets(c: Consolidation) -> list[ListSheet]:
    sources = []
    for unit in c.units:
        if unit in c.used:
            s = c.used[unit]
            o = origin(s.path)
            mail = (o.sender, o.date.astimezone().strftime("%d/%m/%Y %H:%M") if o.date else None,
                    o.subject) if o else (None, None, None)
            sources.append((unit, _shown(s), s.sheet, s.row, _when(s), s.sha256, s.errors, s.warnings,
                            *mail, s.checked))
    status = []
    for unit in c.units:
        s = c.used.get(unit)
        if s is None:
            status.append((unit, "Chưa nộp", None, None, None, None))
            continue
        aside = c.set_aside.get(unit, [])
        note = ("Có nhiều tệp; dùng tệp mới nhất, để riêng: " + ", ".join(_shown(a) for a in aside)) \
            if aside else None
        status.append((unit, "Đã nộp", _shown(s), _when(s), _verdict(s), note))
    for s in c.unknown:
        status.append(("(không rõ đơn vị)", "Không dùng", _shown(s), _when(s), _verdict(s),
                       "Không nhận ra đơn vị trong danh sách"))
    for s in c.other_form:
        status.append(("(biểu khác)", "Không dùng", _shown(s), None, None, f"Biểu khác mẫu: {s.form}"))
    for s in c.bad:
        label = "(thư không có biểu)" if is_container(s.path) else "(tệp lỗi)"
        status.append((label, "Không dùng", _shown(s), None, None, s.error))
    return [
        ListSheet("Nguồn", ("Đơn vị", "Tệp", "Trang", "Dòng", "Lưu lần cuối", "SHA-256", "Số lỗi", "Số cảnh báo",
                            "Người gửi", "Ngày gửi thư", "Tiêu đề thư", "Kiểm tra trước khi gửi"),
                  sources, (18, 55, 12, 6, 18, 66, 8, 10, 46, 16, 48, 52)),
        ListSheet("Tình hình nộp", ("Đơn vị", "Tình trạng", "Tệp", "Thời gian", "Kiểm tra", "Ghi chú"),
                  status, (18, 12, 55, 18, 16, 60)),
    ]


def write_consolidation(c: Consolidation, out: Path, *, force: bool = False, year="……", unit="……",
                        title: str | None = None) -> None:
    from ..forms.formulas import row_expr
    from ..write.safe_io import atomic_output
    from ..forms.spec import get_form
    from ..write.xlsx_writer import write_new_workbook

    form = get_form(c.form_id)
    inputs = {n for n in form.numbers if row_expr(form.column(n)) is None}
    rows = [Unit(u, {n: v for n, v in c.used[u].values.items() if n in inputs} if u in c.used else {})
            for u in c.units]
    layout = make_layout(form, rows, year=year, unit=unit, title=title)
    with atomic_output(out, force) as tmp:
        write_new_workbook(layout, tmp, report_sheets(c))


def render_text(c: Consolidation) -> str:
    lines = [f"Biểu: {c.form_id}; {len(c.used)}/{len(c.units)} đơn vị đã nộp."]
    if c.missing:
        lines.append("Chưa nộp: " + ", ".join(c.missing))
    for unit, aside in c.set_aside.items():
        lines.append(f"{unit}: dùng '{_shown(c.used[unit])}', để riêng: "
                     + ", ".join(f"'{_shown(a)}'" for a in aside))
    for s in c.unknown:
        lines.append(f"Không nhận ra đơn vị: '{_shown(s)}'")
    for s in c.other_form:
        lines.append(f"Biểu khác mẫu ({s.form}): '{_shown(s)}'")
    for s in c.bad:
        lines.append(f"Bỏ qua '{_shown(s)}': {s.error}")
    for unit in c.units:
        s = c.used.get(unit)
        if s is not None and s.errors:
            lines.append(f"{unit}: tệp '{_shown(s)}' có {s.errors} lỗi (xem 'giamngheo validate').")
    lines += c.notes
    return "\n".join(lines)
