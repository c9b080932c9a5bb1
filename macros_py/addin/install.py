"""Install the add-in for one Windows user: XLSTART copy plus xlwings config file.

Excel opens every workbook in XLSTART at start-up (a trusted location, so the
macros run without a warning); xlwings reads the interpreter and PYTHONPATH from
%USERPROFILE%\\.giamngheo\\giamngheo.conf (the add-in's PROJECT_NAME). The config
is UTF-8: the add-in's copy of xlwings reads it as UTF-8 (xlwings_unicode), so
paths such as C:\\Users\\Đức\\… arrive intact. A dry run prints exactly the lines
and the config text a real install writes (one Plan serves both).
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from ..errors import OfficerError
from .build import ADDIN_DIR, PROJECT

CONFIG_ENCODING = "utf-8"
EXAMPLE = "(ví dụ: trên máy này không có Windows; khi cài trên Windows các đường dẫn là của máy đó)"


class InstallError(OfficerError):
    """The add-in cannot be installed here; the message is for officers and IT."""


@dataclass(frozen=True)
class Plan:
    addin_source: Path
    addin_target: PureWindowsPath | Path
    config_file: PureWindowsPath | Path
    config: dict[str, str]
    example: bool = False

    def config_text(self) -> str:
        """The config file as xlwings' VBA reads it: one "KEY","VALUE" line each (Write # format), CRLF."""
        for key, value in self.config.items():
            if '"' in key + value or "\n" in key + value:
                raise InstallError(f"Giá trị cấu hình {key} = {value!r} có dấu ngoặc kép hoặc xuống dòng.")
        return "".join(f'"{k}","{v}"\r\n' for k, v in self.config.items())

    def config_bytes(self) -> bytes:
        return self.config_text().encode(CONFIG_ENCODING)

    def describe(self) -> list[str]:
        lines = [f"Chép '{self.addin_source}' vào '{self.addin_target}' (thư mục XLSTART của Excel)."]
        lines.append(f"Ghi cấu hình xlwings (UTF-8) vào '{self.config_file}':")
        lines += ["  " + line for line in self.config_text().splitlines()]
        return lines + ([EXAMPLE] if self.example else [])


def interpreter(executable: str | Path | None = None) -> Path:
    """pythonw.exe beside the running Python: RunPython starts it with no console window."""
    exe = Path(executable or sys.executable)
    windowless = exe.with_name("pythonw.exe")
    return windowless if windowless.exists() else exe


def plan(windows: bool | None = None) -> Plan:
    """What install writes for this user; on another OS, the same with example Windows paths."""
    windows = sys.platform.startswith("win") if windows is None else windows
    package_root = Path(__file__).resolve().parents[2]
    source = ADDIN_DIR / f"{PROJECT}.xlam"
    if windows:
        appdata = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        target = appdata / "Microsoft" / "Excel" / "XLSTART" / f"{PROJECT}.xlam"
        config_file = Path.home() / f".{PROJECT}" / f"{PROJECT}.conf"
        return Plan(source, target, config_file,
                    {"INTERPRETER_WIN": str(interpreter()), "PYTHONPATH": str(package_root)})
    home = PureWindowsPath(r"C:\Users\<tên người dùng>")
    return Plan(source, home / r"AppData\Roaming\Microsoft\Excel\XLSTART" / f"{PROJECT}.xlam",
                home / f".{PROJECT}" / f"{PROJECT}.conf",
                {"INTERPRETER_WIN": str(home / r"giamngheo-env\Scripts\pythonw.exe"),
                 "PYTHONPATH": str(home / r"giamngheo-env\Lib\site-packages")}, example=True)


def apply(p: Plan) -> None:
    """Copy the add-in and write the config, as the plan says; a file Excel holds open is named plainly."""
    if not Path(p.addin_source).is_file():
        raise InstallError(f"Không thấy tệp add-in '{p.addin_source}'. Hãy chạy 'giamngheo addin build' trước.")
    target, config_file = Path(p.addin_target), Path(p.config_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(p.addin_source, target)
    except PermissionError:
        raise InstallError(f"Không ghi được '{target}': Excel đang mở add-in này. "
                           "Hãy đóng Excel rồi cài lại.") from None
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_bytes(p.config_bytes())


def _windows_only(verb: str) -> None:
    if not sys.platform.startswith("win"):
        raise InstallError(f"Add-in chỉ {verb} được trên Windows có Microsoft Excel. Trên máy này hãy dùng các lệnh "
                           f"'giamngheo …'; xem trước bằng 'giamngheo addin install --dry-run'.")


def install(dry_run: bool = False) -> list[str]:
    p = plan()
    lines = p.describe()
    if dry_run:
        return ["(Chạy thử, chưa làm gì)"] + lines
    _windows_only("cài")
    apply(p)
    return lines + ["Đã cài. Hãy đóng và mở lại Excel: tab 'Giảm nghèo' sẽ hiện trên ruy-băng."]


def uninstall(dry_run: bool = False) -> list[str]:
    p = plan()
    lines = [f"Xóa '{p.addin_target}'.", f"Xóa '{p.config_file}'."]
    if dry_run:
        return ["(Chạy thử, chưa làm gì)"] + lines
    _windows_only("gỡ")
    for path in (Path(p.addin_target), Path(p.config_file)):
        try:
            path.unlink(missing_ok=True)
        except PermissionError:
            raise InstallError(f"Không xóa được '{path}': Excel đang mở add-in này. "
                               "Hãy đóng Excel rồi gỡ lại.") from None
    return lines + ["Đã gỡ. Hãy đóng và mở lại Excel."]
