"""The workbooks in workbooks/ are exactly what the code builds today."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

SHIPPED = ("bieu_du_kien_giam_ngheo_mau.xlsx", "van_quan_2021.xlsx")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rebuilt")
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert shutil.which("giamngheo", path=env["PATH"]), "the giamngheo command is not installed"
    subprocess.run(["bash", str(ROOT / "workbooks" / "rebuild.sh"), str(out)], check=True, env=env,
                   capture_output=True)
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_workbook_matches_what_the_code_builds(rebuilt, name):
    shipped, fresh = _parts(ROOT / "workbooks" / name), _parts(rebuilt / name)
    assert shipped.keys() == fresh.keys()
    drifted = [n for n in shipped if shipped[n] != fresh[n]]
    assert not drifted, f"{name} drifted in {drifted}: run 'bash workbooks/rebuild.sh'"
