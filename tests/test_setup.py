"""setup.sh installs Dovecot for the mailbox tests only (they start their own on a free local port):
no system mail service may be left running, or enabled to start at boot.

The script's steps run here with stand-ins for apt-get, systemctl, update-rc.d and the init script
that record what they were asked; CI, which runs setup.sh on a fresh machine before the tests,
also checks that nothing answers on the IMAP ports afterwards."""
from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

SETUP = ROOT / "setup.sh"
STUB = """#!/bin/sh
echo "{name} $*" >> "$LOG"
{extra}
"""
# apt-get asks the policy hook, as a package's maintainer script does before starting its service
ASK_POLICY = """if [ -x "$POLICY_RC" ]; then "$POLICY_RC" dovecot start; echo "policy answers $?" >> "$LOG"
else echo "no policy" >> "$LOG"; fi
exit "${APT_STATUS:-0}"
"""


def _machine(tmp_path: Path, *, systemd: bool) -> dict[str, str]:
    """A stand-in machine: commands that log their arguments, a policy path, an init.d, maybe systemd."""
    bin_dir, init_d = tmp_path / "bin", tmp_path / "init.d"
    bin_dir.mkdir()
    init_d.mkdir()
    for name, extra in (("apt-get", ASK_POLICY), ("systemctl", ""), ("update-rc.d", ""), ("sudo", 'exec "$@"')):
        (bin_dir / name).write_text(STUB.format(name=name, extra=extra))
        (bin_dir / name).chmod(0o755)
    (init_d / "dovecot").write_text(STUB.format(name="init.d/dovecot", extra=""))
    (init_d / "dovecot").chmod(0o755)
    running = tmp_path / "run-systemd"
    if systemd:
        running.mkdir()
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(tmp_path / "log"), "HOME": str(tmp_path),
            "POLICY_RC": str(tmp_path / "policy-rc.d"), "SYSTEMD_RUNNING": str(running), "INIT_D": str(init_d)}


def _run(env: dict[str, str], script: str, **extra) -> tuple[subprocess.CompletedProcess, list[str]]:
    done = subprocess.run(["bash", "-c", f'source "{SETUP}"; {script}'], env={**env, **extra},
                          capture_output=True, text=True, timeout=60)
    log = Path(env["LOG"])
    return done, log.read_text().splitlines() if log.exists() else []


def test_sourcing_the_script_runs_nothing(tmp_path):
    done, log = _run(_machine(tmp_path, systemd=True), "true")
    assert done.returncode == 0 and done.stdout == "" and log == []


def test_packages_install_with_every_service_forbidden_to_start(tmp_path):
    env = _machine(tmp_path, systemd=True)
    done, log = _run(env, "apt_install dovecot-imapd")
    assert done.returncode == 0, done.stderr
    assert log == ["apt-get install -y -qq dovecot-imapd", "policy answers 101"]
    assert not Path(env["POLICY_RC"]).exists()                 # the hook was ours: gone again


def test_a_failed_install_still_removes_the_hook_and_fails(tmp_path):
    env = _machine(tmp_path, systemd=True)
    done, _ = _run(env, "apt_install dovecot-imapd || echo failed $?", APT_STATUS="100")
    assert done.stdout.strip() == "failed 100"
    assert not Path(env["POLICY_RC"]).exists()


def test_the_machines_own_policy_is_left_as_it_was(tmp_path):
    env = _machine(tmp_path, systemd=True)
    own = "#!/bin/sh\nexit 0\n"
    Path(env["POLICY_RC"]).write_text(own)
    Path(env["POLICY_RC"]).chmod(0o755)
    done, log = _run(env, "apt_install poppler-utils")
    assert done.returncode == 0 and log[-1] == "policy answers 0"
    assert Path(env["POLICY_RC"]).read_text() == own


def test_under_systemd_dovecot_is_stopped_and_disabled(tmp_path):
    done, log = _run(_machine(tmp_path, systemd=True), "quiet_dovecot")
    assert done.returncode == 0, done.stderr
    assert "systemctl disable --now -q dovecot.service dovecot.socket" in log
    assert "update-rc.d dovecot disable" in log                # the SysV links too, where they exist
    assert not any(line.startswith("init.d/dovecot") for line in log)   # systemd stops it, not the script


def test_without_systemd_dovecot_is_kept_from_boot_and_stopped(tmp_path):
    """A container or a SysV machine: no running systemd to ask."""
    done, log = _run(_machine(tmp_path, systemd=False), "quiet_dovecot")
    assert done.returncode == 0, done.stderr
    assert "systemctl disable -q dovecot.service dovecot.socket" in log   # the boot links, offline
    assert "update-rc.d dovecot disable" in log
    assert "init.d/dovecot stop" in log


@pytest.mark.parametrize("port", [143, 993])
def test_no_imap_server_listens_on_this_machine(port):
    """After setup.sh (CI runs it first on a fresh machine): the tests' own Dovecot uses a free high
    port; nothing may answer on the standard IMAP ports."""
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", port)) != 0, (
            f"something listens on port {port}: a system mail service left by setup.sh? "
            "(sudo systemctl disable --now dovecot)")


@pytest.mark.skipif(not Path("/bin/systemctl").exists() or not Path("/run/systemd/system").is_dir(),
                    reason="systemd is not the running init here")
def test_dovecot_is_not_enabled_at_boot():
    state = subprocess.run(["systemctl", "is-enabled", "dovecot.service"], capture_output=True, text=True)
    assert state.stdout.strip() != "enabled"


def test_setup_stays_valid_bash():
    assert subprocess.run(["bash", "-n", str(SETUP)]).returncode == 0
