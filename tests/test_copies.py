"""The copies the tool writes of an officer's workbook (recalc, --annotate, clear, send): of which
kinds of file they can be made, and what a reader saw in them stays there (cached results,
error values included)."""
from __future__ import annotations

import pytest

from fixtures import typed_van_quan
from libreoffice import recalculate
from macros_py.cli import main


@pytest.fixture(scope="module")
def other_kinds(tmp_path_factory):
    """The Văn Quan table saved by LibreOffice as .ods and as .xls (validate reads both)."""
    tmp = tmp_path_factory.mktemp("kinds")
    src = typed_van_quan(tmp / "bieu.xlsx")
    return {kind: recalculate(src, tmp / kind, target) for kind, target in
            (("ods", "ods"), ("xls", "xls:MS Excel 97"))}


@pytest.mark.parametrize("kind", ["ods", "xls"])
@pytest.mark.parametrize("command", ["recalc", "annotate", "clear"])
def test_copies_are_made_of_xlsx_only_and_the_officer_is_told_how(other_kinds, kind, command, tmp_path, capsys):
    src = other_kinds[kind]
    assert main(["validate", str(src)]) == 0              # the checker reads it fine
    capsys.readouterr()
    out = tmp_path / "ban_sao.xlsx"
    argv = {"recalc": ["recalc", str(src), "-o", str(out)],
            "annotate": ["validate", str(src), "--annotate", str(out)],
            "clear": ["clear", str(src), "-o", str(out)]}[command]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""                              # refused before any report is printed
    err = captured.err
    assert f"là tệp .{kind}" in err and "chỉ ghi được bản sao của tệp .xlsx hoặc .xlsm" in err, err
    assert "Lưu thành (Save As)" in err and "(*.xlsx)" in err
    assert "InvalidFileException" not in err and "hỏng" not in err
    assert not out.exists()


def test_recalc_from_python_refuses_the_same_way(other_kinds, tmp_path):
    from macros_py.commands.recalc import recalc_file
    from macros_py.errors import OfficerError

    with pytest.raises(OfficerError, match="chỉ ghi được bản sao của tệp .xlsx"):
        recalc_file(other_kinds["ods"], tmp_path / "x.xlsx")


# ---------------------------------------------------------------------------------- cached results
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def cached_results(path) -> dict[str, tuple[str, str]]:
    """Every formula cell's stored result as the file holds it: ref → (type, text), read from the
    sheet XML itself ('e' with '#VALUE!' for an error, 'n' for a number)."""
    import zipfile
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    out = {}
    for c in ET.fromstring(xml).iter(f"{{{_NS['m']}}}c"):
        f, v = c.find("m:f", _NS), c.find("m:v", _NS)
        if f is not None and v is not None and v.text is not None:
            out[c.get("r")] = (c.get("t", "n"), v.text)
    return out


def _same(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """One stored result either way: numbers compared to 15 significant digits."""
    if a[0] == b[0] == "n":
        return float(a[1]) == pytest.approx(float(b[1]), rel=1e-14)
    return a == b


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory):
    """An officer's table with live formulas as LibreOffice saves it, where a rate typed as text
    ("5,38" in G10) turns its formula 7=5-3 into #VALUE!; beside the table, scratch formulas whose
    results are an error, text and a truth value."""
    from handmade import HandmadeTable, Style, build_workbook

    tmp = tmp_path_factory.mktemp("errors")
    table = HandmadeTable(Style(formulas=True), typos={(2, "5"): "5,38"})
    wb = build_workbook([table])
    ws = wb.active
    ws["R3"], ws["R4"], ws["R5"] = "=1/0", '=IF(C10>0,"có hộ","không")', "=C10>0"
    wb.save(tmp / "bieu.xlsx")
    saved = recalculate(tmp / "bieu.xlsx", tmp / "lo")
    seven = table.ref(2, "7")
    assert cached_results(saved)[seven] == ("e", "#VALUE!")        # what the officer sees in Excel
    assert cached_results(saved)["R3"] == ("e", "#DIV/0!")
    return table, saved, seven


def test_annotate_clear_and_send_keep_every_cached_result_errors_included(with_errors, tmp_path, capsys):
    table, saved, seven = with_errors
    seen = cached_results(saved)
    annotated, cleared = tmp_path / "danh_dau.xlsx", tmp_path / "xoa.xlsx"
    # the text '5,38' makes 7=5-3 print #VALUE!: an error (exit 1), the copy is written all the same
    assert main(["validate", str(saved), "--annotate", str(annotated)]) == 1
    assert main(["clear", str(annotated), "-o", str(cleared)]) == 0
    out = tmp_path / "gui"
    out.mkdir()
    # the tool's own annotated copy is sent (it was refused: "không lưu kết quả các công thức")
    assert main(["send", str(annotated), "-o", str(out / "thu.eml"), "--force"]) == 0, capsys.readouterr().err
    (sent,) = [p for p in out.iterdir() if p.suffix == ".xlsx"]
    for copy in (annotated, cleared, sent):
        kept = cached_results(copy)
        assert kept[seven] == ("e", "#VALUE!"), copy.name
        lost = [ref for ref, r in seen.items() if ref not in kept or not _same(kept[ref], r)]
        assert lost == [], (copy.name, lost)
    capsys.readouterr()
    assert main(["validate", str(sent)]) == 1            # the text's error travels with it, said again
    assert "không sửa sau đó" in capsys.readouterr().out


def test_recalc_keeps_the_cached_results_it_does_not_change(with_errors, tmp_path, capsys):
    table, saved, seven = with_errors
    out = tmp_path / "tinh_lai.xlsx"
    assert main(["recalc", str(saved), "-o", str(out)]) == 0
    kept = cached_results(out)
    assert kept["R3"] == ("e", "#DIV/0!") and kept["R4"] == ("str", "có hộ") and kept["R5"] == ("b", "1")
    # the table's error is gone with the text made a number: 5.38 - 57/723x100 (Tân Đoàn, 7=5-3)
    assert float(kept[seven][1]) == pytest.approx(5.38 - 57 / 723 * 100, abs=0.006)


# ---------------------------------------------------------------------------------- the stamp in .xls
@pytest.fixture(scope="module")
def stamped(tmp_path_factory):
    """Yên Phúc's workbook as LibreOffice saves it, sent (a stamped copy), and that copy re-saved as
    .xls by LibreOffice, as a district office might; the same with one figure changed after sending."""
    import openpyxl

    from conftest import van_quan_units
    from test_consolidate import commune_workbook

    tmp = tmp_path_factory.mktemp("stamp")
    made = recalculate(commune_workbook(tmp / "made.xlsx", van_quan_units()[0], epoch=1617235200), tmp / "lo")
    out = tmp / "gui"
    out.mkdir()
    assert main(["send", str(made), "-o", str(out / "thu.eml")]) == 0
    (copy,) = out.glob("*.xlsx")
    wb = openpyxl.load_workbook(copy)
    wb["Biểu"]["C8"] = wb["Biểu"]["C8"].value + 1          # a household more in the first village
    wb.save(tmp / "edited.xlsx")
    return {"made": made,
            "xls": recalculate(copy, tmp / "xls", "xls:MS Excel 97"),
            "edited": recalculate(tmp / "edited.xlsx", tmp / "xls_edited", "xls:MS Excel 97")}


def test_the_stamp_of_a_copy_resaved_as_xls_is_read(stamped, capsys):
    from macros_py.commands.validate import validate_file

    assert validate_file(stamped["xls"]).checked.endswith(", không sửa sau đó")
    assert validate_file(stamped["edited"]).checked == "đã sửa sau khi kiểm tra"
    assert main(["validate", str(stamped["xls"])]) == 0
    assert "Dấu kiểm tra khi gửi: đã kiểm tra lúc " in capsys.readouterr().out


def test_an_xls_whose_properties_cannot_be_read_says_so(stamped, tmp_path):
    """A damaged property set (the user-defined section's size points past its end): not "chưa kiểm
    tra" (never checked), which would be a claim the file does not support."""
    import shutil
    import struct

    import olefile

    from macros_py.commands.validate import validate_file

    path = tmp_path / "hong.xls"
    shutil.copy(stamped["xls"], path)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("\x05DocumentSummaryInformation").read())
        sections = struct.unpack_from("<I", data, 24)[0]
        offsets = [struct.unpack_from("<I", data, 44 + 20 * i)[0] for i in range(sections)]
        user = offsets[-1]                                    # the user-defined section comes second
        struct.pack_into("<I", data, user + 4, 0x7FFFFFFF)    # its property count: absurd
        ole.write_stream("\x05DocumentSummaryInformation", bytes(data))
    assert validate_file(path).checked == "không đọc được dấu kiểm tra trong tệp .xls"
    assert validate_file(recalculate(stamped["made"], tmp_path / "xls", "xls:MS Excel 97")).checked == \
        "chưa kiểm tra"                                       # never sent: no stamp, truly


# ------------------------------------------------------------------------- what the colours mean
COLOUR_NAMES = {"FFC7CE": "đỏ nhạt — lỗi", "FFEB9C": "vàng — cảnh báo", "DDEBF7": "xanh nhạt — lưu ý",
                "FDE9E7": "hồng nhạt — ô chỉ sai theo một ô khác"}


def test_the_report_names_each_colour_the_marked_cells_use(tmp_path):
    """A count typed wrong (a culprit and the cells that follow it) and a rate typed over its formula."""
    import openpyxl

    src = typed_van_quan(tmp_path / "b.xlsx", {"D9": 89, "C12": 1999})
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(src), "--annotate", str(out)]) == 1
    wb = openpyxl.load_workbook(out)
    used = {c.fill.fgColor.rgb[-6:] for row in wb["Biểu 01"].iter_rows() for c in row
            if c.comment is not None and c.comment.author == "giamngheo"}
    assert {"FFC7CE", "FDE9E7"} <= used
    line = wb["Kiểm tra"]["A3"].value
    for colour, meaning in COLOUR_NAMES.items():
        assert (meaning in line) == (colour in used), (colour, line)
