"""The `giamngheo` command line: thin argument handling over the core.

Exit codes: 0 done (validate: no error found), 1 validate found errors,
2 bad input (unreadable file, no known form, output refused), 3 unexpected failure.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import OfficerError, UsageError

EXIT_OK, EXIT_BAD_INPUT, EXIT_BUG = 0, 2, 3   # 1 (errors found) comes from validate itself


_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "expected one argument": "cần một giá trị",
}


def _vietnamese(text: str) -> str:
    """argparse's own words (headings, errors) in Vietnamese; argparse looks them up through `_`."""
    return _ARGPARSE_VI.get(text, text)


argparse._ = _vietnamese


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own English errors, put plainly
        self.print_usage(sys.stderr)
        print(f"Lỗi: tham số không hợp lệ ({message}).", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="giamngheo", description="Biểu dự kiến giảm nghèo: tạo biểu, tính lại, kiểm tra.")
    sub = p.add_subparsers(dest="command", metavar="LỆNH")
    sub.required = True

    new = sub.add_parser("new", help="Tạo biểu mới sẵn công thức")
    new.add_argument("--form", default=None, help="Mã biểu (xem 'giamngheo forms')")
    new.add_argument("--units", help="Danh sách đơn vị: tệp .csv/.txt, hoặc \"A;B;C\"")
    new.add_argument("--year", default="……", help="Năm kế hoạch")
    new.add_argument("--unit", default="……", help="Đơn vị lập biểu, ví dụ 'huyện Văn Quan'")
    new.add_argument("--title", help="Tiêu đề biểu (mặc định theo mẫu)")
    new.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA")
    new.add_argument("--force", action="store_true", help="Ghi đè nếu tệp đã có")

    rc = sub.add_parser("recalc", help="Tính lại: đưa công thức và dòng Cộng trở lại")
    rc.add_argument("input", type=Path)
    rc.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA")
    rc.add_argument("--force", action="store_true", help="Ghi đè nếu tệp ra đã có")
    rc.add_argument("--keep-text", action="store_true",
                    help="Giữ nguyên các ô nhập chứa số dạng văn bản (mặc định: đổi \"1.188\", \"8,25\" thành số)")
    rc.add_argument("--convert-text-numbers", action="store_true", help=argparse.SUPPRESS)   # now the default

    val = sub.add_parser("validate", help="Kiểm tra số liệu theo quy tắc của biểu")
    val.add_argument("files", nargs="+", type=Path, metavar="TỆP", help="Tệp hoặc thư mục (kiểm tra mọi bảng tính trong đó)")
    val.add_argument("--format", choices=("text", "json"), default="text",
                     help="text: báo cáo cho người đọc; json: cho phần mềm khác đọc")
    val.add_argument("--annotate", type=Path, metavar="TỆP_RA",
                     help="Ghi bản sao có đánh dấu ô sai (một tệp đầu vào)")
    val.add_argument("--force", action="store_true", help="Ghi đè nếu tệp ra đã có")

    clr = sub.add_parser("clear", help="Xóa đánh dấu do --annotate thêm vào")
    clr.add_argument("input", type=Path)
    clr.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA")
    clr.add_argument("--force", action="store_true", help="Ghi đè nếu tệp ra đã có")

    con = sub.add_parser("consolidate", help="Tổng hợp các biểu đơn vị gửi lên thành biểu cấp trên")
    con.add_argument("inputs", nargs="+", type=Path, help="Thư mục hoặc tệp nhận được")
    con.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA")
    con.add_argument("--units", help="Danh sách đơn vị (tệp .csv/.txt hoặc \"A;B;C\"), theo thứ tự dòng")
    con.add_argument("--form", default=None, help="Mã biểu (mặc định: biểu gặp nhiều nhất)")
    con.add_argument("--title", help="Tiêu đề biểu tổng hợp")
    con.add_argument("--year", default="……")
    con.add_argument("--unit", default="……", help="Đơn vị tổng hợp, ví dụ 'huyện Văn Quan'")
    con.add_argument("--force", action="store_true", help="Ghi đè nếu tệp ra đã có")

    rec = sub.add_parser("reconcile", help="Đối chiếu biểu cấp trên với biểu của từng đơn vị")
    rec.add_argument("upper", type=Path)
    rec.add_argument("inputs", nargs="+", type=Path)
    rec.add_argument("--format", choices=("text", "json"), default="text",
                     help="text: báo cáo cho người đọc; json: cho phần mềm khác đọc")

    sub.add_parser("forms", help="Liệt kê các biểu đã biết")

    addin = sub.add_parser("addin", help="Add-in Excel: build, install, uninstall")
    addin_sub = addin.add_subparsers(dest="addin_command", metavar="VIỆC")
    addin_sub.required = True
    build = addin_sub.add_parser("build", help="Dựng addin/giamngheo.xlam từ mã nguồn (ribbon XML, VBA)")
    build.add_argument("-o", "--output", type=Path, default=None)
    for name, text in (("install", "Cài add-in cho người dùng này (Windows)"),
                       ("uninstall", "Gỡ add-in (Windows)")):
        cmd = addin_sub.add_parser(name, help=text)
        cmd.add_argument("--dry-run", action="store_true", help="Chỉ cho biết sẽ làm gì")
    return p


def cmd_new(args) -> int:
    from .write.layout import make_layout
    from .forms.spec import DEFAULT_FORM, get_form
    from .commands.unit_list import read_units
    from .write.safe_io import atomic_output
    from .write.xlsx_writer import write_new_workbook

    form = get_form(args.form or DEFAULT_FORM)
    units = read_units(args.units, form)
    layout = make_layout(form, units, year=args.year, unit=args.unit, title=args.title)
    with atomic_output(args.output, args.force) as tmp:
        write_new_workbook(layout, tmp)
    print(f"Đã tạo '{args.output}': {form.name}, {len(units)} đơn vị.")
    return EXIT_OK


def cmd_recalc(args) -> int:
    from .core.numbers import format_vi
    from .commands.recalc import recalc_file

    result = recalc_file(args.input, args.output, force=args.force, convert_text=not args.keep_text)
    for t in result.tables:
        print(f"Trang '{t.sheet}': {t.form.name}, {len(t.unit_rows)} đơn vị.")
    print(f"Đã ghi {result.writes} ô công thức vào '{args.output}'.")
    if result.overwrites:
        print(f"{len(result.overwrites)} ô đã bị gõ đè số lên công thức (nay đã khôi phục):")
        for o in result.overwrites:
            print(f"  {o.sheet}!{o.ref} (cột {o.column}): đã ghi {format_vi(o.held) if isinstance(o.held, (int, float)) else repr(o.held)}, công thức cho {format_vi(o.expected)}")
    else:
        print("Không có ô công thức nào bị gõ đè.")
    if result.text_numbers:
        converted = [t for t in result.text_numbers if result.converted and t.unambiguous]
        kept = [t for t in result.text_numbers if t not in converted]
        if converted:
            print(f"{len(converted)} ô nhập chứa số dạng văn bản, đã đổi thành số:")
            for t in converted:
                print(f"  {t.sheet}!{t.ref}: '{t.text}' đọc là {format_vi(t.value)}")
        if kept:
            why = "theo --keep-text" if not result.converted else "vì có thể đọc nhiều cách"
            print(f"{len(kept)} ô nhập chứa số dạng văn bản được giữ nguyên {why}; công thức không dùng được, "
                  "hãy gõ lại thành số:")
            for t in kept:
                print(f"  {t.sheet}!{t.ref}: '{t.text}' (có thể là {format_vi(t.value)})")
    if result.changed:
        print(f"{len(result.changed)} ô công thức nay cho số khác với số đang hiện:")
        for c in result.changed:
            print(f"  {c.sheet}!{c.ref} (cột {c.column}): {c.text}")
    for message in result.empty:
        print(f"Lưu ý: {message}")
    return EXIT_OK


def cmd_validate(args) -> int:
    from .commands.validate import run_validate

    return run_validate(args.files, fmt=args.format, annotate=args.annotate, force=args.force)


def cmd_clear(args) -> int:
    from .commands.annotate import clear_file

    removed = clear_file(args.input, args.output, force=args.force)
    print(f"Đã xóa {removed} đánh dấu; ghi vào '{args.output}'.")
    return EXIT_OK


def cmd_consolidate(args) -> int:
    from .commands.consolidate import consolidate, render_text, write_consolidation
    from .forms.spec import get_form

    units = None
    if args.units:
        from .commands.unit_list import read_units

        form = get_form(args.form) if args.form else get_form()
        units = [u.name for u in read_units(args.units, form) if u.name]
    result = consolidate(args.inputs, units=units, form_id=args.form, progress=sys.stderr.isatty())
    if not result.form_id:
        print(render_text(result), file=sys.stderr)
        raise UsageError("Không có tệp nào đọc được chứa biểu đã biết.")
    write_consolidation(result, args.output, force=args.force, year=args.year, unit=args.unit, title=args.title)
    print(render_text(result))
    print(f"Đã ghi biểu tổng hợp '{args.output}' (kèm trang 'Nguồn' và 'Tình hình nộp').")
    return EXIT_OK


def cmd_reconcile(args) -> int:
    from .commands.reconcile import reconcile
    from .commands.validate import emit

    return emit(reconcile(args.upper, args.inputs, progress=sys.stderr.isatty()), args.format)


def cmd_addin(args) -> int:
    if args.addin_command == "build":
        from .addin.build import build

        print(f"Đã dựng '{build(args.output)}'.")
        return EXIT_OK
    from .addin import install as addin_install

    action = addin_install.install if args.addin_command == "install" else addin_install.uninstall
    lines = action(dry_run=args.dry_run)
    print("\n".join(lines))
    return EXIT_OK


def cmd_forms(args) -> int:
    from .forms.spec import forms

    for form in forms().values():
        print(f"{form.id}\t{form.name} ({len([c for c in form.columns if c.is_number])} cột số)")
    return EXIT_OK


COMMANDS = {"new": cmd_new, "recalc": cmd_recalc, "validate": cmd_validate, "clear": cmd_clear,
            "consolidate": cmd_consolidate, "reconcile": cmd_reconcile, "forms": cmd_forms, "addin": cmd_addin}


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except OfficerError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # never a traceback for an officer
        if os.environ.get("GIAMNGHEO_DEBUG"):
            raise
        print(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}). Đặt GIAMNGHEO_DEBUG=1 để xem chi tiết "
              "và báo cho bộ phận CNTT.", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
