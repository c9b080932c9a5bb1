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
    assert main(["validate", str(saved), "--annotate", str(annotated)]) == 0
    assert main(["clear", str(annotated), "-o", str(cleared)]) == 0
    out = tmp_path / "gui"
    out.mkdir()
    # the tool's own annotated copy is sent (it was refused: "không lưu kết quả các công thức")
    assert main(["send", str(annotated), "-o", str(out / "thu.eml")]) == 0, capsys.readouterr().err
    (sent,) = [p for p in out.iterdir() if p.suffix == ".xlsx"]
    for copy in (annotated, cleared, sent):
        kept = cached_results(copy)
        assert kept[seven] == ("e", "#VALUE!"), copy.name
        lost = [ref for ref, r in seen.items() if ref not in kept or not _same(kept[ref], r)]
        assert lost == [], (copy.name, lost)
    capsys.readouterr()
    assert main(["validate", str(sent)]) == 0
    assert "không sửa sau đó" in capsys.readouterr().out


def test_recalc_keeps_the_cached_results_it_does_not_change(with_errors, tmp_path, capsys):
    table, saved, seven = with_errors
    out = tmp_path / "tinh_lai.xlsx"
    assert main(["recalc", str(saved), "-o", str(out)]) == 0
    kept = cached_results(out)
    assert kept["R3"] == ("e", "#DIV/0!") and kept["R4"] == ("str", "có hộ") and kept["R5"] == ("b", "1")
    # the table's error is gone with the text made a number: 5.38 - 57/723x100 (Tân Đoàn, 7=5-3)
    assert float(kept[seven][1]) == pytest.approx(5.38 - 57 / 723 * 100, abs=0.006)
