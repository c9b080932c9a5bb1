#!/usr/bin/env bash
# Rebuild the shipped workbooks from the form spec and the CSV figures.
# Usage: bash workbooks/rebuild.sh [OUTDIR]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
export SOURCE_DATE_EPOCH=946684800   # a fixed date: rebuilt workbooks compare byte for byte
giamngheo new -o "$out/bieu_du_kien_giam_ngheo_mau.xlsx" --force
giamngheo new --units "$here/van_quan_2021.csv" --year 2021 --unit "huyện Văn Quan" \
  -o "$out/van_quan_2021.xlsx" --force
