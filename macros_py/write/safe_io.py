"""Writing outputs without ever losing data: temp file in the target folder, then rename.

Every way an output can fail (a read-only share, no permission, a full disk, a name too long,
a folder where the file should go) ends in one Vietnamese message naming the output, and no
temporary file is left behind.
"""
from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from ..errors import OfficerError


class OutputError(OfficerError):
    """An output cannot be written; the message is for officers (Vietnamese)."""


# Why an output could not be written, said so an officer knows what to do.
_REASONS = {
    errno.EROFS: "thư mục này chỉ cho đọc (ổ mạng dùng chung hoặc ổ chỉ đọc); hãy ghi vào thư mục khác",
    errno.EACCES: "không có quyền ghi vào thư mục này, hoặc tệp đang mở ở nơi khác (trong Excel); "
                  "hãy đóng tệp hoặc ghi vào thư mục khác",
    errno.EPERM: "không có quyền ghi vào thư mục này, hoặc tệp đang mở ở nơi khác (trong Excel); "
                 "hãy đóng tệp hoặc ghi vào thư mục khác",
    errno.ENOSPC: "ổ đĩa đã đầy; hãy xóa bớt tệp hoặc ghi sang ổ khác",
    errno.EDQUOT: "đã hết dung lượng được cấp trên ổ này; hãy xóa bớt tệp hoặc ghi sang ổ khác",
    errno.EFBIG: "tệp quá lớn đối với ổ đĩa này; hãy ghi sang ổ khác",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài; hãy đặt tên ngắn hơn",
    errno.EISDIR: "đó là một thư mục, không phải tệp; hãy ghi cả tên tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải là thư mục",
    errno.ENOENT: "thư mục không tồn tại",
}


# Failures met while writing that are the output's, whichever file the OSError names (a writer's zip
# stream names none; the inputs were read before): a missing file or folder is the output's only
# when the error names it.
_OUTPUT_ONLY = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.ENAMETOOLONG,
                          errno.EACCES, errno.EPERM})


def output_failure(out: Path, exc: OSError) -> OutputError:
    """The officer's message for an OSError met while writing `out`."""
    reason = _REASONS.get(exc.errno) or f"lỗi hệ thống ({exc.strerror or type(exc).__name__})"
    return OutputError(f"Không ghi được '{out}': {reason}.")


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception: itself, or one a writer wrapped (xlsxwriter's FileCreateError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError):
            return exc
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
        exc = inner or exc.__cause__ or exc.__context__
    return None


COPYABLE = (".xlsx", ".xlsm")


def check_copyable(src: Path, action: str) -> None:
    """Copies that keep a workbook's formulas and formats (recalc, --annotate, clear) are written
    from .xlsx/.xlsm only; any other kind is refused before any work, saying how to save it as
    .xlsx. `action` names the command for the officer ("Tính lại (recalc)")."""
    src = Path(src)
    if src.suffix.lower() in COPYABLE:
        return
    kind = f"tệp {src.suffix}" if src.suffix else "tệp không có đuôi"
    raise OutputError(
        f"{action} chỉ ghi được bản sao của tệp .xlsx hoặc .xlsm, còn '{src.name}' là {kind} "
        "(lệnh kiểm tra vẫn đọc được tệp này). Hãy mở tệp trong Excel hoặc LibreOffice, chọn "
        "Lưu thành (Save As), kiểu tệp \"Excel Workbook (*.xlsx)\", rồi chạy lại với tệp .xlsx vừa lưu.")


def check_output(out: Path, force: bool, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse to overwrite an existing file without --force, and never overwrite an input."""
    out = Path(out)
    try:
        for src in inputs:
            if src.exists() and out.exists() and os.path.samefile(src, out):
                raise OutputError(f"Tệp kết quả '{out}' trùng với tệp đầu vào; hãy chọn tên khác.")
        if out.is_dir():
            raise output_failure(out, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
        if out.exists() and not force:
            raise OutputError(f"Tệp '{out}' đã có. Dùng --force nếu muốn ghi đè.")
        if not out.parent.exists():
            raise OutputError(f"Thư mục '{out.parent}' không tồn tại.")
    except OSError as exc:           # a name too long, a path through a file: not even looked up
        raise output_failure(out, exc) from exc


@contextmanager
def atomic_output(out: Path, force: bool = False, inputs: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `out`; rename it into place only if the block succeeds.
    A failure to write (here or in the block's writer) becomes an OutputError; the temporary
    file never stays."""
    out = Path(out)
    check_output(out, force, inputs)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~giamngheo-", suffix=out.suffix, dir=out.parent)
    except OSError as exc:
        raise output_failure(out, exc) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except OfficerError:
            raise
        except Exception as exc:
            cause = _os_error(exc)
            if cause is None or (cause.errno not in _OUTPUT_ONLY and not _names(cause, tmp_path, out)):
                raise                     # not the output's failure (a bug, or an input that went away)
            error = output_failure(out, cause)
            _release(exc, tmp_path)
            raise error from None
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from colleagues
            os.replace(tmp_path, out)           # the output open in Excel (Windows) fails here
        except OSError as exc:
            raise output_failure(out, exc) from exc
    finally:
        with suppress(OSError):
            if os.path.lexists(tmp_path):
                tmp_path.unlink()


def _release(exc: BaseException, tmp: Path) -> None:
    """Close the writer's half-written `tmp` now, quietly. The writer's frames live on in the
    tracebacks, and a zip stream left open would try to finish itself later on the full disk and
    print a traceback at exit (and on Windows an open file cannot be deleted). Only files opened on
    `tmp` are touched."""
    import io
    import zipfile

    target = os.fspath(tmp)

    def close(obj) -> None:
        if isinstance(obj, zipfile.ZipFile) and obj.fp is not None and os.fspath(obj.filename or "") == target:
            fp, obj.fp = obj.fp, None           # ZipFile.close (and __del__) then have nothing to do
            with suppress(Exception):
                fp.close()                      # the OS file is closed even when the flush fails
        elif isinstance(obj, io.IOBase) and not obj.closed and str(getattr(obj, "name", "")) == target:
            with suppress(Exception):
                obj.close()

    chain, seen = [exc], set()
    while chain:
        e = chain.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                with suppress(Exception):
                    close(value)
                    for attr in list(vars(value).values()) if hasattr(value, "__dict__") else ():
                        close(attr)             # a writer's own archive (openpyxl's ExcelWriter._archive)
            tb = tb.tb_next
        chain += [e.__cause__, e.__context__] + [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


def _names(exc: OSError, *paths: Path) -> bool:
    return any(str(p) in (str(exc.filename), str(exc.filename2)) for p in paths)
