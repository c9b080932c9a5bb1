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
