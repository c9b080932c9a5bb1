"""Writing outputs without ever losing data: temp file in the target folder, then rename."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import OfficerError


class OutputError(OfficerError):
    """An output cannot be written; the message is for officers (Vietnamese)."""


def check_output(out: Path, force: bool, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse to overwrite an existing file without --force, and never overwrite an input."""
    out = Path(out)
    for src in inputs:
        if src.exists() and out.exists() and os.path.samefile(src, out):
            raise OutputError(f"Tệp kết quả '{out}' trùng với tệp đầu vào; hãy chọn tên khác.")
    if out.exists() and not force:
        raise OutputError(f"Tệp '{out}' đã có. Dùng --force nếu muốn ghi đè.")
    if not out.parent.exists():
        raise OutputError(f"Thư mục '{out.parent}' không tồn tại.")


@contextmanager
def atomic_output(out: Path, force: bool = False, inputs: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `out`; rename it into place only if the block succeeds."""
    out = Path(out)
    check_output(out, force, inputs)
    fd, tmp = tempfile.mkstemp(prefix=".~giamngheo-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from colleagues
        os.replace(tmp_path, out)
    except PermissionError as exc:
        raise OutputError(f"Không ghi được '{out}': không có quyền ghi hoặc tệp đang mở ở nơi khác.") from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
