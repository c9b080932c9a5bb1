"""An output that cannot be written (a read-only share, no permission, a full disk, a name too long,
a folder in its place): one Vietnamese message, exit 2, and no temporary file left behind.

Tests run as root in CI, where a chmod'ed folder stays writable: the read-only folder is then
simulated where the output's temporary file is created (the first write into the folder); the full
disk is the kernel's own, /dev/full, behind the temporary file's name.
"""
from __future__ import annotations

import errno
import gc
import os
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import van_quan_units
from macros_py.addin import build as addin_build
from macros_py.cli import main
from test_consolidate import commune_workbook

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))


@pytest.fixture
def inputs(tmp_path, van_quan_xlsx):
    """A district's table (for recalc, --annotate, clear, send, export) and an inbox of two communes."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    for i, unit in enumerate(van_quan_units()[:2]):
        commune_workbook(box / f"xa_{i}.xlsx", unit, epoch=1617235200 + i)
    return van_quan_xlsx, box


def _commands(src: Path, box: Path, out: Path) -> dict[str, list[str]]:
    return {
        "new": ["new", "--units", "Xã A;Xã B", "-o", str(out / "moi.xlsx")],
        "recalc": ["recalc", str(src), "-o", str(out / "tinh_lai.xlsx")],
        "annotate": ["validate", str(src), "--annotate", str(out / "danh_dau.xlsx")],
        "clear": ["clear", str(src), "-o", str(out / "xoa.xlsx")],
        "consolidate": ["consolidate", str(box), "-o", str(out / "tong_hop.xlsx")],
        "export-csv": ["export", str(src), "-o", str(out / "so_lieu.csv")],
        "export-xlsx": ["export", str(src), "-o", str(out / "so_lieu.xlsx")],
        "send": ["send", str(src), "-o", str(out / "thu.eml")],
        "addin": ["addin", "build", "-o", str(out / "giamngheo.xlam")],
    }


COMMANDS = list(_commands(Path("a"), Path("b"), Path("c")))


def _run(argv, capsys, monkeypatch) -> tuple[int, str]:
    """The command's exit code and its stderr; any exception a writer's half-closed file raises
    later, when it is collected, fails the test (it would print a traceback to the officer)."""
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    code = main(argv)
    gc.collect()
    assert unraisable == [], [u.exc_value for u in unraisable]
    return code, capsys.readouterr().err


def _simulate(monkeypatch, folder: Path, make):
    """Route the creation of temporary files in `folder` through `make(real_mkstemp, *args, **kw)`."""
    real = tempfile.mkstemp

    def mkstemp(*args, **kw):
        if Path(kw.get("dir") or "").resolve() == folder.resolve():
            return make(real, *args, **kw)
        return real(*args, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def _read_only(monkeypatch, folder: Path) -> None:
    folder.chmod(0o555)
    if ROOT:         # root writes anyway: the folder says what a read-only mount says
        def refuse(real, *args, **kw):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder / ".~giamngheo-x"))
        _simulate(monkeypatch, folder, refuse)


def _disk_full(monkeypatch, folder: Path) -> None:
    def full(real, *args, **kw):
        fd, name = real(*args, **kw)
        os.close(fd)
        os.unlink(name)
        os.symlink("/dev/full", name)      # every write into it: ENOSPC from the kernel
        return os.open(name, os.O_WRONLY), name
    _simulate(monkeypatch, folder, full)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_read_only_output_folder_is_said_plainly(tmp_path, inputs, command, capsys, monkeypatch):
    out = tmp_path / "o_mang"
    out.mkdir()
    _read_only(monkeypatch, out)
    try:
        code, err = _run(_commands(*inputs, out)[command], capsys, monkeypatch)
    finally:
        out.chmod(0o755)
    assert code == 2, err
    assert "Không ghi được" in err and ("chỉ cho đọc" in err or "không có quyền ghi" in err), err
    assert "Lỗi không mong đợi" not in err
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_said_plainly_and_leaves_nothing(tmp_path, inputs, command, capsys, monkeypatch):
    out = tmp_path / "o_day"
    out.mkdir()
    _disk_full(monkeypatch, out)
    code, err = _run(_commands(*inputs, out)[command], capsys, monkeypatch)
    assert code == 2, err
    assert "Không ghi được" in err and "ổ đĩa đã đầy" in err, err
    assert "Lỗi không mong đợi" not in err and "Traceback" not in err
    assert list(out.iterdir()) == []


def test_a_name_too_long_and_a_folder_in_the_files_place(tmp_path, capsys):
    long_name = tmp_path / ("bieu_" + "x" * 300 + ".xlsx")
    assert main(["new", "--units", "Xã A", "-o", str(long_name)]) == 2
    err = capsys.readouterr().err
    assert "tên tệp hoặc đường dẫn quá dài" in err and "Lỗi không mong đợi" not in err
    folder = tmp_path / "bieu.xlsx"
    folder.mkdir()
    assert main(["new", "--units", "Xã A", "-o", str(folder), "--force"]) == 2
    err = capsys.readouterr().err
    assert "là một thư mục" in err
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_no_permission_is_said_plainly(tmp_path, van_quan_xlsx, capsys, monkeypatch):
    """A colleague's folder on the share, writable by its owner only."""
    out = tmp_path / "cua_nguoi_khac"
    out.mkdir()
    out.chmod(0o555)
    if ROOT:
        def refuse(real, *args, **kw):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out / ".~giamngheo-x"))
        _simulate(monkeypatch, out, refuse)
    try:
        code = main(["recalc", str(van_quan_xlsx), "-o", str(out / "b.xlsx")])
    finally:
        out.chmod(0o755)
    assert code == 2
    assert "không có quyền ghi" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_addin_build_never_writes_into_an_installed_package(tmp_path, monkeypatch):
    """Without -o: the checkout's addin/giamngheo.xlam for developers; an installed package's own
    folder is no place to write, the current folder is."""
    assert not addin_build._installed()                       # this checkout
    assert addin_build.default_output() == addin_build.ADDIN_DIR / "giamngheo.xlam"
    monkeypatch.chdir(tmp_path)
    installed = Path(addin_build.__file__).resolve().parent / "files"   # where a wheel puts it
    monkeypatch.setattr(addin_build, "ADDIN_DIR", installed)
    assert addin_build._installed()
    assert addin_build.default_output() == tmp_path / "giamngheo.xlam"


def test_addin_build_run_from_an_installed_package_writes_here(tmp_path, monkeypatch, capsys):
    shipped = addin_build.ADDIN_DIR / "giamngheo.xlam"
    before = shipped.stat().st_mtime_ns
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(addin_build, "_installed", lambda: True)
    assert main(["addin", "build"]) == 0
    assert str(tmp_path / "giamngheo.xlam") in capsys.readouterr().out
    assert (tmp_path / "giamngheo.xlam").read_bytes() == shipped.read_bytes()
    assert shipped.stat().st_mtime_ns == before
