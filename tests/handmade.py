"""Officers' own workbooks: the main form laid out by hand, the way officers make it in Excel.

The tool's own `new` workbooks are tidy; officers' are not. This builder writes the main form
("Biểu dự kiến giảm nghèo, cận nghèo", seed 003) in the common hand-made variants, so tests can
check that the reader and the rules hold on each of them:

- rates as percent points (8.25) in a `0.00`, `0.0` or General cell, or as fractions with a
  percent format (0.0825 shown `8,25%`);
- formula columns and totals as live formulas (`=D8/C8*100`, `=D8/C8`, `=F8-D8`, `=SUM(…)`,
  as officers type them: unrounded) or typed (pasted from Word);
- the total row last ("Cộng") or first ("Toàn huyện", then an optional "Trong đó:" label row);
- Roman-numbered groups ("I", "Các xã khu vực I") whose rows carry the group's subtotals;
- blank rows between groups, a national header block above ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
  NAM", the office, place and date), notes and a signature block below;
- numbering rows `1, 2, 3=2/1x100`, `(1) (2) (3)=(2)/(1)x100`, `3 = 2/1*100`, plain numbers, or
  none at all (header text only);
- the table anywhere on the sheet (`top`, `left`), an extra free-text "Ghi chú" column, a title
  in decomposed Unicode (NFD).

Usage::

    from handmade import Style, build_workbook, through_libreoffice
    table = HandmadeTable(Style(rates="percent", total="first", trong_do=True))
    wb = build_workbook([table])                  # openpyxl Workbook, one sheet per table
    wb.save(src); path = through_libreoffice([src], tmp_path)[0]   # formulas get stored values
    table.ref(3, "2")          # 'E14': the cell of unit 3 (0-based), column 2
    table.total_ref("1")       # the total row's cell of column 1
    grid = table.grid()        # the same sheet as a Grid (values by plain arithmetic), for properties

Expected figures are computed here by plain arithmetic from the officers' notation (never with
the project's own formula code). Planted errors, figures in percent points (the builder stores
rates as the style says):
- `typos={(3, "1"): 3320}` puts a wrong figure in one cell after everything else was computed
  from the right one (a slip of the keyboard); on a formula cell it types a number over the
  formula; `("total", "2")` addresses the total row. Formula cells that read the cell follow
  it when the workbook is recalculated (LibreOffice), as in Excel.
- `edits={(3, "1"): 3320}` changes a unit's input before anything is computed from it, so even
  typed figures are consistent with the wrong value (an officer who worked from a wrong count).
`table.shown(row, number)` is the right figure of a cell, in percent points.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from conftest import published_van_quan
from macros_py.core.coords import column_letter   # A1 addresses only; every figure is computed here

NUMBERS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
INPUTS = ("1", "2", "4", "5", "8", "10", "11")
COUNTS = ("1", "2", "4", "6", "8", "10", "12")
RATES = ("3", "5", "7", "9", "11", "13")
NOTATION = {"3": "3=2/1x100", "6": "6=4-2", "7": "7=5-3", "9": "9=8/1x100", "12": "12=10-8", "13": "13=11-9"}
HEADERS = {"1": "Tổng số hộ dân cư", "2": "Số hộ", "3": "Tỷ lệ (%)", "4": "Số hộ", "5": "Tỷ lệ (%)",
           "6": "Số hộ", "7": "Tỷ lệ (%)", "8": "Số hộ", "9": "Tỷ lệ (%)", "10": "Số hộ", "11": "Tỷ lệ (%)",
           "12": "Số hộ", "13": "Tỷ lệ (%)"}
GROUPS_1 = (("HỘ NGHÈO", "2", "7"), ("HỘ CẬN NGHÈO", "8", "13"))
GROUPS_2 = (("Số hộ nghèo đầu năm", "2", "3"), ("Số hộ, tỷ lệ hộ nghèo cuối năm", "4", "5"),
            ("Số hộ nghèo, tỷ lệ giảm được", "6", "7"), ("Số hộ cận nghèo đầu năm", "8", "9"),
            ("Số hộ cận nghèo cuối năm", "10", "11"), ("Số hộ cận nghèo, tỷ lệ giảm được", "12", "13"))
TITLE = "BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM 2021"


def round_half_up(value: float, places: int = 2) -> float:
    """Round as officers (and Excel's ROUND) do: halves away from zero, on the printed digits."""
    q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(q)


def van_quan() -> list[tuple[str, dict[str, float]]]:
    """The 17 communes of seed 003 as (name, inputs of columns 1, 2, 4, 5, 8, 10, 11)."""
    rows, _ = published_van_quan()
    return [(name, {n: v[int(n) - 1] for n in INPUTS}) for name, v in rows]


def row_figures(inputs: dict[str, float]) -> dict[str, float]:
    """Every column of a unit row in percent points, by plain arithmetic on the notation:
    rates rounded to the 2 decimals officers publish, differences of the printed rates."""
    v = {n: float(inputs[n]) for n in INPUTS}
    v["3"] = round_half_up(v["2"] / v["1"] * 100) if v["1"] else 0.0
    v["9"] = round_half_up(v["8"] / v["1"] * 100) if v["1"] else 0.0
    v["6"], v["12"] = v["4"] - v["2"], v["10"] - v["8"]
    v["7"], v["13"] = round_half_up(v["5"] - v["3"]), round_half_up(v["11"] - v["9"])
    return v


def total_figures(rows: list[dict[str, float]]) -> dict[str, float]:
    """A total (or subtotal) row: counts summed, every rate a ratio of the sums (never a sum of rates)."""
    s = {n: sum(r[n] for r in rows) for n in ("1", "2", "4", "8", "10")}
    s["5"] = round_half_up(s["4"] / s["1"] * 100) if s["1"] else 0.0
    s["11"] = round_half_up(s["10"] / s["1"] * 100) if s["1"] else 0.0
    return row_figures(s)


@dataclass(frozen=True)
class Style:
    """How an officer laid the table out. Every field has the tidy default; change a few."""
    rates: str = "points"          # points (8.25) | percent (0.0825 with a % format)
    rate_format: str = "0.00"      # 0.00 | 0.0 | General (percent rates: 0.00% or 0.0%)
    formulas: bool = False         # formula columns and totals as live formulas, else typed
    total: str = "last"            # last | first | none
    total_label: str = ""          # default: "Cộng" last, "Toàn huyện" first
    trong_do: bool = False         # a label-only "Trong đó:" row before the units
    groups: int = 0                # Roman-numbered groups with their subtotal rows (0 = none)
    subtotals: str = "top"         # top: the Roman row carries the figures | bottom: "Cộng khu vực I" closes it
    blank_rows: bool = False       # a blank row between groups / between total and units
    national_header: bool = False  # CỘNG HÒA XÃ HỘI … block above the title
    signature: bool = False        # notes and signature block below the table
    numbering: str = "plain"       # plain | paren | spaced | numbers | none
    top: int = 1                   # first row used on the sheet
    left: int = 1                  # column of STT
    notes_column: bool = False     # an extra free-text "Ghi chú" column right of the table
    nfd: bool = False              # title, unit names and total label in decomposed Unicode
    sheet: str = "Biểu"

    def but(self, **changes) -> "Style":
        return replace(self, **changes)


@dataclass
class Cell:
    value: object = None
    number_format: str | None = None


@dataclass
class HandmadeTable:
    """One hand-made table on its own sheet; `cells` maps (row, col) → Cell after `layout()`."""
    style: Style = field(default_factory=Style)
    units: list[tuple[str, dict[str, float]]] = field(default_factory=van_quan)
    edits: dict[tuple[int, str], float] = field(default_factory=dict)    # (unit, input column) → value
    typos: dict[tuple[object, str], object] = field(default_factory=dict)  # (unit | "total", column) → typed

    def __post_init__(self):
        self.cells: dict[tuple[int, int], Cell] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.unit_rows: list[int] = []
        self.subtotal_rows: dict[int, list[int]] = {}
        self.total_row: int | None = None
        self.numbering_row: int | None = None
        self.values: dict[int, dict[str, float]] = {}    # sheet row → expected figures (percent points)
        self._layout()

    # ------------------------------------------------------------------ addresses
    def col(self, number: str) -> int:
        """Sheet column of a form column ('A', 'B', '1' … '13')."""
        order = ["A", "B"] + NUMBERS
        return self.style.left + order.index(number)

    def letter(self, number: str) -> str:
        return column_letter(self.col(number))

    def ref(self, unit: int, number: str) -> str:
        return f"{self.letter(number)}{self.unit_rows[unit]}"

    def total_ref(self, number: str) -> str:
        return f"{self.letter(number)}{self.total_row}"

    def subtotal_ref(self, group: int, number: str) -> str:
        return f"{self.letter(number)}{list(self.subtotal_rows)[group]}"

    # ------------------------------------------------------------------ building
    def _put(self, row: int, col: int, value, fmt: str | None = None) -> None:
        self.cells[(row, col)] = Cell(value, fmt)

    def _text(self, text: str) -> str:
        return unicodedata.normalize("NFD", text) if self.style.nfd else text

    def _layout(self) -> None:
        s = self.style
        row = s.top
        left, width = s.left, 15
        right = left + width - 1
        if s.national_header:
            for a, b in (("UBND HUYỆN VĂN QUAN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                         ("PHÒNG LAO ĐỘNG - TB&XH", "Độc lập - Tự do - Hạnh phúc"),
                         (None, None), (None, "Văn Quan, ngày 05 tháng 4 năm 2021")):
                if a:
                    self._put(row, left, a)
                if b:
                    self._put(row, left + 8, b)
                row += 1
            row += 1
        self._put(row, left, self._text(TITLE))
        self.merges.append((row, left, row, right))
        self._put(row + 1, left, "(Kèm theo Kế hoạch số: 25/KH-UBND ngày 05 tháng 4 năm 2021 của UBND huyện "
                                 "Văn Quan)")
        row += 3
        h1, h2, h3 = row, row + 1, row + 2
        for number, text in (("A", "STT"), ("B", "Đơn vị"), ("1", HEADERS["1"])):
            self._put(h1, self.col(number), text)
            self.merges.append((h1, self.col(number), h3, self.col(number)))
        for text, a, b in GROUPS_1:
            self._put(h1, self.col(a), text)
            self.merges.append((h1, self.col(a), h1, self.col(b)))
        for text, a, b in GROUPS_2:
            self._put(h2, self.col(a), text)
            self.merges.append((h2, self.col(a), h2, self.col(b)))
        for n in NUMBERS[1:]:
            self._put(h3, self.col(n), HEADERS[n])
        if s.notes_column:
            self._put(h1, right + 1, "Ghi chú")
        row = h3 + 1
        if s.numbering != "none":
            self.numbering_row = row
            for n in ["A", "B"] + NUMBERS:
                self._put(row, self.col(n), self._numbering_text(n))
            row += 1

        figures = [row_figures({**inputs, **{k: v for (u, k), v in self.edits.items() if u == i}})
                   for i, (_, inputs) in enumerate(self.units)]
        groups = self._groups()
        label = s.total_label or ("Toàn huyện" if s.total == "first" else "Cộng")
        if s.total == "first":
            self.total_row = row
            row += 1
            if s.blank_rows:
                row += 1
        if s.trong_do:
            self._put(row, self.col("B"), "Trong đó:")
            row += 1
        roman = ["I", "II", "III", "IV", "V", "VI"]
        for g, members in enumerate(groups):
            if s.groups:
                if g and s.blank_rows:
                    row += 1
                self._put(row, self.col("A"), roman[g])
                self._put(row, self.col("B"), self._text(f"Các xã khu vực {roman[g]}"))
                kids: list[int] = []
                if s.subtotals == "top":
                    self.subtotal_rows[row] = kids
                row += 1
            for i in members:
                self.unit_rows.append(row)
                if s.groups:
                    kids.append(row)
                self._put(row, self.col("A"), i + 1)
                self._put(row, self.col("B"), self._text(self.units[i][0]))
                self.values[row] = figures[i]
                if s.notes_column and i % 5 == 2:
                    self._put(row, right + 1, "xã đặc biệt khó khăn")
                row += 1
            if s.groups and s.subtotals == "bottom":
                self._put(row, self.col("B"), self._text(f"Cộng khu vực {roman[g]}"))
                self.subtotal_rows[row] = kids
                row += 1
        if s.total == "last":
            if s.blank_rows and s.groups:
                row += 1
            self.total_row = row
            row += 1
        if self.total_row is not None:
            self._put(self.total_row, self.col("B"), self._text(label))
            self.values[self.total_row] = total_figures([self.values[r] for r in self.unit_rows])
        for sub, members in self.subtotal_rows.items():
            self.values[sub] = total_figures([self.values[r] for r in members])
        for r, v in self.values.items():
            self._fill_row(r, v)
        if s.signature:
            row += 1
            self._put(row, left, "Ghi chú: Tỷ lệ hộ nghèo, cận nghèo tính theo chuẩn nghèo giai đoạn 2016-2020; "
                                 "cột 5, 11 là chỉ tiêu giao.")
            row += 2
            self._put(row, left + 10, "Văn Quan, ngày 05 tháng 4 năm 2021")
            row += 1
            self._put(row, left + 1, "NGƯỜI LẬP BIỂU")
            self._put(row, left + 10, "KT. CHỦ TỊCH")
            self._put(row + 1, left + 10, "PHÓ CHỦ TỊCH")
            row += 5
            self._put(row, left + 1, "Nguyễn Thị Lan")
            self._put(row, left + 10, "Hoàng Văn Bình")

    def _groups(self) -> list[list[int]]:
        n, k = len(self.units), max(1, self.style.groups)
        size = -(-n // k)
        return [list(range(i, min(n, i + size))) for i in range(0, n, size)]

    def _numbering_text(self, number: str):
        kind = self.style.numbering
        if number in ("A", "B"):
            return f"({number})" if kind == "paren" else number
        if kind == "numbers":
            return int(number)
        text = NOTATION.get(number, number)
        if kind == "paren":        # (3)=(2)/(1)x100
            return re.sub(r"\d+", lambda m: m.group(0) if m.group(0) == "100" else f"({m.group(0)})", text)
        if kind == "spaced" and "=" in text:
            return text.replace("=", " = ").replace("x", "*")
        return text

    def _fill_row(self, row: int, v: dict[str, float]) -> None:
        s = self.style
        is_total, kids = row == self.total_row, self.subtotal_rows.get(row)
        aggregate = is_total or kids is not None
        children = self.unit_rows if is_total else (kids or [])
        unit = "total" if is_total else (None if aggregate else self.unit_rows.index(row))
        for n in NUMBERS:
            c = self.col(n)
            fmt = self._format(n)
            formula = None
            if s.formulas:
                formula = self._formula(n, row, children if aggregate else None)
            if (unit, n) in self.typos:
                formula, value = None, self.typos[(unit, n)]
            else:
                value = v[n]
            if formula is not None:
                self._put(row, c, formula, fmt)
            else:
                self._put(row, c, value if isinstance(value, str) else self._stored(n, value), fmt)

    def _stored(self, number: str, value):
        if number in RATES and self.style.rates == "percent":
            return round(value / 100, 12)
        return int(value) if number in COUNTS and float(value).is_integer() else value

    def _format(self, number: str) -> str | None:
        if number in COUNTS:
            return "#,##0"
        if self.style.rates == "percent":
            return "0.0%" if self.style.rate_format == "0.0" else "0.00%"
        return None if self.style.rate_format == "General" else self.style.rate_format

    def _formula(self, number: str, row: int, children: list[int] | None) -> str | None:
        """The formula an officer types (unrounded); None for an input cell of a unit row."""
        L = {n: f"{self.letter(n)}{row}" for n in NUMBERS}
        pct = "" if self.style.rates == "percent" else "*100"
        if children is not None and number in ("1", "2", "4", "8", "10"):
            letter = self.letter(number)
            blocks, start = [], children[0]
            for a, b in zip(children, children[1:] + [None]):
                if b != a + 1:
                    blocks.append(f"{letter}{start}:{letter}{a}" if a != start else f"{letter}{a}")
                    start = b
            return f"=SUM({','.join(blocks)})"
        if children is not None and number in ("5", "11"):
            count = "4" if number == "5" else "10"
            return f"={L[count]}/{L['1']}{pct}"
        return {"3": f"={L['2']}/{L['1']}{pct}", "9": f"={L['8']}/{L['1']}{pct}",
                "6": f"={L['4']}-{L['2']}", "12": f"={L['10']}-{L['8']}",
                "7": f"={L['5']}-{L['3']}", "13": f"={L['11']}-{L['9']}"}.get(number)

    # ------------------------------------------------------------------ outputs
    def write(self, ws) -> None:
        """Write into an openpyxl worksheet."""
        for (r, c), cell in self.cells.items():
            target = ws.cell(r, c)
            target.value = cell.value
            if cell.number_format:
                target.number_format = cell.number_format
        for r1, c1, r2, c2 in self.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)

    def shown(self, row: int, number: str) -> float:
        """The figure the cell shows, in percent points (what a validator must read)."""
        return self.values[row][number]

    def grid(self):
        """The sheet as the file engine would read it after LibreOffice saved it: cached values
        by plain arithmetic (formula cells unrounded, as `=D8/C8*100` computes), formulas, formats."""
        from macros_py.core.grid import Grid, cell_key

        height = max(r for r, _ in self.cells)
        width = max(c for _, c in self.cells)
        values = [[None] * width for _ in range(height)]
        formulas, formats = {}, {}
        exact = self._exact_values()
        for (r, c), cell in self.cells.items():
            value = cell.value
            if isinstance(value, str) and value.startswith("="):
                formulas[cell_key(r, c)] = value
                value = exact[(r, c)]
            values[r - 1][c - 1] = value
            if cell.number_format and cell.number_format != "General" and value is not None:
                formats[cell_key(r, c)] = cell.number_format
        grid = Grid(self.style.sheet, values, formulas=formulas, formats=formats)
        grid.knows_formulas = True
        grid.knows_formats = True
        return grid

    def _exact_values(self) -> dict[tuple[int, int], float]:
        """What a spreadsheet computes for each formula cell (unrounded, in the cell's own units)."""
        scale = 0.01 if self.style.rates == "percent" else 1.0
        out = {}
        for row in sorted(self.values):
            is_total, kids = row == self.total_row, self.subtotal_rows.get(row)
            children = self.unit_rows if is_total else kids

            def raw(n, r=row):
                cell = self.cells[(r, self.col(n))]
                if isinstance(cell.value, str):
                    return out[(r, self.col(n))]
                return cell.value

            v = {}
            for n in ("1", "2", "4", "8", "10"):
                v[n] = sum(raw(n, r) for r in children) if children is not None and self.style.formulas \
                    else raw(n)
            for n in ("5", "11"):
                count = "4" if n == "5" else "10"
                v[n] = (v[count] / v["1"] * 100 * scale if v["1"] else 0.0) \
                    if children is not None and self.style.formulas else raw(n)
            v["3"] = v["2"] / v["1"] * 100 * scale if v["1"] else 0.0
            v["9"] = v["8"] / v["1"] * 100 * scale if v["1"] else 0.0
            v["6"], v["12"] = v["4"] - v["2"], v["10"] - v["8"]
            for n in NUMBERS:
                c = self.col(n)
                if isinstance(self.cells[(row, c)].value, str):
                    if n == "7":
                        out[(row, c)] = raw("5") - raw("3")
                    elif n == "13":
                        out[(row, c)] = raw("11") - raw("9")
                    else:
                        out[(row, c)] = v[n]
        return out


def build_workbook(tables: list[HandmadeTable], extra_sheets: dict[str, list[list]] | None = None):
    """An openpyxl workbook with one sheet per table (named by each table's style) and any
    extra sheets (a guide, scratch numbers) given as rows of values."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    for t in tables:
        t.write(wb.create_sheet(t.style.sheet))
    return wb


def through_libreoffice(paths: list[Path], outdir: Path, target: str = "xlsx:Calc MS Excel 2007 XML",
                        processes: int = 1) -> list[Path]:
    """Open and save each workbook in LibreOffice headless, recalculating every formula so it
    carries a stored value as Excel files do: one LibreOffice process for up to 100 files (or
    `processes` side by side, each with its own profile, as PERF_NOTES advises; on a busy
    2-core machine one is faster). Returns the saved copies in the order given (same stem,
    `target`'s suffix)."""
    from libreoffice import _PROFILE, soffice

    if os.environ.get("GIAMNGHEO_SKIP_LIBREOFFICE"):      # mutation runs: as libreoffice.recalculate
        import pytest

        pytest.skip("LibreOffice left out (GIAMNGHEO_SKIP_LIBREOFFICE)")
    outdir.mkdir(parents=True, exist_ok=True)
    suffix = "." + target.split(":")[0]
    size = max(1, min(100, -(-len(paths) // processes)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    with tempfile.TemporaryDirectory(prefix="lo-profiles-") as profiles:
        running = []
        for i, chunk in enumerate(chunks):
            prof = Path(profiles) / str(i)
            (prof / "user").mkdir(parents=True)
            (prof / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
            running.append(subprocess.Popen([soffice(), f"-env:UserInstallation=file://{prof}", "--headless",
                                             "--norestore", "--convert-to", target, "--outdir", str(outdir),
                                             *map(str, chunk)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for proc in running:
            if proc.wait(timeout=600) != 0:
                raise RuntimeError(f"LibreOffice failed (exit {proc.returncode})")
    out = [outdir / (Path(p).stem + suffix) for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice produced no output for {missing}")
    return out


def save_through_libreoffice(wb, path: Path) -> Path:
    """Save an openpyxl workbook as `path` after a trip through LibreOffice (stored values)."""
    raw = path.with_name(path.stem + ".raw.xlsx")
    wb.save(raw)
    with tempfile.TemporaryDirectory() as tmp:
        (saved,) = through_libreoffice([raw], Path(tmp))
        shutil.move(saved, path)
    raw.unlink()
    return path
