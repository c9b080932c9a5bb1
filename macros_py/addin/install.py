"""Install the add-in for one Windows user: XLSTART copy plus xlwings config file.

Excel opens every workbook in XLSTART at start-up (a trusted location, so the
macros run without a warning); xlwings reads the interpreter and PYTHONPATH from
%USERPROFILE%\\.giamngheo\\giamngheo.conf (the add-in's PROJECT_NAME).
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from ..errors import OfficerError
from .build import ADDIN_DIR, PROJECT


class InstallError(OfficerError):
    """The add-in cannot be installed here; the message is for officers and IT."""


@dataclass(frozen=True)
class Plan:
    addin_source: Path
    addin_target: PureWindowsPath | Path
    config_file: PureWindowsPath | Path
    config: dict[str, str]

    def describe(self, verb: str = "cài") -> list[str]:
        lines = [f"Chép '{self.addin_source}' vào '{self.addin_target}' (thư mục XLSTART của Excel)."]
        lines.append(f"Ghi cấu hình xlwings vào '{self.config_file}':")
        lines += [f'  "{k}","{v}"' for k, v in self.config.items()]
        return lines


def plan(windows: bool | None = None) -> Plan:
    """What install would do for this user; on another OS, with the Windows paths it would use."""
    windows = sys.platform.startswith("win") if windows is None else windows
    package_root = Path(__file__).resolve().parents[2]
    source = ADDIN_DIR / f"{PROJECT}.xlam"
    if windows:
        appdata = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        target = appdata / "Microsoft" / "Excel" / "XLSTART" / f"{PROJECT}.xlam"
        config_file = Path.home() / f".{PROJECT}" / f"{PROJECT}.conf"
        interpreter = str(Path(sys.executable).with_name("pythonw.exe")
                          if Path(sys.executable).with_name("pythonw.exe").exists() else sys.executable)
    else:
        target = PureWindowsPath(r"%APPDATA%\Microsoft\Excel\XLSTART") / f"{PROJECT}.xlam"
        config_file = PureWindowsPath(r"%USERPROFILE%") / f".{PROJECT}" / f"{PROJECT}.conf"
        interpreter = r"C:\...\python.exe"
    return Plan(source, target, config_file, {"INTERPRETER_WIN": interpreter, "PYTHONPATH": str(package_root)})


def install(dry_run: bool = False) -> list[str]:
    p = plan()
    lines = p.describe()
    if dry_run:
        return ["(Chạy thử, chưa làm gì)"] + lines
    if not sys.platform.startswith("win"):
        raise InstallError("Add-in chỉ cài được trên Windows có Microsoft Excel. Trên máy này hãy dùng các lệnh "
                           "'giamngheo …'; xem trước việc cài đặt bằng 'giamngheo addin install --dry-run'.")
    if not p.addin_source.exists():
        raise InstallError(f"Không thấy tệp add-in '{p.addin_source}'. Hãy chạy 'giamngheo addin build' trước.")
    Path(p.addin_target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(p.addin_source, p.addin_target)
    Path(p.config_file).parent.mkdir(parents=True, exist_ok=True)
    Path(p.config_file).write_text("".join(f'"{k}","{v}"\n' for k, v in p.config.items()), encoding="utf-8")
    return lines + ["Đã cài. Hãy đóng và mở lại Excel: tab 'Giảm nghèo' sẽ hiện trên ruy-băng."]


def uninstall(dry_run: bool = False) -> list[str]:
    p = plan()
    lines = [f"Xóa '{p.addin_target}'.", f"Xóa '{p.config_file}'."]
    if dry_run:
        return ["(Chạy thử, chưa làm gì)"] + lines
    if not sys.platform.startswith("win"):
        raise InstallError("Add-in chỉ có trên Windows; máy này không có gì để gỡ.")
    for path in (Path(p.addin_target), Path(p.config_file)):
        if path.exists():
            path.unlink()
    return lines + ["Đã gỡ. Hãy đóng và mở lại Excel."]
