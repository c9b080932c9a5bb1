"""The file engine: read a workbook on disk into Grids.

The file's bytes are read once (engines/package.py) and every reader works from them.
python-calamine reads the cached values fast and also opens .xls and .ods; for .xlsx/.xlsm
one streamed pass over each sheet's XML (sheet_xml) adds what calamine does not expose: which
cells hold formulas, number formats, hidden rows and error values (openpyxl only for the rare
sheet whose cells carry no address).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..core.grid import Grid, cell_key
from ..errors import OfficerError
from .package import Package

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
MAIL_SUFFIXES = (".eml", ".msg")
CONTAINERS = MAIL_SUFFIXES + (".zip",)  # received files that may hold workbooks (engines/mail.py opens them)
MAX_UNPACKED = 1 << 30          # 1 GiB of XML is far beyond any plan table: refuse as a zip bomb
MAX_RATIO = 200                 # real workbooks compress 5–20×; bombs 1000×
RATIO_FROM = 50 << 20           # below 50 MB unpacked a high ratio is only a well-compressed table
MAX_PROLOG = 1 << 20            # no workbook part has a megabyte of comments before its root element
_PROLOG_MISC = re.compile(rb"<\?.*?\?>|<!--.*?-->|\s+", re.S)
MAX_CELLS = 20_000_000          # 100,000 rows × 200 columns


class WorkbookError(OfficerError):
    """A workbook cannot be read; the message is for officers (Vietnamese)."""


def check_readable(path: Path) -> Package:
    """The workbook's bytes, read once, after the checks every reader relies on (a real
    spreadsheet file, not encrypted, no zip or XML entity bomb)."""
    if not path.exists():
        raise WorkbookError(f"Không tìm thấy tệp '{path}'.")
    if path.is_dir():
        raise WorkbookError(f"'{path}' là thư mục, không phải tệp bảng tính.")
    if path.suffix.lower() not in SUFFIXES:
        raise WorkbookError(f"'{path.name}' không phải tệp bảng tính (.xlsx, .xlsm, .xls, .ods).")
    try:
        if path.stat().st_size > MAX_UNPACKED:
            raise WorkbookError(f"Tệp '{path.name}' quá lớn ({path.stat().st_size >> 20} MB) để là một biểu.")
        package = Package(path)
    except PermissionError:
        raise WorkbookError(f"Không có quyền đọc tệp '{path}'.") from None
    head = package.data[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in OPENPYXL_SUFFIXES:
        raise WorkbookError(f"Tệp '{path.name}' có mật khẩu (đã mã hóa). Hãy gỡ mật khẩu rồi gửi lại.")
    if path.suffix.lower() in OPENPYXL_SUFFIXES + (".ods",):
        if not package.is_zip:
            raise WorkbookError(f"Tệp '{path.name}' bị hỏng hoặc không phải tệp Excel.")
        check_package(package)
    return package


def check_package(source: Path | Package) -> None:
    """Refuse zip bombs and XML entity bombs before any reader expands them."""
    package = source if isinstance(source, Package) else Package(source)
    name = package.path.name
    try:
        z = package.zip
        infos = z.infolist()
        unpacked = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if unpacked > MAX_UNPACKED or (unpacked > RATIO_FROM and unpacked / packed > MAX_RATIO):
            raise WorkbookError(f"Tệp '{name}' giải nén ra quá lớn ({unpacked >> 20} MB): nghi là tệp độc "
                                "hại (bom nén), không đọc.")
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                with z.open(info) as fh:
                    hostile = _declares_dtd(fh)
                if hostile:
                    raise WorkbookError(f"Tệp '{name}' chứa khai báo XML không được phép (DOCTYPE/ENTITY): "
                                        "nghi là tệp độc hại, không đọc.")
    except WorkbookError:
        raise
    except Exception as exc:  # zipfile raises many types on damage (BadZipFile, NotImplementedError, zlib.error…)
        raise WorkbookError(f"Tệp '{name}' bị hỏng hoặc không phải tệp Excel.") from exc


def _declares_dtd(fh) -> bool:
    """Whether an XML part has a DOCTYPE (where entities are declared) before its root element.

    Whitespace, comments and processing instructions may stand first, however long, so they
    are read past (UTF-16 parts too); a prolog still unfinished after MAX_PROLOG counts as one.
    """
    buf = b""
    while True:
        chunk = fh.read(65536)
        buf += chunk
        text = buf.decode("utf-16", "ignore").encode() if buf[:2] in (b"\xff\xfe", b"\xfe\xff") else buf
        pos = 3 if text.startswith(b"\xef\xbb\xbf") else 0
        while (m := _PROLOG_MISC.match(text, pos)) is not None:
            pos = m.end()
        rest = text[pos:pos + 4]
        if not chunk or (len(rest) == 4 and not rest.startswith((b"<?", b"<!--"))):
            return rest.startswith(b"<!") and not rest.startswith(b"<!--")
        if len(buf) > MAX_PROLOG:
            return True


def _calamine_values(package: Package) -> tuple[dict[str, list[list]], set[str]]:
    """Every sheet's values by name, and the names of the hidden sheets (calamine reading the
    bytes already in memory)."""
    from python_calamine import CalamineWorkbook

    from python_calamine import PasswordError, SheetVisibleEnum

    name = package.path.name
    try:
        wb = CalamineWorkbook.from_filelike(package.file())
        out = {}
        for sheet_name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(sheet_name)
            if sheet.height * sheet.width > MAX_CELLS:
                raise WorkbookError(f"Trang '{sheet_name}' của tệp '{name}' quá lớn ({sheet.height} dòng × "
                                    f"{sheet.width} cột) để là một biểu.")
            out[sheet_name] = sheet.to_python(skip_empty_area=False)
        hidden = {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
        return out, hidden
    except WorkbookError:
        raise
    except PasswordError:
        raise WorkbookError(f"Tệp '{name}' có mật khẩu (đã mã hóa). Hãy gỡ mật khẩu rồi gửi lại.") from None
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise WorkbookError(f"Không đọc được tệp '{name}': tệp hỏng hoặc không đúng định dạng ({type(exc).__name__}).") from None


def read_grids(path: Path, *, with_formulas: bool = True, formula_text: bool = False) -> list[Grid]:
    """Every sheet of the workbook as a Grid (values always; for .xlsx/.xlsm also which cells
    hold formulas, number formats, hidden rows and error cells, from one streamed pass over each
    sheet's XML; the formulas' text only with `formula_text`, for the few callers that need it)."""
    return read_workbook(path, with_formulas=with_formulas, formula_text=formula_text)[1]


# Sheet XML (inflated bytes, as the zip directory states them) from which calamine reads the values in
# a thread while this thread takes the facts from the same sheets: calamine leaves Python's lock while
# it parses, so on two cores a large table costs about the longer of the two, not their sum. Smaller
# workbooks (every unit's own, the district's tables) are read one step after the other, and so are
# the largest, whose two reads at once would hold more memory than validate's 200 MiB at 100,000 rows.
OVERLAP_FROM = 4 << 20
OVERLAP_UNTIL = 48 << 20


def read_workbook(path: Path, *, with_formulas: bool = True, formula_text: bool = False) -> tuple[Package, list[Grid]]:
    """The workbook's bytes (read once: hashed, stamped, dated from the same Package) and its Grids."""
    path = Path(path)
    package = check_readable(path)
    facts_wanted = with_formulas and path.suffix.lower() in OPENPYXL_SUFFIXES
    shapes = _overlap_shapes(package) if facts_wanted and not formula_text else None
    if shapes is not None:
        return package, list(_read_overlapped(package, shapes).values())
    values, hidden = _calamine_values(package)
    grids = {name: Grid(name, rows, hidden=name in hidden) for name, rows in values.items()}
    if facts_wanted:
        add_sheet_facts(package, grids, formula_text)
    return package, list(grids.values())


def _overlap_shapes(package: Package) -> dict[str, tuple[int, int]] | None:
    """The sheets' declared rectangles when the workbook is large enough to read in two threads."""
    try:
        size = sum(i.file_size for i in package.zip.infolist() if i.filename.startswith("xl/worksheets/"))
        if not OVERLAP_FROM <= size < OVERLAP_UNTIL:
            return None
        from .sheet_xml import declared_shapes

        return declared_shapes(package, MAX_CELLS)
    except Exception:      # anything odd in the package: the one-step path reports it as it always has
        return None


def _read_overlapped(package: Package, shapes: dict[str, tuple[int, int]]) -> dict[str, Grid]:
    """calamine's values (in a thread) and the sheet facts (here) at once; the same Grids, facts and
    errors as one step after the other (a failure of either is reported as that path reports it)."""
    import threading

    from .sheet_xml import scan_package

    read: dict = {}

    def values() -> None:
        try:
            read["values"] = _calamine_values(package)
        except BaseException as exc:        # handed to the caller's thread
            read["error"] = exc

    reader = threading.Thread(target=values, name="giamngheo-calamine", daemon=True)
    reader.start()
    try:
        facts = scan_package(package, shapes)
    except Exception:
        facts = None                      # read again below, one step after the other, for its own message
    finally:
        reader.join()
    if "error" in read:
        raise read["error"]
    found, hidden = read["values"]
    grids = {name: Grid(name, rows, hidden=name in hidden) for name, rows in found.items()}
    if facts is None:
        add_sheet_facts(package, grids)
    else:
        _attach_facts(grids, facts)
    return grids


def add_sheet_facts(package: Package, grids: dict[str, Grid], formula_text: bool = False) -> None:
    from .sheet_xml import NoAddresses, scan_package

    try:
        facts = scan_package(package, {t: (g.nrows, g.ncols) for t, g in grids.items()}, formula_text=formula_text)
    except NoAddresses:
        wb = load_openpyxl(package.path)
        for ws in wb.worksheets:
            if ws.title in grids:
                grids[ws.title].facts = None
                add_formulas(grids[ws.title], ws)
        return
    except Exception as exc:  # a package calamine could read but whose XML is damaged
        raise WorkbookError(f"Không đọc được tệp '{package.path.name}': tệp hỏng ({type(exc).__name__}).") from None
    _attach_facts(grids, facts)


def _attach_facts(grids: dict[str, Grid], facts: dict) -> None:
    for title, (f, cells) in facts.items():
        grid = grids.get(title)
        if grid is None:
            continue
        grid.facts = cells
        grid.formulas, grid.errors, grid.blank_results = f.formulas, f.errors, f.blank_results
        grid.uncached_divisions = f.uncached_divisions
        grid.hidden_rows, grid.knows_formulas = frozenset(f.hidden_rows), True
        grid.knows_formats = True          # percent formats say which rates are kept as fractions


def load_openpyxl(path: Path, **kwargs):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", **kwargs)
    except PermissionError:
        raise WorkbookError(f"Không có quyền đọc tệp '{path.name}' hoặc tệp đang bị khóa.") from None
    except Exception as exc:
        raise WorkbookError(f"Không đọc được tệp '{path.name}': tệp hỏng hoặc không đúng định dạng ({type(exc).__name__}).") from None


def add_formulas(grid: Grid, ws) -> None:
    """Copy formulas, number formats and hidden rows of an openpyxl sheet into the grid.

    Only cells that exist are visited: a styled cell at XFD1048576 must not make us walk
    seventeen billion empty ones (iter_rows would).
    """
    for cell in list(ws._cells.values()):
        if cell.data_type == "f":
            text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
            if text:
                grid.set_formula(cell.row, cell.column, text)
        if cell.value is not None and cell.number_format != "General":
            grid.formats[cell_key(cell.row, cell.column)] = cell.number_format
    grid.hidden_rows = frozenset(r for r, d in ws.row_dimensions.items() if d.hidden)
    grid.knows_formulas = grid.knows_formats = True
