"""Which unit a received file is for, as the officer-tester's inboxes showed it can go wrong.

Wards numbered "Phường 1, 2, 3, 10" whose titles carry dates ("ngày 10/3/2026"); a units CSV with an
"STT" column; a commune that reused its neighbour's workbook; a township named like its district; a
mail with a photo instead of the table; macOS junk in a zip; an empty folder. Files are laid out by
hand in openpyxl (tests/commune_sheets.py) and expected figures are sums done here.
"""
from __future__ import annotations

import datetime as dt
import os
import unicodedata
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from commune_sheets import commune_workbook, summed, villages
from mails import mail
from macros_py.cli import main

FIRST = 8            # first unit row of a consolidated table
WARDS = {"1": (900, 40, 30, 100, 90), "2": (1100, 55, 41, 130, 120), "3": (800, 30, 22, 95, 88),
         "10": (1200, 60, 45, 140, 131)}
TZ = dt.timezone(dt.timedelta(hours=7))


def rows_of(path, sheet="Biểu"):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def unit_rows(path) -> dict[str, list]:
    out = {}
    for r in rows_of(path)[FIRST - 1:]:
        if str(r[1]).startswith("Cộng"):
            break
        out[r[1]] = r
    return out


def status_rows(path) -> dict[str, tuple]:
    ws = openpyxl.load_workbook(path)["Tình hình nộp"]
    return {r[1]: r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)}


@pytest.fixture
def wards(tmp_path):
    """Four wards of a city, each its own workbook: 'UBND PHƯỜNG 10', dates such as 'ngày 10/3/2026'."""
    box = tmp_path / "phuong"
    box.mkdir()
    expected = {}
    for n, counts in WARDS.items():
        vs = villages(*counts)
        commune_workbook(box / f"phuong_{n}.xlsx", "phường", n, vs, place="Đà Lạt",
                         names=[f"Tổ dân phố {i + 1}" for i in range(3)])
        expected[f"Phường {n}"] = summed(vs)
    return box, expected


def test_numbered_wards_are_tied_by_their_title_never_by_a_date(wards, tmp_path, capsys):
    box, expected = wards
    out = tmp_path / "tp.xlsx"
    assert main(["consolidate", str(box), "--units", "Phường 1;Phường 2;Phường 3;Phường 10", "-o", str(out)]) == 0
    assert "4/4 đơn vị có số liệu" in capsys.readouterr().out
    got = unit_rows(out)
    assert list(got) == ["Phường 1", "Phường 2", "Phường 3", "Phường 10"]
    for name, figures in expected.items():
        assert got[name][2:15] == pytest.approx([figures[str(i)] for i in range(1, 14)]), name
    assert rows_of(out)[FIRST + 3][1] == "Cộng"


def test_without_a_list_wards_keep_their_level_word_and_sort_by_number(wards, tmp_path):
    box, expected = wards
    out = tmp_path / "tp.xlsx"
    assert main(["consolidate", str(box), "-o", str(out)]) == 0
    assert list(unit_rows(out)) == ["Phường 1", "Phường 2", "Phường 3", "Phường 10"]


def test_a_list_of_bare_numbers_is_refused(wards, tmp_path, capsys):
    box, _ = wards
    out = tmp_path / "tp.xlsx"
    assert main(["consolidate", str(box), "--units", "1;2;3;10", "-o", str(out)]) == 2
    assert "chỉ là số" in capsys.readouterr().err and not out.exists()


def test_no_file_tied_to_any_listed_unit_is_refused_plainly(wards, tmp_path, capsys):
    box, _ = wards
    out = tmp_path / "tp.xlsx"
    assert main(["consolidate", str(box), "--units", "Yên Phúc;Bình Phúc", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Không gắn được tệp nào với đơn vị nào trong danh sách" in err and "'phuong_10.xlsx'" in err
    assert not out.exists()


def test_a_units_csv_with_a_row_number_column(tmp_path, capsys):
    """'STT;Tên đơn vị', the names in capitals, decomposed Unicode, stray spaces, old tone placement."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    data = {"Yên Phúc": (1188, 98, 68, 296, 260), "Tri Lễ": (1036, 233, 160, 476, 440),
            "Hòa Bình": (277, 76, 53, 162, 147)}
    for i, (name, counts) in enumerate(data.items()):
        commune_workbook(box / f"xa_{i}.xlsx", "xã", name, villages(*counts))
    units = tmp_path / "don_vi.csv"
    units.write_text("STT;Tên đơn vị\n1;" + unicodedata.normalize("NFD", "YÊN PHÚC") + "\n2;  tri  lễ \n3;Hoà Bình\n",
                     encoding="utf-8-sig")
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", str(units), "-o", str(out)]) == 0
    assert "3/3 đơn vị có số liệu" in capsys.readouterr().out
    got = unit_rows(out)
    assert list(got) == ["YÊN PHÚC", "tri lễ", "Hoà Bình"]
    for (listed, row), counts in zip(got.items(), data.values()):
        assert row[2] == counts[0] and row[3] == counts[1], listed


def test_a_reused_neighbours_workbook_displaces_nobody(tmp_path, capsys):
    """Tân Đoàn filled in Yên Phúc's workbook and kept its title: its file must not replace Yên Phúc's
    own table (though saved later), nor be taken silently as Tân Đoàn's."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    yen_phuc, tan_doan = villages(1188, 98, 68, 296, 260), villages(723, 57, 39, 163, 141)
    commune_workbook(box / "xa_yen_phuc_2026.xlsx", "xã", "Yên Phúc", yen_phuc)
    commune_workbook(box / "xa_tan_doan_2026.xlsx", "xã", "Yên Phúc", tan_doan,
                     names=["Thôn Bản Châu", "Thôn Khòn Pát", "Thôn Pác Giáo"])
    later = (box / "xa_yen_phuc_2026.xlsx").stat().st_mtime + 86400
    os.utime(box / "xa_tan_doan_2026.xlsx", (later, later))
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", "Yên Phúc;Tân Đoàn", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "tên tệp ghi Tân Đoàn nhưng tiêu đề biểu ghi Yên Phúc" in printed
    got = unit_rows(out)
    mine = summed(yen_phuc)
    assert got["Yên Phúc"][2:15] == pytest.approx([mine[str(i)] for i in range(1, 14)])
    assert all(v in ("", None) for v in got["Tân Đoàn"][2:15])
    status = status_rows(out)
    assert status["Yên Phúc"][2] == "Đạt" and status["Yên Phúc"][3] == "xa_yen_phuc_2026.xlsx"
    assert status["Tân Đoàn"][2] == "Cần xác minh tệp"
    assert "tên tệp ghi Tân Đoàn nhưng tiêu đề biểu ghi Yên Phúc" in status["Tân Đoàn"][5]
    assert "xa_tan_doan_2026.xlsx" in status["Yên Phúc"][5]


def test_a_township_keeps_its_level_word_beside_its_district(tmp_path):
    box = tmp_path / "hop_thu"
    box.mkdir()
    commune_workbook(box / "tt.xlsx", "thị trấn", "Văn Quan", villages(1290, 60, 40, 150, 130))
    commune_workbook(box / "yp.xlsx", "xã", "Yên Phúc", villages(1188, 98, 68, 296, 260))
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "-o", str(out)]) == 0
    assert list(unit_rows(out)) == ["Thị trấn Văn Quan", "Yên Phúc"]


@pytest.mark.parametrize("listed", [True, False])
def test_a_mail_without_the_table_is_tied_to_its_sender_and_dated(tmp_path, listed):
    """Hữu Lễ wrote that the table will follow, with a photo of a draft: not sent yet, said so, dated."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    commune_workbook(box / "yen_phuc.xlsx", "xã", "Yên Phúc", villages(1188, 98, 68, 296, 260))
    when = dt.datetime(2026, 3, 12, 16, 40, tzinfo=TZ)
    (box / "Huu Le.eml").write_bytes(bytes(mail("UBND xã Hữu Lễ <ubnd.huule@vanquan.langson.gov.vn>",
                                                "Xã Hữu Lễ báo cáo", when,
                                                attachments=[("anh_bieu_nhap.jpg", b"\xff\xd8\xff\xe0 jpeg",
                                                              ("image", "jpeg"))])))
    out = tmp_path / "huyen.xlsx"
    args = ["--units", "Yên Phúc;Hữu Lễ"] if listed else []
    assert main(["consolidate", str(box), *args, "-o", str(out)]) == 0
    status = status_rows(out)
    assert status["Hữu Lễ"][2] == "Chưa nộp (thư không kèm biểu)"
    assert status["Hữu Lễ"][4] == when.astimezone().strftime("%d/%m/%Y %H:%M")
    assert "anh_bieu_nhap.jpg" in status["Hữu Lễ"][5]


def test_junk_in_a_zip_and_lock_files_are_not_received_files(tmp_path, capsys):
    """A zip made on a Mac carries '__MACOSX/._Biểu.xls'; an open workbook leaves '~$bieu.xlsx'."""
    box = tmp_path / "hop_thu"
    box.mkdir()
    made = commune_workbook(tmp_path / "tp.xlsx", "xã", "Tràng Phái", villages(831, 41, 33, 101, 89))
    data = made.read_bytes()
    with zipfile.ZipFile(box / "Ho so Trang Phai.zip", "w") as z:
        z.writestr("Hồ sơ/Biểu giảm nghèo 2026.xlsx", data)
        z.writestr("__MACOSX/Hồ sơ/._Biểu giảm nghèo 2026.xlsx", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        z.writestr("Hồ sơ/._Biểu giảm nghèo 2026.xlsx", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (box / "~$bieu.xlsx").write_bytes(b"\x0bLan" + bytes(150))
    (box / ".~lock.bieu.xlsx#").write_bytes(b"Lan,PC,02.03.2026 10:00;")
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Bỏ qua" not in printed and "Calamine" not in printed
    rows = list(openpyxl.load_workbook(out)["Nguồn"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Đơn vị")
    assert [r[1] for r in rows[header + 1:]] == ["Ho so Trang Phai.zip › Biểu giảm nghèo 2026.xlsx"]


def test_an_empty_folder_is_a_plain_message(tmp_path, capsys):
    (tmp_path / "trong").mkdir()
    (tmp_path / "trong" / "doc_truoc.txt").write_text("chưa có gì", encoding="utf-8")
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(tmp_path / "trong"), "-o", str(out)]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and "Biểu: ;" not in printed.err and "0/0" not in printed.err
    assert "Không có tệp nào để tổng hợp" in printed.err and not out.exists()


def test_the_form_is_named_in_vietnamese(wards, tmp_path, capsys):
    box, _ = wards
    assert main(["consolidate", str(box), "-o", str(tmp_path / "o.xlsx")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Mẫu biểu: Biểu dự kiến giảm nghèo, cận nghèo; năm 2026") and "du-kien" not in first
