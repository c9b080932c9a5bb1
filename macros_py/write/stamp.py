"""The stamp "Gửi lên" puts on a copy: checked when, by which version, what was found, which figures.

Kept as custom document properties (File → Properties → Custom in Excel), all text, so
they survive Excel's and LibreOffice's saves (LibreOffice keeps them in .xlsx, moves them
to meta.xml in .ods and to the user-defined section of DocumentSummaryInformation in .xls);
nothing in the sheets changes. Reading needs no openpyxl: one small XML part of the
package, or one stream of an .xls.
"""
from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

PREFIX = "giamngheo_"
KEYS = ("checked_at", "version", "errors", "warnings", "notes", "figures_sha256")


@dataclass(frozen=True)
class Stamp:
    checked_at: datetime          # aware (with the officer's UTC offset)
    version: str                  # giamngheo's version that checked
    errors: int
    warnings: int
    notes: int
    figures_sha256: str           # core.figures.figures_hash of the copy's tables

    def properties(self) -> dict[str, str]:
        return {PREFIX + "checked_at": self.checked_at.isoformat(timespec="seconds"),
                PREFIX + "version": self.version, PREFIX + "errors": str(self.errors),
                PREFIX + "warnings": str(self.warnings), PREFIX + "notes": str(self.notes),
                PREFIX + "figures_sha256": self.figures_sha256}

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "Stamp | None":
        """The stamp in a file's custom properties; None when absent or damaged (never trusted half)."""
        try:
            values = {k: props[PREFIX + k].strip() for k in KEYS}
            checked = datetime.fromisoformat(values["checked_at"])
            counts = [int(float(values[k])) for k in ("errors", "warnings", "notes")]   # LibreOffice may write 3.0
        except (KeyError, ValueError):
            return None
        if not re.fullmatch(r"[0-9a-f]{64}", values["figures_sha256"]):
            return None
        return cls(checked, values["version"], *counts, values["figures_sha256"])


def apply(wb, stamp: Stamp) -> None:
    """Put the stamp on an openpyxl workbook, replacing any earlier stamp (a re-send re-stamps)."""
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if not p.name.startswith(PREFIX)]
    for name, value in stamp.properties().items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))


_XLSX_PROPERTY = re.compile(r'<property\b[^>]*\bname="(giamngheo_[a-z0-9_]+)"[^>]*>\s*<vt:\w+>([^<]*)</vt:\w+>', re.S)
_ODS_PROPERTY = re.compile(r'<meta:user-defined\b[^>]*\bmeta:name="(giamngheo_[a-z0-9_]+)"[^>]*>([^<]*)<', re.S)


UNREADABLE_XLS = "không đọc được dấu kiểm tra trong tệp .xls"


class StampUnreadable(Exception):
    """The file may carry a stamp but its properties cannot be read (a damaged .xls property set)."""


# [MS-OLEPS]: the user-defined properties' section of DocumentSummaryInformation
_USER_DEFINED = bytes.fromhex("05D5CDD59C2E1B10939708002B2CF9AE")
_VT_I2, _VT_I4, _VT_R8, _VT_BOOL, _VT_LPSTR, _VT_LPWSTR = 2, 3, 5, 11, 30, 31


def _xls_properties(source: Path | bytes) -> dict[str, str]:
    """The custom properties of an .xls (olefile opens the compound file; the property set is read
    here by property id, as [MS-OLEPS] lays it out: olefile's own reader pairs names with values by
    position and reads Unicode names as bytes). Raises StampUnreadable on a damaged set."""
    import olefile

    try:
        with olefile.OleFileIO(source if isinstance(source, bytes) else str(source)) as ole:
            if not ole.exists("\x05DocumentSummaryInformation"):
                return {}
            data = ole.openstream("\x05DocumentSummaryInformation").read()
    except Exception:      # olefile's own errors for a damaged compound file, or the disk's
        raise StampUnreadable() from None
    try:
        for i in range(struct.unpack_from("<I", data, 24)[0]):
            fmtid, offset = data[28 + 20 * i:44 + 20 * i], struct.unpack_from("<I", data, 44 + 20 * i)[0]
            if fmtid == _USER_DEFINED:
                return _user_defined(data[offset:])
    except (struct.error, LookupError, ValueError) as exc:
        raise StampUnreadable() from exc
    return {}


def _user_defined(section: bytes) -> dict[str, str]:
    """name → value (as text) of one property set section holding a dictionary (property 0)."""
    count = struct.unpack_from("<I", section, 4)[0]
    where = dict(struct.unpack_from("<II", section, 8 + 8 * k) for k in range(count))
    codepage = struct.unpack_from("<H", section, where[1] + 4)[0] if 1 in where else 1252
    unicode = codepage == 1200
    encoding = "utf-16-le" if unicode else ("utf-8" if codepage == 65001 else f"cp{codepage}")
    names, pos = {}, where[0] + 4
    for _ in range(struct.unpack_from("<I", section, where[0])[0]):
        pid, length = struct.unpack_from("<II", section, pos)
        size = length * 2 if unicode else length
        names[pid] = section[pos + 8:pos + 8 + size].decode(encoding).rstrip("\0")
        pos += 8 + size + ((-size) % 4 if unicode else 0)
    out = {}
    for pid, name in names.items():
        if pid not in where:
            continue
        at = where[pid]
        kind = struct.unpack_from("<I", section, at)[0] & 0xFFFF
        if kind == _VT_LPSTR:
            n = struct.unpack_from("<I", section, at + 4)[0]
            out[name] = section[at + 8:at + 8 + n].decode(encoding).rstrip("\0")
        elif kind == _VT_LPWSTR:
            n = struct.unpack_from("<I", section, at + 4)[0]
            out[name] = section[at + 8:at + 8 + 2 * n].decode("utf-16-le").rstrip("\0")
        elif kind in (_VT_I2, _VT_I4, _VT_BOOL):
            out[name] = str(struct.unpack_from("<h" if kind != _VT_I4 else "<i", section, at + 4)[0])
        elif kind == _VT_R8:
            out[name] = repr(struct.unpack_from("<d", section, at + 4)[0])
    return out


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"     # olefile.MAGIC: a compound file (.xls)


def read(source) -> Stamp | None:
    """The stamp of a workbook on disk (.xlsx/.xlsm custom properties, .ods user-defined metadata,
    .xls user-defined properties); `source` is a path or the engines.package.Package already read.
    Raises StampUnreadable when an .xls's properties are damaged, or hold a stamp of ours that
    cannot be read."""
    package = source if hasattr(source, "data") else None     # an engines.package.Package
    path = Path(package.path if package is not None else source)
    try:
        if package is not None:
            head = package.data[:8]
        else:
            with open(path, "rb") as f:
                head = f.read(8)
    except OSError:
        return None
    is_xls = head == _OLE_MAGIC     # olefile (and the logging it brings) is imported only for .xls
    if is_xls:
        props = _xls_properties(package.data if package is not None else path)   # bytes already read
        stamp = Stamp.from_properties(props)
        if stamp is None and any(k.startswith(PREFIX) for k in props):
            raise StampUnreadable()
        return stamp
    try:
        if package is not None:
            text, pattern = _properties(package.zip, package.names)
        else:
            with zipfile.ZipFile(path) as z:
                text, pattern = _properties(z, set(z.namelist()))
        if text is None:
            return None
    except Exception:   # not a zip or damaged: the reader reports that, not us
        return None
    props = {m.group(1): _unescape(m.group(2)) for m in pattern.finditer(text[:1 << 20].decode("utf-8", "replace"))}
    return Stamp.from_properties(props)


def _properties(z: zipfile.ZipFile, names: set[str]):
    if "docProps/custom.xml" in names:
        return z.read("docProps/custom.xml"), _XLSX_PROPERTY
    if "meta.xml" in names:
        return z.read("meta.xml"), _ODS_PROPERTY
    return None, None


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


def verdict(stamp: Stamp | None, figures_sha256: str | None) -> str:
    """What "Nguồn" says of a received workbook: checked and unchanged, changed since, or never checked."""
    if stamp is None:
        return "chưa kiểm tra"
    when = stamp.checked_at.astimezone().strftime("%d/%m/%Y %H:%M")
    if figures_sha256 is None:
        return (f"đã kiểm tra lúc {when}; không so được số liệu vì tệp không lưu kết quả công thức "
                "(mở bằng Excel rồi lưu lại)")
    if stamp.figures_sha256 != figures_sha256:
        return "đã sửa sau khi kiểm tra"
    return f"đã kiểm tra lúc {when}, không sửa sau đó"


def check(source, grids) -> str:
    """The verdict for a workbook (a path or its Package) whose grids are already read; tables are
    located only if stamped."""
    try:
        stamp = read(source)
    except StampUnreadable:
        return UNREADABLE_XLS
    if stamp is None:
        return verdict(None, None)
    from ..core.figures import figures_hash     # hashing only for a stamped workbook
    from ..core.table import locate

    tables = [(g, t) for g in grids for t in [locate(g)] if t is not None]
    return verdict(stamp, figures_hash(tables))
