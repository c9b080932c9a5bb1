"""Short cuts taken for speed give exactly what the plain code gave.

- normalize_name (every unit row of every table): ASCII and no-tone-to-move short cuts against
  the plain four steps (spaces, NFD, tone placement, NFC + casefold);
- table finding's quick test of a row's first letter before normalising its name;
- the workbook's bytes read once: a deflated part inflated block by block, resumed from a
  snapshot, equals zipfile's reading; a damaged part is refused like zipfile refuses it.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macros_py.core import names
from macros_py.core.table import _may_start
from macros_py.engines.package import Package

_SPACES = re.compile(r"\s+")


def plain_normalize(name: object) -> str:
    """normalize_name as first written, without short cuts."""
    text = _SPACES.sub(" ", str(name or "")).strip()
    decomposed = unicodedata.normalize("NFD", text)
    decomposed = names._OLD_PLACEMENT.sub(r"\1\3\2", decomposed)
    return unicodedata.normalize("NFC", decomposed).casefold()


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ" + "àáảãạòóỏõọùúủũụỳýỷỹỵèéẻẽẹ" + "Hoà Thuỷ Khoẻ Quý"
PIECES = st.text(alphabet=VIETNAMESE + " \t\u00a0\u2003-–*.()'0123456789\u0300\u0301\u0303\u0309\u0323ßKİ",
                 max_size=24)


@settings(max_examples=600)
@given(st.one_of(PIECES, PIECES.map(lambda t: unicodedata.normalize("NFD", t)), st.integers(), st.none()))
def test_normalize_name_short_cuts_give_the_plain_key(name):
    assert names.normalize_name(name) == plain_normalize(name)


def test_normalize_name_examples():
    assert names.normalize_name("  Hoà\u00a0 Bình ") == names.normalize_name("hòa bình") == "hòa bình"
    assert names.normalize_name(unicodedata.normalize("NFD", "Thuỷ")) == "thủy"
    assert names.normalize_name("Xã  Số 1") == "xã số 1" and names.normalize_name("TT Na Sầm") == "tt na sầm"


@settings(max_examples=400)
@given(PIECES)
def test_a_name_settled_by_its_first_letter_cannot_normalise_to_those_letters(text):
    for letters in ("ct", "tcbg"):
        key = names.normalize_name(text)
        if not _may_start(text, letters):
            assert not key[:1] or key[0] not in letters
        part = unicodedata.normalize("NFC", text).lower().lstrip(" -–*")
        if not _may_start(text.lstrip(" -–*"), letters):
            assert not part[:1] or part[0] not in letters


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_part_read_block_by_block_and_resumed_equals_zipfiles(tmp_path, method):
    body = b"".join(b'<row r="%d"><c r="A%d" s="3"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 30000))
    data = _zip({"xl/worksheets/sheet1.xml": body, "other.xml": b"<x/>"}, method)
    package = Package(tmp_path / "p.xlsx", data)
    stream = package.stream("xl/worksheets/sheet1.xml")
    parts, marks = [], []
    while True:
        marks.append((stream.snapshot(), sum(map(len, parts))))
        block = stream.read(7919)
        if not block:
            break
        parts.append(block)
    assert b"".join(parts) == body == package.read("xl/worksheets/sheet1.xml")
    for state, offset in marks[::37]:
        again = stream.resume(state)
        assert again.read(5000) == body[offset:offset + 5000]


def test_a_damaged_part_is_refused(tmp_path):
    body = b"<sheetData>" + b"<row/>" * 5000 + b"</sheetData>"
    data = bytearray(_zip({"s.xml": body}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("s.xml")
    data[info.header_offset + 30 + len("s.xml") + 10] ^= 0xFF      # a flipped byte inside the deflated data
    stream = Package(tmp_path / "d.xlsx", bytes(data)).stream("s.xml")
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        while stream.read(4096):
            pass
