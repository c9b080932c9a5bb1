"""The add-in package: built from text sources, readable by independent tools, wired to the Python."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from conftest import ROOT
from macros_py import excel
from macros_py.addin.build import build
from macros_py.addin.cfb import write_cfb
from macros_py.addin.ovba_compression import compress

XLAM = ROOT / "addin" / "giamngheo.xlam"
NS = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
CT = {"ct": "http://schemas.openxmlformats.org/package/2006/content-types"}


def test_shipped_addin_is_exactly_what_the_sources_build(tmp_path):
    assert build(tmp_path / "g.xlam").read_bytes() == XLAM.read_bytes(), "run 'giamngheo addin build'"


def test_olevba_reads_our_module_and_the_renamed_project():
    parser = VBA_Parser(str(XLAM))
    modules = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    assert set(modules) == {"ThisWorkbook", "Dictionary", "GiamNgheo", "Sheet2", "xlwings"}
    source = (ROOT / "addin" / "src" / "GiamNgheo.bas").read_text(encoding="ascii")
    assert modules["GiamNgheo"].replace("\r\n", "\n").strip() == source.strip()
    assert "giamngheo.dispatch('\" & control.Tag & \"')" in modules["GiamNgheo"]
    assert 'Public Const PROJECT_NAME As String = "giamngheo"' in modules["xlwings"]


def test_vba_project_is_source_only_and_readable_by_a_second_cfb_reader(tmp_path):
    import cfb

    data = zipfile.ZipFile(XLAM).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(data)
    streams = {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()}
    assert streams["VBA/_VBA_PROJECT"][2:4] == b"\xff\xff"          # version 0xFFFF: Excel recompiles
    assert "VBA/RibbonMyAddin" not in streams
    path = tmp_path / "v.bin"
    path.write_bytes(data)
    other = cfb.CfbIO(str(path))

    def walk(entry_id, parents):
        if entry_id is None or entry_id == 0xFFFFFFFF:
            return
        entry = other[entry_id]
        yield from walk(entry.left_sibling_id, parents)
        if entry.type == 2:
            yield "/".join(parents + [entry.name]), entry.read()
        yield from walk(entry.child_id, parents + [entry.name])
        yield from walk(entry.right_sibling_id, parents)

    assert dict(walk(other.root.child_id, [])) == streams
    project = streams["PROJECT"].decode("cp1252")
    assert "Module=GiamNgheo" in project and 'Name="giamngheo"' in project


def test_every_button_calls_one_callback_and_every_tag_is_an_entry_point():
    root = ET.fromstring(zipfile.ZipFile(XLAM).read("customUI/customUI.xml"))
    tab = root.find(".//ui:tab", NS)
    assert tab.get("label") == "Giảm nghèo"
    buttons = root.findall(".//ui:button", NS)
    assert {b.get("onAction") for b in buttons} == {"GiamNgheo.OnButton"}
    assert {excel.split_tag(b.get("tag"))[0] for b in buttons} == set(excel.ACTIONS)
    labels = {b.get("tag"): b.get("label") for b in buttons}
    assert {labels[t] for t in ("recalc", "validate", "clear", "consolidate")} == \
        {"Tính lại", "Kiểm tra", "Xóa đánh dấu", "Tổng hợp"}
    # one "Tạo biểu mới" entry per shipped form, each naming a form that exists
    from macros_py.forms.spec import forms
    new_forms = {excel.split_tag(t)[1]["form_id"] for t in labels if t.startswith("new_table:")}
    assert new_forms == set(forms())
    assert root.find(".//ui:menu", NS).get("label") == "Tạo biểu mới"
    assert all(b.get("imageMso") for b in buttons)


def test_package_is_a_valid_zip_with_consistent_content_types():
    with zipfile.ZipFile(XLAM) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        types = ET.fromstring(z.read("[Content_Types].xml"))
        rels = z.read("_rels/.rels").decode()
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.findall("ct:Default", CT)}
    overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.findall("ct:Override", CT)}
    for name in names - {"[Content_Types].xml"}:
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    assert all(part in names for part in overrides)
    assert overrides["xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides.get("xl/vbaProject.bin", defaults.get("bin")) == "application/vnd.ms-office.vbaProject"
    assert 'Target="customUI/customUI.xml"' in rels


def test_vba_source_is_ascii():
    (ROOT / "addin" / "src" / "GiamNgheo.bas").read_text(encoding="ascii")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=12000) | st.text(alphabet="ab \r\nSub End()", max_size=12000).map(str.encode))
def test_ovba_compression_is_read_back_by_oletools(data):
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "C/D", "C/E", "F/G/H", "LONGNAME", "x"]),
                       st.binary(max_size=9000), min_size=1))
def test_cfb_writer_is_read_back_by_olefile(streams):
    ole = olefile.OleFileIO(write_cfb(streams))
    assert {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()} == streams


def test_install_is_explained_on_any_os_and_refused_off_windows():
    exe = str(Path(sys.executable).parent / "giamngheo")
    r = subprocess.run([exe, "addin", "install", "--dry-run"], capture_output=True, text=True)
    assert r.returncode == 0 and "XLSTART" in r.stdout and '"INTERPRETER_WIN"' in r.stdout
    if not sys.platform.startswith("win"):
        r = subprocess.run([exe, "addin", "install"], capture_output=True, text=True)
        assert r.returncode == 2 and "chỉ cài được trên Windows" in r.stderr
