"""Tổng hợp: the next level's table from the workbooks the units sent.

Every figure in the result is one a unit really reported, and the table says what it does
not cover. Each unit's figures are the sums of its own rows (its typed total only compared),
read as `validate` reads them; a workbook gives its table of the plan year (asked for, or
the year most workbooks' latest table is for). Two versions from one unit are never summed:
the latest by the workbook's own saved time is used, the others set aside and named. Units
without figures — not sent, an unfilled template, a broken file, no table of that year —
keep blank rows, and the total row and the line under the title say "x/y đơn vị".
Sheets "Nguồn" and "Tình hình nộp" say where each row came from and who has not reported.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..engines.mail import is_container, is_mail, origin
from .inbox import (SAVED_FROM, SAVED_PART, Part, Source, admin_name, collect, find_unit, fold, guess_unit,
                    mail_texts, read_source, tie_unit)
from ..write.layout import Unit, authority, make_layout, signature_for
from ..write.xlsx_writer import ListSheet

PARALLEL_FROM = 16   # below this, starting worker processes costs more than it saves

# A unit's state, best first: what a unit's files are ranked by, and how each is named.
RANK = ("ok", "errors", "conflict", "empty", "no_year", "other_form", "broken", "no_workbook", "missing")
STATUS_VI = {"ok": "Đạt", "errors": "Có lỗi", "conflict": "Cần xác minh tệp", "empty": "Gửi biểu trống",
             "no_year": "Không có biểu năm {year}", "other_form": "Gửi biểu khác mẫu", "broken": "Gửi tệp lỗi",
             "no_workbook": "Chưa nộp (thư không kèm biểu)", "missing": "Chưa nộp"}
WITH_FIGURES = ("ok", "errors")
# What a unit of each level sums: a commune its villages, a district its communes.
SUB_ROWS = {"xã": "các thôn", "phường": "các tổ dân phố", "thị trấn": "các thôn, tổ dân phố", "huyện": "các xã",
            "thị xã": "các xã, phường", "thành phố": "các xã, phường", "tỉnh": "các huyện"}


@dataclass
class Consolidation:
    form_id: str
    units: list[str]                                   # row order of the output
    year: int | None = None                            # the plan year of the tables taken
    year_inferred: bool = False                        # no --year: read from the workbooks
    listed: bool = False                               # units came from a list (so the missing are known)
    used: dict[str, Source] = field(default_factory=dict)
    received: dict[str, list[Source]] = field(default_factory=dict)   # unit → its files, the used one first
    state: dict[str, str] = field(default_factory=dict)               # unit → a RANK key
    unknown: list[Source] = field(default_factory=list)  # files that name no (listed) unit
    notes: list[str] = field(default_factory=list)
    files: int = 0                                     # received files read (workbooks, mails without one)
    paths: list[str] = field(default_factory=list)     # the folders and files asked for

    @property
    def missing(self) -> list[str]:
        """Units that sent nothing at all."""
        return [u for u in self.units if self.state.get(u, "missing") == "missing"]

    @property
    def without_figures(self) -> list[str]:
        return [u for u in self.units if u not in self.used]

    @property
    def set_aside(self) -> dict[str, list[Source]]:
        return {u: [s for s in files if s is not self.used.get(u)] for u, files in self.received.items()
                if any(s is not self.used.get(u) for s in files)}

    @property
    def partial_units(self) -> list[str]:
        """Units whose own table is itself a partial consolidation (a district's 12/17)."""
        return [u for u, s in self.used.items() if s.part.coverage and s.part.coverage[0] < s.part.coverage[1]]

    def status(self, unit: str) -> str:
        kind = self.state.get(unit, "missing")
        if kind == "no_workbook" and not any(is_mail(s.path) for s in self.received.get(unit, [])):
            return "Chưa nộp (tệp nén không có biểu)"
        return STATUS_VI[kind].format(year=self.year or "……")


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


def _choose_form(sources: list[Source]) -> str | None:
    """The form most workbooks hold (ties: the shipped forms' order)."""
    from ..forms.spec import forms

    counts = Counter(f for s in sources for f in s.forms)
    order = list(forms())
    return max(counts, key=lambda f: (counts[f], -order.index(f) if f in order else 0)) if counts else None


def _infer_year(sources: list[Source], form_id: str) -> int | None:
    """The year most workbooks' latest table of the form is for (ties: the later year)."""
    latest = Counter(max(years) for s in sources
                     if (years := [p.year for p in s.parts if p.form == form_id and p.year]))
    return max(latest, key=lambda y: (latest[y], y)) if latest else None


def _plan_year(text) -> int:
    from ..errors import UsageError

    try:
        return int(str(text).strip())
    except ValueError:
        raise UsageError(f"Năm '{text}' không hợp lệ: hãy ghi năm bằng số, ví dụ --year 2026.") from None


def _classify(src: Source, form_id: str, year: int | None) -> str:
    """Pick the table this file contributes (src.part) and say what the file is (a RANK key)."""
    if src.status != "ok":
        return "no_workbook" if is_container(src.path) else "broken"
    parts = [p for p in src.parts if p.form == form_id]
    if not parts:
        return "other_form"
    if year is not None:
        parts = [p for p in parts if p.year == year] or [p for p in parts if p.year is None]
        if not parts:
            return "no_year"
    else:
        latest = max(p.year or 0 for p in parts)
        parts = [p for p in parts if (p.year or 0) == latest]
    src.part = min(parts, key=lambda p: (p.empty, p.errors, parts.index(p)))    # filled, fewest errors, first
    src.twins = [p for p in parts if p is not src.part and not p.empty and p.figures != src.part.figures]
    if src.twins:
        src.why = _why_this_table(src.part, src.twins)
    if src.part.empty:
        return "empty"
    return "errors" if src.part.errors else "ok"


def _why_this_table(part: Part, twins: list[Part]) -> str:
    """'trang 'Biểu' (không có lỗi; trang 'Biểu (2)' có 1 lỗi)': which of several tables of the same
    year, with different figures, was taken and why."""
    others = ", ".join(f"'{t.sheet}'" + (f" ({t.errors} lỗi)" if t.errors else "") for t in twins)
    fewer = all(t.errors > part.errors for t in twins)
    reason = ("ít lỗi hơn" if part.errors else "không có lỗi") if fewer else "trang đứng trước"
    year = f" năm {part.year}" if part.year else ""
    return (f"Tệp có {len(twins) + 1} biểu{year} với số liệu khác nhau: đã dùng trang '{part.sheet}' ({reason}), "
            f"không dùng trang {others}; hãy hỏi lại đơn vị biểu nào đúng.")


def consolidate(paths: list[Path], *, units: list[str] | None = None, form_id: str | None = None,
                year: int | str | None = None, progress: bool = False) -> Consolidation:
    files, notes = collect(paths)
    sources = read_all(files, progress)
    form_id = form_id or _choose_form(sources)
    inferred = year in (None, "", "……")
    year = _infer_year(sources, form_id) if inferred else _plan_year(year)
    result = Consolidation(form_id or "", list(units or []), year=year, year_inferred=inferred and year is not None,
                           listed=bool(units), notes=notes, files=len(sources), paths=[str(p) for p in paths])
    for s in sources:
        _mail_facts(s)
    kinds = {id(s): _classify(s, form_id, year) for s in sources}
    _tie_units(sources, kinds, units)
    by_unit: dict[str, list[Source]] = {}
    for s in sources:
        if s.conflict:          # named for two units: listed under both, used for neither
            kinds[id(s)] = "conflict"
            for u in dict.fromkeys(s.conflict[:2]):
                by_unit.setdefault(u, []).append(s)
        elif s.unit is None:
            s.verdict = _verdict(s, kinds[id(s)], None, year, form_id) \
                if kinds[id(s)] in ("broken", "other_form", "no_workbook") \
                else "Không nhận ra đơn vị" + (" trong danh sách" if units else "") + (
                    f": tiêu đề nêu cùng lúc {', '.join(s.ambiguous)}, không rõ là đơn vị nào (hãy sửa danh sách "
                    "đơn vị hoặc tiêu đề của biểu)" if s.ambiguous else "")
            result.unknown.append(s)
        else:
            by_unit.setdefault(s.unit, []).append(s)
    if not units:
        result.units = sorted(by_unit, key=_collation)
    for unit, group in by_unit.items():
        group.sort(key=lambda s: s.order_key, reverse=True)            # newest first …
        group.sort(key=lambda s: RANK.index(kinds[id(s)]))             # … within the best kind
        result.received[unit], result.state[unit] = group, kinds[id(group[0])]
        if kinds[id(group[0])] in WITH_FIGURES:
            result.used[unit] = group[0]
        for s in group:
            s.verdict = _verdict(s, kinds[id(s)], result.used.get(unit), year, form_id)
    return result


def _collation(name: str):
    from ..core.names import collation_key

    return collation_key(name)


def _mail_facts(src: Source) -> None:
    """A received mail or zip that held no workbook: its time is the mail's date (or the file's),
    never 1970."""
    if not is_container(src.path) or src.saved is not None:
        return
    o = origin(src.path)
    if o is not None and o.date is not None:
        src.saved, src.saved_from = o.date, "mail"
    elif not src.mtime:
        try:
            src.mtime = os.path.getmtime(src.path)
        except OSError:
            pass


def _tie_units(sources: list[Source], kinds: dict[int, str], units: list[str] | None) -> None:
    """Set each file's unit: from the units list, by title, sheet name or file name, then the mail
    that brought it (inbox.tie_unit; a file whose title and file name name two listed units is
    set aside as a conflict); without a list, the name its title gives ('UBND xã Yên Phúc', 'Thị
    trấn Văn Quan', 'Phường 10') or else its mail's sender ('UBND xã Hữu Lễ'), spellings that fold
    alike merged (the spelling of the file that will be used), else a file name naming a unit
    already seen."""
    if units:
        for s in sources:
            s.unit, s.ambiguous, conflict = tie_unit(s, units)
            if conflict and kinds[id(s)] in WITH_FIGURES:
                s.conflict = conflict
            elif conflict:          # no figures at stake: the title decides
                s.unit = conflict[0]
        return
    spellings: dict[str, list[tuple[int, datetime, str]]] = {}
    for s in sources:
        name = guess_unit(s.texts) or guess_unit(mail_texts(s.path) + [""])
        if name:
            spellings.setdefault(fold(name), []).append((RANK.index(kinds[id(s)]), s.when, name))
            s.unit = name
    canonical = {k: min(v, key=lambda t: (t[0], -t[1].timestamp()))[2] for k, v in spellings.items()}
    known = list(canonical.values())
    for s in sources:
        if s.unit:
            s.unit = canonical[fold(s.unit)]
        else:
            s.unit = find_unit(s.texts + mail_texts(s.path), known) if known else None
            if s.unit is None and kinds[id(s)] in WITH_FIGURES + ("empty",):
                s.unit = s.texts[-1]       # a readable table named by nothing but its file name


def conflict_text(s: Source) -> str:
    """'tên tệp ghi Tân Đoàn nhưng tiêu đề ghi Yên Phúc': why a file was used for neither unit."""
    said, named, where = s.conflict
    return f"{where} ghi {named} nhưng tiêu đề biểu ghi {said}"


def _verdict(s: Source, kind: str, used: Source | None, year, form_id: str) -> str:
    if s is used:
        return "Dùng" + (f" trang '{s.part.sheet}' (tệp có {len(s.twins) + 1} biểu cùng năm, số liệu khác nhau)"
                         if s.twins else "")
    if kind == "conflict":
        return (f"Chưa dùng: {conflict_text(s)} (có thể đơn vị dùng lại biểu của đơn vị khác, hoặc quên sửa "
                "tiêu đề). Hãy hỏi lại đơn vị, sửa tiêu đề hoặc tên tệp cho đúng rồi tổng hợp lại.")
    if kind in WITH_FIGURES:
        return f"Bản cũ hơn (lưu {_when(s)}), dùng bản lưu {_when(used)}"
    if kind == "empty":
        return "Biểu trống: chưa điền số liệu"
    if kind == "no_year":
        years = sorted({p.year for p in s.parts if p.form == form_id and p.year})
        return f"Không có biểu năm {year} (chỉ có năm {', '.join(map(str, years))})"
    if kind == "no_workbook":
        return s.error or "Thư không kèm biểu"
    if kind == "other_form":
        from ..forms.spec import forms

        names = [forms()[f].name if f in forms() else f for f in s.forms]
        return "Biểu khác mẫu: " + ", ".join(names)
    return s.error or "Không đọc được tệp"


def _when(src: Source | None) -> str:
    if src is None:
        return ""
    return src.when.astimezone().strftime("%d/%m/%Y %H:%M")


def _today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")   # reproducible builds fix the date
    now = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now()
    return now.strftime("%d/%m/%Y")


def _n(value) -> str:
    from ..core.numbers import format_vi

    return format_vi(value) if isinstance(value, (int, float)) else str(value)


def _levels(part: Part) -> tuple[str, str]:
    """('xã', 'các thôn'): what the unit is and what its rows are, from its title."""
    found = admin_name(part.title)
    level = found[0] if found else "đơn vị"
    return level, SUB_ROWS.get(level, "các dòng")


def mismatch_texts(part: Part) -> dict[str, str]:
    """Column number → what a reader of the consolidated cell must know: 'xã ghi 100, cộng các thôn
    được 88' for a wrong typed total; the village cell the unit's own validation names as the likely
    culprit (and which figure was taken); the village cells left blank (the sum is incomplete)."""
    level, rows = _levels(part)
    notes: dict[str, list[str]] = {}
    suspects = {}
    for s in part.suspects:
        suspects.setdefault(s.number, []).append(s)
    for n, typed, got in part.mismatches:
        culprits = suspects.pop(n, [])
        if culprits and part.mended is not None:
            notes.setdefault(n, []).append(
                f"{level} ghi {_n(typed)}; cộng {rows} được {_n(got)} vì " + "; ".join(_culprit(s, level) for s in culprits)
                + f": đã lấy {_n(part.mended.get(n))}, cần {level} xác nhận")
        elif culprits:
            notes.setdefault(n, []).append(f"{level} ghi {_n(typed)}, cộng {rows} được {_n(got)}; "
                                           + "; ".join(_culprit(s, level) for s in culprits))
        else:
            notes.setdefault(n, []).append(f"{level} ghi {_n(typed)}, cộng {rows} được {_n(got)}")
    for n, culprits in suspects.items():
        notes.setdefault(n, []).append("; ".join(_culprit(s, level) for s in culprits) + ": đã cộng số đang ghi")
    blanks: dict[str, list[str]] = {}
    for n, cell, label in part.blanks:
        blanks.setdefault(n, []).append(f"{cell} ({label})")
    for n, cells in blanks.items():
        notes.setdefault(n, []).append(f"ô {', '.join(cells)} trong biểu của {level} để trống: số cộng {rows} chưa đủ")
    return {n: "; ".join(texts) for n, texts in sorted(notes.items(), key=lambda kv: int(kv[0]))}


def _culprit(s, level: str) -> str:
    """'ô D11 (Thôn Pác Giáo) trong biểu của xã ghi 19, có lẽ là 9 (các ô E11, H11, D15 khớp với 9)'."""
    follows = f" (các ô {', '.join(s.follows)} khớp với {_n(s.expected)})" if s.follows else ""
    return f"ô {s.cell} ({s.label}) trong biểu của {level} ghi {_n(s.actual)}, có lẽ là {_n(s.expected)}{follows}"


def row_notes(c: Consolidation, unit: str, *, brief: bool = False) -> list[str]:
    """What a reader of the table must know about a unit's figures (its doubtful parts);
    `brief`: one line each, for the command line."""
    s = c.used.get(unit)
    if s is None:
        return []
    part, notes = s.part, []
    suspected = {x.number for x in part.suspects}
    texts = mismatch_texts(part)
    wrong_total = [(n, texts[n]) for n, _, _ in part.mismatches if n not in suspected]
    level, rows = _levels(part)
    if wrong_total:
        notes.append(f"Dòng Cộng của {level} ghi sai, đã dùng số cộng {rows}: "
                     + "; ".join(f"cột {n}: {t}" for n, t in wrong_total) + ".")
    doubtful = [(n, t) for n, t in texts.items() if n in suspected]
    if doubtful:
        notes.append(f"Ô ở {rows} có lẽ ghi sai" + (f", dòng Cộng của {level} đúng" if part.mended is not None else "")
                     + ": " + "; ".join(f"cột {n}: {t}" for n, t in doubtful) + ".")
    if part.blanks:
        cols = sorted({n for n, _, _ in part.blanks}, key=int)
        notes.append(f"Số liệu chưa đủ: có ô để trống ở {rows} (ô trống không phải số 0), cột "
                     + ", ".join(cols) + ": " + "; ".join(
                         f"{cell} ({label})" for _, cell, label in part.blanks) + ".")
    if s.twins:
        notes.append(s.why)
    if part.coverage and part.coverage[0] < part.coverage[1]:
        notes.append(f"Biểu của {level} chỉ tổng hợp {part.coverage[0]}/{part.coverage[1]} đơn vị: "
                     "số liệu chưa đủ.")
    if part.only_total:
        notes.append("Đơn vị chỉ ghi dòng Cộng, các dòng chi tiết để trống.")
    if part.errors and brief:
        notes.append(f"tệp '{s.name}' có {part.errors} lỗi (mở tệp, bấm Kiểm tra để xem từng ô).")
    elif part.errors:
        more = part.errors - len(part.error_notes)
        notes.append(f"Biểu của đơn vị (tệp '{s.name}', trang '{part.sheet}') có {part.errors} lỗi, "
                     "số liệu cần xem lại:\n"
                     + "\n".join(f"- {m}" for m in part.error_notes) + (f"\n- … và {more} lỗi khác." if more else ""))
    return notes


def _heading(c: Consolidation, what: str, unit: str) -> tuple[str, ...]:
    from ..forms.spec import get_form

    year = c.year or "……"
    used, total = len(c.used), len(c.units)
    found = [admin_name(s.part.title) for s in c.used.values()]
    levels = [lv for lv, _ in Counter(f[0] for f in found if f).most_common()]
    return (f"{what}: {get_form(c.form_id).name.upper()} NĂM {year}",
            f"Đơn vị tổng hợp: {'UBND ' + authority(unit) if authority(unit).strip('…. ') else '……'}"
            + (f", từ biểu của các {', '.join(levels)}" if levels else ""),
            f"Lập ngày {_today()}; tổng hợp {used}/{total} đơn vị có số liệu"
            + ("" if c.listed else " (không có danh sách đơn vị: chỉ biết các đơn vị đã gửi tệp)") + ".")


def report_sheets(c: Consolidation, unit: str = "……") -> list[ListSheet]:
    # counted by the words of each unit's own status (a zip without a workbook is not a mail without one)
    tally = "; ".join(f"{label}: {n}" for label, n in Counter(
        c.status(u) for u in sorted(c.units, key=lambda u: RANK.index(c.state.get(u, "missing")))).items()) \
        + f" (tổng {len(c.units)} đơn vị)."
    status, highlight = [], set()
    for i, u in enumerate(c.units, start=1):
        s = c.used.get(u) or (c.received.get(u) or [None])[0]
        notes = [f"'{a.name}': {a.verdict}" for a in c.received.get(u, []) if a is not c.used.get(u)
                 and a is not s] + row_notes(c, u)
        if s is not None and u not in c.used:
            notes.insert(0, s.verdict)
        if u not in c.used:
            highlight.add(len(status))
        status.append((i, u, c.status(u), s.name if s else None, _when(s) or None, "\n".join(notes) or None))
    for s in c.unknown:
        status.append((None, UNKNOWN_UNIT, "Không dùng", s.name, _when(s), s.verdict))
    listed = [(u, s, s is c.used.get(u)) for u in c.units for s in c.received.get(u, [])] + \
        [(UNKNOWN_UNIT, s, False) for s in c.unknown]
    mails = [_mail_text(s) for _, s, _ in listed]
    header, widths = SOURCE_COLUMNS, SOURCE_WIDTHS
    rows = [_source_row(u, s) for u, s, _ in listed]
    if any(mails):       # the mail column only when something came by mail
        at = header.index("Kiểm tra trước khi gửi")
        header, widths = header[:at] + ("Thư",) + header[at:], widths[:at] + (26,) + widths[at:]
        rows = [r[:at] + (m,) + r[at:] for r, m in zip(rows, mails)]
    return [
        ListSheet("Nguồn", header, rows, widths, hidden=frozenset(range(len(header) - 2, len(header))), page=170,
                  centre=frozenset(header.index(h) for h in ("Lỗi", "Cảnh báo")),
                  title=_heading(c, "NGUỒN SỐ LIỆU", unit) + (
                      "Đơn vị nào gửi nhiều bản thì dùng bản lưu sau cùng: xét thời điểm lưu ghi trong tệp; tệp "
                      "không ghi thời điểm ấy thì xét giờ của tệp trên máy. Mã tệp là 12 ký tự đầu của mã SHA-256 "
                      "của tệp, để đối chiếu đúng tệp đã dùng.",)),
        ListSheet("Tình hình nộp", ("STT", "Đơn vị", "Tình trạng", "Tệp nhận được", "Lưu lần cuối", "Ghi chú"),
                  status, (5, 18, 16, 26, 17.5, 70), centre=frozenset({0}),
                  title=_heading(c, "TÌNH HÌNH NỘP BIỂU", unit) + (tally,), highlight=frozenset(highlight),
                  signature=signature_for(unit)),
    ]


UNKNOWN_UNIT = "(không rõ đơn vị)"
# "Nguồn": what an officer reads on paper, then (hidden, never printed) the full file hash and the part
# of the file the saved time was read from, for whoever checks by machine.
SOURCE_COLUMNS = ("Đơn vị", "Tệp", "Dùng", "Trang tính, dòng", "Năm của biểu", "Lưu lần cuối", "Thời điểm theo",
                  "Lỗi", "Cảnh báo", "Mã tệp", "Kiểm tra trước khi gửi", "SHA-256", "Thời điểm đọc từ")
SOURCE_WIDTHS = (18, 24, 24, 18, 14, 11, 14, 5, 8.5, 13.5, 18, 66, 40)


def _source_row(unit: str, s: Source) -> tuple:
    from ..core.years import WHERE

    part = s.part
    if part is None:
        where = year = None
    else:
        year = f"{part.year} ({WHERE[part.year_from]})" if part.year else "không ghi năm"
        if part.summed:
            rows = f"{part.rows[0]}–{part.rows[-1]} (cộng {len(part.rows)} dòng)"
        elif part.only_total:
            rows = f"{part.rows[0]} (dòng Cộng)"
        else:
            rows = ", ".join(map(str, part.rows))
        where = f"'{part.sheet}', dòng {rows}" if rows else f"'{part.sheet}'"
    how = s.saved_from if s.saved else "file"
    return (unit, s.name, s.verdict, where, year, _when(s), SAVED_FROM[how], part.errors if part else None,
            part.warnings if part else None, s.sha256[:12] or None, s.checked, s.sha256 or None, SAVED_PART[how])


def _mail_text(s: Source) -> str | None:
    """'Xã Yên Phúc <yenphuc@…>, 05/04/2021 08:00: Biểu giảm nghèo': who sent the mail, when, its subject."""
    o = origin(s.path)
    if o is None:
        return None
    when = o.date.astimezone().strftime("%d/%m/%Y %H:%M") if o.date else None
    head = ", ".join(p for p in (o.sender, when) if p)
    return (f"{head}: {o.subject}" if head and o.subject else head or o.subject) or None


def layout_units(c: Consolidation) -> list[Unit]:
    """The output's unit rows: figures of the units that reported, blank rows for the others,
    notes and marks where the figures are doubtful."""
    from ..forms.formulas import row_expr
    from ..forms.spec import get_form

    form = get_form(c.form_id)
    inputs = {n for n in form.numbers if row_expr(form.column(n)) is None}
    rows = []
    for u in c.units:
        s = c.used.get(u)
        if s is None:
            rows.append(Unit(u, {}, blank=True))
            continue
        notes = row_notes(c, u)
        rows.append(Unit(u, {n: v for n, v in s.part.figures.items() if n in inputs},
                         note="\n".join(notes) or None, flagged=mismatch_texts(s.part)))
    return rows


def coverage_texts(c: Consolidation, total_label: str) -> tuple[str, str | None]:
    """The line under the title, and the total row's label when the table is not complete."""
    done, total, partial = len(c.used), len(c.units), c.partial_units
    line = f"Tổng hợp {done}/{total} đơn vị có số liệu, ngày {_today()}"
    if partial:
        line += "; biểu của " + ", ".join(
            f"{u} chỉ gồm {c.used[u].part.coverage[0]}/{c.used[u].part.coverage[1]} đơn vị" for u in partial)
    if done == total and not partial:
        return line, None
    return line, f"{total_label} ({done}/{total} đơn vị" + (f", {len(partial)} chưa đủ)" if partial else ")")


def write_consolidation(c: Consolidation, out: Path, *, force: bool = False, year=None, unit="……",
                        title: str | None = None, charts: bool = True) -> None:
    from ..forms.spec import get_form
    from ..write.safe_io import atomic_output
    from ..write.xlsx_writer import write_new_workbook

    form = get_form(c.form_id)
    year = year if year not in (None, "") else (c.year or "……")
    layout = make_layout(form, layout_units(c), year=year, unit=unit, title=title)
    layout.coverage, layout.total_label = coverage_texts(c, form.total_label)
    sheets = report_sheets(c, unit)
    with atomic_output(out, force) as tmp:
        layout.legend = legend_text(layout.units, False)
        write_new_workbook(layout, tmp, sheets, charts=charts)
        if _rule_breaks(tmp):       # the table's own live colours show: say what they mean too
            layout.legend = legend_text(layout.units, True)
            write_new_workbook(layout, tmp, sheets, charts=charts)


def legend_text(units: list[Unit], rule_breaks: bool) -> str | None:
    """The line under the table saying what each of its colours means (cell notes do not print),
    naming only the colours the table has; None when it has none."""
    parts = []
    if any(u.note for u in units):
        parts.append("tên đơn vị tô vàng — số liệu của đơn vị cần xem lại (lý do ghi ở trang 'Tình hình nộp')")
    if any(u.flagged for u in units):
        parts.append("ô số tô vàng — số cần xem lại: dòng Cộng của đơn vị ghi sai (đã dùng số cộng các dòng chi "
                     "tiết), hoặc ô chi tiết có lẽ ghi sai hay để trống (ghi chú của ô nói rõ)")
    if rule_breaks:
        parts.append("ô chữ đỏ nền hồng (lỗi), chữ nâu nền vàng (cảnh báo) — số liệu sai quy tắc của biểu, bảng tự "
                     "tô theo số liệu (bấm Kiểm tra, tab Giảm nghèo, để xem từng ô)")
    return "Chú thích màu: " + "; ".join(parts) + "." if parts else None


def _rule_breaks(path: Path) -> bool:
    """Does the written table break a rule of its form (its conditional formatting then colours cells)?"""
    from ..engines.file import read_grids
    from .validate import validate_grids

    result = validate_grids(str(path), [g for g in read_grids(path) if g.name == "Biểu"])
    return any(f.severity in ("error", "warning") and f.rule not in ROW_FINDINGS for s in result.sheets
               for f in s.findings)


ROW_FINDINGS = ("unit-no-figures",)     # said of a whole row (a unit that has not reported): no cell is coloured


def refuse_unusable(c: Consolidation) -> None:
    """Refuse, plainly, a consolidation that would only look like one: nothing received, nothing of
    a known form, or no received table tied to any unit (a units list that names none of them)."""
    from ..errors import UsageError

    where = ", ".join(f"'{p}'" for p in c.paths) or "……"
    if not c.files:
        raise UsageError(f"Không có tệp nào để tổng hợp trong {where}: cần các tệp bảng tính (.xlsx, .xlsm, .xls, "
                         ".ods) hoặc thư đã lưu (.eml, .msg), tệp nén (.zip) đơn vị gửi lên."
                         + "".join(f"\n{n}" for n in c.notes))
    if not c.form_id:
        raise UsageError(f"Không có tệp nào đọc được chứa biểu đã biết (đã xem {c.files} tệp trong {where}):"
                         + _skipped(c.unknown))
    tied = any(c.received.values())
    if not tied and any(s.part is not None and not s.part.empty for s in c.unknown):
        raise UsageError(
            f"Không gắn được tệp nào với đơn vị nào{' trong danh sách' if c.listed else ''}, nên không lập biểu "
            f"tổng hợp (đã đọc {c.files} tệp):" + _skipped(c.unknown)
            + ("\nHãy xem lại danh sách đơn vị (--units): tên đơn vị phải như tiêu đề biểu ghi, ví dụ 'Phường 3', "
               "'Thị trấn Văn Quan'." if c.listed else ""))


def _skipped(sources: list[Source], limit: int = 10) -> str:
    lines = [f"\n- '{s.name}': {s.verdict}" for s in sources[:limit]]
    return "".join(lines) + (f"\n- … và {len(sources) - limit} tệp khác." if len(sources) > limit else "")


def render_text(c: Consolidation) -> str:
    from ..forms.spec import forms

    form = forms()[c.form_id].name if c.form_id in forms() else (c.form_id or "……")
    year = f"năm {c.year}" + (" (suy ra từ các biểu nhận được)" if c.year_inferred else "") if c.year \
        else "không rõ năm"
    lines = [f"Mẫu biểu: {form}; {year}; {len(c.used)}/{len(c.units)} đơn vị có số liệu."]
    if c.units and not c.used:
        lines.append("CHÚ Ý: không đơn vị nào có số liệu, biểu tổng hợp chỉ có các dòng trống.")
    if not c.listed:
        lines.append("Không có danh sách đơn vị (--units): chỉ biết các đơn vị đã gửi tệp.")
    for kind in RANK[len(WITH_FIGURES):]:
        by_status: dict[str, list[str]] = {}
        for u in c.units:
            if c.state.get(u, "missing") == kind:
                by_status.setdefault(c.status(u), []).append(
                    u if kind == "missing" else f"{u} ('{c.received[u][0].name}')")
        lines += [f"{label}: " + ", ".join(units) for label, units in by_status.items()]
    conflicts = list({id(s): s for files in c.received.values() for s in files if s.conflict}.values())
    for s in conflicts:
        lines.append(f"Chưa dùng '{s.name}': {conflict_text(s)}; hãy hỏi lại đơn vị.")
    for unit, aside in c.set_aside.items():
        if unit in c.used:
            lines.append(f"{unit}: dùng '{c.used[unit].name}'" + (f" (trang '{c.used[unit].part.sheet}')"
                                                                   if c.used[unit].twins else "")
                         + ", để riêng: " + ", ".join(f"'{a.name}'" for a in aside))
            lines += [f"{unit}: '{a.name}': {a.verdict}" for a in aside       # what a mail without the table said
                      if not a.verdict.startswith("Bản cũ hơn") and not a.conflict]
    for unit in c.units:
        lines += [f"{unit}: {note}" for note in row_notes(c, unit, brief=True)]
    for s in c.unknown:
        lines.append(f"Bỏ qua '{s.name}': {s.verdict}")
    lines += c.notes
    return "\n".join(lines)
