"""The file engine: read a workbook on disk into Grids.

python-calamine reads the cached values fast and also opens .xls and .ods;
for .xlsx/.xlsm openpyxl adds what calamine does not expose: which cells
hold formulas, their text, number formats and hidden rows.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..grid import Grid

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class WorkbookError(Exception):
    """A workbook cannot be read; the message is for officers (Vietnamese)."""


def check_readable(path: Path) -> None:
    if not path.exists():
        raise WorkbookError(f"Không tìm thấy tệp '{path}'.")
    if path.is_dir():
        raise WorkbookError(f"'{path}' là thư mục, không phải tệp bảng tính.")
    if path.suffix.lower() not in SUFFIXES:
        raise WorkbookError(f"'{path.name}' không phải tệp bảng tính (.xlsx, .xlsm, .xls, .ods).")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise WorkbookError(f"Không có quyền đọc tệp '{path}'.") from None
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in OPENPYXL_SUFFIXES:
        raise WorkbookError(f"Tệp '{path.name}' có mật khẩu (đã mã hóa). Hãy gỡ mật khẩu rồi gửi lại.")
    if path.suffix.lower() in OPENPYXL_SUFFIXES + (".ods",) and not zipfile.is_zipfile(path):
        raise WorkbookError(f"Tệp '{path.name}' bị hỏng hoặc không phải tệp Excel.")


def _calamine_values(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        out = {}
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            out[name] = rows
        return out
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise WorkbookError(f"Không đọc được tệp '{path.name}': tệp hỏng hoặc không đúng định dạng ({type(exc).__name__}).") from None


def read_grids(path: Path, *, with_formulas: bool = True) -> list[Grid]:
    """Every sheet of the workbook as a Grid (values always; formulas for .xlsx/.xlsm)."""
    path = Path(path)
    check_readable(path)
    values = _calamine_values(path)
    grids = {name: Grid(name, rows) for name, rows in values.items()}
    if with_formulas and path.suffix.lower() in OPENPYXL_SUFFIXES:
        wb = load_openpyxl(path)
        for ws in wb.worksheets:
            if ws.title in grids:
                add_formulas(grids[ws.title], ws)
    return list(grids.values())


def load_openpyxl(path: Path, **kwargs):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", **kwargs)
    except Exception as exc:
        raise WorkbookError(f"Không đọc được tệp '{path.name}': tệp hỏng hoặc không đúng định dạng ({type(exc).__name__}).") from None


def add_formulas(grid: Grid, ws) -> None:
    """Copy formulas, number formats and hidden rows of an openpyxl sheet into the grid."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
                if text:
                    grid.formulas[(cell.row, cell.column)] = text
            if cell.value is not None and cell.number_format != "General":
                grid.formats[(cell.row, cell.column)] = cell.number_format
    grid.hidden_rows = frozenset(r for r, d in ws.row_dimensions.items() if d.hidden)
    grid.knows_formulas = True
