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

import json
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
    choice: str = ""         # which table is sent, when the workbook holds several years' (main_table)

    @property
    def subject(self) -> str:
        return f"{self.form_name} {self.year} – {self.unit}"

    def body(self, to: str | None) -> str:
        s = self.stamp
        when = s.checked_at.strftime("%d/%m/%Y %H:%M")
        return (f"Kính gửi {greeting(to)},\n\n"
                f"{self.sender or self.unit} gửi {self.form_name} năm {self.year} (tệp đính kèm: {self.path.name})."
                + (f" {self.choice}" if self.choice else "") + "\n"
                f"Biểu đã được kiểm tra bằng giamngheo {s.version} lúc {when}: {s.errors} lỗi, "
                f"{s.warnings} cảnh báo, {s.notes} lưu ý.\n\nTrân trọng.\n")


def greeting(to: str | None) -> str:
    """Whom the draft greets: the recipients' display names ('Phòng LĐ-TB&XH huyện Văn Quan'), never a
    bare address; a neutral 'Quý cơ quan' when only addresses are given; '……' (to fill in) when none."""
    if not to:
        return "……"
    from email.utils import getaddresses

    names = [name for name, _ in getaddresses([to]) if name.strip()]
    return ", ".join(names) if names else "Quý cơ quan"


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


def main_table(result: FileResult, grids: list) -> tuple[object, object, int | None, str]:
    """The table that goes upward, as consolidation takes it: of the workbook's tables, the latest
    year's (core.years: title, sheet name, header), the first of equals. Returns its SheetResult,
    its grid, its year and, when the workbook holds tables of several years, a sentence saying
    which one is sent ('' otherwise)."""
    from .inbox import year_of

    by_name = {g.name: g for g in grids}
    tables = [(s, by_name[s.name], year_of(by_name[s.name], s.table)[0]) for s in result.sheets]
    chosen = max(tables, key=lambda t: (t[2] or 0, -tables.index(t)))
    years = sorted({t[2] for t in tables if t[2]})
    choice = ""
    if len(years) > 1:
        choice = ("Tệp có biểu " + ", ".join(f"năm {y} (trang " + ", ".join(f"'{t[0].name}'" for t in tables
                                                                            if t[2] == y) + ")" for y in years)
                  + f": gửi lên là biểu năm {chosen[2]}, trang '{chosen[0].name}'.")
    return chosen[0], chosen[1], chosen[2], choice


def _title_text(result: FileResult, grids: list, *, header: bool = True) -> tuple[str, object]:
    """The text above the table that is sent (its title, and with `header` its column headers; one
    line per cell) and its sheet."""
    sheet, grid, _, _ = main_table(result, grids)
    last = sheet.table.numbering_row if header else sheet.table.header_top
    return "\n".join(str(grid.value(r, c)) for r in range(1, last)
                     for c in range(1, grid.ncols + 1) if isinstance(grid.value(r, c), str)), grid


def _year_and_unit(src: Path, result: FileResult, grids: list) -> tuple[str, str]:
    from .inbox import clean_file_name, guess_unit

    above, grid = _title_text(result, grids)
    year = main_table(result, grids)[2]
    unit = guess_unit([above, grid.name, clean_file_name(src)]) or clean_file_name(src)
    return str(year or datetime.now().year), unit


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
    form = main_table(*checked)[0].table.form
    return f"{year}_{form.id}_{ascii_name(unit)}{Path(src).suffix.lower()}"


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
    sheet, _, _, choice = main_table(result, grids)
    return Copy(out, stamp, result, year, unit, sheet.table.form.name, sender_name(result, grids), choice)


# ---------------------------------------------------------------- the recipient, set once

def config_path() -> Path:
    """%USERPROFILE%\\.giamngheo\\gui_len.toml on Windows, ~/.giamngheo/gui_len.toml elsewhere."""
    return Path.home() / ".giamngheo" / CONFIG_FILE


def check_addresses(text: str) -> str:
    """The recipients as one To header: plain addresses or RFC 5322 ones with a display name
    ('Phòng LĐTBXH <phong@…>', '"Phòng LĐ-TB&XH, huyện" <phong@…>'), separated by ',' or ';'."""
    from email.headerregistry import Address
    from email.utils import getaddresses

    pieces = [p for p in _split_addresses(text) if p.strip()]
    pairs = [getaddresses([p]) for p in pieces]
    bad = [p for p, got in zip(pieces, pairs) if len(got) != 1 or not _ADDRESS.match(got[0][1])]
    if not pieces or bad:
        raise UsageError(f"Địa chỉ thư không hợp lệ: '{', '.join(bad) or text}'. Hãy ghi dạng "
                         "ten@coquan.gov.vn hoặc Tên cơ quan <ten@coquan.gov.vn>.")
    return ", ".join(str(Address(display_name=name, addr_spec=addr)) if name else addr for (name, addr), in pairs)


def _split_addresses(text: str) -> list[str]:
    """Split at ',' and ';' outside quotes and angle brackets."""
    out, current, quoted, angle = [], "", False, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        if ch in ",;" and not quoted and not angle:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + [current]


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
    with atomic_output(path, force=True) as tmp:       # a TOML basic string: JSON's escapes are TOML's
        tmp.write_text("# Địa chỉ nhận biểu gửi lên (giamngheo send, nút Gửi lên)\n"
                       f"to = {json.dumps(to, ensure_ascii=False)}\n", encoding="utf-8")
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
    if copy.choice:
        print(copy.choice)
    print(f"Đã kiểm tra: {s.errors} lỗi, {s.warnings} cảnh báo, {s.notes} lưu ý.")
    print(f"Bản gửi (sạch, có dấu kiểm tra): '{copy.path}'.")
    print(f"Thư nháp: '{mail}' (mở bằng Outlook hoặc Thunderbird, xem lại rồi bấm Gửi)"
          + ("." if to else "; chưa có địa chỉ nhận: điền khi mở thư, hoặc dùng --to … --remember."))
    return 0
