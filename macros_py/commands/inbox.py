"""A folder of workbooks received by e-mail: which files, which unit each is for, when saved.

Attachments arrive as "Bieu (1).xlsx", "bieu_final_sua.xlsx"; the unit is read from
the title cells ("UBND xã Yên Phúc"), the sheet name or the file name, and matched
against the units list with a key that forgives spelling: Unicode form, tone marks
and their placement, Đắk/Đăk, N'Đir/N'Dir, "TT"/"Thị trấn"/"Xã" prefixes, case, spaces.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from ..engines.file import SUFFIXES
from ..engines.mail import CONTAINERS, expand_all, is_junk, origin

_PREFIXES = ("uy ban nhan dan ", "ubnd ", "thi tran ", "thi xa ", "thanh pho ", "phuong ", "huyen ", "tinh ",
             "xa ", "tt ", "tp ", "tx ")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ADMIN = re.compile(r"(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)?\s*\b(xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh)"
                    r"\s+(?!hội chủ nghĩa)([^\n,;()/]+)", re.IGNORECASE)


def fold(text: object) -> str:
    """ASCII, lower case, single spaces: 'Nâm N'Đir' → 'nam n dir', 'Hoà' and 'Hòa' → 'hoa'."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", ascii_text).strip()


def unit_key(name: object) -> str:
    """The matching key of a unit name: folded, administrative prefixes removed (unless that
    leaves nothing, as for the township literally called 'Thị Trấn')."""
    key = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix):], True
    return key


@lru_cache(maxsize=8)
def _keyed(units: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """(key, folded name, level, name) of each listed unit, computed once per list, not once per file;
    the level is the administrative word the listed name starts with ('thi tran'), if any."""
    out = []
    for u in units:
        key, full = unit_key(u), fold(u)
        out.append((key, full, _LEVELS.get(full[:len(full) - len(key)].strip(), ""), u))
    return out


# Administrative words as folded, and the level each names (abbreviations included).
_LEVELS = {"xa": "xa", "phuong": "phuong", "thi tran": "thi tran", "tt": "thi tran", "huyen": "huyen",
           "thi xa": "thi xa", "tx": "thi xa", "thanh pho": "thanh pho", "tp": "thanh pho", "tinh": "tinh"}


_NUMBER = re.compile(r"[0-9 ]+")


def is_number_name(name: object) -> bool:
    """'3', '10': a name that is only a number names no unit by itself — "Phường 3" does, and a bare 3
    in a text is far more often a date, a row number or a count."""
    return bool(_NUMBER.fullmatch(fold(name)))


def named_units(text: str, units: list[str]) -> list[str]:
    """The listed units a text names. A name inside a longer named one does not count ('Văn Quan' in
    'thị trấn Văn Quan' when both are listed), nor a name after another level's word ('huyện Văn
    Quan' for the listed 'Thị trấn Văn Quan'); a unit whose whole name is an administrative word
    ('Thị Trấn') counts only when no real name is named."""
    hay = f" {fold(text)} "
    hits = []
    for key, full, level, u in _keyed(tuple(units)):
        if not key:
            continue
        numbered = bool(_NUMBER.fullmatch(key))     # "Phường 10" is named only with its level word, never a bare 10
        if numbered and (not level or full == key):
            continue
        for needle in dict.fromkeys((full,) if numbered else (full, key)):   # the name with its level word, then without
            start = hay.find(f" {needle} ")
            while start >= 0:
                before = hay[:start + 1]
                said = next((lv for w, lv in _LEVELS.items() if before.endswith(f" {w} ")), "")
                if not (needle == key and level and said and said != level):
                    hits.append((start, start + len(needle) + 1, _is_admin_word(key), u))
                start = hay.find(f" {needle} ", start + 1)
    if any(not admin for *_, admin, _ in hits):
        hits = [h for h in hits if not h[2]]
    inside = {h[3] for h in hits for o in hits if o[3] != h[3] and o[0] <= h[0] and h[1] <= o[1]
              and (o[1] - o[0]) > (h[1] - h[0])}
    return list(dict.fromkeys(u for *_, u in sorted(hits) if u not in inside))      # in the text's order


def match_unit(texts: list[str], units: list[str]) -> tuple[str | None, list[str]]:
    """The listed unit the texts name (title first, then sheet, then file name), and, when none
    does, the candidates of a text that named several. A merged commune's title naming three
    former communes is none of them, and a file name naming one of the three does not make it
    that one (its figures are the three's)."""
    candidates: list[str] = []
    for text in texts:
        found = [u for u in named_units(text, units) if u not in candidates]
        if len(found) == 1:
            return found[0], []
        if len(found) > 1 and not candidates:
            candidates = found
    return None, candidates


def tie_unit(src: "Source", units: list[str]) -> tuple[str | None, list[str], tuple[str, str, str] | None]:
    """(unit, candidates, conflict) of a received file against the units list: by its titles, then
    its sheet names and file name, then the mail that brought it (sender, subject). A file whose
    title names one listed unit while its file or sheet name names another (a commune that reused
    its neighbour's workbook, or sent its own under an old title) is not decided: `conflict` is
    (the title's unit, the name's unit, 'tên tệp' or 'tên trang')."""
    if src.parts:
        titles, names = [p.title for p in src.parts], [(p.sheet, "tên trang") for p in src.parts]
    else:
        titles, names = src.texts[:-1], []
    names += [(t, "tên tệp") for t in src.texts[-1:]]
    unit, candidates = match_unit(titles, units)
    if unit is not None:
        for text, where in names:
            found = named_units(text, units)
            if len(found) == 1 and found[0] != unit:
                return None, [], (unit, found[0], where)
        return unit, [], None
    if candidates:         # a merged commune's title naming three former ones: a file name does not pick one
        return None, candidates, None
    unit, candidates = match_unit([t for t, _ in names] + mail_texts(src.path), units)
    return unit, candidates, None


def find_unit(texts: list[str], units: list[str]) -> str | None:
    """The listed unit named in the texts; None when none, or only ambiguously, is named."""
    return match_unit(texts, units)[0]


def _is_admin_word(key: str) -> bool:
    return any(key + " " == p for p in _PREFIXES)


@lru_cache(maxsize=4096)     # the same titles recur over a whole inbox
def admin_name(text: str) -> tuple[str, str] | None:
    """('xã', 'Yên Phúc') from 'UBND xã Yên Phúc' or 'UBND XÃ YÊN PHÚC' (in NFC or NFD);
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' names no commune."""
    m = _ADMIN.search(unicodedata.normalize("NFC", text or ""))
    if not m:
        return None
    name = m.group(2).strip().rstrip(".").strip()
    if not fold(name):      # "xã ……" in an unfilled template names nobody
        return None
    return m.group(1).lower(), (name.title() if name.isupper() else name)


# Levels whose name alone is ambiguous: a township is usually named like its district
# ("Thị trấn Văn Quan" in huyện Văn Quan), a town or city like the district it once was.
_KEEP_LEVEL = ("thị trấn", "thị xã", "thành phố")


def unit_label(level: str, name: str) -> str:
    """The unit as a row of a table names it: 'Yên Phúc' for a commune, but 'Thị trấn Văn Quan' and
    'Phường 10', where the name alone would be taken for the district or for a bare number."""
    if level in _KEEP_LEVEL or is_number_name(name):
        return f"{level[:1].upper()}{level[1:]} {name}"
    return name


def guess_unit(texts: list[str]) -> str | None:
    """Without a units list: 'UBND xã Yên Phúc' → 'Yên Phúc', 'UBND THỊ TRẤN VĂN QUAN' → 'Thị trấn
    Văn Quan' (unit_label), from the titles and sheet names, not the file name (the last text)."""
    for text in texts[:-1]:
        found = admin_name(text)
        if found:
            return unit_label(*found)
    return None


def mail_texts(path: str) -> list[str]:
    """What the mail that brought a file says about whose it is: the sender's name ('UBND xã Hữu Lễ')
    and the subject; [] for a file not received by mail."""
    from email.utils import parseaddr

    o = origin(path)
    if o is None:
        return []
    name = parseaddr(o.sender or "")[0] or (o.sender if o.sender and "@" not in o.sender else "")
    return [t for t in (name, o.subject) if t]


def clean_file_name(path: Path) -> str:
    """'Bieu_Yen_Phuc (1) final-sua.xlsx' → 'Bieu Yen Phuc final sua' (only for matching)."""
    stem = re.sub(r"\(\d+\)", " ", unicodedata.normalize("NFC", path.stem))
    return re.sub(r"[_\-.]+", " ", stem).strip()


def collect(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Workbook files under the given folders/files, and Vietnamese notes on what was skipped."""
    files, notes = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            try:
                entries = sorted(p.rglob("*"))
            except PermissionError:
                notes.append(f"Không có quyền đọc thư mục '{p}'.")
                continue
            for f in entries:
                if f.is_file() and f.suffix.lower() in SUFFIXES + CONTAINERS and not is_junk(str(f.relative_to(p))):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            notes.append(f"Không tìm thấy '{p}'.")
    return expand_all(files, notes)       # saved mails and zips → the workbooks inside (engines/mail.py)


_CORE_MODIFIED = re.compile(r"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")
_ODF_DATE = re.compile(r"<dc:date>([^<]+)</dc:date>")
# Which time ranked a received version, said plainly ("Nguồn" prints it), and where in the file it was read.
SAVED_FROM = {"core": "thời điểm lưu trong tệp", "meta": "thời điểm lưu trong tệp",
              "ole": "thời điểm lưu trong tệp", "mail": "ngày gửi thư", "file": "giờ của tệp trên máy"}
SAVED_PART = {"core": "docProps/core.xml (modified)", "meta": "meta.xml (dc:date)",
              "ole": "SummaryInformation (lưu lần cuối)", "mail": "dòng Date của thư (thư không kèm biểu)",
              "file": "giờ sửa tệp trên máy (tệp không ghi thời điểm lưu)"}


def _iso_time(text: str) -> datetime | None:
    """ISO 8601 as spreadsheet programs write it; LibreOffice writes nanoseconds and no zone
    (local time, as the sender's clock said)."""
    text = text.strip().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()


def last_saved(source) -> tuple[datetime | None, str]:
    """The workbook's own last-saved time, which survives copying and mail (file times do
    not), and which part of the file gave it: .xlsx/.xlsm/.xlsb core properties `modified`,
    .ods meta.xml `dc:date`, .xls SummaryInformation. Never the created time: a correction
    made from the old file keeps the old file's created time. `source` is a path or the
    engines.package.Package already read."""
    from ..engines.package import Package

    try:
        package = source if isinstance(source, Package) else Package(source)
        if package.is_zip:
            for part, pattern, how in (("docProps/core.xml", _CORE_MODIFIED, "core"),
                                       ("meta.xml", _ODF_DATE, "meta")):
                if part in package.names:
                    m = pattern.search(package.read(part).decode("utf-8", "replace"))
                    when = _iso_time(m.group(1)) if m else None
                    if when is not None:
                        return when, how
            return None, "file"
        import olefile

        if olefile.isOleFile(package.data):
            with olefile.OleFileIO(package.data) as ole:
                when = ole.get_metadata().last_saved_time
            if isinstance(when, datetime) and when.year > 1601:   # FILETIME 0 reads as 1601: never saved
                return when.replace(tzinfo=timezone.utc), "ole"
    except Exception:   # damaged properties: fall back to the file time
        pass
    return None, "file"


@dataclass(frozen=True)
class Suspect:
    """A cell of a unit's own rows that its validation names as the likely wrong one ('likely-culprit')."""
    number: str              # the form's column number
    row: int
    cell: str                # 'D11'
    label: str               # the row's name ('Thôn Pác Giáo')
    actual: float
    expected: float          # the value that would make the cells that follow from it right
    follows: tuple[str, ...] = ()


@dataclass
class Part:
    """One table found in a received workbook, summarised (small and picklable)."""
    sheet: str
    form: str
    year: int | None = None
    year_from: str = ""                      # core.years.WHERE key: where the year was read
    title: str = ""                          # text above the table (lines joined by newlines)
    rows: list[int] = field(default_factory=list)   # the rows the figures come from
    total_row: int | None = None
    values: dict[str, float | None] = field(default_factory=dict)   # the unit's figures
    summed: bool = False                     # the figures are sums of several rows (villages)
    only_total: bool = False                 # named rows left blank: the typed total taken
    mismatches: list[tuple[str, float, float]] = field(default_factory=list)   # (column, typed total, sum)
    empty: bool = False                      # an unfilled template: no figure in any input cell
    errors: int = 0
    warnings: int = 0
    error_notes: list[str] = field(default_factory=list)   # the first error-level findings
    coverage: tuple[int, int] | None = None  # a consolidated table that covers x of y units
    suspects: list[Suspect] = field(default_factory=list)   # likely-wrong cells in the unit's own rows
    blanks: list[tuple[str, str, str]] = field(default_factory=list)   # (column, cell, row name): blank counts
    mended: dict[str, float | None] | None = None   # the figures with each suspect as its findings say it
    #                                                 should be, where the unit's own typed total agrees

    @property
    def figures(self) -> dict[str, float | None]:
        """The figures that go upward: the sums of the unit's rows, or where a cell of those rows is
        named as the likely culprit and the unit's typed total agrees with the mended sum, that sum
        (README "Tổng hợp": which figure goes upward)."""
        return self.mended if self.mended is not None else self.values


@dataclass
class Source:
    """What consolidation needs from one received workbook (small and picklable)."""
    path: str
    status: str = "ok"                      # ok | unreadable | no_form
    error: str | None = None
    parts: list[Part] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)   # titles, sheet names, file name (NFC)
    saved: datetime | None = None
    saved_from: str = "file"                # SAVED_FROM key: which time ranks this version
    mtime: float = 0.0
    sha256: str = ""
    unit: str | None = None                 # set by consolidation
    part: Part | None = None                # the table consolidation takes, if any
    verdict: str = ""                       # set by consolidation: why this file is (not) used
    checked: str | None = None              # checked before sending? (write/stamp.py verdict)
    ambiguous: list[str] = field(default_factory=list)   # listed units a title named together (set by consolidation)
    conflict: tuple[str, str, str] | None = None   # title's unit, file/sheet name's unit, which name (consolidation)
    twins: list[Part] = field(default_factory=list)  # other tables of the same year, other figures (consolidation)
    why: str = ""                           # why `part` was taken among several tables of the year

    @property
    def name(self) -> str:
        """The file as officers know it: 'thu.eml › bieu.xlsx' for a workbook that came in a mail."""
        o = origin(self.path)
        return o.display if o else Path(self.path).name

    @property
    def forms(self) -> list[str]:
        return list(dict.fromkeys(p.form for p in self.parts))

    @property
    def when(self) -> datetime:
        """The time that ranks versions: the workbook's own saved time, else the file time."""
        return self.saved or datetime.fromtimestamp(self.mtime, timezone.utc)

    @property
    def order_key(self) -> tuple:
        return (self.when, self.mtime)


def read_source(path_text: str) -> Source:
    """Read, validate and summarise one received workbook; never raises, so one bad file
    never stops a consolidation (an unexpected failure is reported as such and skipped)."""
    try:
        return _read_source(path_text)
    except Exception as exc:
        return Source(str(path_text), "unreadable", f"Lỗi không mong đợi khi đọc tệp ({type(exc).__name__}); "
                                                    "tệp được bỏ qua. Hãy báo cho bộ phận CNTT.",
                      texts=[clean_file_name(Path(path_text))])


def _read_source(path_text: str) -> Source:
    """The file's bytes are read once: hashed, read into grids, dated and its stamp read from them."""
    from ..engines.file import WorkbookError, read_workbook
    from ..core.table import locate

    path = Path(path_text)
    if path.suffix.lower() in CONTAINERS:    # a received mail or zip that held no workbook
        from ..engines.mail import describe

        return Source(str(path), "no_form", describe(path), texts=[clean_file_name(path)])
    src = Source(str(path), texts=[clean_file_name(path)])
    try:
        src.mtime = os.path.getmtime(path)
        package, grids = read_workbook(path)
    except (WorkbookError, OSError) as exc:
        if path.is_file():     # the figures' file code names even an unreadable file
            try:
                src.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                pass
        src.status, src.error = "unreadable", str(exc)
        return src
    src.sha256 = package.sha256
    src.saved, src.saved_from = last_saved(package)
    for grid in grids:
        table = locate(grid)
        if table is not None and (table.unit_rows or table.total_row):
            src.parts.append(read_part(grid, table))
    if src.parts:
        src.texts = [p.title for p in src.parts] + [p.sheet for p in src.parts] + src.texts
        from ..write.stamp import check as check_stamp

        src.checked = check_stamp(package, grids)
    else:
        src.status, src.error = "no_form", "Không tìm thấy biểu nào đã biết trong tệp."
        if grids:   # still say whose it is: its first lines, its sheet name
            src.texts = [text_lines(grids[0], 1, min(grids[0].nrows, 10)), grids[0].name] + src.texts
    return src


def text_lines(grid, first: int, last: int) -> str:
    """The text cells of rows first..last, one line per cell (a name never runs into the next cell)."""
    out = []
    for r in range(first, last + 1):
        for c in range(1, grid.ncols + 1):
            v = grid.value(r, c)
            if isinstance(v, str) and v.strip():
                out.append(unicodedata.normalize("NFC", v.strip()))
    return "\n".join(out)


def year_of(grid, table, title: str | None = None) -> tuple[int | None, str]:
    """The plan year of a table (from its title, sheet name or header) and where it was read."""
    from ..core.years import table_year

    title = text_lines(grid, 1, table.header_top - 1) if title is None else title
    return table_year(title, grid.name, text_lines(grid, table.header_top, table.numbering_row))


_COVERAGE = re.compile(r"(\d+)\s*/\s*(\d+)\s*đơn\s*vị", re.IGNORECASE)


def coverage_of(text: str) -> tuple[int, int] | None:
    """'Cộng (12/17 đơn vị)', 'Tổng hợp 12/17 đơn vị đã nộp' → (12, 17)."""
    m = _COVERAGE.search(unicodedata.normalize("NFC", text or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def read_part(grid, table) -> Part:
    """One table's figures as validate reads them (text numbers as meant, formulas without a
    stored result computed), its findings, and what it says about itself (year, coverage).

    A unit's figures are the sums of its own rows (villages) — counts summed, rates from the
    sums — never its typed total, which is only compared; a table of one row is taken as typed."""
    from ..core.checks import run_checks
    from ..core.sheet_check import SheetCheck, read_cells
    from ..forms.formulas import compute_total, is_summed, row_expr

    form = table.form
    check, findings = run_checks(grid, table)      # the numbers read once, for the rules and for the figures
    if check is None:                               # no unit rows: only the total's figures
        check = SheetCheck(grid, table)
        read_cells(check)
    title = text_lines(grid, 1, table.header_top - 1)
    part = Part(grid.name, form.id, title=title, total_row=table.total_row)
    part.year, part.year_from = year_of(grid, table, title)
    part.errors = sum(f.severity == "error" for f in findings)
    part.warnings = sum(f.severity == "warning" for f in findings)
    part.error_notes = [f.message for f in findings if f.severity == "error"][:3]
    labels = [grid.value(table.total_row, table.columns[c.number]) for c in form.columns
              if not c.is_number] if table.total_row else []
    part.coverage = coverage_of(" ".join(str(v) for v in labels if isinstance(v, str))) or coverage_of(title)

    inputs = [c.number for c in check.columns if row_expr(c) is None]
    rows = {r: check.row_values(r) for r in table.unit_rows}
    total = check.row_values(table.total_row) if table.total_row else {}
    part.empty = all(v is None or v == 0 for values in (*rows.values(), total) for n, v in values.items()
                     if n in inputs)
    filled = [r for r, values in rows.items() if any(values.get(n) is not None for n in inputs)]
    if len(filled) > 1:
        part.values = compute_total(form, [rows[r] for r in filled], typed=total)
        part.rows, part.summed = filled, True
    elif filled:
        part.values, part.rows = rows[filled[0]], filled
    elif table.total_row:
        part.values, part.rows, part.only_total = total, [table.total_row], bool(table.unit_rows)
    if table.total_row and not part.only_total:
        for c in check.columns:
            typed, got = total.get(c.number), part.values.get(c.number)
            if is_summed(c) and typed is not None and got is not None and abs(typed - got) > 1e-6:
                part.mismatches.append((c.number, typed, got))
    if part.summed:
        _doubts(part, grid, table, findings, {r: rows[r] for r in filled}, total)
    return part


def _doubts(part: Part, grid, table, findings, rows: dict[int, dict], total: dict) -> None:
    """What makes a summed unit's figures doubtful, cell by cell: the cells of its rows its own
    validation names as the likely culprits (and, where the typed total agrees, the mended figures),
    and the count cells left blank in rows that are otherwise filled (a blank is not a 0)."""
    from ..core.coords import column_letter
    from ..forms.formulas import compute_total, is_summed

    form = table.form
    number_of = {col: n for n, col in table.columns.items()}
    counts = [c.number for c in form.columns if is_summed(c) and c.number in table.columns]
    label_col = table.columns.get(form.unit_column.number)

    def label(row: int) -> str:
        value = grid.value(row, label_col) if label_col else None
        return " ".join(str(value).split()) if value not in (None, "") else f"dòng {row}"

    for f in findings:
        n = number_of.get(f.col)
        if (f.rule == "likely-culprit" and f.row in rows and n in counts and isinstance(f.expected, (int, float))
                and isinstance(f.actual, (int, float))):
            part.suspects.append(Suspect(n, f.row, f.cell, label(f.row), float(f.actual), float(f.expected),
                                         tuple(f.follows)))
    for row, values in rows.items():
        part.blanks += [(n, f"{column_letter(table.columns[n])}{row}", label(row)) for n in counts
                        if values.get(n) is None]
    mismatched = {n: typed for n, typed, _ in part.mismatches}
    fixes = [s for s in part.suspects if s.number in mismatched]
    if fixes:
        mended = {r: dict(v) for r, v in rows.items()}
        for s in fixes:
            mended[s.row][s.number] = s.expected
        figures = compute_total(form, list(mended.values()), typed=total)
        if all(abs((figures.get(s.number) or 0.0) - mismatched[s.number]) < 1e-6 for s in fixes):
            part.mended = figures
