"""safe_io's promises tested in-process, each part on its own: which failure is the output's
(`atomic_output` turns only those into the officer's message), the message for each reason, and
the writer's half-written file closed at once after a failure (`_release`), so nothing prints a
traceback later and Windows can delete the temporary file. test_output_failures.py drives the same
code through every command; these tests name each case, and they run under mutmut (no subprocess)."""
from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from xlsxwriter.exceptions import FileCreateError   # wraps the OSError of a file it cannot create, in its args

from macros_py.errors import OfficerError
from macros_py.write import safe_io
from macros_py.write.safe_io import OutputError, atomic_output, output_failure


# --- the message for each reason ---

@pytest.mark.parametrize("code, reason", [
    (errno.EROFS, "thư mục này chỉ cho đọc (ổ mạng dùng chung hoặc ổ chỉ đọc); hãy ghi vào thư mục khác"),
    (errno.ENOSPC, "ổ đĩa đã đầy; hãy xóa bớt tệp hoặc ghi sang ổ khác"),
    (errno.EDQUOT, "đã hết dung lượng được cấp trên ổ này; hãy xóa bớt tệp hoặc ghi sang ổ khác"),
    (errno.EFBIG, "tệp quá lớn đối với ổ đĩa này; hãy ghi sang ổ khác"),
    (errno.ENAMETOOLONG, "tên tệp hoặc đường dẫn quá dài; hãy đặt tên ngắn hơn"),
    (errno.ENOENT, "thư mục không tồn tại"),
])
def test_each_reason_is_said_in_full(code, reason):
    error = output_failure(Path("ra/bieu.xlsx"), OSError(code, os.strerror(code)))
    assert isinstance(error, OutputError)
    assert str(error) == f"Không ghi được '{Path('ra/bieu.xlsx')}': {reason}."


def test_an_unlisted_reason_names_the_systems_words_or_the_errors_kind():
    assert str(output_failure(Path("b.xlsx"), OSError(errno.EIO, "Input/output error"))) == \
        "Không ghi được 'b.xlsx': lỗi hệ thống (Input/output error)."
    assert str(output_failure(Path("b.xlsx"), BlockingIOError())) == \
        "Không ghi được 'b.xlsx': lỗi hệ thống (BlockingIOError)."


# --- the OSError behind a writer's exception ---

def _chained(exc: BaseException, cause=None, context=None) -> BaseException:
    exc.__cause__, exc.__context__ = cause, context
    return exc


def test_the_oserror_is_found_in_the_args_then_the_cause_then_the_context():
    full, denied, missing = OSError(errno.ENOSPC, "full"), OSError(errno.EACCES, "denied"), OSError(errno.ENOENT, "x")
    assert safe_io._os_error(full) is full
    assert safe_io._os_error(FileCreateError("no", full)) is full
    assert safe_io._os_error(_chained(FileCreateError("no", full), cause=denied, context=missing)) is full
    assert safe_io._os_error(_chained(ValueError("a"), cause=denied, context=missing)) is denied
    assert safe_io._os_error(_chained(ValueError("a"), context=missing)) is missing
    deep = _chained(KeyError("b"), context=_chained(ValueError("c"), cause=FileCreateError(denied)))
    assert safe_io._os_error(deep) is denied
    assert safe_io._os_error(ValueError("no file in it")) is None


def test_an_exception_chain_that_loops_ends_without_an_oserror():
    a, b = ValueError("a"), KeyError("b")
    a.__context__, b.__context__ = b, a
    assert safe_io._os_error(a) is None


# --- which failures are the output's ---

def _fail_inside(out: Path, exc_for) -> tuple[BaseException | None, list[Path]]:
    """Run a writer that fails with exc_for(tmp) inside atomic_output; return what came out and
    what is left in the folder."""
    raised = None
    try:
        with atomic_output(out) as tmp:
            tmp.write_bytes(b"half a workbook")
            raise exc_for(tmp)
    except BaseException as exc:        # noqa: BLE001 - the test looks at whatever it is
        raised = exc
    return raised, sorted(out.parent.iterdir())


@pytest.mark.parametrize("names", ["tmp", "out", "tmp as second name"])
def test_a_missing_file_is_the_outputs_only_when_the_error_names_the_output(tmp_path, names):
    out = tmp_path / "bieu.xlsx"

    def missing(tmp):
        if names == "tmp as second name":
            return FileNotFoundError(errno.ENOENT, "No such file", str(tmp_path / "a"), None, str(tmp))
        return FileNotFoundError(errno.ENOENT, "No such file", str(tmp if names == "tmp" else out))

    raised, left = _fail_inside(out, missing)
    assert isinstance(raised, OutputError) and raised.__cause__ is None and raised.__suppress_context__
    assert str(raised) == f"Không ghi được '{out}': thư mục không tồn tại."
    assert left == []


def test_an_input_that_went_away_is_not_called_the_outputs_failure(tmp_path):
    gone = tmp_path / "nhan" / "xa_a.xlsx"
    raised, left = _fail_inside(tmp_path / "bieu.xlsx",
                                lambda tmp: FileNotFoundError(errno.ENOENT, "No such file", str(gone)))
    assert type(raised) is FileNotFoundError and raised.filename == str(gone)
    assert left == []


@pytest.mark.parametrize("code", sorted(safe_io._OUTPUT_ONLY))
def test_a_full_disk_or_a_refusal_is_the_outputs_whatever_file_it_names(tmp_path, code):
    out = tmp_path / "bieu.xlsx"
    raised, left = _fail_inside(out, lambda tmp: FileCreateError(OSError(code, os.strerror(code), "/elsewhere")))
    assert isinstance(raised, OutputError), raised
    assert str(raised) == str(output_failure(out, OSError(code, "")))
    assert left == []


def test_a_bug_or_an_officers_error_inside_the_writer_passes_unchanged(tmp_path):
    out = tmp_path / "bieu.xlsx"
    bug, said = ZeroDivisionError("bug"), OfficerError("Bảng không có dòng Cộng.")
    assert _fail_inside(out, lambda tmp: bug) == (bug, [])
    assert _fail_inside(out, lambda tmp: said) == (said, [])


def test_a_written_output_is_readable_by_colleagues_and_replaces_nothing_else(tmp_path):
    out = tmp_path / "bieu.xlsx"
    old = os.umask(0o022)
    try:
        with atomic_output(out) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".~giamngheo-") and tmp.suffix == ".xlsx"
            tmp.write_bytes(b"workbook")
    finally:
        os.umask(old)
    assert out.read_bytes() == b"workbook"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(tmp_path.iterdir()) == [out]


# --- the half-written file closed at once ---

class Writer:
    """A writer holding its archive as an attribute (openpyxl's ExcelWriter._archive)."""

    def __init__(self, archive):
        self._archive = archive


class Hostile:
    """A local whose attributes cannot even be looked at."""

    def __getattribute__(self, name):
        raise RuntimeError(name)


class Unclosable(io.BytesIO):
    """A stream on the temporary file whose close fails (a full disk flushing)."""

    def __init__(self, name):
        super().__init__()
        self.name = name
        self.attempts = 0

    def close(self):
        self.attempts += 1
        if self.attempts == 1:
            raise OSError(errno.ENOSPC, "full")
        super().close()


def _writer_fails(tmp: Path, elsewhere: Path):
    """Fail as a writer does, with its files open in its frame's locals, where _release looks."""
    archive = zipfile.ZipFile(tmp, "w")           # noqa: SIM115 - left open on purpose, as a writer does
    archive.writestr("xl/workbook.xml", "<workbook/>")
    stream = open(tmp, "ab")                      # noqa: SIM115
    other = open(elsewhere, "wb")                 # noqa: SIM115 - not the output's: must stay open
    hostile = Hostile()
    raise OSError(errno.ENOSPC, "full")


def _caught(call, *args) -> BaseException:
    try:
        call(*args)
    except BaseException as exc:                  # noqa: BLE001
        return exc
    raise AssertionError("no exception")


def _locals_of(exc: BaseException) -> dict:
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_locals


def test_release_closes_the_archive_and_streams_on_the_temporary_file_and_nothing_else(tmp_path):
    tmp, elsewhere = tmp_path / ".~giamngheo-1.xlsx", tmp_path / "khac.bin"
    exc = _caught(_writer_fails, tmp, elsewhere)
    held = _locals_of(exc)
    fp = held["archive"].fp
    safe_io._release(exc, tmp)
    assert held["archive"].fp is None and fp.closed
    held["archive"].close()                       # nothing left for it (or its __del__) to do
    assert held["stream"].closed
    assert not held["other"].closed
    held["other"].close()


def _through_cause(tmp, elsewhere):
    try:
        _writer_fails(tmp, elsewhere)
    except OSError as inner:
        raise FileCreateError("wrapped") from inner


def _through_context(tmp, elsewhere):
    try:
        _writer_fails(tmp, elsewhere)
    except OSError:
        raise KeyError("while handling")


def _through_args(tmp, elsewhere):
    raise FileCreateError(_caught(_writer_fails, tmp, elsewhere))


@pytest.mark.parametrize("fails", [_through_cause, _through_context, _through_args])
def test_release_follows_the_cause_the_context_and_a_wrapped_exception(tmp_path, fails):
    tmp = tmp_path / ".~giamngheo-2.xlsx"
    exc = _caught(fails, tmp, tmp_path / "khac.bin")
    inner = exc.__cause__ or exc.__context__ or exc.args[0]
    held = _locals_of(inner)
    safe_io._release(exc, tmp)
    assert held["archive"].fp is None and held["stream"].closed and not held["other"].closed
    held["other"].close()


def _archive_in_a_writer(tmp: Path, stream_name: str):
    """Fail with an archive held by a writer object, one in memory, and a stream that cannot close."""
    writer = Writer(zipfile.ZipFile(tmp, "w"))    # noqa: SIM115
    foreign = Writer(zipfile.ZipFile(io.BytesIO(), "w"))
    failing = Unclosable(stream_name)
    raise OSError(errno.ENOSPC, "full")


def test_release_reaches_a_writers_own_archive_and_survives_a_failing_close(tmp_path):
    tmp = tmp_path / ".~giamngheo-3.xlsx"
    exc = _caught(_archive_in_a_writer, tmp, str(tmp))
    held = _locals_of(exc)
    safe_io._release(exc, tmp)                    # the failing close is swallowed
    assert held["writer"]._archive.fp is None
    assert held["foreign"]._archive.fp is not None      # an archive in memory is not the output
    assert held["failing"].attempts == 1
    held["foreign"]._archive.close()


def test_release_leaves_a_stream_of_another_name_and_ends_on_a_looping_chain(tmp_path):
    tmp = tmp_path / ".~giamngheo-4.xlsx"
    exc = _caught(_archive_in_a_writer, tmp, str(tmp_path / "khac.bin"))
    exc.__context__ = exc                          # a chain that points back at itself
    held = _locals_of(exc)
    safe_io._release(exc, tmp)
    assert held["failing"].attempts == 0 and held["writer"]._archive.fp is None
    exc.__context__ = None
    held["foreign"]._archive.close()


def test_release_reaches_the_cause_past_a_wrapped_exception_and_an_empty_context(tmp_path):
    """The chain is walked whole: an exception wrapping another (in its args, with nothing behind
    it) and no context must not end the walk before the cause that holds the files."""
    tmp = tmp_path / ".~giamngheo-5.xlsx"
    inner = _caught(_writer_fails, tmp, tmp_path / "khac.bin")
    outer = FileCreateError(ValueError("wrapped, with nothing behind it"))
    outer.__cause__, outer.__context__ = inner, None
    held = _locals_of(inner)
    safe_io._release(outer, tmp)
    assert held["archive"].fp is None and held["stream"].closed and not held["other"].closed
    held["other"].close()
