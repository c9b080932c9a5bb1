"""Charts on the sheet "Biểu đồ": native bar charts over the right cells, live in a real spreadsheet engine,
rendered by LibreOffice with the units' Vietnamese names on the axis."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from analyst_data import consolidated_van_quan, published, rounded
from conftest import van_quan_units
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.forms.spec import forms, get_form
from macros_py.write.layout import make_layout
from macros_py.write.xlsx_writer import write_new_workbook
from test_all_forms import SEEDS, seed_units

CHART_SHEET = "Biểu đồ"
NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory) -> Path:
    return consolidated_van_quan(tmp_path_factory.mktemp("tong_hop"))


def charts_of(path: Path) -> list[dict]:
    """Each chart in the package: its type, title, and per series the name and the ranges it plots."""
    from defusedxml import ElementTree

    out = []
    with zipfile.ZipFile(path) as z:
        names = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.search(r"\d+", n).group()))
        for name in names:
            root = ElementTree.fromstring(z.read(name))
            series = [{"name": s.findtext("c:tx/c:v", namespaces=NS),
                       "categories": s.findtext("c:cat//c:f", namespaces=NS),
                       "values": s.findtext("c:val//c:f", namespaces=NS)}
                      for s in root.iterfind(".//c:ser", NS)]
            out.append({"bar": root.find(".//c:barChart/c:barDir", NS).get("val"),
                        "grouping": root.find(".//c:barChart/c:grouping", NS).get("val"),
                        "title": "".join(t.text for t in root.find("c:chart/c:title", NS).iterfind(".//a:t", NS)),
                        "axes": ["".join(t.text for t in ax.iterfind("c:title//a:t", NS))
                                 for ax in root.iterfind(".//c:plotArea/*[c:title]", NS)],
                        "series": series})
    return out


def read_range(path: Path, ref: str) -> list:
    """The values of a range such as 'Biểu đồ'!$N$4:$N$20, as the workbook holds them."""
    m = re.fullmatch(r"'(.+)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
    sheet, col, first, col2, last = m.groups()
    assert col == col2
    index = 0
    for ch in col:
        index = index * 26 + ord(ch) - 64
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [rows[r - 1][index - 1] for r in range(int(first), int(last) + 1)]


def expected_van_quan() -> list[tuple[list[str], list[list[float]]]]:
    """Per chart of the main form: units sorted by the first series (largest first, ties in table order) and
    each series' figures, from the published table: rates 3 and 9 as printed; the consolidated end-of-year
    rates 5 and 11 from the communes' counts; households leaving poverty 2-4 and near-poverty 8-10."""
    rows = published("van_quan_2021_published.tsv", 0, 2)[:-1]
    series = [
        [[v[2] for _, v in rows], [rounded(v[3] / v[0] * 100) for _, v in rows]],
        [[v[1] - v[3] for _, v in rows]],
        [[v[8] for _, v in rows], [rounded(v[9] / v[0] * 100) for _, v in rows]],
        [[v[7] - v[9] for _, v in rows]],
    ]
    out = []
    for figures in series:
        order = sorted(range(len(rows)), key=lambda i: -figures[0][i])
        out.append(([rows[i][0] for i in order], [[s[i] for i in order] for s in figures]))
    return out


def test_consolidated_charts_plot_the_published_figures_sorted(consolidated, tmp_path):
    charts = charts_of(consolidated)
    form = get_form()
    assert [c["title"] for c in charts] == [c.title for c in form.charts]
    assert all(c["bar"] == "bar" and c["grouping"] == "clustered" for c in charts)
    assert charts[0]["axes"] == ["Đơn vị", "Tỷ lệ hộ nghèo (%)"]     # category axis, value axis
    assert [s["name"] for s in charts[0]["series"]] == ["Đầu năm (cột 3)", "Cuối năm (cột 5)"]
    recalculated = recalculate(consolidated, tmp_path / "lo")
    for chart, (units, figures) in zip(charts, expected_van_quan()):
        for s, values in zip(chart["series"], figures):
            assert s["categories"].startswith(f"'{CHART_SHEET}'!") and s["values"].startswith(f"'{CHART_SHEET}'!")
            for source in (consolidated, recalculated):     # the cached values, then LibreOffice's own
                assert read_range(source, s["categories"]) == units, chart["title"]
                assert read_range(source, s["values"]) == pytest.approx(values, abs=1e-9), (chart["title"], s["name"])


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def test_consolidated_charts_render_in_libreoffice_with_the_unit_names_on_the_axis(consolidated, tmp_path):
    pdf = recalculate(consolidated, tmp_path / "pdf", "pdf")
    texts = pages(pdf)
    chart_pages = [i for i, t in enumerate(texts) if "Tỷ lệ hộ nghèo đầu năm và cuối năm theo đơn vị" in t]
    assert chart_pages, "no page shows the first chart"
    page = chart_pages[0]
    text = texts[page]
    # the sheet prints only the charts (the data beside them is outside the print area), so these names
    # come from the charts' category axes
    assert "Đơn vị (theo thứ tự trong biểu)" not in text and "Hoà Bình" in text
    for name in ("Hoà Bình", "Lương Năng", "Tràng Phái", "Điềm He", "Đồng Giáp", "Hữu Lễ"):
        assert name in text, name
    for words in ("Số hộ thoát nghèo theo đơn vị", "Tỷ lệ hộ nghèo (%)", "Đầu năm (cột 3)"):
        assert words in text, words
    png = tmp_path / "bieu_do"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page + 1), "-l", str(page + 1), str(pdf), str(png)],
                   check=True)
    image = next(tmp_path.glob("bieu_do*.png"))
    assert image.stat().st_size > 20_000     # a rendered page of bars, not a blank one


def test_validate_and_consolidate_ignore_the_chart_sheet(consolidated, tmp_path):
    from macros_py.commands.validate import validate_file

    result = validate_file(consolidated)
    assert [s.name for s in result.sheets] == ["Biểu"]
    assert result.other_sheets == []        # the tool's own sheets are not "sheets without a known table"
    assert not [f for s in result.sheets for f in s.findings if f.severity == "error"]


def test_new_with_charts_follows_what_officers_type(tmp_path):
    """`new --charts` on a list of names: the charts wait (#N/A gaps, not zeros) until figures are typed,
    then LibreOffice sorts and plots the typed figures through the chart sheet's formulas."""
    out = tmp_path / "moi.xlsx"
    assert main(["new", "--units", "Xã Một;Xã Hai;Xã Ba", "--year", "2026", "--charts", "-o", str(out)]) == 0
    charts = charts_of(out)
    assert len(charts) == len(get_form().charts)
    first = charts[0]["series"][0]
    cached = openpyxl.load_workbook(out, data_only=True)[CHART_SHEET]
    column = re.search(r"\$([A-Z]+)\$(\d+):", first["values"])
    assert [cached[f"{column[1]}{int(column[2]) + i}"].value for i in range(3)] == ["#N/A"] * 3
    wb = openpyxl.load_workbook(out)
    ws = wb["Biểu"]
    typed = [(1000, 50, 40, 4.0), (500, 60, 45, 9.0), (800, 20, 12, 1.5)]   # columns 1, 2, 4, 5 per unit
    first_row = min(r for r in range(1, 20) if ws.cell(r, 2).value == "Xã Một")
    for offset, (c1, c2, c4, c5) in enumerate(typed):
        r = first_row + offset
        ws.cell(r, 3, c1), ws.cell(r, 4, c2), ws.cell(r, 6, c4), ws.cell(r, 7, c5)
    filled = tmp_path / "da_dien.xlsx"
    wb.save(filled)
    lo = recalculate(filled, tmp_path / "lo")
    rates = {"Xã Một": 5.0, "Xã Hai": 12.0, "Xã Ba": 2.5}          # 2/1x100, worked by hand
    assert read_range(lo, first["categories"]) == ["Xã Hai", "Xã Một", "Xã Ba"]
    assert read_range(lo, first["values"]) == pytest.approx([rates[n] for n in ["Xã Hai", "Xã Một", "Xã Ba"]])
    leaving = charts[1]["series"][0]
    assert read_range(lo, leaving["categories"]) == ["Xã Hai", "Xã Một", "Xã Ba"]     # 15, 10, 8 households
    assert read_range(lo, leaving["values"]) == pytest.approx([15, 10, 8])


@pytest.mark.parametrize("form_id", [f for f in SEEDS if SEEDS[f]])
def test_every_form_with_charts_gets_them_over_its_own_columns(tmp_path, form_id):
    form = get_form(form_id)
    tsv, _ = SEEDS[form_id]
    labels = len([c for c in form.columns if not c.is_number])
    rows = published(tsv, 2, labels)[:-1]
    numbers = [c.number for c in form.columns if c.is_number]
    path = tmp_path / "bieu.xlsx"
    write_new_workbook(make_layout(form, seed_units(form_id), year=2026), path, charts=True)
    charts = charts_of(path)
    assert [c["title"] for c in charts] == [c.title for c in form.charts]
    lo = recalculate(path, tmp_path / "lo")
    chart, spec = charts[-1], form.charts[-1]      # the households chart: plain columns of the seed
    column = numbers.index(spec.series[0].value.number)
    figures = [v[column] for _, v in rows]
    order = sorted(range(len(rows)), key=lambda i: -figures[i])
    assert read_range(lo, chart["series"][0]["categories"]) == [rows[i][0] for i in order]
    assert read_range(lo, chart["series"][0]["values"]) == pytest.approx([figures[i] for i in order])


def test_a_form_without_charts_gets_no_chart_sheet(tmp_path):
    form = dataclasses.replace(get_form(), charts=())
    path = tmp_path / "bieu.xlsx"
    write_new_workbook(make_layout(form, van_quan_units(), year=2021), path, charts=True)
    assert CHART_SHEET not in openpyxl.load_workbook(path).sheetnames and not charts_of(path)
    assert all(f.charts for f in forms().values())   # every shipped form describes its charts


def test_a_chart_of_many_units_shows_the_largest_forty_and_says_so(tmp_path):
    from macros_py.write.layout import Unit

    units = [Unit(f"Xã số {i}", {"1": 1000.0, "2": float(i), "4": float(i // 2), "5": 0.1 * (i // 2),
                                  "8": 10.0, "10": 5.0, "11": 0.5}) for i in range(1, 46)]
    path = tmp_path / "tinh.xlsx"
    write_new_workbook(make_layout(get_form(), units, year=2026), path, charts=True)
    first = charts_of(path)[0]
    assert first["title"] == "Tỷ lệ hộ nghèo đầu năm và cuối năm theo đơn vị (40 đơn vị đứng đầu trong 45)"
    rates = {f"Xã số {i}": i / 1000 * 100 for i in range(1, 46)}        # column 3 = 2/1x100
    top = sorted(rates, key=rates.get, reverse=True)[:40]
    assert read_range(path, first["series"][0]["categories"]) == top
    assert read_range(path, first["series"][0]["values"]) == pytest.approx([rates[u] for u in top])


def test_read_table_on_the_consolidated_workbook(consolidated):
    import macros_py as gn

    df = gn.read_table(consolidated)
    rows = published("van_quan_2021_published.tsv", 0, 2)
    assert df.attrs["sheet"] == "Biểu" and (df.attrs["unit"], df.attrs["level"], df.attrs["year"]) == \
        ("Văn Quan", "huyện", 2021)
    assert list(df.unit) == [n for n, _ in rows[:-1]] + ["Cộng"]
    for number in ("1", "2", "3", "4", "6", "8", "9", "10", "12"):
        assert list(df[number]) == pytest.approx([v[int(number) - 1] for _, v in rows], abs=1e-9), number


def test_every_unit_name_shows_on_two_series_charts_with_a_long_name(tmp_path):
    """LibreOffice leaves out every other name on a category axis too tight for them (a long name wraps
    over two lines): each unit gets the height its name needs. The chart pages carry page numbers, the
    value axis no needless decimals."""
    from macros_py.write.layout import Unit

    units = [Unit(u.name, u.inputs) for u in van_quan_units()[:6]]
    units.append(Unit("Tràng Các, Tú Xuyên và Hữu Lễ (xã mới sau sắp xếp)", {}))   # not reported yet
    path = tmp_path / "bieu.xlsx"
    write_new_workbook(make_layout(get_form(), units, year=2026), path, charts=True)
    texts = pages(recalculate(path, tmp_path / "pdf", "pdf"))
    chart_pages = [t for t in texts if t.lstrip().startswith("Biểu đồ:") or "theo đơn vị" in t]
    assert len(chart_pages) >= 2
    for text in chart_pages:
        flat = re.sub(r"\s+", "", text)
        titles = [c.title for c in get_form().charts if c.title in text]
        assert titles, text[:200]
        for u in units:
            assert re.sub(r"\s+", "", u.name) in flat, (titles, u.name)
        assert re.search(r"Trang \d+/\d+", text)
        axis = [line.split() for line in text.splitlines()
                if len(line.split()) >= 4 and all(re.fullmatch(r"-?[\d.,]+", t) for t in line.split())]
        assert axis and all("." not in t for line in axis for t in line), axis   # 0 2 4 …, not 0.00 2.00 …


def test_a_template_prints_one_line_instead_of_empty_charts(tmp_path):
    out = tmp_path / "mau.xlsx"
    names = ";".join(f"Xã số {i}" for i in range(1, 41))
    assert main(["new", "--units", names, "--year", "2026", "--charts", "-o", str(out)]) == 0
    pdf = recalculate(out, tmp_path / "pdf", "pdf")
    texts = pages(pdf)
    chart_pages = [i for i, t in enumerate(texts) if "Biểu đồ:" in t]
    assert len(chart_pages) == 1 and len([t for t in texts if t.strip()]) == chart_pages[0] + 1   # the last page
    assert "Chưa có số liệu: các biểu đồ của trang này tự vẽ khi nhập số liệu vào trang 'Biểu'." in \
        texts[chart_pages[0]]
    assert len(charts_of(out)) == len(get_form().charts)                   # the charts are kept, live …
    page = chart_pages[0] + 1                                              # … but not printed: below the two
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", str(page), "-l", str(page), str(pdf),    # lines, the
                    str(tmp_path / "trang")], check=True)                  # page is blank down to its number
    from PIL import Image

    image = Image.open(next(tmp_path.glob("trang*.png"))).convert("L")
    w, h = image.size
    body = image.crop((0, int(h * 0.15), w, int(h * 0.9)))
    assert body.point(lambda v: 255 if v < 200 else 0).getbbox() is None     # no dark pixel
    # once figures are typed the line follows them (LibreOffice recalculates it)
    wb = openpyxl.load_workbook(out)
    wb["Biểu"]["C8"], wb["Biểu"]["D8"] = 1000, 50
    wb.save(out)
    rows = CalamineWorkbook.from_path(str(recalculate(out, tmp_path / "lo"))).get_sheet_by_name(CHART_SHEET) \
        .to_python(skip_empty_area=False)
    assert rows[1][0].startswith("Các biểu đồ của trang này vẽ theo số liệu ở trang 'Biểu'.")
