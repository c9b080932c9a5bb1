"""`giamngheo export`: many tables in one long file that reads back to the same figures."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import macros_py as gn
from analyst_data import consolidated_van_quan, published
from conftest import ROOT
from fixtures import typed_van_quan
from macros_py.cli import main
from seed_tables import seed_workbook


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A province analyst's folder: a district's consolidated table (with its chart sheet), a district
    table as typed, and the seed tables of the three other forms."""
    root = tmp_path_factory.mktemp("phan_tich")
    box = root / "bieu"
    box.mkdir()
    consolidated = consolidated_van_quan(root / "tong_hop")
    consolidated.rename(box / consolidated.name)
    typed_van_quan(box / "van_quan_go_tay.xlsx")
    seed_workbook("krong_no_2020_000.tsv", box / "krong_no.xlsx")
    seed_workbook("dak_nong_2024.tsv", box / "dak_nong.xlsx")
    seed_workbook("cam_lo_2022.tsv", box / "cam_lo.xlsx", decimal=".")
    return box


def normal(df: pd.DataFrame) -> pd.DataFrame:
    """Missing texts as None, as a file read back gives them."""
    df = df.copy()
    for c in ("unit", "level", "kind", "form", "column", "column_name", "source", "sheet"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def check_figures(df: pd.DataFrame) -> None:
    """Figures read back against the published tables, read independently."""
    cell = df.set_index(["source", "unit", "column"]).value
    vq = published("van_quan_2021_published.tsv", 0, 2)
    typed = [s for s in df.source.unique() if s.endswith("van_quan_go_tay.xlsx")][0]
    merged = [s for s in df.source.unique() if s.endswith("huyen_van_quan_2021.xlsx")][0]
    for name, values in vq[:-1]:
        for number in ("1", "2", "4", "8", "10"):
            assert cell[typed, name, number] == values[int(number) - 1]
            assert cell[merged, name, number] == values[int(number) - 1]   # the consolidated table too
    assert cell[merged, "Văn Quan", "3"] == vq[-1][1][2]                 # its total row is the district
    cam_lo = published("cam_lo_2022.tsv", 2, 1)
    source = [s for s in df.source.unique() if s.endswith("cam_lo.xlsx")][0]
    assert cell[source, "Cam Tuyên", "4"] == cam_lo[5][1][3] == 3.76   # published as printed, errors included
    assert set(df.form) == {"du-kien-giam-ngheo", "ke-hoach-giam-ngheo-xa", "lo-trinh-giam-ngheo-tinh",
                            "chi-tieu-giam-ngheo-btxh"}


def test_csv_round_trips_with_a_byte_order_mark(folder, tmp_path, capsys):
    out = tmp_path / "du_lieu.csv"
    assert main(["export", str(folder), "-o", str(out)]) == 0
    assert "từ 5 biểu (5 tệp)" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype={"column": str})
    check_figures(back)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # every file of the folder was read
        expected = gn.read_many([folder])
    back["year"] = back["year"].astype("Int64")
    pd.testing.assert_frame_equal(normal(back), normal(expected), check_dtype=False)


def test_xlsx_and_parquet_round_trip(folder, tmp_path):
    expected = normal(gn.read_many([folder]))
    xlsx, parquet = tmp_path / "du_lieu.xlsx", tmp_path / "du_lieu.parquet"
    assert main(["export", str(folder), "-o", str(xlsx)]) == 0
    back = pd.read_excel(xlsx, sheet_name="Dữ liệu", dtype={"column": str}, engine="calamine")
    back["year"] = back["year"].astype("Int64")
    pd.testing.assert_frame_equal(normal(back), expected, check_dtype=False)
    check_figures(back)
    assert main(["export", str(folder), "-o", str(parquet)]) == 0
    back = pd.read_parquet(parquet)
    pd.testing.assert_frame_equal(normal(back), expected, check_dtype=False)


def test_parquet_without_pyarrow_names_the_extra(folder, tmp_path):
    out = tmp_path / "du_lieu.parquet"
    code = ("import sys; sys.modules['pyarrow'] = None\n"    # as on a machine without pyarrow
            "from macros_py.cli import main\n"
            f"raise SystemExit(main(['export', {str(folder)!r}, '-o', {str(out)!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                       env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "pip install giamngheo[parquet]" in r.stderr and "pyarrow" in r.stderr
    assert not out.exists()


def test_bad_inputs_are_listed_and_never_a_traceback(tmp_path, capsys):
    box = tmp_path / "hop_thu"
    box.mkdir()
    typed_van_quan(box / "van_quan.xlsx")
    (box / "anh_chup.xlsx").write_bytes(b"\xff\xd8\xff\xe0 a photo, not a workbook")
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách cán bộ"
    wb.save(box / "danh_sach.xlsx")
    out = tmp_path / "du_lieu.csv"
    assert main(["export", str(box), str(tmp_path / "khong_co"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "anh_chup.xlsx" in err and "danh_sach.xlsx" in err and "khong_co" in err
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 18 * 13
    assert main(["export", str(box), "-o", str(out)]) == 2                    # exists, no --force
    assert "--force" in capsys.readouterr().err
    nothing = tmp_path / "rong.csv"
    assert main(["export", str(box / "anh_chup.xlsx"), "-o", str(nothing)]) == 2
    assert "Không có tệp nào" in capsys.readouterr().err and not nothing.exists()
    assert main(["export", str(box), "-o", str(tmp_path / "du_lieu.json")]) == 2
    assert ".csv, .xlsx hoặc .parquet" in capsys.readouterr().err


def test_text_that_looks_like_a_formula_stays_text_in_the_csv(tmp_path):
    book, units = tmp_path / "bieu.xlsx", tmp_path / "don_vi.csv"
    units.write_text('Đơn vị;1;2;4;5;8;10;11\n"=HYPERLINK(""http://x"")";100;10;8;8;20;18;18\n'
                     "Yên Phúc;1188;98;68;5,72;296;260;21,89\n", encoding="utf-8")
    assert main(["new", "--units", str(units), "-o", str(book)]) == 0
    out = tmp_path / "du_lieu.csv"
    assert main(["export", str(book), "-o", str(out)]) == 0
    units = set(pd.read_csv(out, encoding="utf-8-sig").unit)
    assert "'=HYPERLINK(\"http://x\")" in units and "Yên Phúc" in units


def test_the_malformed_corpus_is_listed_file_by_file(tmp_path, capsys):
    corpus = ROOT / "tests" / "corpus"
    out = tmp_path / "du_lieu.csv"
    code = main(["export", str(corpus), "-o", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Lỗi không mong đợi" not in err and "Traceback" not in err
    for bad in ("encrypted.xlsx", "entity_bomb.xlsx", "truncated.xlsx", "not_a_workbook.xlsx"):
        assert f"Bỏ qua '{corpus / bad}'" in err, bad
