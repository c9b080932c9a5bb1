"""Tests written to kill mutants that survived a mutation run (tests/MUTATION.md): the form specs
(charts, the parsed-spec cache on a machine whose locale is not UTF-8, a zipped install), the
two-thread read of a large workbook, guarded formulas, the new tone placement and the refusal to
copy a workbook that is not .xlsx.

Expectations come from the spec files read here with tomllib, from the docstrings' promises and
from the one-step read, never from the code under test.
"""
from __future__ import annotations

import json
import locale
import re
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from handmade import HandmadeTable, Style, build_workbook
from macros_py.core.names import new_tone_placement
from macros_py.forms import spec
from macros_py.forms.formulas import is_guarded
from macros_py.forms.notation import BinOp, Col, Const
from macros_py.forms.spec import SpecError, _build
from macros_py.write.safe_io import OutputError, check_copyable
from test_overlap import _read
from test_spec_cache import _as_written, folder  # noqa: F401 - folder is a fixture

FORMS = Path(spec.__file__).parent

MINIMAL = {"id": "t", "name": "T", "title": "T",
           "columns": [{"number": "A", "header": "Đơn vị", "name": "Đơn vị", "kind": "label", "role": "unit"},
                       {"number": 1, "header": "Hộ", "name": "Hộ", "kind": "count"},
                       {"number": 2, "header": "Nghèo", "name": "Nghèo", "kind": "count"}]}


def _with_charts(charts: list[dict]) -> dict:
    return {**MINIMAL, "charts": charts}


# ------------------------------------------------------------- forms/spec.py: charts

def test_a_chart_keeps_its_category_axis_title_and_its_series_as_written():
    """A chart's category axis title is the spec's `category_axis` ("Đơn vị" when not given), and
    a number in a series that names no column is a constant, as everywhere in a spec."""
    form = _build(_with_charts([
        {"title": "Hộ nghèo theo xã", "axis": "Số hộ", "category_axis": "Xã, thị trấn",
         "series": [{"name": "Nghèo", "value": 2}, {"name": "Ba lần số hộ", "value": "1x3"}]},
        {"title": "Không ghi trục", "axis": "Số hộ", "series": [{"name": "Hộ", "value": "1"}]}]))
    first, second = form.charts
    assert (first.title, first.axis, first.category_axis) == ("Hộ nghèo theo xã", "Số hộ", "Xã, thị trấn")
    assert [(s.name, s.value) for s in first.series] == \
        [("Nghèo", Col("2")), ("Ba lần số hộ", BinOp("*", Col("1"), Const(3.0)))]
    assert second.category_axis == "Đơn vị"
    assert [(s.name, s.value) for s in second.series] == [("Hộ", Col("1"))]


def test_a_chart_without_series_is_refused_with_the_reason():
    with pytest.raises(SpecError) as err:
        _build(_with_charts([{"title": "Trống", "axis": "Số hộ", "series": []}]))
    assert str(err.value) == "a chart needs at least one series"


# ------------------------------------------------------------- forms/spec.py: reading the TOML

@pytest.fixture
def ascii_locale():
    """A machine whose locale encoding is not UTF-8 (a Vietnamese Windows runs cp1258): here the C
    locale, whose encoding is ASCII, so any text read or written in the locale's encoding fails."""
    old = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        if locale.getencoding().lower().replace("-", "").replace("_", "") in ("utf8", "cp65001"):
            pytest.skip("this interpreter reads text as UTF-8 whatever the locale")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


def test_the_specs_and_their_cache_are_utf8_whatever_the_locale(folder, ascii_locale):
    """The TOML files are UTF-8; the cache beside them is written and read back as UTF-8, so a
    machine with another locale sees the specs as written and still takes them from the cache."""
    assert spec._spec_data() == _as_written(folder)                        # parsed, then cached
    cache = folder / "__pycache__" / "forms.json"
    assert cache.exists()
    cached = json.loads(cache.read_text(encoding="utf-8"))
    assert cached["specs"] == _as_written(folder)
    cached["specs"][0]["name"] = "ĐỌC TỪ BỘ NHỚ ĐỆM"
    cache.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    assert spec._spec_data()[0]["name"] == "ĐỌC TỪ BỘ NHỚ ĐỆM"             # read back from the cache


def test_a_zipped_install_reads_the_specs_from_the_archive(tmp_path, monkeypatch):
    """Installed as a zip archive, the forms folder is no directory: the specs are read through
    importlib.resources (which hands out zipfile.Path entries for an archive), in file-name order
    whatever the archive's order, and no cache is written."""
    archive = tmp_path / "giamngheo.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for toml in sorted(FORMS.glob("*.toml"), reverse=True):
            z.write(toml, f"macros_py/forms/{toml.name}")
        z.writestr("macros_py/forms/__init__.py", "")
    monkeypatch.setattr(spec, "__file__", str(archive / "macros_py" / "forms" / "spec.py"))
    real_files = resources.files
    monkeypatch.setattr(resources, "files", lambda anchor: zipfile.Path(archive, "macros_py/forms/")
                        if anchor == "macros_py.forms" else real_files(anchor))
    expected = _as_written(FORMS)
    assert len(expected) >= 2
    assert spec._spec_data() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["giamngheo.zip"]


# ------------------------------------------------------------- engines/file.py: the two-thread read

def _strip_addresses(src: Path, dst: Path) -> Path:
    """The same workbook with its cells' r="B7" addresses left out (allowed by the format: a cell
    is then the next one in its row), as some programs write it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", data)
            zout.writestr(item, data)
    return dst


@pytest.fixture
def handmade(tmp_path) -> Path:
    """A table with formulas, a hidden row and an error value, beside a hidden scratch sheet."""
    wb = build_workbook([HandmadeTable(Style(formulas=True, sheet="Biểu"))], {"Nháp": [["nháp", 1188, 98, 8.25]]})
    ws = wb["Biểu"]
    ws.row_dimensions[9].hidden = True
    ws["D10"] = "=1/0"
    wb["Nháp"].sheet_state = "hidden"
    wb.save(tmp_path / "bieu.xlsx")
    return tmp_path / "bieu.xlsx"


@pytest.mark.parametrize("addresses", [True, False], ids=["with-addresses", "without-addresses"])
def test_the_two_thread_read_gives_what_the_one_step_read_gives(handmade, addresses, tmp_path, monkeypatch):
    """Read in two threads, a workbook gives the one-step read's grids: values, which sheets are
    hidden, formulas, errors, hidden rows and formats; also when its cells carry no addresses (the
    facts are then read again, one step after the other)."""
    path = handmade if addresses else _strip_addresses(handmade, tmp_path / "khong-dia-chi.xlsx")
    one, _ = _read(path, False, monkeypatch)
    two, calls = _read(path, True, monkeypatch)
    assert calls == [1]
    assert two == one
    hidden = {name: is_hidden for name, _, is_hidden, *_ in two}
    assert hidden == {"Biểu": False, "Nháp": True}
    biểu = next(sheet for sheet in two if sheet[0] == "Biểu")
    assert biểu[6] is True and (10, 4) in biểu[3]                        # formulas known, D10 among them


# ------------------------------------------------------------- forms/formulas.py, core/names.py

@pytest.mark.parametrize("formula", [
    '=IF(COUNT(B5,C5)<2,"",B5/C5)',
    '= IF( COUNT(B5, C5)<2, "", B5/C5)',                # spaces as an officer may type them
    '=if(count(B5,C5)<2,"",B5/C5)',
])
def test_a_guarded_formula_is_recognised_however_it_is_spaced_or_cased(formula):
    assert is_guarded(formula)


@pytest.mark.parametrize("formula", ['=B5/C5', '=IF(B5>0,B5/C5,"")', '=SUM(B5:B9)', "", None])
def test_other_formulas_are_not_guarded(formula):
    assert not is_guarded(formula)


@pytest.mark.parametrize("typed, new", [
    ("Hoà Bình", "Hòa Bình"),
    ("HOÀ BÌNH", "HÒA BÌNH"),
    ("Thuỷ Hùng", "Thủy Hùng"),
    ("Hòa Bình", "Hòa Bình"),
])
def test_the_new_tone_placement_keeps_the_name_as_typed(typed, new):
    """'oà' → 'òa', 'uỷ' → 'ủy', case kept, NFC; a name already in the new placement is unchanged."""
    assert new_tone_placement(typed) == new
    assert new_tone_placement(typed.replace("à", "a\u0300")) == new        # typed decomposed


# ------------------------------------------------------------- write/safe_io.py

HOW = ("(lệnh kiểm tra vẫn đọc được tệp này). Hãy mở tệp trong Excel hoặc LibreOffice, chọn "
       "Lưu thành (Save As), kiểu tệp \"Excel Workbook (*.xlsx)\", rồi chạy lại với tệp .xlsx vừa lưu.")


@pytest.mark.parametrize("name, kind", [("bieu.ods", "tệp .ods"), ("bieu.xls", "tệp .xls"),
                                        ("bieu", "tệp không có đuôi")])
def test_a_copy_of_another_kind_of_file_is_refused_saying_how_to_save_it(tmp_path, name, kind):
    """The officer is told which kind of file it is (or that it has no extension) and how to save
    it as .xlsx in Excel or LibreOffice."""
    with pytest.raises(OutputError) as err:
        check_copyable(tmp_path / name, "Tính lại (recalc)")
    assert str(err.value) == (f"Tính lại (recalc) chỉ ghi được bản sao của tệp .xlsx hoặc .xlsm, "
                              f"còn '{name}' là {kind} " + HOW)


@pytest.mark.parametrize("name", ["bieu.xlsx", "BIEU.XLSM"])
def test_xlsx_and_xlsm_are_copied(tmp_path, name):
    assert check_copyable(tmp_path / name, "Tính lại (recalc)") is None


def test_a_workbook_openpyxl_cannot_open_is_refused_naming_the_file_and_the_failure(tmp_path):
    """A package that is a zip but no workbook (as a half-copied attachment can be): the officer
    reads which file and what kind of failure, never a traceback."""
    import openpyxl

    from macros_py.engines.file import WorkbookError, load_openpyxl

    broken = tmp_path / "hong.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("tai_lieu.txt", "không phải bảng tính")
    try:
        openpyxl.load_workbook(broken)
    except Exception as exc:            # noqa: BLE001 - what openpyxl itself raises on this file
        kind = type(exc).__name__
    with pytest.raises(WorkbookError) as err:
        load_openpyxl(broken)
    assert str(err.value) == f"Không đọc được tệp 'hong.xlsx': tệp hỏng hoặc không đúng định dạng ({kind})."
