"""The add-in package: built from text sources, readable by independent tools, wired to the Python."""
from __future__ import annotations

import functools
import os
import random
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import shutil
import unicodedata
from pathlib import PureWindowsPath

import olefile
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

import vba_replay
from conftest import DATA, ROOT
from macros_py import excel
from macros_py.addin import install
from macros_py.addin.build import build, template_path
from macros_py.addin.cfb import write_cfb
from macros_py.addin.ovba_compression import compress
from xlwings_payload import actions, book_for

XLAM = ROOT / "addin" / "giamngheo.xlam"
MODULE = "RibbonGiamNgheo"
NS = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
CT = {"ct": "http://schemas.openxmlformats.org/package/2006/content-types"}


def test_shipped_addin_is_exactly_what_the_sources_build(tmp_path):
    assert build(tmp_path / "g.xlam").read_bytes() == XLAM.read_bytes(), "run 'giamngheo addin build'"


def test_olevba_reads_our_module_and_the_renamed_project():
    parser = VBA_Parser(str(XLAM))
    modules = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    assert set(modules) == {"ThisWorkbook", "Dictionary", MODULE, "Sheet2", "xlwings"}
    source = (ROOT / "addin" / "src" / f"{MODULE}.bas").read_text(encoding="ascii")
    assert modules[MODULE].replace("\r\n", "\n").strip() == source.strip()
    assert "giamngheo.dispatch('\" & control.Tag & \"')" in modules[MODULE]
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
    assert f"Module={MODULE}" in project and 'Name="giamngheo"' in project


def test_every_button_calls_one_callback_and_every_tag_is_an_entry_point():
    root = ET.fromstring(zipfile.ZipFile(XLAM).read("customUI/customUI.xml"))
    tab = root.find(".//ui:tab", NS)
    assert tab.get("label") == "Giảm nghèo"
    buttons = root.findall(".//ui:button", NS)
    assert {b.get("onAction") for b in buttons} == {f"{MODULE}.OnButton"}
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
    (ROOT / "addin" / "src" / f"{MODULE}.bas").read_text(encoding="ascii")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=12000) | st.text(alphabet="ab \r\nSub End()", max_size=12000).map(str.encode))
def test_ovba_compression_is_read_back_by_oletools(data):
    try:
        packed = compress(data)
    except ValueError:
        assert 3640 < len(data) % 4096     # see test_a_short_random_final_chunk_is_refused_not_padded_with_nuls
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


# Every length class: a byte; within one chunk; at and above the most literals a compressed chunk holds
# (3640 bytes + 455 flag bytes = 4095; 3641 needs 4097); just short of, at and past one chunk; two chunks and more.
LENGTHS = [1, 2, 7, 8, 9, 100, 3639, 3640, 3641, 3700, 4000, 4095, 4096, 4097, 4100,
           7736, 7737, 8000, 8191, 8192, 8193, 8200]


@pytest.mark.parametrize("n", LENGTHS)
def test_incompressible_data_comes_back_exactly_or_is_refused(n):
    data = random.Random(n).randbytes(n)
    tail = n % 4096 or 4096
    try:
        packed = compress(data)
    except ValueError:
        # Only a short final chunk too random for 4096 bytes of tokens, never one a raw chunk holds exactly.
        assert 3640 < tail < 4096
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_a_short_random_final_chunk_is_refused_not_padded_with_nuls():
    for n in (4095, 8191):
        with pytest.raises(ValueError, match="cannot be stored exactly"):
            compress(random.Random(n).randbytes(n))
    # a full random chunk is stored raw (flag bit 0) and still comes back exactly
    data = random.Random(0).randbytes(4096 + 10)
    packed = compress(data)
    assert struct.unpack_from("<H", packed, 1)[0] & 0x8000 == 0
    assert bytes(decompress_stream(bytearray(packed))) == data
    # text of the same lengths always compresses
    for n in (4095, 8191):
        text = (b"Sub OnButton(control As IRibbonControl)\r\n" * 300)[:n]
        assert bytes(decompress_stream(bytearray(compress(text)))) == text


def test_storages_start_at_sector_zero_as_the_cfb_specification_wants():
    data = zipfile.ZipFile(XLAM).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(data)
    storages = [e for e in ole.direntries if e is not None and e.entry_type == olefile.STGTY_STORAGE]
    assert [e.name for e in storages] == ["VBA"]
    assert all(e.isectStart == 0 and e.size == 0 for e in storages)
    ole = olefile.OleFileIO(write_cfb({"A/B/C": b"x", "D": b""}))
    assert {e.name: e.isectStart for e in ole.direntries if e and e.entry_type == olefile.STGTY_STORAGE} == \
        {"A": 0, "B": 0}


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "C/D", "C/E", "F/G/H", "LONGNAME", "x"]),
                       st.binary(max_size=9000), min_size=1))
def test_cfb_writer_is_read_back_by_olefile(streams):
    ole = olefile.OleFileIO(write_cfb(streams))
    assert {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()} == streams


# ---------------------------------------------------------------- VBA names (case-insensitive)

PROCEDURE = re.compile(r"^[ \t]*(?:(?:Public|Private|Friend)\s+)?(?:Static\s+)?"
                       r"(?:Sub|Function|Property\s+(?:Get|Let|Set))\s+(\w+)\s*\(", re.M | re.I)


@functools.lru_cache(maxsize=None)
def _modules(path: Path = XLAM) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    return {Path(name).stem: code.replace("\r\n", "\n") for _, _, name, code in parser.extract_macros()}


def _project_name() -> str:
    ole = olefile.OleFileIO(zipfile.ZipFile(XLAM).read("xl/vbaProject.bin"))
    return re.search(r'^Name="([^"]+)"', ole.openstream("PROJECT").read().decode("cp1252"), re.M).group(1)


def test_project_module_and_procedure_names_are_distinct_as_vba_compares_them():
    modules = _modules()
    names = [_project_name(), *modules]
    assert len({n.lower() for n in names}) == len(names), names          # VBA error 32813 otherwise
    ours = PROCEDURE.findall(modules[MODULE])
    assert len({p.lower() for p in ours}) == len(ours), ours
    elsewhere = {p.lower() for m, code in modules.items() if m != MODULE for p in PROCEDURE.findall(code)}
    assert not {p.lower() for p in ours} & elsewhere
    for module, code in modules.items():
        assert not {p.lower() for p in PROCEDURE.findall(code)} & {n.lower() for n in names}, module


def test_every_on_action_names_a_ribbon_callback_that_exists():
    modules = _modules()
    root = ET.fromstring(zipfile.ZipFile(XLAM).read("customUI/customUI.xml"))
    actions_ = {el.get("onAction") for el in root.iter() if el.get("onAction")}
    assert actions_
    for action in actions_:
        module, procedure = action.split(".")
        assert module in modules, action
        assert re.search(rf"^Sub {procedure}\(control As IRibbonControl\)\s*$", modules[module], re.M | re.I), action


# ---------------------------------------------------------------- the callback with and without a workbook

class _Control:
    def __init__(self, tag: str):
        self.tag = tag


def _click(tag: str, workbook_open: bool) -> list[tuple]:
    """Replay RibbonGiamNgheo.OnButton from the built add-in; what it asked Excel to do."""
    calls: list[tuple] = []

    class Shell:
        def popup(self, text, seconds, title, kind):
            calls.append(("popup", text, title))
            return 1

    class Workbooks:
        def add(self):
            calls.append(("add",))

    host = {"ActiveWorkbook": object() if workbook_open else None, "Workbooks": Workbooks(),
            "CreateObject": lambda name: {"WScript.Shell": Shell()}[name],
            "RunPython": lambda command: calls.append(("run", command))}
    vba_replay.load(_modules()[MODULE], host)["_onbutton"](_Control(tag))
    return calls


def _ribbon_tags() -> set[str]:
    root = ET.fromstring(zipfile.ZipFile(XLAM).read("customUI/customUI.xml"))
    return {b.get("tag") for b in root.findall(".//ui:button", NS)}


def test_with_a_workbook_open_every_button_runs_its_python_entry_point():
    for tag in _ribbon_tags():
        (call,) = _click(tag, workbook_open=True)
        assert call == ("run", f"import macros_py.excel as giamngheo; giamngheo.dispatch('{tag}')")
        compile(call[1], "RunPython", "exec")


def test_with_no_workbook_open_buttons_ask_for_one_and_new_table_makes_one():
    tags = _ribbon_tags() | {"send"}      # a button added later needs no VBA to get the same guard
    for tag in tags:
        calls = _click(tag, workbook_open=False)
        if tag.startswith("new_table") or tag == "consolidate":
            assert calls == [("add",), ("run", f"import macros_py.excel as giamngheo; giamngheo.dispatch('{tag}')")]
        else:
            assert calls == [("popup", "Hãy mở biểu cần kiểm tra trước", "Giảm nghèo")], tag


# ---------------------------------------------------------------- Vietnamese user names reach the VBA

class _AdodbStream:
    """ADODB.Stream as the reader uses it: LoadFromFile takes a Unicode path, ReadText decodes by Charset."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.type, self.charset, self.data = files, 1, "Unicode", None

    def open(self):
        pass

    def loadfromfile(self, path):
        self.data = self.files[path]          # a wrong path fails as ADODB does (error 3002)

    def readtext(self, count):
        assert self.type == 2 and count == -1
        return self.data.decode({"utf-8": "utf-8"}[self.charset.lower()])

    def close(self):
        pass


class _FileSystem:
    def __init__(self, files: dict[str, bytes]):
        self.files = files

    def fileexists(self, path):
        return path in self.files


def _windows(files: dict[str, bytes], env: dict[str, str]) -> dict:
    """Unicode COM objects over a dict of files, and WScript's %VARIABLE% expansion."""
    return {"CreateObject": lambda name: {"ADODB.Stream": lambda: _AdodbStream(files),
                                          "Scripting.FileSystemObject": lambda: _FileSystem(files)}[name](),
            "ExpandEnvironmentStrings": lambda s: re.sub(r"%(\w+)%", lambda m: env.get(m.group(1), m.group(0)), s),
            "PROJECT_NAME": "giamngheo"}


def _installed_config(tmp_path, home: PureWindowsPath, bom: bool = False) -> tuple[install.Plan, bytes]:
    """The installer's own writer, run into tmp_path, with the paths a Vietnamese user's PC has."""
    plan = install.Plan(XLAM, tmp_path / "XLSTART" / "giamngheo.xlam", tmp_path / ".giamngheo" / "giamngheo.conf",
                        {"INTERPRETER_WIN": str(home / r"giamngheo-env\Scripts\pythonw.exe"),
                         "PYTHONPATH": str(home / r"giamngheo-env\Lib\site-packages")})
    install.apply(plan)
    data = (tmp_path / ".giamngheo" / "giamngheo.conf").read_bytes()
    return plan, (b"\xef\xbb\xbf" + data if bom else data)


USERS = [r"C:\Users\Đức", r"C:\Users\Nguyễn Thị Hồng Nhung", unicodedata.normalize("NFD", r"C:\Users\Đức Thắng")]


@pytest.mark.parametrize("home", USERS)
@pytest.mark.parametrize("bom", [False, True])
def test_config_the_installer_writes_reaches_the_vba_intact(tmp_path, home, bom):
    plan, data = _installed_config(tmp_path, PureWindowsPath(home), bom)
    config = rf"{home}\.giamngheo\giamngheo.conf"
    interpreter = plan.config["INTERPRETER_WIN"]
    files = {config: data, interpreter: b"MZ"}
    xlwings = _modules()["xlwings"]
    source = "\n".join(vba_replay.procedure(xlwings, name) for name in
                       ("GetConfigFilePath", "GetConfigFromFile", "FileExists", "FileExistsOnWindows"))
    vba = vba_replay.load(source, _windows(files, {"USERPROFILE": home}))
    assert vba["_getconfigfilepath"]() == config
    for key, value in plan.config.items():
        assert vba["_getconfigfromfile"](config, key.lower()) is True
        assert vba_replay.last_locals()["_svalue"] == value
    assert vba["_getconfigfromfile"](config, "CONDA PATH") is False
    assert vba["_fileexists"](interpreter) is True          # not "Could not find Interpreter!"


@pytest.mark.parametrize("codepage", ["cp1252", "cp1258"])
def test_xlwings_own_reader_would_garble_the_same_config(tmp_path, codepage):
    """Why the add-in's copy differs: the template's reader decodes the UTF-8 file in the ANSI code page."""
    plan, data = _installed_config(tmp_path, PureWindowsPath(USERS[0]))
    original = vba_replay.procedure(_modules(template_path())["xlwings"], "GetConfigFromFile")
    host = {"FileExists": lambda path: True, "Open": lambda path: vba_replay.AnsiFile(data, codepage)}
    vba = vba_replay.load(original, host)
    assert vba["_getconfigfromfile"]("giamngheo.conf", "INTERPRETER_WIN") is True
    assert vba_replay.last_locals()["_svalue"] != plan.config["INTERPRETER_WIN"]
    # and the replayed parsing itself is right: an ASCII path comes through the same reader intact
    ascii_plan, ascii_data = _installed_config(tmp_path / "a", PureWindowsPath(r"C:\Users\Duc"))
    host["Open"] = lambda path: vba_replay.AnsiFile(ascii_data, codepage)
    vba = vba_replay.load(original, host)
    vba["_getconfigfromfile"]("giamngheo.conf", "INTERPRETER_WIN")
    assert vba_replay.last_locals()["_svalue"] == ascii_plan.config["INTERPRETER_WIN"]


def test_no_ansi_only_file_call_is_left_on_the_windows_path_of_run_python():
    xlwings = _modules()["xlwings"]
    for name in ("GetConfigFilePath", "GetConfigFromFile", "FileExistsOnWindows", "ExecuteWindows", "ReadFile"):
        windows_side = "\n".join(vba_replay._preprocess(vba_replay.procedure(xlwings, name).split("\n")))
        code = "\n".join(vba_replay._strip_comment(line) for line in windows_side.split("\n"))
        assert not re.search(r"\bEnviron\(|^\s*Open\s|\bGetAttr\(|^\s*Kill\s|\bDir\(", code, re.M), name


# ---------------------------------------------------------------- icons

def test_every_icon_is_one_of_excels_own_control_ids():
    lines = (DATA / "excel_control_ids.tsv").read_text(encoding="utf-8").splitlines()
    excel_ids = {line.split("\t")[0] for line in lines if line and not line.startswith("#")}
    root = ET.fromstring((ROOT / "addin" / "src" / "customUI.xml").read_bytes())
    used = {el.get("imageMso") for el in root.iter() if el.get("imageMso")}
    assert used and used <= excel_ids, used - excel_ids
    assert "TableInsert" not in excel_ids        # PowerPoint's id: Excel shows no icon for it


# ---------------------------------------------------------------- install as IT installs

def test_install_writes_exactly_what_the_dry_run_shows(tmp_path):
    plan, data = _installed_config(tmp_path, PureWindowsPath(USERS[1]))
    assert (tmp_path / "XLSTART" / "giamngheo.xlam").read_bytes() == XLAM.read_bytes()
    shown = plan.describe()
    written = data.decode("utf-8").splitlines()
    assert written and [line.strip() for line in shown[2:]] == written


def test_reinstalling_while_excel_holds_the_addin_says_close_excel(tmp_path, monkeypatch):
    def locked(src, dst):
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    plan, _ = _installed_config(tmp_path, PureWindowsPath(USERS[0]))
    monkeypatch.setattr(install.shutil, "copyfile", locked)
    with pytest.raises(install.InstallError, match="đóng Excel rồi cài lại"):
        install.apply(plan)


def test_dry_run_is_explained_on_any_os_and_install_refused_off_windows():
    exe = str(Path(sys.executable).parent / "giamngheo")
    r = subprocess.run([exe, "addin", "install", "--dry-run"], capture_output=True, text=True)
    assert r.returncode == 0 and "XLSTART" in r.stdout and '"INTERPRETER_WIN"' in r.stdout
    assert "pythonw.exe" in r.stdout and not re.search(r"\\python\.exe", r.stdout)
    if not sys.platform.startswith("win"):
        r = subprocess.run([exe, "addin", "install"], capture_output=True, text=True)
        assert r.returncode == 2 and "chỉ cài được trên Windows" in r.stderr


def test_windows_interpreter_is_the_windowless_one_beside_python(tmp_path):
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "python.exe").write_bytes(b"MZ")
    (scripts / "pythonw.exe").write_bytes(b"MZ")
    assert install.interpreter(scripts / "python.exe") == scripts / "pythonw.exe"


def test_build_without_its_readers_names_the_extra_to_install(tmp_path):
    code = ("import sys; sys.modules.update({m: None for m in ('olefile', 'oletools', 'oletools.olevba')}); "
            f"from macros_py.cli import main; sys.exit(main(['addin', 'build', '-o', {str(tmp_path / 'g.xlam')!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "giamngheo[addin]" in r.stderr and "Traceback" not in r.stderr
    assert "CNTT" not in r.stderr          # IT runs this command


def test_a_wheel_carries_the_addin_and_installs_it_from_its_own_files(tmp_path):
    src, wheels, site = tmp_path / "src", tmp_path / "wheels", tmp_path / "site"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("macros_py", "addin"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(pip[:3] + ["wheel", *pip[3:], "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("giamngheo-*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert z.read("macros_py/addin/files/giamngheo.xlam") == XLAM.read_bytes()
        for name in ("customUI.xml", f"{MODULE}.bas"):
            assert z.read(f"macros_py/addin/files/src/{name}") == (ROOT / "addin" / "src" / name).read_bytes()
    subprocess.run(pip[:3] + ["install", *pip[3:], "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import sys, macros_py; print(macros_py.__file__); from macros_py.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "addin", "install", "--dry-run"], capture_output=True,
                       text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    first, *lines = r.stdout.splitlines()
    assert Path(first).is_relative_to(site)                  # the wheel's copy ran, not the checkout
    named = re.search(r"Chép '([^']+)'", r.stdout).group(1)
    assert Path(named).is_relative_to(site) and Path(named).read_bytes() == XLAM.read_bytes()
    # the wheel also carries the sources: the add-in rebuilds from them, byte for byte
    out = tmp_path / "rebuilt.xlam"
    r = subprocess.run([sys.executable, "-c", code, "addin", "build", "-o", str(out)], capture_output=True,
                       text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == XLAM.read_bytes()


# ---------------------------------------------------------------- what IT gets when something breaks

def _any_book(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách"
    wb.save(tmp_path / "a.xlsx")
    return book_for(tmp_path / "a.xlsx")


def test_an_unexpected_error_is_logged_where_it_looks_and_named_in_the_message(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setitem(excel.ACTIONS, "boom", lambda book: 1 / 0)
    book = _any_book(tmp_path)
    assert excel.run(book, "boom") is None
    (alert,) = [a for a in actions(book) if a["func"] == "alert"]
    log = home / ".giamngheo" / "giamngheo.log"
    assert str(log) in alert["args"][0] and "ZeroDivisionError" in alert["args"][0]
    text = log.read_text(encoding="utf-8")
    assert "nút 'boom'" in text and "Traceback" in text and "1 / 0" in text
    excel.run(_any_book(tmp_path), "boom")
    assert log.read_text(encoding="utf-8").count("Traceback") == 2     # appended, not replaced


def test_an_unwritable_log_still_leaves_a_message(tmp_path, monkeypatch):
    home = tmp_path / "not_a_folder"
    home.write_text("x")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setitem(excel.ACTIONS, "boom", lambda book: 1 / 0)
    book = _any_book(tmp_path)
    excel.run(book, "boom")
    (alert,) = [a for a in actions(book) if a["func"] == "alert"]
    assert "Hãy báo cho bộ phận CNTT" in alert["args"][0]
