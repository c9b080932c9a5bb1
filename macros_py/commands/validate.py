"""Kiểm tra for files: examine every sheet of every workbook, report in text or JSON.

The JSON shape is a contract other tools read (see README); keys may be
added, never renamed or removed.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..core.checks import check_table
from ..core.findings import SEVERITY_VI, Finding
from ..core.table import Table, locate, no_units_message
from ..engines.file import CONTAINERS

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


@dataclass
class SheetResult:
    name: str
    table: Table
    findings: list[Finding]

    def to_json(self) -> dict:
        return {"name": self.name, "form": self.table.form.id, "units": len(self.table.unit_rows),
                "findings": [f.to_json() for f in self.findings]}


@dataclass
class FileResult:
    path: str
    status: str                     # ok | unreadable | no_form
    error: str | None = None
    sheets: list[SheetResult] = field(default_factory=list)
    other_sheets: list[str] = field(default_factory=list)   # the officer's visible sheets holding no known form
    checked: str | None = None      # checked before it was sent? (the stamp's verdict, write/stamp.py)

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "error": self.error,
                "sheets": [s.to_json() for s in self.sheets], "other_sheets": self.other_sheets,
                "checked": self.checked}

    def count(self, severity: str) -> int:
        return sum(1 for s in self.sheets for f in s.findings if f.severity == severity)


# The sheets the tool itself adds beside a table, by name (an officer's own sheet of that name gets
# " (2)") and the first words of their title line, which the writers put in A1.
TOOL_SHEETS = {"Biểu đồ": "Biểu đồ: ", "Nguồn": "NGUỒN SỐ LIỆU: ", "Tình hình nộp": "TÌNH HÌNH NỘP BIỂU: ",
               "Kiểm tra": "KẾT QUẢ KIỂM TRA BIỂU"}
_COPY_SUFFIX = re.compile(r" \(\d+\)$")


def tool_sheet(grid) -> bool:
    """A sheet giamngheo wrote beside a table (charts, sources, completeness, check report)."""
    marker = TOOL_SHEETS.get(_COPY_SUFFIX.sub("", grid.name))
    first = grid.value(1, 1)
    return marker is not None and isinstance(first, str) and first.startswith(marker)


def validate_grids(path: str, grids) -> FileResult:
    result = FileResult(path, "ok")
    empty = []
    for grid in grids:
        own = tool_sheet(grid)
        table = None if own else locate(grid)
        if table is None or not table.unit_rows:     # a table without unit rows is never "no errors"
            if not grid.hidden and not own:     # only the officer's own visible sheets are worth naming
                result.other_sheets.append(grid.name)
            if table is not None:
                empty.append(no_units_message(table))
        else:
            result.sheets.append(SheetResult(grid.name, table, check_table(grid, table)))
    if not result.sheets:
        result.status = "no_form"
        result.error = " ".join(empty) or \
            "Không tìm thấy biểu nào đã biết (không có dòng đánh số cột A, B, 1, 2, …) trong tệp."
    return result


def validate_file(path: Path) -> FileResult:
    from ..engines.file import WorkbookError, read_workbook
    from ..write.stamp import check as check_stamp

    if Path(path).suffix.lower() in CONTAINERS:    # a received mail or zip holding no workbook
        from ..engines.mail import describe

        return FileResult(str(path), "no_form", describe(Path(path)))
    try:
        package, grids = read_workbook(Path(path))
    except WorkbookError as exc:
        return FileResult(str(path), "unreadable", str(exc))
    result = validate_grids(str(path), grids)
    if result.status == "ok":
        result.checked = check_stamp(package, grids)
    return result


def render_text(results: list[FileResult]) -> str:
    lines = []
    for r in results:
        lines.append(f"Tệp: {r.path}")
        if r.status != "ok":
            lines.append(f"  Không kiểm tra được: {r.error}")
            continue
        for s in r.sheets:
            counts = {sev: sum(1 for f in s.findings if f.severity == sev) for sev in SEVERITY_VI}
            summary = ", ".join(f"{n} {SEVERITY_VI[sev].lower()}" for sev, n in counts.items() if n) or "không có lỗi"
            lines.append(f"  Trang '{s.name}' — {s.table.form.name}, {len(s.table.unit_rows)} đơn vị: {summary}.")
            for f in s.findings:
                lines.append(f"    [{SEVERITY_VI[f.severity]}] {f.message}")
        if r.other_sheets:
            lines.append("  Các trang không có biểu đã biết: " + ", ".join(f"'{n}'" for n in r.other_sheets))
        if r.checked and r.checked != "chưa kiểm tra":
            lines.append(f"  Dấu kiểm tra khi gửi: {r.checked}.")
    return "\n".join(lines)


def exit_code(results: list[FileResult]) -> int:
    if any(r.status != "ok" for r in results):
        return EXIT_UNREADABLE
    return EXIT_ERRORS if any(r.count("error") for r in results) else EXIT_OK


PARALLEL_FROM = 16   # below this, worker processes cost more than they save


def validate_many(paths: list[Path]) -> list[FileResult]:
    """Folders are expanded to their workbooks; many files use every core; order is kept."""
    import os

    files: list[Path] = []
    expanded = False
    for p in paths:
        if Path(p).is_dir() or Path(p).suffix.lower() in CONTAINERS:
            from .inbox import collect   # only for folders and mails: it brings hashing and zip reading

            found, _ = collect([Path(p)])
            files += found
            expanded = True
        else:
            files.append(Path(p))
    if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            results = list(pool.map(validate_file, files, chunksize=8))
    else:
        results = [validate_file(p) for p in files]
    if expanded:      # workbooks taken out of mails: name them as received
        from ..engines.mail import received_as

        for r in results:
            r.path = received_as(r.path)
    return results


def run_validate(files: list[Path], *, fmt: str = "text", annotate: Path | None = None,
                 force: bool = False) -> int:
    from ..errors import UsageError

    if annotate is not None and (len(files) != 1 or Path(files[0]).is_dir()):
        raise UsageError("--annotate chỉ dùng với đúng một tệp đầu vào.")
    results = validate_many(files)
    if not results:
        raise UsageError("Không có tệp bảng tính nào để kiểm tra.")
    code = emit(results, fmt)
    if annotate is not None and results[0].status == "ok":
        from .annotate import annotate_file

        n = annotate_file(Path(files[0]), annotate, results[0], force=force)
        print(f"Đã đánh dấu {n} ô; bản sao ghi vào '{annotate}'.", file=sys.stderr if fmt == "json" else sys.stdout)
    return code


def emit(results: list[FileResult], fmt: str) -> int:
    """Print results as text or JSON; return the documented exit code."""
    if fmt == "json":
        import json

        json.dump({"files": [r.to_json() for r in results]}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(render_text(results))
    return exit_code(results)
