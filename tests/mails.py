"""A district's inbox as mail: the unit workbooks of test_consolidate's inbox, sent the ways
communes really send them (plain, forwarded, zipped, an Outlook .msg attached, with a photo),
made with Python's email package as mail programs write them.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import olefile
from extract_msg.ole_writer import OleWriter

from conftest import DATA

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
REAL_MSG = DATA / "mail" / "attachment_msg_pdf.msg"      # Apache POI test data, see data/mail/SOURCE.md
DOMAIN = "vanquan.langson.gov.vn"
TZ = dt.timezone(dt.timedelta(hours=7))


def mail(sender: str, subject: str, when: dt.datetime, *, attachments=(), forwards=(), text="Kính gửi phòng LĐ-TB&XH.") \
        -> EmailMessage:
    """attachments: (file name, bytes, (maintype, subtype)); forwards: messages attached as message/rfc822."""
    m = EmailMessage()
    m["From"], m["To"] = sender, f"phong.ldtbxh@{DOMAIN}"
    m["Subject"], m["Date"] = subject, format_datetime(when)
    m["Message-ID"] = make_msgid(domain=DOMAIN)
    m.set_content(text)
    for name, data, (maintype, subtype) in attachments:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for inner in forwards:
        m.add_attachment(inner)          # message/rfc822, as "forward as attachment" sends it
    return m


def zipped(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return buf.getvalue()


def outlook_msg(workbook: bytes, name: str) -> bytes:
    """The real Outlook sample with its PDF attachment's data and names replaced by a workbook."""
    writer = OleWriter()
    with olefile.OleFileIO(str(REAL_MSG)) as ole:
        writer.fromOleFile(ole)
    att = "__attach_version1.0_#00000001/__substg1.0_"
    writer.editEntry(att + "37010102", data=workbook)                      # PR_ATTACH_DATA_BIN
    for prop, text in (("3001001F", name), ("3707001F", name), ("3704001F", "BIEU~1.XLS"), ("3703001F", ".xlsx")):
        writer.editEntry(att + prop, data=text.encode("utf-16-le"))       # display, long, short name, extension
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def unit_messages(workbooks: list[Path], *, start=dt.datetime(2021, 4, 5, 8, 0, tzinfo=TZ)) -> list[EmailMessage]:
    """One message per workbook, in turn plain, forwarded, zipped, with an Outlook .msg, with a photo."""
    out = []
    for i, path in enumerate(workbooks):
        data, when = path.read_bytes(), start + dt.timedelta(minutes=i)
        commune = f"Cán bộ xã số {i} <xa{i}@{DOMAIN}>"
        shown = f"Biểu giảm nghèo xã số {i}.xlsx"        # Vietnamese file names (RFC 2231 encoded)
        subject = f"Biểu dự kiến giảm nghèo 2021 – xã số {i}"
        kind = i % 5
        if kind == 0:
            m = mail(commune, subject, when, attachments=[(shown, data, XLSX)])
        elif kind == 1:
            inner = mail(commune, subject, when, attachments=[(shown, data, XLSX)])
            if i == 6:     # forwarded twice
                inner = mail(f"Văn thư <van.thu@{DOMAIN}>", "Fwd: " + subject, when, forwards=[inner])
            m = mail(f"Văn thư <van.thu@{DOMAIN}>", "Fwd: " + subject, when + dt.timedelta(hours=1), forwards=[inner])
        elif kind == 2:
            m = mail(commune, subject, when, attachments=[("bieu.zip", zipped((shown, data)), ("application", "zip"))])
        elif kind == 3:
            m = mail(commune, subject, when, attachments=[("thu_outlook.msg", outlook_msg(data, shown),
                                                           ("application", "vnd.ms-outlook"))])
        else:
            m = mail(commune, subject, when, attachments=[("anh_chup.jpg", b"\xff\xd8\xff" + bytes(200_000),
                                                           ("image", "jpeg")), (shown, data, XLSX)])
        out.append(m)
    return out


def no_workbook_mail() -> EmailMessage:
    return mail(f"Xã Bình Phúc <binhphuc@{DOMAIN}>", "Biểu (bản PDF)", dt.datetime(2021, 4, 6, 9, 0, tzinfo=TZ),
                attachments=[("bieu.pdf", b"%PDF-1.4\n%\xe2\xe3\n", ("application", "pdf"))])


def save(messages: list[EmailMessage], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, m in enumerate(messages):
        path = folder / f"thu_{i:02d}.eml"
        path.write_bytes(bytes(m))
        paths.append(path)
    return paths
