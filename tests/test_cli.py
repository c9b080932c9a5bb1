"""The command line as an officer or district IT person meets it: messages and exit codes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def run(*args, cwd=None):
    exe = Path(sys.executable).parent / "giamngheo"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def test_new_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "b.xlsx"
    assert run("new", "-o", str(out)).returncode == 0
    before = out.read_bytes()
    r = run("new", "--units", "Xã A", "-o", str(out))
    assert r.returncode == 2 and "đã có" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == before
    assert run("new", "--units", "Xã A", "-o", str(out), "--force").returncode == 0
    assert out.read_bytes() != before


def test_missing_input_and_unknown_form_give_vietnamese_messages(tmp_path):
    r = run("recalc", str(tmp_path / "khong_co.xlsx"), "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Không tìm thấy tệp" in r.stderr and "Traceback" not in r.stderr
    r = run("new", "--form", "bieu-la", "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Không có biểu 'bieu-la'" in r.stderr


def test_not_a_workbook_and_no_known_form(tmp_path):
    fake = tmp_path / "thu.xlsx"
    fake.write_text("đây không phải bảng tính", encoding="utf-8")
    r = run("recalc", str(fake), "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "bị hỏng" in r.stderr and "Traceback" not in r.stderr
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách cán bộ"
    other = tmp_path / "khac.xlsx"
    wb.save(other)
    r = run("recalc", str(other), "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Không tìm thấy biểu nào" in r.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_recalc_refuses_to_write_over_its_input(tmp_path):
    src = tmp_path / "b.xlsx"
    run("new", "--units", "Xã A", "-o", str(src))
    before = src.read_bytes()
    r = run("recalc", str(src), "-o", str(src), "--force")
    assert r.returncode == 2 and "trùng với tệp đầu vào" in r.stderr
    assert src.read_bytes() == before


def test_bad_units_file(tmp_path):
    units = tmp_path / "dv.csv"
    units.write_text("Đơn vị;1;2\nXã A;nhiều;3\n", encoding="utf-8")
    r = run("new", "--units", str(units), "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "'nhiều' không phải là số" in r.stderr
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".~*"))


def test_forms_lists_the_main_form():
    r = run("forms")
    assert r.returncode == 0 and "du-kien-giam-ngheo" in r.stdout and "Biểu dự kiến giảm nghèo" in r.stdout


def test_help_and_argument_errors_are_vietnamese():
    for args in (["--help"], ["validate", "--help"], ["consolidate", "--help"]):
        r = run(*args)
        assert r.returncode == 0 and "Cách dùng:" in r.stdout and "tùy chọn" in r.stdout
        assert "usage:" not in r.stdout and "show this help" not in r.stdout
    r = run("validate")
    assert r.returncode == 2 and "thiếu tham số bắt buộc" in r.stderr
