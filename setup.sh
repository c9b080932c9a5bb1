#!/usr/bin/env bash
# One-step set-up on a fresh Debian/Ubuntu machine: LibreOffice (the independent
# engine the tests recalculate and print with) and a Times-compatible font, Dovecot (the
# IMAP server the mailbox tests start on a local port; the system service is not used and is
# left stopped and disabled), a virtual environment with giamngheo, and the main job run once on
# the shipped Văn Quan 2021 example.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
POLICY_RC="${POLICY_RC:-/usr/sbin/policy-rc.d}"        # Debian's hook: may a package's script start a service?
SYSTEMD_RUNNING="${SYSTEMD_RUNNING:-/run/systemd/system}"   # exists when systemd is the running init
INIT_D="${INIT_D:-/etc/init.d}"                             # SysV init scripts

# apt-get install with no service started meanwhile (a policy-rc.d that answers 101, "forbidden"),
# unless the machine has a policy of its own; ours is removed afterwards, even when apt-get fails.
apt_install() {
  local ours="" status=0
  if [ ! -e "$POLICY_RC" ]; then
    printf '#!/bin/sh\n# giamngheo setup.sh: no service starts while packages install\nexit 101\n' \
      | $SUDO tee "$POLICY_RC" >/dev/null
    $SUDO chmod 755 "$POLICY_RC"
    ours=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null || status=$?
  if [ -n "$ours" ]; then $SUDO rm -f "$POLICY_RC"; fi
  return "$status"
}

# Dovecot is here for the mailbox tests only (tests/dovecot.py starts its own server on a free local
# port). The package also installs a system mail service (IMAP on 143/993): stop it, and keep it from
# starting at boot, under systemd or SysV init alike.
quiet_dovecot() {
  if command -v systemctl >/dev/null 2>&1; then
    if [ -d "$SYSTEMD_RUNNING" ]; then
      $SUDO systemctl disable --now -q dovecot.service dovecot.socket >/dev/null 2>&1 || true
    else
      $SUDO systemctl disable -q dovecot.service dovecot.socket >/dev/null 2>&1 || true   # the links only
    fi
  fi
  if command -v update-rc.d >/dev/null 2>&1 && [ -e "$INIT_D/dovecot" ]; then
    $SUDO update-rc.d dovecot disable >/dev/null 2>&1 || true
  fi
  if [ ! -d "$SYSTEMD_RUNNING" ] && [ -x "$INIT_D/dovecot" ]; then
    $SUDO "$INIT_D/dovecot" stop >/dev/null 2>&1 || true     # started anyway by an init without the policy
  fi
}

# Is something serving on this local port? (bash's /dev/tcp: no extra tool needed)
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

main() {
  cd "$(dirname "$0")"
  local need="" dovecot=""
  command -v soffice >/dev/null 2>&1 || need="$need libreoffice-calc-nogui"
  command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"   # tests render charts: PDF → PNG, PDF → text
  # Liberation Serif has Times New Roman's metrics: printed pages wrap as they do in Excel
  ls /usr/share/fonts/truetype/liberation*/LiberationSerif-Regular.ttf >/dev/null 2>&1 || need="$need fonts-liberation2"
  command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { need="$need dovecot-imapd"; dovecot=1; }
  python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need="$need python3-venv"   # plain Debian lacks it
  if [ -n "$need" ]; then
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    apt_install $need
  fi
  if [ -n "$dovecot" ]; then
    quiet_dovecot
  elif listening 143 || listening 993; then   # installed before: someone's mail server, not ours to stop
    echo "Note: an IMAP server already listens on this machine (port 143/993); giamngheo's tests do not" \
         "need it. If it is Dovecot installed only for them: sudo systemctl disable --now dovecot"
  fi
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # compat: the project folder on sys.path (a plain .pth line), as an installed copy behaves; the default
  # editable finder sits in front of every import and costs each button click ~80 ms. setuptools calls
  # compat transitional: where it is gone, the default editable install still works, only slower.
  .venv/bin/python -m pip install -q -e ".[test]" --config-settings editable_mode=compat 2>/dev/null ||
    .venv/bin/python -m pip install -q -e ".[test]"
  .venv/bin/python -m compileall -q macros_py >/dev/null   # bytecode once: each button click starts a new Python
  echo "== giamngheo validate workbooks/van_quan_2021.xlsx"
  .venv/bin/giamngheo validate workbooks/van_quan_2021.xlsx
}

# Sourced (the tests check apt_install and quiet_dovecot with stand-ins for apt-get and systemctl): define only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
