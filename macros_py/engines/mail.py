"""Received mail as the inbox: saved messages, forwards and zips, opened down to the workbooks.

Districts receive tables as attachments and save the whole message (Outlook .msg,
Thunderbird/Outlook .eml), forward them (message/rfc822 inside a message, at any
depth) or zip them. `expand` takes such a file apart into a temporary folder, one
subfolder per workbook; each extracted file's time is the date of the mail that
carried it (so a unit's later mail wins as later files do) and its `Origin` (sender,
date, subject, the chain of containers) is kept for the "Nguồn" sheet. Zips get the
same bomb limits as workbooks; nothing is ever executed or trusted by its name alone.
"""
from __future__ import annotations

import atexit
import itertools
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .file import CONTAINERS, MAIL_SUFFIXES, MAX_UNPACKED, SUFFIXES, WorkbookError, check_package

WORKBOOK_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
                  "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
                  "application/vnd.ms-excel": ".xls", "application/vnd.oasis.opendocument.spreadsheet": ".ods",
                  "application/zip": ".zip", "application/x-zip-compressed": ".zip"}
MAX_DEPTH = 8          # forwards of forwards of zips: deeper is not a real inbox
MAX_FILES = 5000
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


@dataclass(frozen=True)
class Origin:
    """Where an extracted workbook came from."""
    received: str                   # the file as received: a saved mail or a zip
    chain: tuple[str, ...]          # file names from that file down to the workbook (forwards add none)
    sender: str | None = None       # of the message that carried the workbook (the inner one of a forward)
    date: datetime | None = None
    subject: str | None = None

    @property
    def display(self) -> str:
        return " › ".join(self.chain)


_origins: dict[str, Origin] = {}
_empty: dict[str, str] = {}
_workdir: list[Path] = []
_numbers = itertools.count(1)


def is_junk(name: str) -> bool:
    """Files no officer sent: macOS's resource forks in zips ('__MACOSX/…', AppleDouble '._bieu.xlsx'),
    Office and LibreOffice lock files ('~$bieu.xlsx', '.~lock.bieu.xlsx#'), Windows' Thumbs.db."""
    parts = name.replace("\\", "/").split("/")
    return "__MACOSX" in parts[:-1] or parts[-1].startswith(("._", "~$", ".~")) \
        or parts[-1].lower() in ("thumbs.db", ".ds_store")


def is_container(path: Path) -> bool:
    return Path(path).suffix.lower() in CONTAINERS


def is_mail(path: Path) -> bool:
    return Path(path).suffix.lower() in MAIL_SUFFIXES


def origin(path: str | Path) -> Origin | None:
    """The origin of a file `expand` extracted in this process (or of a received mail that held no
    workbook: its own sender, date and subject); None for a file received as such."""
    return _origins.get(str(path))


def received_as(path: str | Path) -> str:
    """A file as it was received: 'hop_thu/thu.eml › bieu.xlsx' for a workbook taken out of a mail or
    zip (its temporary copy is gone when the run ends), else the path itself."""
    o = origin(path)
    return " › ".join((o.received,) + o.chain[1:]) if o else str(path)


def _root() -> Path:
    if not _workdir:
        _workdir.append(Path(tempfile.mkdtemp(prefix="giamngheo-thu-")))
        atexit.register(shutil.rmtree, _workdir[0], ignore_errors=True)
    return _workdir[0]


def expand_all(files: list[Path], notes: list[str]) -> tuple[list[Path], list[str]]:
    """Replace each mail or zip among the files by the workbooks inside it. A container with
    no workbook stays in the list, so the reader reports it (a mail is never silently dropped)."""
    if not any(is_container(f) for f in files):
        return files, notes
    out = []
    for f in files:
        if not is_container(f):
            out.append(f)
            continue
        found, problems = expand(Path(f))
        out += found or [f]
        if found:
            notes += problems
    return out, notes


def expand(path: Path) -> tuple[list[Path], list[str]]:
    """The workbooks inside a saved mail or zip, extracted; and what went wrong on the way."""
    walk = _Walk(path)
    try:
        walk.container(path.name, path.read_bytes(), (path.name,), None, 0)
    except OSError as exc:
        walk.problems.append(f"Không đọc được '{path.name}' ({type(exc).__name__}).")
    if not walk.found:
        _empty[str(path)] = walk.describe()
        if walk.first is not None:      # a mail without a workbook is still someone's mail: say whose, when
            m = walk.first
            _origins[str(path)] = Origin(str(path), (path.name,), m.sender, m.date, m.subject)
    return walk.found, walk.problems


def describe(path: Path) -> str:
    """Why a received mail or zip gave no workbook (Vietnamese), for the list of unused files."""
    key = str(path)
    if key not in _empty:      # another process expanded it (parallel reading): look again
        expand(Path(path))
    return _empty.get(key) or f"'{Path(path).name}' không có tệp bảng tính nào."


@dataclass
class _Meta:
    sender: str | None
    date: datetime | None
    subject: str | None

    def text(self) -> str:
        parts = [f"thư của {self.sender}" if self.sender else "thư"]
        if self.date:
            parts.append(f"ngày {self.date.astimezone().strftime('%d/%m/%Y %H:%M')}")
        if self.subject:
            parts.append(f"tiêu đề '{self.subject}'")
        return ", ".join(parts)


class _Walk:
    def __init__(self, received: Path):
        self.received = received
        self.found: list[Path] = []
        self.others: list[str] = []          # attachments that are not workbooks
        self.problems: list[str] = []
        self.first: _Meta | None = None     # the outermost mail, for the description
        self.budget = MAX_UNPACKED

    def describe(self) -> str:
        name = self.received.name
        what = self.first.text() if self.first else (
            f"tệp nén '{name}'" if self.received.suffix.lower() == ".zip" else f"thư '{name}'")
        what = what[:1].upper() + what[1:]
        lines = [f"{what}: không có tệp bảng tính đính kèm"
                 + (f" (có: {', '.join(self.others[:10])}{' …' if len(self.others) > 10 else ''})" if self.others else "")
                 + "."]
        return " ".join(lines + self.problems)

    # -------------------------------------------------------------- dispatch by name

    def container(self, name: str, data: bytes, chain: tuple[str, ...], meta: _Meta | None, depth: int) -> None:
        suffix = Path(name).suffix.lower()
        if is_junk(name):
            return
        if depth > MAX_DEPTH:
            self.problems.append(f"'{name}' lồng quá sâu; bỏ qua.")
        elif suffix == ".eml":
            self.eml(data, chain, depth)
        elif suffix == ".msg":
            self.msg(data, chain, depth)
        elif suffix == ".zip":
            self.zip(name, data, chain, meta, depth)
        elif suffix in SUFFIXES:
            self.save(name, data, chain, meta)
        else:
            self.others.append(name)

    def save(self, name: str, data: bytes, chain: tuple[str, ...], meta: _Meta | None) -> Path | None:
        if len(self.found) >= MAX_FILES:
            self.problems.append(f"Quá {MAX_FILES} tệp trong '{self.received.name}'; phần còn lại bị bỏ qua.")
            return None
        self.budget -= len(data)
        if self.budget < 0:
            self.problems.append(f"'{self.received.name}' giải nén ra quá lớn: nghi là tệp độc hại, phần còn lại "
                                 "bị bỏ qua.")
            return None
        folder = _root() / f"{next(_numbers):05d}"
        folder.mkdir()
        target = folder / (_UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .") or "tep_dinh_kem")
        target.write_bytes(data)
        if meta and meta.date:
            stamp = meta.date.timestamp()
            os.utime(target, (stamp, stamp))
        _origins[str(target)] = Origin(str(self.received), chain,
                                       meta.sender if meta else None, meta.date if meta else None,
                                       meta.subject if meta else None)
        if Path(name).suffix.lower() in SUFFIXES:
            self.found.append(target)
        return target

    # -------------------------------------------------------------- .eml (RFC 822 / MIME)

    def eml(self, data: bytes, chain: tuple[str, ...], depth: int) -> None:
        from email import message_from_bytes, policy

        self.message(message_from_bytes(data, policy=policy.default), chain, depth)

    def message(self, msg, chain: tuple[str, ...], depth: int) -> None:
        meta = _Meta(_header(msg, "From"), _date(msg), _header(msg, "Subject"))
        self.first = self.first or meta
        parts = [msg]
        while parts:
            part = parts.pop(0)
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                if depth >= MAX_DEPTH or not hasattr(inner, "get_content_type"):
                    continue
                self.message(inner, chain, depth + 1)       # the chain names files; the sender says whose mail
            elif part.is_multipart():
                parts[0:0] = list(part.iter_parts())
            else:
                name = part.get_filename() or (
                    "tep_dinh_kem" + WORKBOOK_TYPES[ctype] if ctype in WORKBOOK_TYPES else None)
                if name is None:
                    continue           # the message's own text
                try:
                    payload = part.get_payload(decode=True) or b""
                except Exception:  # a damaged transfer encoding
                    self.problems.append(f"Tệp đính kèm '{name}' bị hỏng.")
                    continue
                self.container(name, payload, chain + (name,), meta, depth + 1)

    # -------------------------------------------------------------- Outlook .msg

    def msg(self, data: bytes, chain: tuple[str, ...], depth: int) -> None:
        import logging

        logging.getLogger("extract_msg").setLevel(logging.CRITICAL)   # its warnings are not the officer's
        try:
            import extract_msg
        except ImportError:
            self.problems.append(f"Chưa cài gói extract-msg để đọc thư Outlook '{chain[-1]}' (pip install "
                                 "extract-msg).")
            return
        try:
            message = extract_msg.openMsg(data)
        except Exception as exc:   # olefile/extract_msg raise many types on damaged files
            self.problems.append(f"Không đọc được thư Outlook '{chain[-1]}' ({type(exc).__name__}).")
            return
        try:
            self.outlook(message, chain, depth)
        finally:
            message.close()

    def outlook(self, message, chain: tuple[str, ...], depth: int) -> None:
        date = getattr(message, "date", None)
        meta = _Meta(_clean(getattr(message, "sender", None)), date if isinstance(date, datetime) else None,
                     _clean(getattr(message, "subject", None)))
        self.first = self.first or meta
        for att in getattr(message, "attachments", None) or []:
            try:
                inner = att.data
            except Exception:
                self.problems.append(f"Tệp đính kèm '{getattr(att, 'name', '?')}' bị hỏng.")
                continue
            if hasattr(inner, "attachments") and depth < MAX_DEPTH:   # an embedded (forwarded) message
                self.outlook(inner, chain, depth + 1)
            elif isinstance(inner, bytes):
                name = getattr(att, "name", None) or getattr(att, "longFilename", None) or "tep_dinh_kem"
                self.container(name, inner, chain + (name,), meta, depth + 1)

    # -------------------------------------------------------------- .zip

    def zip(self, name: str, data: bytes, chain: tuple[str, ...], meta: _Meta | None, depth: int) -> None:
        import zipfile

        staged = self.save(name, data, chain, meta)      # on disk, for the same bomb check as workbooks
        if staged is None:
            return
        if not zipfile.is_zipfile(staged):
            self.problems.append(f"Tệp nén '{name}' bị hỏng.")
            return
        try:
            check_package(staged)              # the workbook limits: unpacked size and ratio
            with zipfile.ZipFile(staged) as z:
                for info in z.infolist():
                    if info.is_dir() or is_junk(_entry_name(info, whole=True)):
                        continue
                    entry = _entry_name(info)
                    if info.flag_bits & 0x1:
                        self.problems.append(f"'{entry}' trong '{name}' có mật khẩu; không mở được.")
                        continue
                    if Path(entry).suffix.lower() not in SUFFIXES + CONTAINERS:
                        self.others.append(entry)
                        continue
                    self.container(entry, z.read(info), chain + (entry,), meta, depth + 1)
        except WorkbookError as exc:
            self.problems.append(f"Tệp nén '{name}': {exc}")
        except Exception as exc:  # zipfile raises many types on damage
            self.problems.append(f"Tệp nén '{name}' bị hỏng ({type(exc).__name__}).")


def _entry_name(info, whole: bool = False) -> str:
    """Names in zips made by Windows without the UTF-8 flag: try UTF-8 before cp437's mojibake.
    The file's own name, or with `whole` its path inside the zip."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    name = name.replace("\\", "/")
    return name if whole else name.rsplit("/", 1)[-1]


def _clean(text: object) -> str | None:
    text = " ".join(str(text).split()) if text else ""
    return text or None


def _header(msg, name: str) -> str | None:
    try:
        return _clean(msg.get(name))
    except Exception:   # a malformed header the parser could not decode
        return None


def _date(msg) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        value = msg.get("Date")
        when = parsedate_to_datetime(str(value)) if value else None
    except Exception:
        return None
    if when is not None and when.tzinfo is None:
        when = when.astimezone()
    return when
