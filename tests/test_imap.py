"""The mailbox as the inbox, against a real Dovecot the tests start (tests/dovecot.py)."""
from __future__ import annotations

import datetime as dt
import getpass

import pytest
from python_calamine import CalamineWorkbook

import mails
from dovecot import PASSWORD, Dovecot
from macros_py.cli import main
from test_consolidate import inbox, units_csv  # noqa: F401  (inbox is a fixture)
from test_mail_inbox import unit_files

SINCE = "01/04/2021"
ARRIVED = dt.datetime(2021, 4, 5, 9, 0, tzinfo=mails.TZ)


@pytest.fixture(scope="module")
def server():
    dovecot = None
    try:
        dovecot = Dovecot()
        dovecot.start()
    except (RuntimeError, KeyError, OSError) as exc:    # not installed, no such system user, no port
        if dovecot is not None:
            dovecot.stop()
        pytest.skip(f"no IMAP server for this test (Dovecot could not be started: {exc}); "
                    "setup.sh installs dovecot-imapd")
    yield dovecot
    dovecot.stop()


@pytest.fixture
def mailbox(server, inbox, tmp_path, monkeypatch):  # noqa: F811
    """The district's mailbox: every unit's mail (as in test_mail_inbox), Tân Đoàn's wrong first
    version sent before the date asked for, a mail from outside the province's domain, a mail
    with no attachment; the password typed at the prompt; a fresh cache."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or PASSWORD)
    server.empty()                                            # each test its own mailbox
    messages = [(bytes(m), ARRIVED + dt.timedelta(minutes=i))
                for i, m in enumerate(mails.unit_messages(unit_files(inbox)))]
    first = dt.datetime(2021, 3, 29, 16, 0, tzinfo=mails.TZ)
    old = mails.mail(f"Xã Tân Đoàn <tandoan@{mails.DOMAIN}>", "Biểu (bản đầu)", first,
                     attachments=[("Biểu Tân Đoàn.xlsx", (inbox / "Tan Doan cu.xlsx").read_bytes(), mails.XLSX)])
    stranger = mails.mail("Ai đó <someone@example.com>", "Biểu", ARRIVED,
                          attachments=[("Biểu.xlsx", (inbox / "Tan Doan cu.xlsx").read_bytes(), mails.XLSX)])
    notice = mails.mail(f"Văn thư <van.thu@{mails.DOMAIN}>", "Lịch họp", ARRIVED)
    server.append(*messages, (bytes(old), first), (bytes(stranger), ARRIVED), (bytes(notice), ARRIVED))
    return server, asked


def consolidate_imap(server, tmp_path, out, *extra) -> int:
    return main(["consolidate", "--imap", server.url, "--since", SINCE, "--from-domain", mails.DOMAIN,
                 "--cafile", str(server.cafile), "--units", str(units_csv(tmp_path)), "--year", "2021",
                 "-o", str(out), "--force", *extra])


def table(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Biểu").to_python(skip_empty_area=False)


def test_the_mailbox_gives_the_table_the_files_give_and_is_left_unchanged(mailbox, inbox, tmp_path,  # noqa: F811
                                                                          capsys):
    server, asked = mailbox
    before = server.state()
    from_files, from_mailbox = tmp_path / "tu_tep.xlsx", tmp_path / "tu_hop_thu.xlsx"
    assert main(["consolidate", str(inbox), "--units", str(units_csv(tmp_path)), "--year", "2021",
                 "-o", str(from_files)]) == 0
    capsys.readouterr()
    assert consolidate_imap(server, tmp_path, from_mailbox) == 0
    captured = capsys.readouterr()
    assert "17/17 đơn vị có số liệu" in captured.out
    # 17 units + the meeting notice since the date, from the domain; the older mail and the stranger left out
    assert f"Hộp thư: 18 thư từ ngày {SINCE}; tải mới 18, đã có sẵn 0; 17 thư có tệp đính kèm." in captured.err
    assert asked == [f"Mật khẩu hộp thư {server.url.split('//')[1].split(':')[0]}: "]
    assert table(from_mailbox) == table(from_files)
    assert server.state() == before                           # nothing deleted, moved or flagged (not even \Seen)

    cache = tmp_path / "home" / ".giamngheo" / "imap"
    cached = {p.name: p for p in cache.rglob("*.eml")}
    assert len(cached) == 17
    photo_mail = next(p for p in cached.values() if b"anh_chup.jpg" in p.read_bytes())
    assert photo_mail.stat().st_size < 100_000                # the 200 kB photo stayed on the server

    # a rerun fetches only new mail
    late = mails.mail(f"Xã Tân Đoàn <tandoan@{mails.DOMAIN}>", "Biểu (bổ sung)", ARRIVED + dt.timedelta(days=1),
                      attachments=[("bieu.pdf", b"%PDF-1.4", ("application", "pdf"))])
    server.append((bytes(late), ARRIVED + dt.timedelta(days=1)))
    assert consolidate_imap(server, tmp_path, from_mailbox) == 0
    captured = capsys.readouterr()
    assert "tải mới 1, đã có sẵn 18; 18 thư có tệp đính kèm." in captured.err
    assert "Biểu (bổ sung)" in captured.out and "không có tệp bảng tính đính kèm (có: bieu.pdf)" in captured.out


def test_tls_is_verified_and_a_wrong_password_is_refused(mailbox, tmp_path, monkeypatch, capsys):
    server, _ = mailbox
    out = tmp_path / "x.xlsx"
    assert main(["consolidate", "--imap", server.url, "--since", SINCE, "-o", str(out)]) == 2
    assert "Không xác thực được chứng chỉ của máy chủ thư 127.0.0.1" in capsys.readouterr().err
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "sai-mat-khau")
    assert consolidate_imap(server, tmp_path, out) == 2
    assert "sai tên đăng nhập hoặc mật khẩu" in capsys.readouterr().err
    assert not out.exists()
    for bad in (["--imap", "imap://u@h/INBOX", "--since", SINCE], ["--imap", "imaps://u:pw@h/INBOX", "--since", SINCE],
                ["--imap", server.url], ["--imap", server.url, "--since", "32/13/2021"], ["--since", SINCE, "x"]):
        assert main(["consolidate", *bad, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "imaps://" in err and "Không ghi mật khẩu trong địa chỉ" in err and "--imap cần --since" in err
    assert "Ngày không hợp lệ" in err and "chỉ dùng cùng --imap" in err


def test_the_password_comes_from_the_keyring_when_it_has_one(mailbox, tmp_path, monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        stored = {}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            self.stored[(service, username)] = password

        def delete_password(self, service, username):
            self.stored.pop((service, username), None)

    server, asked = mailbox
    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        keyring.set_password("giamngheo-imap", "phong.ldtbxh@127.0.0.1", PASSWORD)
        assert consolidate_imap(server, tmp_path, tmp_path / "k.xlsx") == 0
    finally:
        keyring.set_keyring(previous)
    assert asked == []                                        # not prompted
