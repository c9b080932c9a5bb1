"""Recalculate workbooks in LibreOffice headless: the independent spreadsheet engine.

A fresh profile per call sets 'recalculate on load: always' for OOXML and ODF,
so LibreOffice computes every formula itself instead of trusting cached values.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise RuntimeError("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return exe


def recalculate(src: Path, outdir: Path, target: str = "xlsx:Calc MS Excel 2007 XML") -> Path:
    """Open `src` in LibreOffice, recalculate everything, save in `outdir` (xlsx unless `target`
    names another filter, e.g. 'ods' or 'xls:MS Excel 97')."""
    if os.environ.get("GIAMNGHEO_SKIP_LIBREOFFICE"):      # mutation runs: seconds per call are too dear
        import pytest

        pytest.skip("LibreOffice left out (GIAMNGHEO_SKIP_LIBREOFFICE)")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        (Path(prof) / "user").mkdir()
        (Path(prof) / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        staged = Path(prof) / ("in-" + src.name)
        shutil.copy(src, staged)
        subprocess.run([soffice(), f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                        "--convert-to", target, "--outdir", str(outdir), str(staged)],
                       check=True, capture_output=True, timeout=180)
    out = outdir / (staged.stem + "." + target.split(":")[0])
    if not out.exists():
        raise RuntimeError(f"LibreOffice produced no output for {src}")
    return out
