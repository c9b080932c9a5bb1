"""The mailbox as the inbox: read-only IMAP over TLS into a local cache of saved mails.

A district's mailbox is the officers' record: giamngheo must never change it. The
folder is opened with EXAMINE (read-only) and every fetch is BODY.PEEK, so nothing is
deleted, moved or flagged (not even "read"). TLS is verified against the system's CAs
(or `--cafile` for a private CA); the password comes from the OS keyring when the
`keyring` package has one, else from a prompt — never from a file or the command line.

Only what consolidation needs is downloaded: the headers, and the attachments that are
workbooks, zips or mails; other attachments are kept as their names only. Each message
is cached as an .eml under ~/.giamngheo/imap/, keyed by its Message-ID, so a rerun
fetches only new mail; the cached files then go through engines/mail.py like mails
saved by hand.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import OfficerError, UsageError
from .file import SUFFIXES
from .mail import CONTAINERS, WORKBOOK_TYPES

KEYRING_SERVICE = "giamngheo-imap"
BATCH = 200                       # messages per FETCH command
_DROP = {b"content-type", b"content-transfer-encoding", b"mime-version"}


class MailboxError(OfficerError):
    """The mailbox cannot be read; the message is for officers and IT (Vietnamese)."""


@dataclass(frozen=True)
class Mailbox:
    user: str
    host: str
    port: int
    folder: str

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}"


@dataclass
class Fetched:
    files: list[Path] = field(default_factory=list)   # cached mails (since the date) that carry attachments
    matched: int = 0                                   # messages since the date from the wanted domains
    fetched: int = 0                                   # downloaded in this run
    cached: int = 0                                    # already in the cache


def parse_url(url: str) -> Mailbox:
    """'imaps://phong.ldtbxh%40vanquan.gov.vn@mail.vanquan.gov.vn/INBOX' → a Mailbox."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "imaps":
        raise UsageError(f"Địa chỉ hộp thư phải bắt đầu bằng imaps:// (kết nối mã hóa): '{url}'.")
    if not parts.hostname or not parts.username:
        raise UsageError(f"Địa chỉ hộp thư cần dạng imaps://TÊN_ĐĂNG_NHẬP@MÁY_CHỦ/HỘP_THƯ: '{url}'.")
    if parts.password is not None:
        raise UsageError("Không ghi mật khẩu trong địa chỉ hộp thư: mật khẩu được hỏi khi chạy.")
    try:
        port = parts.port or 993
    except ValueError:
        raise UsageError(f"Cổng không hợp lệ trong '{url}'.") from None
    return Mailbox(unquote(parts.username), parts.hostname, port, unquote(parts.path.lstrip("/")) or "INBOX")


def parse_since(text: str) -> date:
    """'31/03/2026' (as officers write dates) or '2026-03-31'."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(f"Ngày không hợp lệ: '{text}' (viết 31/03/2026 hoặc 2026-03-31).")


def password_for(box: Mailbox) -> str:
    """From the OS keyring if the keyring package holds one, else asked (never echoed)."""
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, box.label)
        if stored:
            return stored
    except Exception:   # no keyring package, or no usable keyring on this machine
        pass
    import getpass

    try:
        return getpass.getpass(f"Mật khẩu hộp thư {box.label}: ")
    except (EOFError, KeyboardInterrupt):
        raise UsageError("Chưa nhập mật khẩu hộp thư.") from None


def cache_dir(box: Mailbox) -> Path:
    safe = re.sub(r"[^0-9A-Za-z@._-]+", "_", f"{box.user}@{box.host}_{box.port}")
    return Path.home() / ".giamngheo" / "imap" / safe / re.sub(r"[^0-9A-Za-z._-]+", "_", box.folder)


def fetch(url: str, since: date, *, from_domains: list[str] | tuple = (), cafile: Path | None = None,
          password: str | None = None) -> Fetched:
    """Cache the mails since `since` (from the given domains) that carry attachments; return them."""
    import ssl

    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    box = parse_url(url)
    domains = tuple(d.lower().lstrip("@.") for d in from_domains if d.strip())
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"Không đọc được tệp chứng chỉ '{cafile}' ({type(exc).__name__}).") from None
    secret = password if password is not None else password_for(box)
    cache = cache_dir(box)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        with IMAPClient(box.host, port=box.port, ssl=True, ssl_context=context, timeout=60) as client:
            try:
                client.login(box.user, secret)
            except LoginError:
                raise MailboxError(f"Máy chủ thư từ chối đăng nhập {box.label}: sai tên đăng nhập hoặc mật khẩu.") \
                    from None
            try:
                client.select_folder(box.folder, readonly=True)     # EXAMINE: the mailbox cannot change
            except IMAPClientError:
                raise MailboxError(f"Không mở được hộp thư '{box.folder}' trên {box.host}.") from None
            result = _cache_since(client, since, domains, cache)
            client.logout()
            return result
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(f"Không xác thực được chứng chỉ của máy chủ thư {box.host} ({exc.verify_message}). "
                           "Nếu máy chủ dùng chứng chỉ của CA riêng, thêm --cafile TỆP.pem.") from None
    except (ssl.SSLError, OSError) as exc:
        raise MailboxError(f"Không kết nối được máy chủ thư {box.host}:{box.port} ({type(exc).__name__}: {exc}).") \
            from None
    except IMAPClientError as exc:
        raise MailboxError(f"Máy chủ thư {box.host} báo lỗi: {exc}.") from None


def _cache_since(client, since: date, domains: tuple[str, ...], cache: Path) -> Fetched:
    from email.parser import BytesHeaderParser
    from email.policy import default
    from email.utils import getaddresses

    out = Fetched()
    uids = sorted(client.search(["SINCE", since]))
    for start in range(0, len(uids), BATCH):
        batch = uids[start:start + BATCH]
        heads = client.fetch(batch, ["BODY.PEEK[HEADER]", "BODYSTRUCTURE"])
        for uid in batch:
            item = heads.get(uid, {})
            header = item.get(b"BODY[HEADER]") or b""
            parsed = BytesHeaderParser(policy=default).parsebytes(header)
            if domains and not _from_domain([a for _, a in getaddresses([str(parsed.get("From", ""))])], domains):
                continue
            out.matched += 1
            key = hashlib.sha256((str(parsed.get("Message-ID", "")).strip() or header.decode("latin-1"))
                                 .encode("utf-8", "replace")).hexdigest()[:40]
            saved, none = cache / f"{key}.eml", cache / f"{key}.none"
            if saved.exists() or none.exists():
                out.cached += 1
            else:
                data = _download(client, uid, header, item.get(b"BODYSTRUCTURE"))
                target = saved if data is not None else none
                part = target.with_name(target.name + ".part")
                part.write_bytes(data or b"")
                part.replace(target)        # a cut connection never leaves half a mail in the cache
                out.fetched += 1
            if saved.exists():
                out.files.append(saved)
    return out


def _from_domain(addresses: list[str], domains: tuple[str, ...]) -> bool:
    for address in addresses:
        domain = address.rpartition("@")[2].lower()
        if any(domain == d or domain.endswith("." + d) for d in domains):
            return True
    return False


def _leaves(body, prefix: str = ""):
    """(part number, structure) of every non-multipart part; a forwarded message is one leaf."""
    if body.is_multipart:
        for i, part in enumerate(body[0], start=1):
            yield from _leaves(part, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix or "1", body


def _wanted(mime_header: bytes) -> tuple[bool, bool]:
    """(is an attachment at all, is one consolidation needs: a workbook, zip or mail)."""
    from email.parser import BytesHeaderParser
    from email.policy import default

    part = BytesHeaderParser(policy=default).parsebytes(mime_header)
    ctype = part.get_content_type()
    try:
        name = part.get_filename()
    except Exception:   # a malformed parameter
        name = None
    if ctype == "message/rfc822":
        return True, True
    if name is None and ctype not in WORKBOOK_TYPES:
        return False, False
    return True, ctype in WORKBOOK_TYPES or Path(name or "").suffix.lower() in SUFFIXES + CONTAINERS


def _download(client, uid: int, header: bytes, structure) -> bytes | None:
    """The message rebuilt from its header and the attachments worth having; None if it has no attachment."""
    if structure is None:
        return None
    if not structure.is_multipart:           # the whole message is one part: an attachment or just text
        attachment, wanted = _wanted(header)
        if not attachment:
            return None
        if wanted:
            return client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        return _strip(header, set()) + b"\r\n"
    numbers = [n for n, _ in _leaves(structure)]
    mimes = client.fetch([uid], [f"BODY.PEEK[{n}.MIME]" for n in numbers])[uid]
    keep, names_only = [], []
    for n in numbers:
        mime = mimes.get(f"BODY[{n}.MIME]".encode()) or b""
        attachment, wanted = _wanted(mime)
        if wanted:
            keep.append((n, mime))
        elif attachment:
            names_only.append(mime)
    if not keep and not names_only:
        return None
    bodies = client.fetch([uid], [f"BODY.PEEK[{n}]" for n, _ in keep])[uid] if keep else {}
    boundary = f"giamngheo-{uuid.uuid4().hex}".encode()
    out = [_strip(header, _DROP), b"MIME-Version: 1.0\r\n",
           b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n',
           b"X-Giamngheo-Note: chi giu tep dinh kem can cho tong hop\r\n\r\n"]
    for n, mime in keep:
        out += [b"--" + boundary + b"\r\n", _strip(mime, set()), b"\r\n", bodies.get(f"BODY[{n}]".encode()) or b"",
                b"\r\n"]
    for mime in names_only:          # the name is listed; the content stays on the server
        out += [b"--" + boundary + b"\r\n", _strip(mime, {b"content-transfer-encoding"}), b"\r\n\r\n"]
    out.append(b"--" + boundary + b"--\r\n")
    return b"".join(out)


def _strip(header: bytes, names: set[bytes]) -> bytes:
    """The header block without the named fields (folded lines included), CRLF-terminated, no blank line."""
    lines, skip = [], False
    for line in re.split(rb"\r?\n", header.rstrip(b"\r\n")):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                lines.append(line)
            continue
        skip = line.split(b":", 1)[0].strip().lower() in names
        if not skip and line:
            lines.append(line)
    return b"".join(line + b"\r\n" for line in lines)
