"""validate, recalc and clear on workbooks made the way other programs make them: saved by
LibreOffice, converted to .xlsm/.ods/.xls, Excel's shared formulas, Excel's theme and indexed fills."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Color, GradientFill, PatternFill
from python_calamine import CalamineWorkbook

from conftest import ROOT
from fixtures import cell_styles, typed_van_quan
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.commands.validate import validate_file

VAN_QUAN = ROOT / "workbooks" / "van_quan_2021.xlsx"


def findings(path: Path, severity: str | None = None) -> list[tuple[str, str]]:
    result = validate_file(path)
    assert result.status == "ok", result.error
    return sorted((f.cell, f.rule) for s in result.sheets for f in s.findings
                  if severity is None or f.severity == severity)


# ------------------------------------------------------------- saved by LibreOffice

@pytest.fixture(scope="module")
def lo_saved(tmp_path_factory) -> Path:
    """The published table with one mistyped count (D9: 89 for 41), saved by LibreOffice."""
    tmp = tmp_path_factory.mktemp("lo")
    return recalculate(typed_van_quan(tmp / "b.xlsx", {"D9": 89}), tmp / "saved")


def test_libreoffice_saved_table_is_validated(lo_saved):
    assert findings(lo_saved, "error") == [("D9", "likely-culprit")]


def test_libreoffice_saved_table_is_recalculated(lo_saved, tmp_path):
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(lo_saved), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    assert (ws["E9"].value, ws["H9"].value, ws["D23"].value) == ("=ROUND(IF(C9=0,0,D9/C9)*100,2)", "=F9-D9",
                                                                 "=SUM(D6:D22)")
    assert ws["D9"].value == 89                                        # the input stays as typed
    # the mistyped count now shows where it belongs: in the count's relations, not the formulas
    assert not {r for _, r in findings(out, "error")} & {"formula-mismatch", "total-rate", "total-not-sum"}


def test_libreoffice_saved_table_is_annotated_and_cleared_exactly(lo_saved, tmp_path):
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    assert main(["validate", str(lo_saved), "--annotate", str(marked)]) == 1
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert cell_styles(cleared) == cell_styles(lo_saved)


# ------------------------------------------------------------- other formats

def with_macros(xlsm: Path) -> bytes:
    """Give the workbook a VBA project (the add-in's own, built from addin/src), wired in as Excel
    wires one: a part, its content type and the workbook's relationship. Returns the project."""
    with zipfile.ZipFile(ROOT / "addin" / "giamngheo.xlam") as z:
        vba = z.read("xl/vbaProject.bin")
    rel = ('<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
           'Target="vbaProject.bin"/></Relationships>')
    with zipfile.ZipFile(xlsm) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel.encode())
    parts["xl/vbaProject.bin"] = vba
    with zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return vba


def macros_of(path: Path) -> bytes | None:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in z.namelist() else None


def test_xlsm_with_macros_through_every_command(tmp_path):
    xlsm = recalculate(typed_van_quan(tmp_path / "b.xlsx", {"D9": 89}), tmp_path / "m",
                       "xlsm:Calc MS Excel 2007 VBA XML")
    assert xlsm.suffix == ".xlsm"
    vba = with_macros(xlsm)
    assert findings(xlsm, "error") == [("D9", "likely-culprit")]
    fixed, marked, cleared = tmp_path / "r.xlsm", tmp_path / "a.xlsm", tmp_path / "c.xlsm"
    assert main(["recalc", str(xlsm), "-o", str(fixed)]) == 0
    assert openpyxl.load_workbook(fixed, keep_vba=True).active["H9"].value == "=F9-D9"
    assert main(["validate", str(xlsm), "--annotate", str(marked)]) == 1
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert cell_styles(cleared) == cell_styles(xlsm)
    assert [macros_of(p) for p in (fixed, marked, cleared)] == [vba] * 3       # the officer's macros kept


# ------------------------------------------------------------- Excel's shared formulas

def shared(path: Path, typed: dict[str, float] | None = None) -> Path:
    """The shipped table with columns E (3=2/1x100) and H (6=4-2) written as Excel writes a filled-
    down formula: the first cell holds `<f t="shared" ref="E8:E24" si="0">…</f>`, the others only
    `<f t="shared" si="0"/>` and their cached values. `typed` replaces cells by typed numbers."""
    def rewrite(xml: str) -> str:
        for si, col in enumerate("EH"):
            def cell(m: re.Match) -> str:
                row = int(m.group(2))
                if row == 8:
                    f = f'<f t="shared" ref="{col}8:{col}24" si="{si}">{m.group(4)}</f>'
                else:
                    f = f'<f t="shared" si="{si}"/>'
                ref = f"{col}{row}"
                if typed and ref in typed:
                    return f'<c r="{ref}"{m.group(3)}><v>{typed[ref]}</v></c>'
                return f'<c r="{ref}"{m.group(3)}>{f}<v>{m.group(5)}</v></c>'
            xml = re.sub(rf'<c r="({col})(8|9|1\d|2[0-4])"([^>]*)><f>([^<]*)</f><v>([^<]*)</v></c>', cell, xml)
        return xml

    with zipfile.ZipFile(VAN_QUAN) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = rewrite(data.decode("utf-8")).encode("utf-8")
                assert data.count(b't="shared"') == 2 * 17 - len(typed or {})
            dst.writestr(info, data)
    return path


def test_shared_formulas_are_formulas_and_mean_what_excel_means(tmp_path):
    path = shared(tmp_path / "s.xlsx")
    assert findings(path) == []                       # not 'typed by hand', no mismatch
    ours = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    lo = openpyxl.load_workbook(recalculate(path, tmp_path / "lo"), data_only=True).active
    for r in range(8, 25):                            # LibreOffice computes the shared formula itself
        assert (lo[f"E{r}"].value, lo[f"H{r}"].value) == pytest.approx((ours[r - 1][4], ours[r - 1][7])), r


def test_a_number_typed_inside_a_shared_formula_range(tmp_path):
    right = CalamineWorkbook.from_path(str(VAN_QUAN)).get_sheet_by_index(0).to_python()[11][4]
    path = shared(tmp_path / "s.xlsx", {"E12": right, "H10": -20})     # the right number; a wrong one (-18)
    assert findings(path) == [("E12", "typed-over-formula"), ("H10", "typed-over-wrong")]   # H10 named once


def test_recalc_and_clear_on_shared_formulas(tmp_path):
    src = shared(tmp_path / "s.xlsx", {"H10": -20})
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(src), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Biểu"]
    # the shipped table's formulas are guarded (blank until their cells are typed): recalc keeps that
    # (H10, typed over with figures in its row, gets the plain formula)
    assert [ws[f"H{r}"].value for r in range(8, 25)] == [
        f"=F{r}-D{r}" if r == 10 else f'=IF(COUNT(F{r},D{r})<2,"",F{r}-D{r})' for r in range(8, 25)]
    assert [ws[f"E{r}"].value for r in (8, 16, 24)] == [
        f'=IF(COUNT(D{r},C{r})<2,"",ROUND(IF(C{r}=0,0,D{r}/C{r})*100,2))' for r in (8, 16, 24)]
    cached = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert cached[9][7] == -18
    assert findings(out) == []
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    assert main(["validate", str(src), "--annotate", str(marked)]) == 1
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    ws = openpyxl.load_workbook(cleared)["Biểu"]
    assert ws["H10"].value == -20 and ws["H11"].value == '=IF(COUNT(F11,D11)<2,"",F11-D11)'
    assert cell_styles(cleared) == cell_styles(src)          # openpyxl reads the shared formulas filled down


# ------------------------------------------------------------- Excel's palette

# As Excel writes fills chosen from its palette: a theme colour with a tint ("Blue, Accent 1,
# Lighter 60%") over the automatic background (indexed 64), and a legacy indexed colour.
THEME = PatternFill("solid", fgColor=Color(theme=4, tint=0.5999938962981048), bgColor=Color(indexed=64))
INDEXED = PatternFill("solid", fgColor=Color(indexed=13), bgColor=Color(indexed=64))
PATTERN = PatternFill("lightGray", fgColor=Color(theme=1), bgColor=Color(rgb="FFFFF2CC"))


@pytest.fixture
def palette(tmp_path) -> Path:
    """Flagged cells wearing Excel palette fills: D9 (error), C13 (warning), F10 (error)."""
    path = typed_van_quan(tmp_path / "p.xlsx", {"D9": 89, "F10": None, "C13": "1.527"})
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["D9"].fill, ws["C13"].fill, ws["F10"].fill = THEME, INDEXED, PATTERN
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    assert re.search(r'<fgColor theme="4" tint="0.5999938962981048"\s*/>\s*<bgColor indexed="64"\s*/>', styles)
    assert re.search(r'<fgColor indexed="13"\s*/>', styles)
    return path


def fills_xml(path: Path, refs=("D9", "C13", "F10")) -> dict[str, str]:
    """The <fill> element each cell points to, as the file has it (style index → cellXfs → fills)."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    fills = re.findall(r"<fill>.*?</fill>", re.search(r"<fills[^>]*>(.*?)</fills>", styles, re.S).group(1), re.S)
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1),
                     re.S)
    out = {}
    for ref in refs:
        style = int(re.search(rf'<c r="{ref}"[^>]*?s="(\d+)"', sheet).group(1))
        out[ref] = fills[int(re.search(r'fillId="(\d+)"', xfs[style]).group(1))]
    return out


def test_clear_restores_theme_indexed_and_pattern_fills_exactly(palette, tmp_path):
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    assert main(["validate", str(palette), "--annotate", str(marked)]) == 1
    assert all("FFC7CE" in x or "FFEB9C" in x for x in fills_xml(marked).values())
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert fills_xml(cleared) == fills_xml(palette)
    assert cell_styles(cleared) == cell_styles(palette)


def test_clear_restores_palette_fills_after_a_libreoffice_save(palette, tmp_path):
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    assert main(["validate", str(palette), "--annotate", str(marked)]) == 1
    resaved = recalculate(marked, tmp_path / "lo")
    assert main(["clear", str(resaved), "-o", str(cleared)]) == 0
    ws = openpyxl.load_workbook(cleared).active
    assert (ws["D9"].fill.fgColor.theme, ws["D9"].fill.fgColor.tint) == (4, pytest.approx(0.5999938962981048))
    assert ws["C13"].fill.fgColor.indexed == 13
    assert (ws["F10"].fill.fill_type, ws["F10"].fill.bgColor.rgb) == ("lightGray", "FFFFF2CC")


def test_a_gradient_filled_cell_is_annotated_and_cleared(tmp_path):
    path = typed_van_quan(tmp_path / "g.xlsx", {"D9": 89})
    wb = openpyxl.load_workbook(path)
    wb.active["D9"].fill = GradientFill(stop=("FFFF0000", "FF0000FF"))
    wb.save(path)
    marked, cleared = tmp_path / "m.xlsx", tmp_path / "c.xlsx"
    assert main(["validate", str(path), "--annotate", str(marked)]) == 1
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert cell_styles(cleared) == cell_styles(path)
