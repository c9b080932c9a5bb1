"""Every limit and tolerance at its edge: just inside passes, just outside is refused or flagged.

The edges are worked out here by arithmetic from what the README and DOMAIN.md promise (half a
household; 1 GiB; 50 MB at 200:1; DOCTYPE/ENTITY), so moving a limit turns a test red.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

import arithmetic
from conftest import ROOT, published_van_quan
from fixtures import FIRST_ROW, typed_van_quan
from macros_py.cli import main
from macros_py.commands.validate import validate_file
from macros_py.engines import file as engine
from macros_py.engines.file import WorkbookError, check_package

VAN_QUAN = ROOT / "workbooks" / "van_quan_2021.xlsx"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def errors(path: Path) -> list[tuple[str, str]]:
    result = validate_file(path)
    assert result.status == "ok", result.error
    return sorted((f.cell, f.rule) for s in result.sheets for f in s.findings if f.severity == "error")


# ------------------------------------------------------------- half a household

# Yên Phúc (first row): 1188 households, 68 poor and 260 near-poor at the end of the year.
HALF = 0.5
EPS = 0.005          # a two-hundredth of a household either side of the edge


@pytest.mark.parametrize("rate_column, count_column, letter, change_letter, start_rate", [
    ("5", "4", "G", "I", "3"),        # poor: 5 ≈ 4/1x100, 7=5-3 typed consistently
    ("11", "10", "M", "O", "9"),      # near-poor: 11 ≈ 10/1x100, 13=11-9
])
@pytest.mark.parametrize("side", [+1, -1])
@pytest.mark.parametrize("inside", [True, False])
def test_target_rate_half_a_household_from_its_count(tmp_path, rate_column, count_column, letter, change_letter,
                                                     start_rate, side, inside):
    """DOMAIN.md: a typed target rate may differ from count/households by up to half a household."""
    (_, values), = published_van_quan()[0][:1]
    households, count = values[0], values[int(count_column) - 1]
    gap = HALF - EPS if inside else HALF + EPS
    rate = (count + side * gap) / households * 100            # the edge, worked out here
    start = arithmetic.percent(values[int(count_column) - 3], households)   # 3=2/1x100 or 9=8/1x100
    row = FIRST_ROW
    path = typed_van_quan(tmp_path / "b.xlsx", {f"{letter}{row}": rate,
                                                 f"{change_letter}{row}": arithmetic.excel_round(rate - start)})
    expected = [] if inside else [(f"{letter}{row}", "rate-count-mismatch")]
    assert errors(path) == expected


def test_the_seed_deliberate_rounding_is_inside_the_tolerance(tmp_path):
    """Khánh Khê: 10.67 % of 435 is 46.4 households, typed 46: 0.41 of a household, not an error."""
    (_, khanh_khe), = [r for r in published_van_quan()[0] if r[0] == "Khánh Khê"]
    assert abs(khanh_khe[4] * khanh_khe[0] / 100 - khanh_khe[3]) == pytest.approx(0.4145)
    assert errors(typed_van_quan(tmp_path / "b.xlsx")) == []


# ------------------------------------------------------------- zip bombs

def declared(path: Path, unpacked: int, packed: int) -> Path:
    """The shipped workbook plus a part whose central-directory entry declares the sizes that bring
    the package's totals to `unpacked` and `packed` bytes (nothing that large is ever written: the
    check reads the declared sizes, as zip bombs declare theirs)."""
    with zipfile.ZipFile(VAN_QUAN) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(zipfile.ZipInfo("xl/media/pad.bin"), b"x", compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as z:
        others = [i for i in z.infolist() if i.filename != "xl/media/pad.bin"]
        real_unpacked, real_packed = sum(i.file_size for i in others), sum(i.compress_size for i in others)
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/media/pad.bin"))      # its central-directory record
    sizes = (packed - real_packed, unpacked - real_unpacked)
    assert all(0 < s < 1 << 32 for s in sizes)
    struct.pack_into("<II", data, entry + 20, *sizes)           # compressed size, uncompressed size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:                             # the totals the check will see
        assert (sum(i.file_size for i in z.infolist()), sum(i.compress_size for i in z.infolist())) == \
            (unpacked, packed)
    return path


def refused_as_bomb(path: Path) -> bool:
    try:
        check_package(path)
    except WorkbookError as exc:
        assert "bom nén" in str(exc)
        return True
    return False


GIB, MB = 1 << 30, 1 << 20


def test_limits_are_those_the_readme_promises():
    promise = re.search(r"Zip bombs \(over (\d+) GiB unpacked, or over (\d+) MB at more than (\d+):1\)", README)
    assert promise, "README's safety section no longer states the zip-bomb limits"
    gib, mb, ratio = (int(g) for g in promise.groups())
    assert (engine.MAX_UNPACKED, engine.RATIO_FROM, engine.MAX_RATIO) == (gib * GIB, mb * MB, ratio)
    assert "DOCTYPE/ENTITY" in README
    # a sheet as large as the benchmarks' 100,000 rows, with room for 200 columns, is still read
    assert engine.MAX_CELLS == 100_000 * 200


@pytest.mark.parametrize("unpacked, packed, refused", [
    (GIB, GIB // 200 + 1, False),            # exactly 1 GiB, a plausible ratio: read
    (GIB + 1, GIB // 200 + 1, True),         # one byte over 1 GiB, same ratio: refused
    (100 * MB, 100 * MB // 200, False),      # 200:1 exactly: read
    (100 * MB, 100 * MB // 200 - 1, True),   # just over 200:1: refused
    (50 * MB, 20_000, False),                # 50 MB at 2,600:1: small enough to read
    (50 * MB + 1, 20_000, True),             # one byte more: refused
])
def test_zip_bomb_limits_at_their_edge(tmp_path, unpacked, packed, refused):
    assert refused_as_bomb(declared(tmp_path / "z.xlsx", unpacked, packed)) is refused


def test_a_declared_bomb_is_refused_by_every_command(tmp_path, capsys):
    path = declared(tmp_path / "z.xlsx", GIB + 1, GIB // 200 + 1)
    with pytest.raises(WorkbookError) as err:
        check_package(path)
    assert str(err.value) == "Tệp 'z.xlsx' giải nén ra quá lớn (1024 MB): nghi là tệp độc hại (bom nén), không đọc."
    assert main(["validate", str(path)]) == 2
    assert main(["recalc", str(path), "-o", str(tmp_path / "r.xlsx")]) == 2
    assert main(["clear", str(path), "-o", str(tmp_path / "c.xlsx")]) == 2
    assert capsys.readouterr().err.count("bom nén") == 2
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "c.xlsx").exists()


def test_a_package_just_inside_the_limits_is_read_in_full(tmp_path):
    assert errors(declared(tmp_path / "z.xlsx", GIB, GIB // 200 + 1)) == []


# ------------------------------------------------------------- DOCTYPE / ENTITY

DTD = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def rewritten(path: Path, part: str, change) -> Path:
    """The shipped workbook with one part changed (or added, when it has no such part)."""
    with zipfile.ZipFile(VAN_QUAN) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == part else data)
        if part not in src.namelist():
            dst.writestr(part, change(b""))
    return path


def before_root(root: bytes, prolog: bytes):
    return lambda data: data.replace(b"<" + root, prolog + b"<" + root, 1)


def utf16(data: bytes, bom: bytes = b"\xff\xfe", codec: str = "utf-16-le") -> bytes:
    text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return bom + text.replace("<worksheet", DTD.decode() + "<worksheet", 1).encode(codec)


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize("part, change", [
    (SHEET, before_root(b"worksheet", DTD)),
    (SHEET, before_root(b"worksheet", b"<!DOCTYPE worksheet>")),                  # a DOCTYPE alone
    ("_rels/.rels", before_root(b"Relationships", DTD)),
    ("xl/sharedStrings.xml", before_root(b"sst", DTD)),
    (SHEET, before_root(b"worksheet", b" " * 5000 + DTD)),                         # past the first 4 kB
    (SHEET, before_root(b"worksheet", b"<!-- <x> -->\n<?pi x?>" + DTD)),           # behind a comment
    (SHEET, before_root(b"worksheet", b"<!--" + b" " * (2 << 20) + b"-->")),       # megabytes of prolog
    (SHEET, utf16),                                                                # in UTF-16
    (SHEET, lambda d: utf16(d, b"\xfe\xff", "utf-16-be")),                          # UTF-16, big-endian
    (SHEET, lambda d: b"\xef\xbb\xbf" + before_root(b"worksheet", DTD)(d)),         # behind a UTF-8 BOM
    (SHEET, before_root(b"worksheet", b"<?pi" + b" " * 70000 + b"?>" + DTD)),      # behind a 70 kB instruction
    (SHEET, lambda d: utf16(d) + b"\0"),                                          # UTF-16 of odd length
    ("xl/drawings/vmlDrawing9.vml", lambda d: b'<?xml version="1.0"?>' + DTD + b"<xml/>"),   # a drawing part
], ids=["entities", "doctype-only", "rels", "shared-strings", "padded", "behind-comment", "long-prolog", "utf16",
        "utf16-be", "utf8-bom", "long-pi", "utf16-odd", "vml"])
def test_doctype_and_entity_declarations_are_refused(tmp_path, capsys, part, change):
    path = rewritten(tmp_path / "d.xlsx", part, change)
    assert main(["validate", str(path)]) == 2
    assert "Tệp 'd.xlsx' chứa khai báo XML không được phép (DOCTYPE/ENTITY): nghi là tệp độc hại, không đọc." \
        in capsys.readouterr().out
    assert main(["recalc", str(path), "-o", str(tmp_path / "r.xlsx")]) == 2
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.parametrize("part, change", [
    # the words as cell text (escaped in the XML), in a comment, after 5 kB of whitespace
    ("xl/sharedStrings.xml", lambda d: d.replace("Yên Phúc".encode(), b"Y&lt;!DOCTYPE x&gt;&lt;!ENTITY&gt;", 1)),
    (SHEET, before_root(b"worksheet", b"<!-- no DOCTYPE or ENTITY here -->")),
    (SHEET, before_root(b"worksheet", b" " * 5000)),
    # a sheet part of 2 MB (a long comment inside the root): read, not taken for a long prolog
    (SHEET, lambda d: d.replace(b"<sheetData>", b"<!--" + b" " * (2 << 20) + b"--><sheetData>", 1)),
], ids=["as-text", "in-comment", "long-whitespace", "large-part"])
def test_harmless_look_alikes_are_read(tmp_path, part, change):
    assert errors(rewritten(tmp_path / "ok.xlsx", part, change)) == []


def test_an_unclosed_comment_is_damage_not_an_attack(tmp_path):
    result = validate_file(rewritten(tmp_path / "c.xlsx", SHEET, lambda d: b'<?xml version="1.0"?><!-- never closed'))
    assert result.status == "unreadable" and "DOCTYPE" not in result.error


def test_a_member_that_cannot_be_unpacked_is_damage(tmp_path):
    """A zip that opens but whose sheet uses a compression no reader has (99: AES)."""
    path = rewritten(tmp_path / "x.xlsx", SHEET, lambda d: d)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):    # local and central headers
        at = data.rfind(signature, 0, data.find(SHEET.encode(), data.find(signature)))
        struct.pack_into("<H", data, at + offset, 99)
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError) as err:
        check_package(path)
    assert str(err.value) == "Tệp 'x.xlsx' bị hỏng hoặc không phải tệp Excel."


# ------------------------------------------------------------- sheet size

def sheet_cells(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return sheet.height * sheet.width


@pytest.mark.parametrize("spare, refused", [(0, False), (-1, True)])
def test_sheet_size_limit_at_its_edge(monkeypatch, capsys, spare, refused):
    """A sheet of exactly MAX_CELLS cells is read; one cell more is refused with a message."""
    monkeypatch.setattr(engine, "MAX_CELLS", sheet_cells(VAN_QUAN) + spare)
    assert main(["validate", str(VAN_QUAN)]) == (2 if refused else 0)
    assert ("quá lớn" in capsys.readouterr().out) is refused


# ------------------------------------------------------------- the corpus, file by file

CORPUS = ROOT / "tests" / "corpus"
# file → (validate status, what its message says, exit codes of validate, recalc and clear)
BROKEN = "bị hỏng hoặc không phải tệp Excel"
UNREADABLE = "tệp hỏng hoặc không đúng định dạng"
EXPECTED = {
    "empty_file.xlsx": ("unreadable", BROKEN, 2, 2, 2),
    "not_a_workbook.xlsx": ("unreadable", BROKEN, 2, 2, 2),
    "truncated.xlsx": ("unreadable", BROKEN, 2, 2, 2),
    "encrypted.xlsx": ("unreadable", "có mật khẩu", 2, 2, 2),
    "entity_bomb.xlsx": ("unreadable", "DOCTYPE/ENTITY", 2, 2, 2),
    "garbled_sheet.xlsx": ("unreadable", UNREADABLE, 2, 2, 2),
    "html_saved_as.xls": ("unreadable", UNREADABLE, 2, 2, 2),
    "no_sheets.xlsx": ("unreadable", UNREADABLE, 2, 2, 2),
    "no_workbook_part.xlsx": ("unreadable", "tệp hỏng", 2, 2, 2),
    # a number cell holding words: validate names the cell; the openpyxl copies cannot load it
    "numbers_as_words.xlsx": ("ok", None, 1, 2, 2),
}


def test_every_corpus_file_has_its_expectation():
    assert sorted(p.name for p in CORPUS.iterdir() if p.suffix != ".py") == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gets_its_exact_status_and_exit_codes(tmp_path, capsys, name):
    status, says, validate_code, recalc_code, clear_code = EXPECTED[name]
    path = CORPUS / name
    result = validate_file(path)
    assert result.status == status
    if says is None:
        assert result.error is None
    else:
        assert says in result.error
    assert main(["validate", str(path)]) == validate_code
    assert main(["recalc", str(path), "-o", str(tmp_path / "r.xlsx")]) == recalc_code
    assert main(["clear", str(path), "-o", str(tmp_path / "c.xlsx")]) == clear_code
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []       # refused: nothing written


def test_numbers_as_words_is_named_at_its_cell():
    result = validate_file(CORPUS / "numbers_as_words.xlsx")
    assert [(f.cell, f.rule) for s in result.sheets for f in s.findings] == [("C8", "not-a-number")]
