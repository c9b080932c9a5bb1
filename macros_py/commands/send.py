"""Gửi lên: a clean, stamped copy of the officer's workbook and a mail draft carrying it.

The copy is what the next level should receive: the officer's own content (values,
formulas with their cached results, fills, notes) without the marks Kiểm tra added,
named so a district can tell files apart (`<năm>_<mẫu biểu>_<đơn vị>.xlsx`, ASCII for
every mail program), and stamped (write/stamp.py) so the receiver sees whether it was
checked and whether its figures changed since. The draft is an .eml marked
`X-Unsent: 1`: Outlook and Thunderbird open it as a new message to edit and send.
Nothing is ever sent from here and no password is involved.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import UsageError
from .validate import FileResult, validate_grids

CONFIG_FILE = "gui_len.toml"
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLSM_MIME = ("application", "vnd.ms-excel.sheet.macroEnabled.12")
_ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


@dataclass
class Copy:
    """A clean, stamped copy ready to attach, and what the draft says about it."""
    path: Path
    stamp: object            # write.stamp.Stamp
    result: FileResult
    year: str
    unit: str
    form_name: str
    sender: str = ""         # who sends, as an office writes it: "UBND xã Yên Phúc" (from the table's title)

    @property
    def subject(self) -> str:
        return f"{self.form_name} {self.year} – {self.unit}"

    def body(self, to: str | None) -> str:
        s = self.stamp
        when = s.checked_at.strftime("%d/%m/%Y %H:%M")
        return (f"Kính gửi {to or '……'},\n\n"
                f"{self.sender or self.unit} gửi {self.form_name} năm {self.year} (tệp đính kèm: {self.path.name}).\n"
                f"Biểu đã được kiểm tra bằng giamngheo {s.version} lúc {when}: {s.errors} lỗi, "
                f"{s.warnings} cảnh báo, {s.notes} lưu ý.\n\nTrân trọng.\n")


def ascii_name(text: str) -> str:
    """'Yên Phúc' → 'Yen_Phuc': a file name every mail program and OS carries unchanged."""
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9A-Za-z-]+", "_", plain).strip("_") or "bieu"


def check(src: Path) -> tuple[FileResult, list]:
    """Validate the workbook to send; refuse what cannot be copied cleanly."""
    from ..engines.file import WorkbookError, read_grids

    src = Path(src)
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"Chỉ gửi lên được tệp .xlsx/.xlsm; hãy mở '{src.name}' và lưu dạng .xlsx rồi gửi.")
    grids = read_grids(src)
    result = validate_grids(str(src), grids)
    if result.status != "ok":
        raise WorkbookError(result.error)
    return result, grids


def _title_text(result: FileResult, grids: list, *, header: bool = True) -> tuple[str, object]:
    """The text above the first table (its title, and with `header` its column headers; one line per
    cell) and its sheet."""
    first = result.sheets[0]
    grid = next(g for g in grids if g.name == first.name)
    last = first.table.numbering_row if header else first.table.header_top
    return "\n".join(str(grid.value(r, c)) for r in range(1, last)
                     for c in range(1, grid.ncols + 1) if isinstance(grid.value(r, c), str)), grid


def _year_and_unit(src: Path, result: FileResult, grids: list) -> tuple[str, str]:
    from .inbox import clean_file_name, guess_unit

    above, grid = _title_text(result, grids)
    year = re.search(r"\b(?:19|20)\d\d\b", above)
    unit = guess_unit([above, grid.name, clean_file_name(src)]) or clean_file_name(src)
    return (year.group(0) if year else str(datetime.now().year)), unit


def sender_name(result: FileResult, grids: list) -> str:
    """'UBND xã Yên Phúc' from a title naming the office ('UBND XÃ YÊN PHÚC', '… của UBND xã Yên Phúc');
    '' when the title names none."""
    from .inbox import admin_name

    for line in _title_text(result, grids, header=False)[0].split("\n"):
        found = admin_name(line)
        if found:
            return f"UBND {found[0]} {found[1]}"
    return ""


def copy_name(src: Path, checked: tuple[FileResult, list]) -> str:
    """`<năm>_<mẫu biểu>_<đơn vị>.xlsx`, ASCII: '2021_du-kien-giam-ngheo_Yen_Phuc.xlsx'."""
    year, unit = _year_and_unit(Path(src), *checked)
    return f"{year}_{checked[0].sheets[0].table.form.id}_{ascii_name(unit)}{Path(src).suffix.lower()}"


def make_copy(src: Path, out_dir: Path, *, force: bool = False, checked: tuple[FileResult, list] | None = None) -> Copy:
    """Write the clean, stamped copy into out_dir (never over the input) and return it."""
    from .. import __version__
    from ..core.figures import figures_hash
    from ..engines.file import load_openpyxl
    from ..write import cached_values, stamp as stamps
    from ..write.openpyxl_paint import save_copy
    from .annotate import clear_workbook

    src = Path(src)
    result, grids = checked or check(src)
    by_name = {g.name: g for g in grids}
    figures = figures_hash((by_name[s.name], s.table) for s in result.sheets)
    if figures is None:
        raise UsageError(f"Tệp '{src.name}' không lưu kết quả các công thức (tệp do chương trình khác ghi): hãy "
                         "mở bằng Excel, lưu lại rồi gửi.")
    stamp = stamps.Stamp(datetime.now().astimezone().replace(microsecond=0), __version__, result.count("error"),
                         result.count("warning"), result.count("info"), figures)
    year, unit = _year_and_unit(src, result, grids)
    out = Path(out_dir) / copy_name(src, (result, grids))
    wb = load_openpyxl(src)
    clear_workbook(wb)
    stamps.apply(wb, stamp)
    save_copy(wb, src, out, force, cached_values.from_grids(grids))
    return Copy(out, stamp, result, year, unit, result.sheets[0].table.form.name, sender_name(result, grids))


# ---------------------------------------------------------------- the recipient, set once

def config_path() -> Path:
    """%USERPROFILE%\\.giamngheo\\gui_len.toml on Windows, ~/.giamngheo/gui_len.toml elsewhere."""
    return Path.home() / ".giamngheo" / CONFIG_FILE


def check_addresses(text: str) -> str:
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    bad = [p for p in parts if not _ADDRESS.match(p)]
    if not parts or bad:
        raise UsageError(f"Địa chỉ thư không hợp lệ: '{text}'.")
    return ", ".join(parts)


def recipient() -> str | None:
    """The address set once in the user config, if any."""
    import tomllib

    try:
        data = tomllib.loads(config_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"Không đọc được tệp cấu hình '{config_path()}' ({type(exc).__name__}); hãy sửa hoặc xóa "
                         "tệp đó.") from None
    to = data.get("to")
    return check_addresses(to) if isinstance(to, str) and to.strip() else None


def remember(to: str) -> Path:
    """Keep the address for every later draft (the file holds nothing else: no password, ever)."""
    from ..write.safe_io import atomic_output

    to = check_addresses(to)
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, force=True) as tmp:
        tmp.write_text("# Địa chỉ nhận biểu gửi lên (giamngheo send, nút Gửi lên)\n"
                       f'to = "{to}"\n', encoding="utf-8")
    return path


# ---------------------------------------------------------------- the draft

def draft(copy: Copy, to: str | None):
    """An unsent message with the copy attached (email.message.EmailMessage)."""
    from email.message import EmailMessage

    msg = EmailMessage()
    if to:
        msg["To"] = to
    msg["Subject"] = copy.subject
    msg["X-Unsent"] = "1"          # Outlook opens it as a new message to send, not as a received one
    msg.set_content(copy.body(to))
    maintype, subtype = XLSM_MIME if copy.path.suffix == ".xlsm" else XLSX_MIME
    msg.add_attachment(copy.path.read_bytes(), maintype=maintype, subtype=subtype, filename=copy.path.name)
    return msg


def write_draft(copy: Copy, to: str | None, out: Path, *, force: bool = False) -> Path:
    from email import generator
    from email.policy import SMTP

    from ..write.safe_io import atomic_output

    msg = draft(copy, to)
    with atomic_output(Path(out), force) as tmp, tmp.open("wb") as fh:
        generator.BytesGenerator(fh, policy=SMTP).flatten(msg)
    return Path(out)


def run_send(src: Path, *, to: str | None = None, output: Path | None = None, force: bool = False,
             keep_address: bool = False) -> int:
    """The command line: check, then copy and draft; exit 1 on errors unless forced."""
    from .validate import render_text

    if to:
        to = check_addresses(to)
        if keep_address:
            print(f"Đã lưu địa chỉ nhận mặc định vào '{remember(to)}'.")
    elif keep_address:
        raise UsageError("--remember cần đi kèm --to ĐỊA_CHỈ.")
    to = to or recipient()
    checked = check(Path(src))
    errors = checked[0].count("error")
    if errors and not force:
        print(render_text([checked[0]]))
        print(f"Biểu có {errors} lỗi: chưa tạo bản gửi. Hãy sửa rồi chạy lại, hoặc thêm --force để vẫn gửi "
              "(số lỗi được ghi kèm bản gửi).", file=sys.stderr)
        return 1
    from ..write.safe_io import check_output

    out_dir = Path(output).parent if output else Path(src).parent
    draft_path = Path(output) if output else (out_dir / copy_name(src, checked)).with_suffix(".eml")
    check_output(draft_path, force)          # refuse before the copy is written, not after
    copy = make_copy(Path(src), out_dir, force=force, checked=checked)
    mail = write_draft(copy, to, draft_path, force=force)
    s = copy.stamp
    print(f"Đã kiểm tra: {s.errors} lỗi, {s.warnings} cảnh báo, {s.notes} lưu ý.")
    print(f"Bản gửi (sạch, có dấu kiểm tra): '{copy.path}'.")
    print(f"Thư nháp: '{mail}' (mở bằng Outlook hoặc Thunderbird, xem lại rồi bấm Gửi)"
          + ("." if to else "; chưa có địa chỉ nhận: điền khi mở thư, hoặc dùng --to … --remember."))
    return 0
