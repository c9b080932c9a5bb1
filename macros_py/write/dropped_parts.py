"""What a rewritten copy could not carry over from its input, said plainly before it lands.

openpyxl keeps cells, styles, merged cells, widths, defined names, data validation,
print settings and (most) charts, but drops some parts (pivot tables, slicers,
threaded comments, custom XML, ActiveX, newer conditional formats). Comparing the
two packages' parts tells the officer exactly which kinds were lost.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

KINDS = (  # (package path prefix, Vietnamese name)
    ("xl/charts/chart", "biểu đồ"),
    ("xl/media/", "hình ảnh"),
    ("xl/drawings/drawing", "hình vẽ"),
    ("xl/pivotTables/", "bảng tổng hợp (PivotTable)"),
    ("xl/pivotCache/", "bộ nhớ PivotTable"),
    ("xl/slicers/", "bộ lọc Slicer"),
    ("xl/timelines/", "bộ lọc thời gian"),
    ("xl/threadedComments/", "bình luận hội thoại"),
    ("xl/persons/", "danh sách người bình luận"),
    ("xl/externalLinks/", "liên kết tới sổ khác"),
    ("xl/tables/", "bảng (Table)"),
    ("xl/activeX/", "điều khiển ActiveX"),
    ("xl/ctrlProps/", "nút điều khiển biểu mẫu"),
    ("customXml/", "dữ liệu XML tùy chỉnh"),
    ("xl/vbaProject.bin", "macro VBA"),
    ("xl/printerSettings/", "thiết lập máy in"),
)


def _count(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    return {label: sum(n.startswith(prefix) for n in names) for prefix, label in KINDS}


def lost_parts(src: Path, out: Path) -> list[str]:
    """Vietnamese lines naming each kind of content present in `src` but missing from `out`."""
    try:
        before, after = _count(src), _count(out)
    except (zipfile.BadZipFile, OSError):
        return []
    return [f"Không giữ được {label} ({before[label] - after[label]} phần) khi ghi bản sao."
            for label in before if before[label] > after[label]]
