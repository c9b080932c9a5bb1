"""The stamp "Gửi lên" puts on a copy: checked when, by which version, what was found, which figures.

Kept as custom document properties (File → Properties → Custom in Excel), all text, so
they survive Excel's and LibreOffice's saves (LibreOffice keeps them in .xlsx and moves
them to meta.xml in .ods); nothing in the sheets changes. Reading needs no openpyxl: one
small XML part of the package.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

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


def read(source) -> Stamp | None:
    """The stamp of a workbook on disk (.xlsx/.xlsm custom properties, .ods user-defined metadata);
    `source` is a path or the engines.package.Package already read."""
    try:
        if hasattr(source, "zip"):
            z = source.zip
            text, pattern = _properties(z, source.names)
        else:
            with zipfile.ZipFile(source) as z:
                text, pattern = _properties(z, set(z.namelist()))
        if text is None:
            return None
    except Exception:   # not a zip (.xls) or damaged: the reader reports that, not us
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
    from ..core.figures import figures_hash
    from ..core.table import locate

    stamp = read(source)
    if stamp is None:
        return verdict(None, None)
    tables = [(g, t) for g in grids for t in [locate(g)] if t is not None]
    return verdict(stamp, figures_hash(tables))
