"""Xuất dữ liệu: many tables in one long file (CSV, Excel or Parquet) for the province's analysts.

CSV is UTF-8 with a byte-order mark, so Excel opens the Vietnamese names right; text that Excel
would take for a formula is written inert. Parquet needs pyarrow, an optional extra.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..write.formula_safe import inert
from .frames import ManyRead, gather, long_frame

FORMATS = (".csv", ".xlsx", ".parquet")
PARQUET_EXTRA = "pip install giamngheo[parquet]"
TEXT_COLUMNS = ("unit", "level", "kind", "form", "column", "column_name", "source", "sheet")


@dataclass
class ExportResult:
    rows: int
    read: ManyRead


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401  (pandas writes Parquet through it)
    except ImportError:
        return False
    return True


def export(paths: list[Path], out: Path, *, force: bool = False, form: str | None = None) -> ExportResult:
    """Read every table under `paths` and write the long format to `out` (atomically); refuse before
    reading anything when the format is unknown or needs a missing library."""
    from ..write.safe_io import atomic_output, check_output

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"Tệp ra '{out.name}' phải có đuôi .csv, .xlsx hoặc .parquet.")
    if suffix == ".parquet" and not _has_pyarrow():
        raise UsageError(f"Ghi tệp Parquet cần gói pyarrow, máy này chưa có. Hãy cài: {PARQUET_EXTRA}")
    check_output(out, force)
    got = gather(paths, form)
    if not got.records:
        raise UsageError("Không có tệp nào chứa biểu đã biết để xuất.")
    df = long_frame(got.records)
    with atomic_output(out, force, tuple(Path(p) for p in paths)) as tmp:
        if suffix == ".csv":
            safe = df.copy()
            for column in TEXT_COLUMNS:
                safe[column] = safe[column].map(inert)
            safe.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            df.to_excel(tmp, index=False, sheet_name="Dữ liệu", engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}})
        else:
            df.to_parquet(tmp, index=False)
    return ExportResult(len(df), got)
