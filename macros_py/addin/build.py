"""Build addin/giamngheo.xlam from text sources, on any OS.

Starts from the ribbon add-in template that the pinned xlwings ships (its VBA
matches the Python package's version), replaces the ribbon XML with ours, and
rewrites the VBA project following [MS-OVBA]: the template's RibbonMyAddin module
becomes RibbonGiamNgheo with our source (VBA names are case-insensitive, so the
module must not be named like the project "giamngheo"), PROJECT_NAME becomes
"giamngheo", xlwings' file and environment readers take Unicode paths
(xlwings_unicode), and every module is stored as compressed source with
MODULEOFFSET 0. `_VBA_PROJECT` stays at version 0xFFFF, so Excel recompiles from
source, as with xlwings' own add-ins.
"""
from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

from ..errors import OfficerError
from .cfb import write_cfb
from .ovba_compression import compress as _compress
from .xlwings_unicode import patch as _unicode_paths

PROJECT = "giamngheo"
MODULE = "RibbonGiamNgheo"
TEMPLATE_MODULE = "RibbonMyAddin"
CODEPAGE = "cp1252"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

# [MS-OVBA] 2.3.4.2 dir stream record ids used here
PROJECTNAME, PROJECTVERSION, MODULENAME, MODULENAMEUNICODE = 0x0004, 0x0009, 0x0019, 0x0047
MODULESTREAMNAME, MODULESTREAMNAME_UNICODE, MODULEOFFSET = 0x001A, 0x0032, 0x0031


def _addin_dir() -> Path:
    """addin/ of a source checkout (or editable install), else the copy a wheel carries (pyproject's package-dir)."""
    here = Path(__file__).resolve().parent
    shipped = here / "files"
    return shipped if (shipped / f"{PROJECT}.xlam").is_file() else here.parents[1] / "addin"


ADDIN_DIR = _addin_dir()


def _installed() -> bool:
    """Run from an installed package (a wheel): its add-in folder is the package's own data."""
    return ADDIN_DIR == Path(__file__).resolve().parent / "files"


def default_output() -> Path:
    """Where `addin build` writes without -o: the checkout's addin/giamngheo.xlam for developers;
    never into an installed package's folder (the current folder instead)."""
    return Path.cwd() / f"{PROJECT}.xlam" if _installed() else ADDIN_DIR / f"{PROJECT}.xlam"


class BuildError(OfficerError):
    """The add-in cannot be built here; the message is for IT (Vietnamese)."""


def _readers():
    """olefile and oletools read the template's VBA; they come with the 'addin' extra."""
    try:
        import olefile
        from oletools.olevba import decompress_stream
    except ImportError:
        raise BuildError("Lệnh 'giamngheo addin build' cần gói oletools (phần thêm 'addin' của giamngheo). "
                         "Hãy cài thêm: pip install \"giamngheo[addin]\" (cài từ thư mục nguồn thì: "
                         "pip install \"<thư mục giamngheo>[addin]\"), rồi chạy lại. "
                         "Cài và dùng add-in không cần gói này.") from None
    return olefile, decompress_stream


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


def parse_dir(raw: bytes) -> list[tuple[int, bytes]]:
    """The decompressed dir stream as (id, data) records (PROJECTVERSION's size field lies: 6 bytes follow)."""
    records, i = [], 0
    while i < len(raw):
        rid, size = struct.unpack_from("<HI", raw, i)
        i += 6
        if rid == PROJECTVERSION:
            size = 6
        records.append((rid, raw[i:i + size]))
        i += size
    return records


def pack_dir(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for rid, data in records:
        size = 4 if rid == PROJECTVERSION else len(data)
        out += struct.pack("<HI", rid, size) + data
    return bytes(out)


def _decompress(data: bytes) -> bytes:
    return bytes(_readers()[1](bytearray(data)))


def _vba_text(text: str) -> bytes:
    """VBA source as Excel stores it: code page 1252, CRLF line ends (the module must stay ASCII)."""
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode(CODEPAGE)


def rewrite_vba(project_bin: bytes, module_source: str) -> bytes:
    ole = _readers()[0].OleFileIO(project_bin)
    streams = {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()}
    records = parse_dir(_decompress(streams["VBA/dir"]))
    out: list[tuple[int, bytes]] = []
    current, offsets = None, {}
    for rid, data in records:
        if rid == PROJECTNAME:
            data = PROJECT.encode(CODEPAGE)
        elif rid == MODULENAME:
            current = data.decode(CODEPAGE)
            if current == TEMPLATE_MODULE:
                data = MODULE.encode(CODEPAGE)
        elif rid in (MODULENAMEUNICODE, MODULESTREAMNAME_UNICODE) and current == TEMPLATE_MODULE:
            data = MODULE.encode("utf-16-le")
        elif rid == MODULESTREAMNAME and current == TEMPLATE_MODULE:
            data = MODULE.encode(CODEPAGE)
        elif rid == MODULEOFFSET:
            offsets[current] = struct.unpack("<I", data)[0]
            data = struct.pack("<I", 0)
        out.append((rid, data))
    names = []
    for name, offset in offsets.items():
        source = _decompress(streams.pop(f"VBA/{name}")[offset:])
        if name == TEMPLATE_MODULE:
            source, name = _vba_text(module_source), MODULE
        elif b"PROJECT_NAME As String" in source:
            source = re.sub(rb'(Const PROJECT_NAME As String = )"[^"]*"', rb'\1"' + PROJECT.encode() + b'"', source)
            text = source.decode(CODEPAGE)
            newline = "\r\n" if "\r\n" in text else "\n"     # xlwings 0.37.8 stores this module with LF
            source = _unicode_paths(text.replace("\r\n", "\n")).replace("\n", newline).encode(CODEPAGE)
        streams[f"VBA/{name}"] = _compress(source)
        names.append(name)
    streams["VBA/dir"] = _compress(pack_dir(out))
    project = streams["PROJECT"].decode(CODEPAGE)
    project = project.replace(f"Module={TEMPLATE_MODULE}", f"Module={MODULE}")
    project = re.sub(r'Name="[^"]*"', f'Name="{PROJECT}"', project)
    project = project.replace(f"{TEMPLATE_MODULE}=", f"{MODULE}=")
    streams["PROJECT"] = project.encode(CODEPAGE)
    streams["PROJECTwm"] = b"".join(n.encode(CODEPAGE) + b"\0" + n.encode("utf-16-le") + b"\0\0" for n in names) \
        + b"\0\0"
    return write_cfb(streams)


def build(out: Path | None = None, src: Path | None = None) -> Path:
    """Build the add-in from addin/src (ribbon XML and VBA module); byte-for-byte repeatable."""
    src = Path(src or ADDIN_DIR / "src")
    out = Path(out or default_output())
    ribbon = (src / "customUI.xml").read_bytes()
    module = (src / f"{MODULE}.bas").read_text(encoding="ascii")
    with zipfile.ZipFile(template_path()) as template:
        parts = {i.filename: template.read(i.filename) for i in template.infolist()}
    parts["customUI/customUI.xml"] = ribbon
    parts["xl/vbaProject.bin"] = rewrite_vba(parts["xl/vbaProject.bin"], module)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"_myaddin.conf", f"_{PROJECT}.conf".encode())
    from ..write.safe_io import atomic_output

    with atomic_output(out, force=True) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out
