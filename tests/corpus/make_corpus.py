"""Regenerate the committed corpus of malformed workbooks: python tests/corpus/make_corpus.py

Each file is a kind of damage officers' files really suffer (or an attack); the
fuzz suite runs every command on all of them and on random corruptions.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from macros_py.addin.cfb import write_cfb  # noqa: E402

SOURCE = (ROOT / "workbooks" / "van_quan_2021.xlsx").read_bytes()


def rezip(mutate) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SOURCE)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = mutate(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info.filename, data)
    return out.getvalue()


def make() -> dict[str, bytes]:
    files = {
        "not_a_workbook.xlsx": "Đây là thư, không phải bảng tính.\n".encode(),
        "empty_file.xlsx": b"",
        "truncated.xlsx": SOURCE[: len(SOURCE) // 2],
        "html_saved_as.xls": b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        "encrypted.xlsx": write_cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 60,
                                     "EncryptedPackage": b"\0" * 5000}),
        "no_sheets.xlsx": rezip(lambda n, d: None if n.startswith("xl/worksheets/") else d),
        "no_workbook_part.xlsx": rezip(lambda n, d: None if n == "xl/workbook.xml" else d),
        "garbled_sheet.xlsx": rezip(lambda n, d: d[: len(d) // 3] if n.startswith("xl/worksheets/") else d),
        "entity_bomb.xlsx": rezip(lambda n, d: d.replace(
            b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<worksheet", 1) if n.startswith("xl/worksheets/") else d),
        "numbers_as_words.xlsx": rezip(lambda n, d: d.replace(b"<v>1188</v>", b"<v>mot nghin</v>")
                                       if n.startswith("xl/worksheets/") else d),
    }
    return files


if __name__ == "__main__":
    for name, data in make().items():
        (HERE / name).write_bytes(data)
        print(name, len(data))
