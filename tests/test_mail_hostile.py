"""Damaged and hostile mails and zips, and `send` on the damaged-workbook corpus: a message, never a crash."""
from __future__ import annotations

import datetime as dt
import io
import random
import tempfile
import zipfile
from pathlib import Path

import mails
from conftest import ROOT
from macros_py.cli import main

SOURCE = (ROOT / "workbooks" / "van_quan_2021.xlsx").read_bytes()
WHEN = dt.datetime(2021, 4, 5, 8, 0, tzinfo=mails.TZ)


def encrypted_zip(name: str, data: bytes) -> bytes:
    """A zip whose entry says it is encrypted (general purpose flag bit 0), as password-protected zips do."""
    raw = bytearray(mails.zipped((name, data)))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        raw[at + offset] |= 0x01
    return bytes(raw)


def nested_zip(depth: int) -> bytes:
    data = mails.zipped(("bieu.xlsx", SOURCE))
    for i in range(depth):
        data = mails.zipped((f"lop_{i}.zip", data))
    return data


def hostile(folder: Path) -> list[Path]:
    real = bytes(mails.mail("Xã A <a@x.vn>", "Biểu", WHEN, attachments=[("bieu.xlsx", SOURCE, mails.XLSX)]))
    rng = random.Random(16)
    files = {
        "cut.msg": mails.REAL_MSG.read_bytes()[:20_000],
        "rac.msg": bytes(rng.randrange(256) for _ in range(5000)),
        "rac.eml": bytes(rng.randrange(256) for _ in range(5000)),
        "khong_phai_zip.zip": b"PK\x03\x04" + bytes(100),
        "vuot_thu_muc.zip": mails.zipped(("../../../evil.xlsx", SOURCE), ("C:\\Windows\\evil2.xlsx", SOURCE)),
        "mat_khau.zip": encrypted_zip("bieu.xlsx", SOURCE),
        "long_sau.zip": nested_zip(12),
        "base64_hong.eml": real.replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: base64")
        .replace(b"UEsDB", b"!!*#\x00"),
        "cut.eml": real[: len(real) // 2],
    }
    for i in range(12):
        data = bytearray(real if i % 2 else mails.outlook_msg(SOURCE, "bieu.xlsx"))
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        files[f"lat_{i}.{'eml' if i % 2 else 'msg'}"] = bytes(data)
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / n for n in files]


def test_hostile_mails_and_zips_give_messages_not_crashes(tmp_path, capsys):
    paths = hostile(tmp_path / "thu")
    for path in paths:
        assert main(["validate", str(path), "--format", "json"]) in (0, 1, 2), path.name
    assert main(["consolidate", str(tmp_path / "thu"), "-o", str(tmp_path / "c.xlsx")]) in (0, 2)
    captured = capsys.readouterr()
    assert "Lỗi không mong đợi" not in captured.out + captured.err
    assert "có mật khẩu; không mở được" in captured.out
    assert "lồng quá sâu" in captured.out
    # names that climb out of the folder are cut to their last part, inside our temporary folder
    assert not (Path(tempfile.gettempdir()) / "evil.xlsx").exists() and not (tmp_path / "evil.xlsx").exists()
    assert "vuot_thu_muc.zip › evil.xlsx" in captured.out and "vuot_thu_muc.zip › evil2.xlsx" in captured.out


def test_send_on_damaged_workbooks_gives_a_message(tmp_path, capsys):
    corpus = sorted(p for p in (ROOT / "tests" / "corpus").iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
    assert corpus
    for path in corpus:
        assert main(["send", str(path), "-o", str(tmp_path / "thu.eml"), "--force"]) in (0, 1, 2), path.name
    assert "Lỗi không mong đợi" not in capsys.readouterr().err


def test_a_zip_inside_a_mail_inside_a_zip(tmp_path, capsys):
    inner = bytes(mails.mail("Xã A <a@x.vn>", "Biểu", WHEN, attachments=[("Biểu.xlsx", SOURCE, mails.XLSX)]))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("thu da luu/Biểu xã A.eml", inner)
    (tmp_path / "goi.zip").write_bytes(outer.getvalue())
    assert main(["validate", str(tmp_path / "goi.zip")]) == 0
    assert f"Tệp: {tmp_path / 'goi.zip'} › Biểu xã A.eml › Biểu.xlsx" in capsys.readouterr().out
