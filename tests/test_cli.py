"""The command line as an officer or district IT person meets it: messages and exit codes."""
from __future__ import annotations

import argparse
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


# ---------------------------------------------------------------- a careful command line

def run_here(capsys, *args) -> tuple[int, str, str]:
    """The command run in this process (much quicker than a new one for many short calls)."""
    from macros_py.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:            # argparse: --help, --version, argument errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_unexpected_failure_exits_3_and_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    """GIAMNGHEO_DEBUG=1 shows where it failed; the exit code stays 3 (1 means 'errors found')."""
    from macros_py import cli
    from macros_py.commands import consolidate

    def broken(*args, **kwargs):
        raise RuntimeError("hỏng giữa chừng")

    monkeypatch.setattr(consolidate, "consolidate", broken)   # a bug deep inside a command
    args = ["consolidate", str(tmp_path), "-o", str(tmp_path / "x.xlsx")]
    monkeypatch.delenv("GIAMNGHEO_DEBUG", raising=False)
    assert cli.main(args) == 3
    err = capsys.readouterr().err
    assert "Lỗi không mong đợi (RuntimeError: hỏng giữa chừng)" in err and "Traceback" not in err
    monkeypatch.setenv("GIAMNGHEO_DEBUG", "1")
    assert cli.main(args) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: hỏng giữa chừng" in err


def test_outputs_excel_would_not_open_are_refused(tmp_path, capsys):
    src = tmp_path / "b.xlsx"
    assert run_here(capsys, "new", "--units", "Xã A", "-o", str(src))[0] == 0
    for args in (["new", "-o", str(tmp_path / "a.txt")],
                 ["new", "-o", str(tmp_path / "a.xls")],
                 ["recalc", str(src), "-o", str(tmp_path / "a.xls")],
                 ["recalc", str(src), "-o", str(tmp_path / "a.xlsm")],
                 ["clear", str(src), "-o", str(tmp_path / "a.ods")],
                 ["validate", str(src), "--annotate", str(tmp_path / "a.txt")],
                 ["consolidate", str(tmp_path), "-o", str(tmp_path / "a.csv")]):
        code, out, err = run_here(capsys, *args)
        assert code == 2, args
        assert "phải có đuôi .xlsx" in err and "Traceback" not in err, (args, err)
        assert out == "", args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]
    assert run_here(capsys, "recalc", str(src), "-o", str(tmp_path / "B.XLSX"))[0] == 0   # case does not matter


def test_year_must_be_a_year(tmp_path, capsys):
    for bad in ("20266", "1999", "2101", "năm nay", "21"):
        code, _, err = run_here(capsys, "new", "--year", bad, "-o", str(tmp_path / "x.xlsx"))
        assert code == 2 and "năm phải là một số từ 2000 đến 2100" in err, bad
        assert "argument" not in err and "invalid" not in err
    assert not (tmp_path / "x.xlsx").exists()
    assert run_here(capsys, "new", "--year", "2026", "-o", str(tmp_path / "x.xlsx"))[0] == 0
    import openpyxl
    assert openpyxl.load_workbook(tmp_path / "x.xlsx")["Biểu"]["A1"].value.endswith("NĂM 2026")


def test_consolidate_on_a_folder_that_does_not_exist_prints_only_the_error(tmp_path):
    r = run("consolidate", str(tmp_path / "hop_thu"), "-o", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"Lỗi: Không tìm thấy thư mục hoặc tệp: '{tmp_path / 'hop_thu'}'."]


def test_annotate_refuses_an_existing_output_before_printing_the_report(tmp_path):
    src, out = tmp_path / "b.xlsx", tmp_path / "danh_dau.xlsx"
    run("new", "--units", "Xã A", "-o", str(src))
    out.write_bytes(b"bang cua toi")
    r = run("validate", str(src), "--annotate", str(out))
    assert r.returncode == 2 and r.stdout == "" and "đã có" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == b"bang cua toi"
    r = run("validate", str(src), "--annotate", str(out), "--force")
    assert r.returncode in (0, 1) and "Đã đánh dấu" in r.stdout


def test_version():
    from importlib.metadata import version

    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"giamngheo {version('giamngheo')}"


def _actions(parser):
    """Every argument of every (sub)command, with the command's name."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{parser.prog} {name}".split(" ", 1)[-1], a) for _, a in _actions(sub))
        yield parser.prog, action


def test_every_argument_and_option_has_a_vietnamese_help_line():
    import re
    from macros_py.cli import _parser

    vietnamese = re.compile("[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
    seen = 0
    for command, action in _actions(_parser()):
        label = "/".join(action.option_strings) or action.dest
        if action.help == argparse.SUPPRESS:   # a retired option kept for old scripts, never shown
            continue
        assert action.help and vietnamese.search(action.help), (command, label, action.help)
        if action.nargs != 0:                 # a value: its placeholder is Vietnamese, not argparse's DEST
            assert action.metavar and action.metavar != action.dest.upper(), (command, label)
        seen += 1
    assert seen > 40


def test_argparse_speaks_vietnamese_everywhere(capsys):
    """Every text argparse looks up (headings, errors) has a Vietnamese one, and officers see no English."""
    import argparse
    import ast
    import inspect

    from macros_py.cli import _ARGPARSE_VI

    looked_up = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
            looked_up.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    assert looked_up and looked_up <= set(_ARGPARSE_VI), looked_up - set(_ARGPARSE_VI)

    english = ("usage", "positional arguments", "options:", "argument", "error", "invalid", "expected",
               "required", "unrecognized", "show this help", "choose from", "ambiguous")
    for args in (["--help"], ["new", "--help"], ["recalc", "--help"], ["validate", "--help"],
                 ["clear", "--help"], ["consolidate", "--help"], ["reconcile", "--help"], ["addin", "--help"],
                 ["addin", "build", "--help"]):
        code, out, _ = run_here(capsys, *args)
        assert code == 0 and out.startswith("Cách dùng:"), args
        assert not [w for w in english if w in out.lower()], (args, out)
    for args in (["validate"], ["validate", "--format", "xml", "x.xlsx"], ["new", "--units"], ["new", "--bogus"],
                 ["khong-co-lenh"], ["new", "-o"], ["validate", "--form", "x.xlsx"]):
        code, _, err = run_here(capsys, *args)
        assert code == 2 and err.startswith("Cách dùng:"), args
        assert not [w for w in english if w in err.lower()], (args, err)
        assert "Lỗi: " in err and "--help" in err
    r = run("validate", "--format", "xml", "x.xlsx")          # and so in a real process too
    assert r.returncode == 2 and "lựa chọn không hợp lệ" in r.stderr and "invalid" not in r.stderr


def test_recalc_reports_a_pasted_table_one_line_per_column(tmp_path):
    """Seed 003 as published (every formula cell typed), one rate pasted unrounded and one wrong."""
    from fixtures import typed_van_quan, FIRST_ROW
    from conftest import published_van_quan

    rows, _ = published_van_quan()
    src = typed_van_quan(tmp_path / "b.xlsx", {"E8": 99.5})          # Tân Đoàn's start rate, typed wrong
    out = tmp_path / "c.xlsx"
    r = run("recalc", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "ô có số gõ tay ở chỗ của công thức" in line)
    listed = lines[head + 1:]
    units = len(rows)
    # column 3 on every unit row and the total row; E8 (third unit) differs from 2/1x100
    households, poor = rows[2][1][0], rows[2][1][1]
    right = f"{round(poor / households * 100, 2):.2f}".replace(".", ",")
    assert f"  cột 3: {units} ô gõ số bằng đúng công thức, 1 ô gõ số khác công thức — đã thay bằng công thức" in listed
    assert f"    E{FIRST_ROW + 2}: đã ghi 99,50, công thức cho {right}" in listed
    assert f"  cột 6: {units + 1} ô gõ số bằng đúng công thức — đã thay bằng công thức" in listed
    # one line per column (13 number columns at most) plus the one differing cell, never one per cell
    assert len([x for x in listed if x.startswith("  cột ")]) <= 13 and len(listed) <= 14 + 3
