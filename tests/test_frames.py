"""The analyst's face: read_table, read_many and findings give the published figures as DataFrames."""
from __future__ import annotations

import math
import shutil

import openpyxl
import pandas as pd
import pytest

import macros_py as gn
from conftest import DATA
from macros_py.commands.frames import NoTableError
from fixtures import typed_van_quan
from libreoffice import recalculate
from seed_tables import seed_workbook
from analyst_data import published


SEEDS = [  # (tsv, decimal separator, header rows, label columns, form, year, total label)
    ("krong_no_2020_000.tsv", ",", 2, 2, "ke-hoach-giam-ngheo-xa", 2020, "Tổng cộng"),
    ("krong_no_2020_001.tsv", ",", 2, 2, "ke-hoach-giam-ngheo-xa", 2020, "Tổng cộng"),
    ("dak_nong_2024.tsv", ",", 2, 2, "lo-trinh-giam-ngheo-tinh", 2024, "Toàn tỉnh"),
    ("cam_lo_2022.tsv", ".", 2, 1, "chi-tieu-giam-ngheo-btxh", 2022, "Tổng"),
]


def same(a, b) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and abs(a - b) < 1e-9)


def assert_rows(df: pd.DataFrame, rows: list[tuple[str, list[float | None]]], total: str) -> None:
    numbers = list(df.columns[3:])
    assert list(df.unit) == [name or total for name, _ in rows]
    assert list(df.kind) == ["unit"] * (len(rows) - 1) + ["total"]
    for (name, expected), (_, got) in zip(rows, df.iterrows()):
        assert len(expected) == len(numbers)
        bad = [(n, e, got[n]) for n, e in zip(numbers, expected) if not same(e, got[n])]
        assert not bad, f"{name}: {bad}"


@pytest.mark.parametrize("tsv, decimal, header, labels, form, year, total", SEEDS)
def test_read_table_gives_each_seed_tables_published_figures(tmp_path, tsv, decimal, header, labels, form, year,
                                                             total):
    path = seed_workbook(tsv, tmp_path / "bieu.xlsx", decimal=decimal)
    df = gn.read_table(path)
    assert_rows(df, published(tsv, header, labels), total)
    assert df.attrs["form"] == form and df.attrs["year"] == year
    assert df.attrs["sheet"] == "Biểu" and df.attrs["source"] == str(path)
    assert list(df.attrs["columns"]) == list(df.columns[3:])
    assert all(df[n].dtype == "float64" for n in df.columns[3:])


def test_read_table_on_the_van_quan_table_as_typed(tmp_path):
    df = gn.read_table(typed_van_quan(tmp_path / "vq.xlsx"))
    assert_rows(df, published("van_quan_2021_published.tsv", 0, 2), "Cộng")
    assert df.attrs["columns"]["3"] == "Tỷ lệ hộ nghèo đầu năm (%)"
    assert (df.attrs["unit"], df.attrs["level"], df.attrs["unit_level"], df.attrs["year"]) == \
        ("Văn Quan", "huyện", "xã", 2021)
    # the analyst's first question, answered by pandas alone
    worst = df[df.kind == "unit"].sort_values("3", ascending=False).unit.head(2).tolist()
    assert worst == ["Hoà Bình", "Lương Năng"]


def hand_made(path):
    """The main form as an officer lays it out in Excel: national header block, a date line, a title for
    next year, counts typed as text, rates kept as fractions under a percent format (typed, and a
    formula =D/C without ×100), a signature block; saved through LibreOffice like a real file."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "KH 2022"
    ws["A1"], ws["H1"] = "UBND HUYỆN VĂN QUAN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["A2"], ws["H2"] = "PHÒNG LAO ĐỘNG - TB&XH", "Độc lập - Tự do - Hạnh phúc"
    ws["H3"] = "Văn Quan, ngày 10 tháng 12 năm 2021"
    ws["A4"] = "BIỂU DỰ KIẾN GIẢM NGHÈO, CẬN NGHÈO NĂM 2022"
    ws["A5"] = "(Kèm theo Kế hoạch số 12/KH-UBND của UBND huyện Văn Quan)"
    ws["A6"], ws["B6"], ws["C6"] = "STT", "Tên xã, thị trấn", "Tổng số hộ"
    for i, text in enumerate(["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100",
                              "10", "11", "12=10-8", "13=11-9"], start=1):
        ws.cell(7, i, text)
    units = [("Yên Phúc", "1.188", 98, 68, 0.0575, 296, 260, 0.2192),
             ("Bình Phúc", 998, "97", 72, 0.0722, 289, 259, 0.2596)]
    for r, (name, c1, c2, c4, c5, c8, c10, c11) in enumerate(units, start=8):
        ws.cell(r, 1, r - 7)
        ws.cell(r, 2, name)
        for col, value in ((3, c1), (4, c2), (6, c4), (7, c5), (10, c8), (12, c10), (13, c11)):
            ws.cell(r, col, value)
        ws.cell(r, 5, f"=D{r}/C{r}")                  # a fraction, shown as a percentage
        ws.cell(r, 8, f"=F{r}-D{r}")
        ws.cell(r, 9, f"=G{r}-E{r}")
        ws.cell(r, 11, f"=J{r}/C{r}")
        ws.cell(r, 14, f"=L{r}-J{r}")
        ws.cell(r, 15, f"=M{r}-K{r}")
        for col in (5, 7, 9, 11, 13, 15):
            ws.cell(r, col).number_format = "0.00%"
    ws["B10"] = "Cộng"
    ws["A13"], ws["H13"] = "NGƯỜI LẬP BIỂU", "KT. CHỦ TỊCH"
    wb.save(path)
    return path


def test_read_table_reads_text_numbers_and_percent_rates_as_meant(tmp_path):
    src = hand_made(tmp_path / "tay.xlsx")
    saved = recalculate(src, tmp_path / "lo")
    df = gn.read_table(saved, sheet="KH 2022")
    units = df[df.kind == "unit"].set_index("unit")
    assert units.loc["Yên Phúc", "1"] == 1188 and units.loc["Bình Phúc", "2"] == 97   # text numbers
    assert units.loc["Bình Phúc", "3"] == pytest.approx(97 / 998 * 100)             # =D9/C9 under 0.00%
    assert units.loc["Yên Phúc", "5"] == pytest.approx(5.75)                        # typed 0.0575 under 0.00%
    assert units.loc["Bình Phúc", "11"] == pytest.approx(25.96)
    assert units.loc["Bình Phúc", "6"] == -25                                       # counts stay counts
    assert (df.attrs["unit"], df.attrs["level"], df.attrs["unit_level"], df.attrs["year"]) == \
        ("Văn Quan", "huyện", "xã", 2022)   # the title's year, not the date line's


def test_read_table_refuses_clearly(tmp_path):
    path = seed_workbook("dak_nong_2024.tsv", tmp_path / "d.xlsx")
    with pytest.raises(NoTableError, match="trang 'Khác'"):
        gn.read_table(path, sheet="Khác")
    with pytest.raises(NoTableError):
        gn.read_table(path, form="du-kien-giam-ngheo")
    assert gn.read_table(path, form="lo-trinh-giam-ngheo-tinh").attrs["form"] == "lo-trinh-giam-ngheo-tinh"


def test_findings_has_one_row_per_finding_with_the_json_fields(tmp_path):
    path = seed_workbook("cam_lo_2022.tsv", tmp_path / "c.xlsx", decimal=".")
    df = gn.findings(path)
    errors = df[df.severity == "error"]
    assert sorted(zip(errors.cell, errors.rule)) == sorted([
        ("I7", "formula-mismatch"), ("E10", "formula-mismatch"), ("G10", "formula-mismatch"),
        ("D10", "relation"), ("J13", "total-not-sum"), ("N13", "total-rate")])
    e10 = df.set_index("cell").loc["E10"]
    assert (e10.expected, e10.actual, e10.row, e10.column, e10.sheet) == (7.36, 3.76, 10, "E", "Biểu")
    assert "7,36" in e10.message
    assert set(df.form) == {"chi-tieu-giam-ngheo-btxh"} and set(df.path) == {str(path)}
    from macros_py.engines.file import WorkbookError

    (tmp_path / "anh.xlsx").write_bytes(b"\xff\xd8\xff\xe0 a photo")
    with pytest.raises(WorkbookError, match="anh.xlsx"):
        gn.findings(tmp_path / "anh.xlsx")
    broken = gn.findings(typed_van_quan(tmp_path / "vq.xlsx", {"D9": 89}))
    culprit = broken[broken.rule == "likely-culprit"].iloc[0]
    assert (culprit.cell, culprit.expected, culprit.actual) == ("D9", 41, 89) and "E9" in culprit.follows


def test_read_many_stacks_years_and_levels_in_long_format(tmp_path):
    box = tmp_path / "kho"
    (box / "2021").mkdir(parents=True)
    typed_van_quan(box / "2021" / "van_quan.xlsx")
    seed_workbook("dak_nong_2024.tsv", box / "dak_nong.xlsx")
    (box / "2021" / "hong.xlsx").write_bytes(b"khong phai bang tinh")
    with pytest.warns(UserWarning, match="hong.xlsx"):
        df = gn.read_many([box])
    assert [s["source"] for s in df.attrs["skipped"]] == [str(box / "2021" / "hong.xlsx")]
    assert list(df.columns) == ["unit", "level", "kind", "year", "form", "column", "column_name", "value",
                                "source", "sheet", "row"]
    assert len(df) == 18 * 13 + 9 * 8     # every row and numeric column of both tables
    vq = published("van_quan_2021_published.tsv", 0, 2)
    dn = published("dak_nong_2024.tsv", 2, 2)
    cell = df.set_index(["unit", "year", "column"]).value
    assert cell["Yên Phúc", 2021, "2"] == vq[0][1][1]
    assert cell["Văn Quan", 2021, "4"] == vq[-1][1][3]          # the district's total row is the district
    assert cell["Toàn tỉnh", 2024, "5"] == dn[-1][1][4]
    assert cell["Đắk Glong", 2024, "8"] == dn[6][1][7]
    levels = df.groupby(["year", "kind"])["level"].unique().map(list).to_dict()
    assert levels == {(2021, "unit"): ["xã"], (2021, "total"): ["huyện"], (2024, "unit"): ["huyện"],
                      (2024, "total"): ["tỉnh"]}   # "Toàn tỉnh"
    names = df[df.form == "lo-trinh-giam-ngheo-tinh"].drop_duplicates("column").set_index("column").column_name
    assert names["8"] == "Tỷ lệ hộ nghèo dự kiến cuối năm (%)"
    # one pivot answers "how did each commune's rate move" across years
    pivot = df[(df.column == "3") & (df.kind == "unit")].pivot_table(index="unit", columns="year", values="value")
    assert pivot.loc["Trần Ninh", 2021] == 23.86


def test_read_many_skips_a_blank_template_sent_back(tmp_path):
    shutil.copy(DATA.parent.parent / "workbooks" / "bieu_du_kien_giam_ngheo_mau.xlsx", tmp_path / "mau.xlsx")
    with pytest.warns(UserWarning, match="mau.xlsx"):
        df = gn.read_many(tmp_path)
    assert df.empty and "trống" in df.attrs["skipped"][0]["error"]


def test_read_many_as_a_district_inbox_gives_it(tmp_path):
    """The tester's inbox: a hand-made blank template (village names, formulas, no figures), a workbook in
    a mail, 'Hoà Bình' in its own title and 'Hòa Bình' in the district's table, a township beside its
    district ('TT Văn Quan' in the district's rows)."""
    import datetime as dt

    from commune_sheets import FIRST_ROW, INPUTS, commune_workbook, letter, villages
    from mails import XLSX, mail

    box = tmp_path / "hop_thu"
    box.mkdir()
    blank = {f"{letter(n)}{FIRST_ROW + i}": None for i in range(3) for n in INPUTS}
    commune_workbook(box / "tu_xuyen.xlsx", "xã", "Tú Xuyên", villages(600, 50, 40, 100, 90), cells=blank)
    commune_workbook(box / "xa_hoa_binh.xlsx", "xã", "Hoà Bình", villages(277, 76, 53, 162, 147))
    commune_workbook(box / "tt.xlsx", "thị trấn", "Văn Quan", villages(1290, 60, 40, 150, 130))
    commune_workbook(box / "huyen.xlsx", "huyện", "Văn Quan",
                     [{"1": 277, "2": 76, "4": 53, "5": 19.13, "8": 162, "10": 147, "11": 53.07},
                      {"1": 1290, "2": 60, "4": 40, "5": 3.1, "8": 150, "10": 130, "11": 10.08}],
                     names=["Hòa Bình", "TT Văn Quan"])
    yen_phuc = commune_workbook(tmp_path / "yp.xlsx", "xã", "Yên Phúc", villages(1188, 98, 68, 296, 260))
    sent = mail("UBND xã Yên Phúc <yenphuc@vanquan.gov.vn>", "Biểu 2026", dt.datetime(2026, 3, 12, 8, 0),
                attachments=[("Bieu Yen Phuc.xlsx", yen_phuc.read_bytes(), XLSX)])
    (box / "thu.eml").write_bytes(bytes(sent))
    with pytest.warns(UserWarning, match="tu_xuyen.xlsx: Biểu trống"):
        df = gn.read_many(box)
    assert [s["source"] for s in df.attrs["skipped"]] == [str(box / "tu_xuyen.xlsx")]
    assert "Tú Xuyên" not in set(df.unit)                      # never a total row of zeros
    assert set(df[df.unit == "Yên Phúc"].source) == {f"{box / 'thu.eml'} › Bieu Yen Phuc.xlsx"}
    units = df.drop_duplicates(["unit", "level"]).set_index("unit").level.to_dict()
    assert units == {"Hòa Bình": "xã", "Thị trấn Văn Quan": "xã", "Văn Quan": "huyện", "Yên Phúc": "xã",
                     "Thôn 1": "thôn", "Thôn 2": "thôn", "Thôn 3": "thôn"}
    total = df[(df.kind == "total") & (df.column == "1")].set_index("unit").value
    assert total["Hòa Bình"] == 277 and total["Thị trấn Văn Quan"] == 1290 and total["Văn Quan"] == 1567
