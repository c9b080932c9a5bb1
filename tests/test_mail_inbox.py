"""Saved mails as the inbox: .eml, Outlook .msg, forwards, zips give the table the files give."""
from __future__ import annotations

import datetime as dt
import json
import os

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import mails
from conftest import van_quan_units
from macros_py.cli import main
from test_consolidate import commune_workbook, inbox, units_csv  # noqa: F401  (inbox is a fixture)


def sheet(path, name="Biểu"):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)


def rows(path, name):
    """A report sheet's rows under its title lines, each as {header: value}."""
    table = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(table) if r[0] in ("Đơn vị", "STT"))
    return [dict(zip(table[head], r)) for r in table[head + 1:]]


def unit_files(box):
    return sorted(p for p in box.iterdir() if p.name[:2].isdigit())


def mail_folder(box, folder):
    """The inbox's workbooks as a folder of saved mails: 15 .eml of every kind, one unit as a bare .zip,
    one as a bare Outlook .msg; Tân Đoàn's wrong first version in an earlier mail; the damaged file in a
    mail; a mail that holds only a PDF; the real Outlook sample, which holds no workbook."""
    files = unit_files(box)
    messages = mails.unit_messages(files)
    paths = mails.save(messages, folder)
    (folder / "thu_01.eml").unlink()
    (folder / "Bieu Binh Phuc.zip").write_bytes(mails.zipped(("Biểu.xlsx", files[1].read_bytes())))
    (folder / "thu_04.eml").unlink()
    (folder / "Thu xa Diem He.msg").write_bytes(mails.outlook_msg(files[4].read_bytes(), "Biểu Điềm He.xlsx"))
    old = mails.mail(f"Xã Tân Đoàn <tandoan@{mails.DOMAIN}>", "Biểu giảm nghèo Tân Đoàn",
                     dt.datetime(2021, 3, 29, 16, 0, tzinfo=mails.TZ),
                     attachments=[("Biểu Tân Đoàn.xlsx", (box / "Tan Doan cu.xlsx").read_bytes(), mails.XLSX)])
    broken = mails.mail(f"Xã X <x@{mails.DOMAIN}>", "Biểu", dt.datetime(2021, 4, 6, 8, 0, tzinfo=mails.TZ),
                        attachments=[("ghi chu.xlsx", (box / "ghi chu.xlsx").read_bytes(), mails.XLSX)])
    mails.save([old, broken, mails.no_workbook_mail()], folder / "khac")
    (folder / "mau_outlook.msg").write_bytes(mails.REAL_MSG.read_bytes())
    return paths


def test_saved_mails_consolidate_to_the_table_the_files_give(inbox, tmp_path, capsys):  # noqa: F811
    folder = tmp_path / "thu_da_luu"
    mail_folder(inbox, folder)
    units = str(units_csv(tmp_path))
    from_files, from_mails = tmp_path / "tu_tep.xlsx", tmp_path / "tu_thu.xlsx"
    assert main(["consolidate", str(inbox), "--units", units, "--year", "2021", "-o", str(from_files)]) == 0
    capsys.readouterr()
    assert main(["consolidate", str(folder), "--units", units, "--year", "2021", "-o", str(from_mails)]) == 0
    printed = capsys.readouterr().out
    assert "17/17 đơn vị có số liệu" in printed
    assert sheet(from_mails) == sheet(from_files)            # every cell of the table, cached values included

    sources = {r["Đơn vị"]: r for r in rows(from_mails, "Nguồn") if r["Dùng"] == "Dùng"}
    # one column "Thư": who sent the mail, when, and its subject
    sent = dt.datetime(2021, 4, 5, 8, 0, tzinfo=mails.TZ).astimezone().strftime("%d/%m/%Y %H:%M")
    assert sources["Yên Phúc"]["Thư"] == (f"Cán bộ xã số 0 <xa0@{mails.DOMAIN}>, {sent}: "
                                          "Biểu dự kiến giảm nghèo 2021 – xã số 0")
    assert sources["Yên Phúc"]["Tệp"] == "thu_00.eml › Biểu giảm nghèo xã số 0.xlsx"
    # forwarded twice: the commune's own mail, found two levels down, is the sender
    assert sources[van_quan_units()[6].name]["Thư"].startswith(f"Cán bộ xã số 6 <xa6@{mails.DOMAIN}>, ")
    assert sources[van_quan_units()[6].name]["Tệp"] == "thu_06.eml › Biểu giảm nghèo xã số 6.xlsx"
    # an Outlook .msg attached to a mail, and one saved on its own: the real sample's sender and date
    for unit in (van_quan_units()[3].name, van_quan_units()[4].name):
        assert sources[unit]["Thư"].startswith(
            "Nick Booth <nick.booth@pof.com.au>, "
            + dt.datetime(2010, 6, 17, 23, 54, 19, tzinfo=dt.timezone.utc).astimezone().strftime("%d/%m/%Y %H:%M"))
    assert sources[van_quan_units()[1].name]["Tệp"] == "Bieu Binh Phuc.zip › Biểu.xlsx"
    assert sources[van_quan_units()[1].name]["Thư"] is None           # a zip has no sender
    # Tân Đoàn's earlier mail holds the wrong version: set aside, named with its mail
    status = {r["Đơn vị"]: r for r in rows(from_mails, "Tình hình nộp")}
    assert "thu_00.eml › Biểu Tân Đoàn.xlsx" in status["Tân Đoàn"]["Ghi chú"]
    # mails without a workbook are listed, with who sent them: under the unit their sender names …
    assert "'thu_02.eml': Thư của Xã Bình Phúc" in status["Bình Phúc"]["Ghi chú"]
    assert "Biểu (bản PDF)': không có tệp bảng tính đính kèm (có: bieu.pdf)" in status["Bình Phúc"]["Ghi chú"]
    # … or as not tied to any unit
    unused = [r for r in rows(from_mails, "Tình hình nộp") if r["Tình trạng"] == "Không dùng"]
    notes = {r["Tệp nhận được"]: r["Ghi chú"] for r in unused}
    assert "thu_02.eml" not in notes
    assert "Nick Booth" in notes["mau_outlook.msg"] and "smbprn.00009008.KdcPjl.pdf" in notes["mau_outlook.msg"]
    assert any(k.endswith("ghi chu.xlsx") and "bị hỏng" in v for k, v in notes.items())


def test_a_units_later_mail_wins(tmp_path, capsys):
    """Two versions saved at the same moment: the mail's own date decides, not the file name."""
    unit = van_quan_units()[0]
    first = commune_workbook(tmp_path / "a.xlsx", unit, epoch=1617235200)

    def corrected(vs):
        vs[0].inputs["2"] += 2
    second = commune_workbook(tmp_path / "b.xlsx", unit, epoch=1617235200, edit=corrected)
    folder = tmp_path / "thu"
    mails.save([mails.mail("a@x.vn", "Biểu sửa", dt.datetime(2021, 4, 7, tzinfo=mails.TZ),
                           attachments=[("Bieu.xlsx", second.read_bytes(), mails.XLSX)]),
                mails.mail("a@x.vn", "Biểu", dt.datetime(2021, 4, 5, tzinfo=mails.TZ),
                           attachments=[("Bieu.xlsx", first.read_bytes(), mails.XLSX)])], folder)
    out = tmp_path / "out.xlsx"
    assert main(["consolidate", str(folder), "--units", unit.name, "-o", str(out)]) == 0
    assert f"{unit.name}: dùng 'thu_00.eml › Bieu.xlsx', để riêng: 'thu_01.eml › Bieu.xlsx'" in capsys.readouterr().out
    assert sheet(out)[7][3] == unit.inputs["2"] + 2


def test_a_zip_bomb_in_a_mail_is_refused_and_the_mail_listed(tmp_path, capsys):
    bomb = mails.zipped(("bieu.xlsx", bytes(60 << 20)))          # 60 MB of zeros, over 200:1
    folder = tmp_path / "thu"
    mails.save([mails.mail("x@y.vn", "Biểu", dt.datetime(2021, 4, 5, tzinfo=mails.TZ),
                           attachments=[("bieu.zip", bomb, ("application", "zip"))])], folder)
    assert main(["validate", str(folder / "thu_00.eml")]) == 2
    out = capsys.readouterr().out
    assert "bom nén" in out and "không có tệp bảng tính đính kèm" in out


def test_validate_reads_saved_mails_and_names_the_mail(tmp_path, capsys, van_quan_xlsx):
    folder = tmp_path / "thu"
    mails.save([mails.mail("x@y.vn", "Biểu", dt.datetime(2021, 4, 5, tzinfo=mails.TZ),
                           attachments=[("Biểu Văn Quan.xlsx", van_quan_xlsx.read_bytes(), mails.XLSX)])], folder)
    assert main(["validate", str(folder / "thu_00.eml"), "--format", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["files"]
    assert result["path"] == f"{folder / 'thu_00.eml'} › Biểu Văn Quan.xlsx"
    assert result["status"] == "ok" and result["sheets"][0]["units"] == 17 and result["checked"] == "chưa kiểm tra"
    assert main(["validate", str(mails.REAL_MSG)]) == 2
    assert "Thư của Nick Booth <nick.booth@pof.com.au>" in capsys.readouterr().out


def test_extracted_files_carry_the_mail_date(tmp_path):
    from macros_py.engines.mail import expand, origin

    folder = tmp_path / "thu"
    when = dt.datetime(2021, 4, 5, 8, 30, tzinfo=mails.TZ)
    (path,) = mails.save([mails.mail("Xã A <a@x.vn>", "Biểu", when, attachments=[
        ("bieu.zip", mails.zipped(("trong/thu.eml", bytes(mails.mail("Xã B <b@x.vn>", "Trong zip", when, attachments=[
            ("b.xlsx", b"PK...", mails.XLSX)])))), ("application", "zip"))])], folder)
    (found,), problems = expand(path)
    assert problems == [] and found.name == "b.xlsx"
    assert os.path.getmtime(found) == when.timestamp()
    o = origin(found)
    assert o.chain == ("thu_00.eml", "bieu.zip", "thu.eml", "b.xlsx") and o.sender == "Xã B <b@x.vn>"
    assert str(path) == o.received
