#!/usr/bin/env bash
# One-step set-up on a fresh Debian/Ubuntu machine: LibreOffice (the independent
# engine the tests recalculate and print with) and a Times-compatible font, Dovecot (the
# IMAP server the mailbox tests start on a local port; the system service is not used), a
# virtual environment with giamngheo, and the main job run once on the shipped Văn Quan 2021 example.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-calc-nogui"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"   # tests render charts: PDF → PNG, PDF → text
# Liberation Serif has Times New Roman's metrics: printed pages wrap as they do in Excel
ls /usr/share/fonts/truetype/liberation*/LiberationSerif-Regular.ttf >/dev/null 2>&1 || need="$need fonts-liberation2"
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need="$need dovecot-imapd"
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need="$need python3-venv"   # plain Debian lacks it
if [ -n "$need" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/python -m compileall -q macros_py >/dev/null   # bytecode once: each button click starts a new Python
echo "== giamngheo validate workbooks/van_quan_2021.xlsx"
.venv/bin/giamngheo validate workbooks/van_quan_2021.xlsx
