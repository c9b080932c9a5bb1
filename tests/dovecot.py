"""A real IMAP server for the tests: Dovecot from the distribution, on a local port.

A throwaway user (passwd-file) with a maildir in a temporary folder, TLS with a
self-signed certificate made here (the client trusts it through --cafile), nothing
shared with a system Dovecot (own base_dir, state_dir and log). Works as root (CI):
login processes run as `dovenull`, mail as `nobody`; and as an ordinary user: every
process runs as that user, without chroot.
"""
from __future__ import annotations

import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "phong.ldtbxh", "mat-khau-thu-nghiem"


def binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
                                            if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Dovecot:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="giamngheo-dovecot-"))
        self.root.chmod(0o755)              # mail processes run as another user when we are root
        self.port = _free_port()
        self.cafile, key = _certificate(self.root)
        self.proc: subprocess.Popen | None = None
        root_user = os.getuid() == 0
        if root_user:
            login = "dovenull" if _exists("dovenull") else "nobody"
            internal = "dovecot" if _exists("dovecot") else "nobody"
            group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
            mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid
            chroot = ""
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            login = internal = me
            group = grp.getgrgid(os.getgid()).gr_name
            mail_uid, mail_gid = os.getuid(), os.getgid()
            chroot = "service imap-login {\n  chroot =\n}\nservice anvil {\n  chroot =\n}\n"
        home = self.root / "home" / USER
        home.mkdir(parents=True)
        if root_user:
            for folder in (self.root / "home", home):
                os.chown(folder, mail_uid, mail_gid)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        self.log = self.root / "dovecot.log"
        self.config = self.root / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = giamngheo-test-{self.port}
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
ssl = required
ssl_cert = <{self.cafile}
ssl_key = <{key}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={self.root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
{chroot}""", encoding="utf-8")
        os.chmod(self.root / "passwd", 0o644)

    @property
    def url(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        """Start the server; raise RuntimeError with its log when it does not come up."""
        exe = binary()
        if exe is None:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.proc = subprocess.Popen([exe, "-F", "-c", str(self.config)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with self.connect():
                    return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.2)
        output = self.proc.stdout.read().decode(errors="replace") if self.proc.poll() is not None else ""
        self.stop()
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"dovecot did not start: {output}{log}")

    def connect(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cafile))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, *messages: tuple[bytes, dt.datetime]) -> None:
        """Deliver messages, each with its arrival time (what IMAP SINCE compares)."""
        with self.connect() as client:
            for message, received in messages:
                status, _ = client.append("INBOX", None, imaplib.Time2Internaldate(received), message)
                assert status == "OK"

    def empty(self) -> None:
        with self.connect() as client:
            client.select("INBOX")
            if client.search(None, "ALL")[1][0]:
                client.store("1:*", "+FLAGS", "\\Deleted")
                client.expunge()

    def state(self) -> list[tuple[int, tuple[str, ...]]]:
        """(UID, flags) of every message, read-only: to prove the tool changed nothing. \\Recent is
        left out: it belongs to IMAP sessions, not to the mailbox."""
        with self.connect() as client:
            client.select("INBOX", readonly=True)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
        out = []
        for line in data:
            m = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line or b"") or re.search(
                rb"FLAGS \(([^)]*)\) UID (\d+)", line or b"")
            if m:
                uid, flags = (m.group(1), m.group(2)) if m.re.pattern.startswith(b"UID") else (m.group(2), m.group(1))
                out.append((int(uid), tuple(sorted(f for f in flags.decode().split() if f != "\\Recent"))))
        return sorted(out)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False
