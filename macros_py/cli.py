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


# argparse's own words, every one it passes through gettext (tests/test_cli.py checks none is missed).
_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s chưa rõ: có thể là %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (các lệnh: %(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "not allowed with argument %s": "không dùng cùng với %s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "ignored explicit argument %r": "giá trị %r bị bỏ qua (tùy chọn này không nhận giá trị)",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
    # mistakes in the parser's own definition, never an officer's: translated all the same
    "conflicting option string: %s": "tùy chọn bị định nghĩa trùng: %s",
    "conflicting option strings: %s": "các tùy chọn bị định nghĩa trùng: %s",
    ".__call__() not defined": ".__call__() chưa được định nghĩa",
    "'required' is an invalid argument for positionals": "'required' không dùng được cho tham số vị trí",
    "mutually exclusive arguments must be optional": "các tham số loại trừ nhau phải là tùy chọn",
    "%r is not callable": "%r không gọi được",
    "cannot merge actions - two groups are named %r": "không gộp được: hai nhóm cùng tên %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "tùy chọn %(option)r không hợp lệ: phải bắt đầu bằng ký tự %(prefix_chars)r",
    "dest= is required for options like %r": "cần dest= cho tùy chọn như %r",
    "invalid conflict_resolution value: %r": "giá trị conflict_resolution không hợp lệ: %r",
    "cannot have multiple subparser arguments": "không thể có nhiều nhóm lệnh con",
    "conflicting subparser: %s": "lệnh con bị trùng: %s",
    "conflicting subparser alias: %s": "tên khác của lệnh con bị trùng: %s",
    'argument "-" with mode %r': 'tham số "-" với chế độ %r',
}


def _vietnamese(text: str) -> str:
    """argparse's own words (headings, errors) in Vietnamese; argparse looks them up through `_`."""
    return _ARGPARSE_VI.get(text, text)


def _vietnamese_plural(singular: str, plural: str, n: int) -> str:
    return _vietnamese(singular if n == 1 else plural)


argparse._ = _vietnamese
argparse.ngettext = _vietnamese_plural


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors, put plainly
        self.print_usage(sys.stderr)
        print(f"Lỗi: {message}. Xem '{self.prog} --help'.", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _year(text: str) -> int:
    """--year: a plan year, not a typo (20266) or a unit name."""
    try:
        year = int(text.strip())
    except ValueError:
        year = None
    if year is None or not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"năm phải là một số từ 2000 đến 2100 (ví dụ 2026), không phải '{text}'")
    return year


class _Version(argparse.Action):
    """--version, looked up only when asked (importlib.metadata brings the email package along)."""
    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("giamngheo")
        except PackageNotFoundError:      # run from a source tree that was never installed
            from . import __version__ as number
        print(f"giamngheo {number}")
        parser.exit()


# What each output may be called: Excel opens a file by its extension, so an .xlsx written
# under another name would not open (or opens with a warning about a damaged file).
XLSX = (".xlsx",)
ADDIN = (".xlam",)


def _same_kind(src: Path) -> tuple[str, ...]:
    """A copy of a workbook keeps its kind: .xlsm (macros kept) stays .xlsm, anything else is written .xlsx."""
    suffix = Path(src).suffix.lower()
    return (suffix,) if suffix in (".xlsx", ".xlsm") else XLSX


def check_extension(out: Path, allowed: tuple[str, ...]) -> None:
    if Path(out).suffix.lower() not in allowed:
        raise UsageError(f"Tệp ra '{out}' phải có đuôi {' hoặc '.join(allowed)}: Excel mở tệp theo đuôi, "
                         f"và tệp này được ghi dạng {allowed[0]}.")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="giamngheo", description="Biểu dự kiến giảm nghèo: tạo biểu, tính lại, kiểm tra, tổng hợp.")
    p.add_argument("--version", action=_Version, help="hiện phiên bản rồi thoát")
    sub = p.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh", help="một trong các lệnh sau",
                           parser_class=_Parser)
    sub.required = True
    out_help = "Tệp kết quả (.xlsx)"
    force_help = "Ghi đè nếu tệp ra đã có"
    year_help = "Năm kế hoạch, ví dụ 2026"
    units_help = "Danh sách đơn vị: tệp .csv/.txt, hoặc \"A;B;C\""

    new = sub.add_parser("new", help="Tạo biểu mới sẵn công thức")
    new.add_argument("--form", default=None, metavar="MÃ_BIỂU", help="Mã biểu (xem 'giamngheo forms')")
    new.add_argument("--units", metavar="ĐƠN_VỊ", help=units_help)
    new.add_argument("--year", type=_year, default=None, metavar="NĂM", help=year_help)
    new.add_argument("--unit", default="……", metavar="TÊN", help="Đơn vị lập biểu, ví dụ 'huyện Văn Quan'")
    new.add_argument("--title", metavar="TIÊU_ĐỀ", help="Tiêu đề biểu (mặc định theo mẫu)")
    new.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA", help=out_help)
    new.add_argument("--charts", action="store_true", help="Thêm trang 'Biểu đồ' (biểu đồ theo đơn vị, tự cập nhật)")
    new.add_argument("--force", action="store_true", help=force_help)

    rc = sub.add_parser("recalc", help="Tính lại: đưa công thức và dòng Cộng trở lại")
    rc.add_argument("input", type=Path, metavar="TỆP", help="Biểu cần tính lại (.xlsx/.xlsm); tệp này không bị sửa")
    rc.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA",
                    help="Bản sao đã tính lại (cùng đuôi với tệp vào)")
    rc.add_argument("--force", action="store_true", help=force_help)
    rc.add_argument("--keep-text", action="store_true",
                    help="Giữ nguyên các ô nhập chứa số dạng văn bản (mặc định: đổi \"1.188\", \"8,25\" thành số)")
    rc.add_argument("--convert-text-numbers", action="store_true", help=argparse.SUPPRESS)   # now the default

    val = sub.add_parser("validate", help="Kiểm tra số liệu theo quy tắc của biểu")
    val.add_argument("files", nargs="+", type=Path, metavar="TỆP",
                     help="Tệp hoặc thư mục (kiểm tra mọi bảng tính trong đó)")
    val.add_argument("--format", choices=("text", "json"), default="text", metavar="DẠNG",
                     help="text: báo cáo cho người đọc; json: cho phần mềm khác đọc")
    val.add_argument("--annotate", type=Path, metavar="TỆP_RA",
                     help="Ghi bản sao có đánh dấu ô sai và trang 'Kiểm tra' (một tệp đầu vào, cùng đuôi)")
    val.add_argument("--force", action="store_true", help=force_help)

    clr = sub.add_parser("clear", help="Xóa đánh dấu do --annotate thêm vào")
    clr.add_argument("input", type=Path, metavar="TỆP", help="Bản sao đã đánh dấu; tệp này không bị sửa")
    clr.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA",
                     help="Bản sao đã xóa đánh dấu (cùng đuôi với tệp vào)")
    clr.add_argument("--force", action="store_true", help=force_help)

    con = sub.add_parser("consolidate", help="Tổng hợp các biểu đơn vị gửi lên thành biểu cấp trên")
    con.add_argument("inputs", nargs="*", type=Path, metavar="THƯ_MỤC_HOẶC_TỆP",
                     help="Thư mục hoặc tệp nhận được (bảng tính, thư đã lưu .eml/.msg, tệp nén .zip)")
    con.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA", help=out_help)
    con.add_argument("--units", metavar="ĐƠN_VỊ", help=units_help + ", theo thứ tự dòng")
    con.add_argument("--form", default=None, metavar="MÃ_BIỂU", help="Mã biểu (mặc định: biểu gặp nhiều nhất)")
    con.add_argument("--title", metavar="TIÊU_ĐỀ", help="Tiêu đề biểu tổng hợp")
    con.add_argument("--year", type=_year, default=None, metavar="NĂM", help=year_help + " (mặc định: năm của các biểu nhận được)")
    con.add_argument("--unit", default="……", metavar="TÊN", help="Đơn vị tổng hợp, ví dụ 'huyện Văn Quan'")
    con.add_argument("--force", action="store_true", help=force_help)
    con.add_argument("--imap", metavar="imaps://NGƯỜI_DÙNG@MÁY_CHỦ/HỘP_THƯ",
                     help="Đọc thư từ hộp thư (chỉ đọc, không xóa, không đánh dấu); mật khẩu hỏi khi chạy")
    con.add_argument("--since", metavar="NGÀY", help="Với --imap: thư nhận từ ngày này (31/03/2026 hoặc 2026-03-31)")
    con.add_argument("--from-domain", action="append", default=[], metavar="TÊN_MIỀN",
                     help="Với --imap: chỉ thư gửi từ tên miền này (có thể ghi nhiều lần)")
    con.add_argument("--cafile", type=Path, metavar="TỆP_PEM", help="Với --imap: chứng chỉ CA riêng của máy chủ thư")

    snd = sub.add_parser("send", help="Gửi lên: bản sao sạch có dấu kiểm tra và thư nháp kèm bản sao")
    snd.add_argument("input", type=Path, metavar="TỆP", help="Biểu cần gửi lên (.xlsx/.xlsm); tệp này không bị sửa")
    snd.add_argument("--to", metavar="ĐỊA_CHỈ", help="Địa chỉ nhận (mặc định: địa chỉ đã lưu)")
    snd.add_argument("--remember", action="store_true", help="Lưu địa chỉ --to làm địa chỉ nhận mặc định")
    snd.add_argument("-o", "--output", type=Path, metavar="THƯ_NHÁP.eml",
                     help="Tệp thư nháp (mặc định: cạnh bản sao, cùng tên, đuôi .eml)")
    snd.add_argument("--force", action="store_true", help="Vẫn tạo bản gửi khi biểu có lỗi; " + force_help.lower())

    rec = sub.add_parser("reconcile", help="Đối chiếu biểu cấp trên với biểu của từng đơn vị")
    rec.add_argument("upper", type=Path, metavar="BIỂU_CẤP_TRÊN", help="Biểu cấp trên cần đối chiếu")
    rec.add_argument("inputs", nargs="+", type=Path, metavar="THƯ_MỤC_HOẶC_TỆP",
                     help="Biểu của các đơn vị (thư mục hoặc tệp)")
    rec.add_argument("--format", choices=("text", "json"), default="text", metavar="DẠNG",
                     help="text: báo cáo cho người đọc; json: cho phần mềm khác đọc")

    exp = sub.add_parser("export", help="Xuất số liệu nhiều biểu (nhiều năm, nhiều cấp) ra một bảng dài")
    exp.add_argument("inputs", nargs="+", type=Path, metavar="TỆP", help="Tệp hoặc thư mục")
    exp.add_argument("-o", "--output", required=True, type=Path, metavar="TỆP_RA",
                     help="Tệp .csv (UTF-8), .xlsx hoặc .parquet")
    exp.add_argument("--form", default=None, metavar="MÃ_BIỂU", help="Chỉ xuất biểu mẫu này (mặc định: mọi biểu đã biết)")
    exp.add_argument("--force", action="store_true", help=force_help)

    sub.add_parser("forms", help="Liệt kê các biểu đã biết")

    addin = sub.add_parser("addin", help="Add-in Excel: dựng, cài, gỡ")
    addin_sub = addin.add_subparsers(dest="addin_command", metavar="VIỆC", title="các việc",
                                     help="một trong các việc sau", parser_class=_Parser)
    addin_sub.required = True
    build = addin_sub.add_parser("build", help="Dựng addin/giamngheo.xlam từ mã nguồn (ribbon XML, VBA)")
    build.add_argument("-o", "--output", type=Path, default=None, metavar="TỆP_RA",
                       help="Tệp add-in ra (.xlam; mặc định addin/giamngheo.xlam trong thư mục mã nguồn, "
                            "hoặc giamngheo.xlam trong thư mục hiện tại khi giamngheo đã được cài)")
    for name, text in (("install", "Cài add-in cho người dùng này (Windows)"),
                       ("uninstall", "Gỡ add-in (Windows)")):
        cmd = addin_sub.add_parser(name, help=text)
        cmd.add_argument("--dry-run", action="store_true", help="Chỉ cho biết sẽ làm gì")
    return p


COPY_ACTIONS = {"recalc": "Tính lại (recalc)", "annotate": "Đánh dấu ô sai (--annotate)",
                "clear": "Xóa đánh dấu (clear)"}


def check_args(args) -> None:
    """What can be refused before any work: outputs Excel would not open, inputs that are not there,
    an output that exists (for --annotate, before the report is printed)."""
    out = getattr(args, "output", None)
    if args.command in ("new", "consolidate") and out is not None:
        check_extension(out, XLSX)
    elif args.command in ("recalc", "clear"):
        from .write.safe_io import check_copyable     # tempfile and shutil: only for commands that write

        check_copyable(args.input, COPY_ACTIONS[args.command])
        check_extension(out, _same_kind(args.input))
    elif args.command == "addin" and out is not None:
        check_extension(out, ADDIN)
    if args.command == "validate" and args.annotate is not None:
        from .write.safe_io import check_copyable, check_output

        if len(args.files) == 1 and not Path(args.files[0]).is_dir():
            check_copyable(args.files[0], COPY_ACTIONS["annotate"])
        check_extension(args.annotate, _same_kind(args.files[0]))
        check_output(args.annotate, args.force, tuple(args.files))
    if args.command == "consolidate" and not args.imap and (args.since or args.from_domain or args.cafile):
        raise UsageError("--since, --from-domain và --cafile chỉ dùng cùng --imap.")
    if args.command in ("consolidate", "reconcile"):
        missing = [str(p) for p in ([args.upper] if args.command == "reconcile" else []) + args.inputs
                   if not Path(p).exists()]
        if missing:
            raise UsageError("Không tìm thấy thư mục hoặc tệp: " + ", ".join(f"'{m}'" for m in missing) + ".")


def cmd_new(args) -> int:
    from .write.layout import make_layout
    from .forms.spec import DEFAULT_FORM, get_form
    from .commands.unit_list import read_units
    from .write.safe_io import atomic_output
    from .write.xlsx_writer import write_new_workbook

    form = get_form(args.form or DEFAULT_FORM)
    units = read_units(args.units, form)
    layout = make_layout(form, units, year=args.year or "……", unit=args.unit, title=args.title)
    with atomic_output(args.output, args.force) as tmp:
        write_new_workbook(layout, tmp, charts=args.charts)
    print(f"Đã tạo '{args.output}': {form.name}, {len(units)} đơn vị"
          + (" (kèm trang 'Biểu đồ')." if args.charts and form.charts else "."))
    return EXIT_OK


def cmd_recalc(args) -> int:
    from .core.numbers import format_vi
    from .commands.recalc import recalc_file

    result = recalc_file(args.input, args.output, force=args.force, convert_text=not args.keep_text)
    for t in result.tables:
        print(f"Trang '{t.sheet}': {t.form.name}, {len(t.unit_rows)} đơn vị.")
    print(f"Đã ghi {result.writes} ô công thức vào '{args.output}'.")
    if result.overwrites:
        print(f"{len(result.overwrites)} ô có số gõ tay ở chỗ của công thức, nay đã thay bằng công thức:")
        for line in overwrite_lines(result):
            print("  " + line)
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


def overwrite_lines(result) -> list[str]:
    """One line per column of typed-over formula cells (a table of pasted values is a dozen lines,
    not hundreds); a typed number that differs from its formula is listed under its column."""
    from .core.numbers import format_vi

    forms = {t.sheet: t.form for t in result.tables}
    sheets = list(dict.fromkeys(o.sheet for o in result.overwrites))
    lines = []
    for sheet in sheets:
        form = forms[sheet]
        mine = [o for o in result.overwrites if o.sheet == sheet]
        if len(sheets) > 1:
            lines.append(f"Trang '{sheet}':")
        for number in [c.number for c in form.columns if any(o.column == c.number for o in mine)]:
            cells = [o for o in mine if o.column == number]
            places = form.column(number).decimals
            tolerance = 0.5 * 10 ** -places + 1e-9      # half the last digit the column shows
            differ = [o for o in cells if not (isinstance(o.held, (int, float)) and o.expected is not None
                                               and abs(o.held - o.expected) <= tolerance)]
            same = len(cells) - len(differ)
            parts = [f"{same} ô gõ số bằng đúng công thức"] if same else []
            if differ:
                parts.append(f"{len(differ)} ô gõ số khác công thức")
            lines.append(f"{'  ' if len(sheets) > 1 else ''}cột {number}: {', '.join(parts)} — đã thay bằng công thức")
            for o in differ:
                held = format_vi(o.held, places) if isinstance(o.held, (int, float)) else repr(o.held)
                lines.append(f"{'    ' if len(sheets) > 1 else '  '}{o.ref}: đã ghi {held}, công thức cho "
                             f"{format_vi(o.expected, places)}")
    return lines


def cmd_validate(args) -> int:
    from .commands.validate import run_validate

    return run_validate(args.files, fmt=args.format, annotate=args.annotate, force=args.force)


def cmd_clear(args) -> int:
    from .commands.annotate import clear_file

    removed = clear_file(args.input, args.output, force=args.force)
    print(f"Đã xóa {removed} đánh dấu; ghi vào '{args.output}'.")
    return EXIT_OK


def cmd_consolidate(args) -> int:
    from .commands.consolidate import consolidate, refuse_unusable, render_text, write_consolidation
    from .forms.spec import get_form

    units = None
    if args.units:
        from .commands.unit_list import read_units

        form = get_form(args.form) if args.form else get_form()
        units = [u.name for u in read_units(args.units, form) if u.name]
    inputs = list(args.inputs)
    if args.imap:
        inputs += _from_mailbox(args)
    if not inputs:
        raise UsageError("Cần ít nhất một thư mục hoặc tệp nhận được, hoặc --imap.")
    result = consolidate(inputs, units=units, form_id=args.form, year=args.year, progress=sys.stderr.isatty())
    refuse_unusable(result)
    write_consolidation(result, args.output, force=args.force, year=args.year, unit=args.unit,
                        title=args.title)
    print(render_text(result))
    print(f"Đã ghi biểu tổng hợp '{args.output}' (kèm trang 'Nguồn' và 'Tình hình nộp').")
    return EXIT_OK


def _from_mailbox(args) -> list[Path]:
    from .engines.imap import fetch, parse_since

    if not args.since:
        raise UsageError("--imap cần --since NGÀY (thư nhận từ ngày nào).")
    got = fetch(args.imap, parse_since(args.since), from_domains=args.from_domain, cafile=args.cafile)
    print(f"Hộp thư: {got.matched} thư từ ngày {args.since}; tải mới {got.fetched}, đã có sẵn {got.cached}; "
          f"{len(got.files)} thư có tệp đính kèm.", file=sys.stderr)
    return got.files


def cmd_send(args) -> int:
    from .commands.send import run_send

    return run_send(args.input, to=args.to, output=args.output, force=args.force, keep_address=args.remember)


def cmd_reconcile(args) -> int:
    from .commands.reconcile import reconcile
    from .commands.validate import emit

    return emit(reconcile(args.upper, args.inputs, progress=sys.stderr.isatty()), args.format)


def cmd_export(args) -> int:
    from .commands.export import export

    result = export(args.inputs, args.output, force=args.force, form=args.form)
    for path, why in result.read.skipped:
        print(f"Bỏ qua '{path}': {why}" if path else why, file=sys.stderr)
    print(f"Đã xuất {result.rows} dòng từ {result.read.tables} biểu ({result.read.files} tệp) vào '{args.output}'.")
    return EXIT_OK


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
            "consolidate": cmd_consolidate, "reconcile": cmd_reconcile, "send": cmd_send, "export": cmd_export,
            "forms": cmd_forms, "addin": cmd_addin}


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    args = _parser().parse_args(argv)
    try:
        check_args(args)
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
    except Exception as exc:  # never a traceback for an officer; the code stays 3 either way
        if os.environ.get("GIAMNGHEO_DEBUG"):
            import traceback

            traceback.print_exc()
        else:
            print(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}). Đặt GIAMNGHEO_DEBUG=1 để xem chi tiết "
                  "và báo cho bộ phận CNTT.", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
