"""Gửi lên: a clean, stamped copy and an unsent draft; the stamp read back after LibreOffice."""
from __future__ import annotations

import datetime as dt
import email
import json
import re
import zipfile
from email import policy

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook

import xlwings_payload
from conftest import van_quan_units
from fixtures import typed_van_quan
from libreoffice import recalculate
from macros_py import __version__, excel
from macros_py.cli import main
from test_consolidate import commune_workbook

COPY = "2021_du-kien-giam-ngheo_Yen_Phuc.xlsx"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """The user config (~/.giamngheo/) in a folder of the test's own."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    """Yên Phúc's workbook as the officer has it before sending: edited, saved by LibreOffice, then
    marked by Kiểm tra (an officer's own note on B8; a rate typed over its formula in E9: a warning)."""
    tmp_path = tmp_path_factory.mktemp("marked")
    made = commune_workbook(tmp_path / "made.xlsx", van_quan_units()[0], epoch=1617235200)
    typed = openpyxl.load_workbook(made, data_only=True)["Biểu"]["E9"].value
    wb = openpyxl.load_workbook(made)
    ws = wb["Biểu"]
    ws["B8"].comment = Comment("Số liệu thôn 1 đã rà soát", "Lan")
    ws["E9"] = typed
    wb.save(made)
    saved = recalculate(made, tmp_path / "lo_officer")
    marked = tmp_path / "bieu_yen_phuc_danh_dau.xlsx"
    assert main(["validate", str(saved), "--annotate", str(marked)]) == 0
    return saved, marked


def annotated_note(path, ref):
    comment = openpyxl.load_workbook(path)["Biểu"][ref].comment
    return comment is not None and comment.author == "giamngheo"


def custom_properties(path):
    xml = zipfile.ZipFile(path).read("docProps/custom.xml").decode()
    return dict(re.findall(r'name="(giamngheo_\w+)"[^>]*><vt:\w+>([^<]*)<', xml))


def values(path):
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


def checked(path, capsys) -> str:
    capsys.readouterr()
    main(["validate", str(path), "--format", "json"])
    return json.loads(capsys.readouterr().out)["files"][0]["checked"]


def test_send_writes_a_clean_stamped_copy_and_an_unsent_draft(marked, tmp_path, capsys):
    saved, annotated = marked
    main(["validate", str(saved), "--format", "json"])
    findings = [f for s in json.loads(capsys.readouterr().out)["files"][0]["sheets"] for f in s["findings"]]
    out = tmp_path / "gui"
    out.mkdir()
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert main(["send", str(annotated), "--to", "phong.ldtbxh@vanquan.gov.vn", "-o", str(out / "thu.eml")]) == 0
    copy = out / COPY
    assert sorted(p.name for p in out.iterdir()) == sorted([COPY, "thu.eml"])

    msg = email.message_from_bytes((out / "thu.eml").read_bytes(), policy=policy.default)
    assert msg["X-Unsent"] == "1" and msg["To"] == "phong.ldtbxh@vanquan.gov.vn"
    assert msg["Subject"] == "Biểu dự kiến giảm nghèo, cận nghèo 2021 – Yên Phúc"
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == COPY and attachment.get_content() == copy.read_bytes()
    body = msg.get_body(("plain",)).get_content()
    assert "0 lỗi" in body
    assert "\nUBND xã Yên Phúc gửi Biểu dự kiến giảm nghèo, cận nghèo năm 2021 " in body   # the office, with its level

    # clean: the officer's workbook as LibreOffice saved it, without what Kiểm tra added
    mine, sent = openpyxl.load_workbook(saved), openpyxl.load_workbook(copy)
    assert sent.sheetnames == mine.sheetnames == ["Biểu"]
    assert sent["Biểu"]["B8"].comment.text == "Số liệu thôn 1 đã rà soát"
    assert annotated_note(annotated, "E9") and sent["Biểu"]["E9"].comment is None
    assert repr(sent["Biểu"]["E9"].fill) == repr(mine["Biểu"]["E9"].fill)       # the cell's own fill back
    formulas = {c.coordinate: c.value for row in mine["Biểu"].iter_rows() for c in row if c.data_type == "f"}
    assert formulas and formulas == {c.coordinate: c.value for row in sent["Biểu"].iter_rows() for c in row
                                     if c.data_type == "f"}
    assert values(copy) == values(saved)                     # cached results of every formula kept

    stamp = custom_properties(copy)
    assert stamp["giamngheo_version"] == __version__
    assert (stamp["giamngheo_errors"], stamp["giamngheo_warnings"], stamp["giamngheo_notes"]) == (
        "0", str(sum(f["severity"] == "warning" for f in findings)), str(sum(f["severity"] == "info" for f in findings)))
    assert stamp["giamngheo_warnings"] != "0"
    assert before <= dt.datetime.fromisoformat(stamp["giamngheo_checked_at"]) <= dt.datetime.now(dt.timezone.utc)
    assert re.fullmatch(r"[0-9a-f]{64}", stamp["giamngheo_figures_sha256"])
    assert checked(copy, capsys).endswith(", không sửa sau đó")


def test_the_stamp_survives_libreoffice_and_catches_one_changed_figure(marked, tmp_path, capsys):
    _, annotated = marked
    out = tmp_path / "gui"
    out.mkdir()
    assert main(["send", str(annotated), "-o", str(out / "thu.eml")]) == 0
    copy = out / COPY
    stamped_at = dt.datetime.fromisoformat(custom_properties(copy)["giamngheo_checked_at"])
    unchanged = f"đã kiểm tra lúc {stamped_at.astimezone().strftime('%d/%m/%Y %H:%M')}, không sửa sau đó"

    resaved = recalculate(copy, tmp_path / "lo_district")               # opened and saved at the district
    assert checked(resaved, capsys) == unchanged
    assert checked(recalculate(copy, tmp_path / "lo_ods", "ods"), capsys) == unchanged

    wb = openpyxl.load_workbook(resaved)
    wb["Biểu"]["A1"].fill = PatternFill("solid", fgColor="FFFFFF00")     # formatting is not a figure
    wb["Biểu"]["B9"].comment = Comment("đã gọi điện xác minh", "Huyện")
    wb.save(tmp_path / "to_mau.xlsx")                                    # openpyxl drops formula results
    assert checked(tmp_path / "to_mau.xlsx", capsys).endswith("không so được số liệu vì tệp không lưu kết quả "
                                                              "công thức (mở bằng Excel rồi lưu lại)")
    assert checked(recalculate(tmp_path / "to_mau.xlsx", tmp_path / "lo_colour"), capsys) == unchanged

    wb = openpyxl.load_workbook(resaved)
    wb["Biểu"]["D8"] = wb["Biểu"]["D8"].value + 1                       # one poor household more in village 1
    wb.save(tmp_path / "sua.xlsx")
    changed = recalculate(tmp_path / "sua.xlsx", tmp_path / "lo_changed")
    assert custom_properties(changed) == custom_properties(copy)         # the stamp itself is still there
    assert checked(changed, capsys) == "đã sửa sau khi kiểm tra"
    assert checked(annotated, capsys) == "chưa kiểm tra"


def test_consolidation_says_which_units_checked_before_sending(tmp_path, capsys):
    units = van_quan_units()[:3]
    box, work = tmp_path / "hop_thu", tmp_path / "xa"
    box.mkdir()
    work.mkdir()
    for i, unit in enumerate(units):
        commune_workbook(work / f"{i}.xlsx", unit, epoch=1617235200 + i)
    for i in (0, 1):
        assert main(["send", str(work / f"{i}.xlsx"), "-o", str(box / f"thu{i}.eml")]) == 0
        (box / f"thu{i}.eml").unlink()
    sent_1 = next(box.glob("*Binh_Phuc.xlsx"))
    wb = openpyxl.load_workbook(sent_1)
    wb["Biểu"]["C8"] = wb["Biểu"]["C8"].value + 10                      # changed after the check, in Calc
    wb.save(tmp_path / "sua.xlsx")
    sent_1.write_bytes(recalculate(tmp_path / "sua.xlsx", tmp_path / "lo").read_bytes())
    (box / "Tan Doan.xlsx").write_bytes((work / "2.xlsx").read_bytes())   # never checked
    out = tmp_path / "huyen.xlsx"
    assert main(["consolidate", str(box), "--units", ";".join(u.name for u in units), "-o", str(out)]) == 0
    sources = list(openpyxl.load_workbook(out)["Nguồn"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(sources) if r[0] == "Đơn vị")         # under the title lines
    column = sources[head].index("Kiểm tra trước khi gửi")
    verdicts = {r[0]: r[column] for r in sources[head + 1:]}
    assert verdicts[units[0].name].startswith("đã kiểm tra lúc ") and verdicts[units[0].name].endswith(
        ", không sửa sau đó")
    assert verdicts[units[1].name] == "đã sửa sau khi kiểm tra"
    assert verdicts[units[2].name] == "chưa kiểm tra"


def test_send_stops_on_errors_unless_forced(tmp_path, capsys):
    broken = typed_van_quan(tmp_path / "bieu.xlsx", {"D9": 89})
    out = tmp_path / "gui"
    out.mkdir()
    assert main(["send", str(broken), "-o", str(out / "thu.eml")]) == 1
    assert "Biểu có 1 lỗi: chưa tạo bản gửi" in capsys.readouterr().err
    assert list(out.iterdir()) == []
    assert main(["send", str(broken), "-o", str(out / "thu.eml"), "--force"]) == 0
    (copy,) = out.glob("*.xlsx")
    assert copy.name == "2021_du-kien-giam-ngheo_Van_Quan.xlsx"
    assert custom_properties(copy)["giamngheo_errors"] == "1"
    assert main(["send", str(broken), "-o", str(out / "thu.eml")]) == 1     # still refused without --force
    copy.unlink()
    assert main(["send", str(broken), "-o", str(out / "thu.eml"), "--force"]) == 0
    copy.unlink()
    ok = typed_van_quan(tmp_path / "dung.xlsx")
    assert main(["send", str(ok), "-o", str(out / "thu.eml")]) == 2          # the draft exists: nothing written
    assert "đã có" in capsys.readouterr().err and not copy.exists()
    assert main(["send", str(tmp_path / "khong_co.xlsx")]) == 2


def test_the_recipient_is_set_once(tmp_path, home, capsys, van_quan_xlsx):
    assert main(["send", str(van_quan_xlsx), "--to", "a b", "--remember"]) == 2
    assert "Địa chỉ thư không hợp lệ" in capsys.readouterr().err
    assert main(["send", str(van_quan_xlsx), "--to", "phong@vanquan.gov.vn", "--remember", "-o",
                 str(tmp_path / "1.eml")]) == 0
    config = home / ".giamngheo" / "gui_len.toml"
    assert config.read_text(encoding="utf-8").count("phong@vanquan.gov.vn") == 1
    assert main(["send", str(van_quan_xlsx), "-o", str(tmp_path / "2.eml"), "--force"]) == 0
    msg = email.message_from_bytes((tmp_path / "2.eml").read_bytes(), policy=policy.default)
    assert msg["To"] == "phong@vanquan.gov.vn" and msg["X-Unsent"] == "1"


def test_send_button_makes_the_copy_and_the_draft(tmp_path, van_quan_xlsx):
    book = xlwings_payload.book_for(van_quan_xlsx)
    result = excel.run(book, "send", path=van_quan_xlsx)
    folder = van_quan_xlsx.parent / "gui_len"
    assert result["copy"] == str(folder / "2021_du-kien-giam-ngheo_Van_Quan.xlsx")
    assert result["draft"] == str(folder / "2021_du-kien-giam-ngheo_Van_Quan.eml")
    msg = email.message_from_bytes((folder / "2021_du-kien-giam-ngheo_Van_Quan.eml").read_bytes(),
                                   policy=policy.default)
    assert msg["X-Unsent"] == "1" and "To" not in msg          # no address set yet: the officer types it
    (alert,) = [a for a in xlwings_payload.actions(book) if a["func"] == "alert"]
    assert alert["args"][0].startswith("Đã tạo bản gửi lên (sạch, có dấu kiểm tra)")


def test_send_button_asks_before_sending_a_table_with_errors(tmp_path):
    broken = typed_van_quan(tmp_path / "bieu.xlsx", {"D9": 89})
    book = xlwings_payload.book_for(broken)
    assert excel.run(book, "send", path=broken) == {"cancelled": True, "errors": 1}
    (alert,) = [a for a in xlwings_payload.actions(book) if a["func"] == "alert"]
    assert alert["args"][0].startswith("Biểu có 1 lỗi") and alert["args"][2] == "yes_no"
    assert not (tmp_path / "gui_len").exists() or not any((tmp_path / "gui_len").iterdir())


def test_send_button_wants_a_saved_workbook(tmp_path, van_quan_xlsx):
    book = xlwings_payload.book_for(van_quan_xlsx)            # the remote engine knows the name, not the file
    assert excel.run(book, "send") is None
    assert "Hãy lưu sổ" in xlwings_payload.actions(book)[0]["args"][0]


def test_figures_hash_reads_numbers_as_meant(tmp_path):
    from macros_py.core.figures import figures_hash
    from macros_py.core.table import locate
    from macros_py.engines.file import read_grids

    def digest(edits):
        grid = read_grids(typed_van_quan(tmp_path / "h.xlsx", edits))[0]
        return figures_hash([(grid, locate(grid))])

    plain = digest({})
    households = openpyxl.load_workbook(tmp_path / "h.xlsx")["Biểu 01"]["C6"].value
    assert households > 1000
    assert digest({"C6": f"{households:,}".replace(",", ".")}) == plain   # "1.229" typed as text: the same figure
    assert digest({"A25": "Ghi chú mới"}) == plain             # text outside the table is not a figure
    assert digest({"C8": 436}) != plain and digest({"B8": "Xã khác"}) != plain and digest({"D9": None}) != plain


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """Khánh Khê's workbook as the tester had it: last year's table on 'Năm 2025', this year's on 'Năm 2026',
    laid out by hand and saved by LibreOffice (so every formula has its stored result)."""
    from commune_sheets import commune_sheet, villages

    tmp_path = tmp_path_factory.mktemp("two_years")
    wb = openpyxl.Workbook()
    wb.active.title = "Năm 2025"
    commune_sheet(wb.active, "xã", "Khánh Khê", villages(440, 70, 50, 160, 150, n=4), year=2025)
    commune_sheet(wb.create_sheet("Năm 2026"), "xã", "Khánh Khê", villages(435, 66, 46, 165, 140, n=4), year=2026)
    wb.save(tmp_path / "kk.xlsx")
    return recalculate(tmp_path / "kk.xlsx", tmp_path / "lo")


def test_send_labels_the_latest_years_table_and_says_so(two_years, tmp_path, capsys):
    out = tmp_path / "gui"
    out.mkdir()
    assert main(["send", str(two_years), "-o", str(out / "thu.eml")]) == 0
    printed = capsys.readouterr().out
    said = "Tệp có biểu năm 2025 (trang 'Năm 2025'), năm 2026 (trang 'Năm 2026'): gửi lên là biểu năm 2026"
    assert said in printed
    assert (out / "2026_du-kien-giam-ngheo_Khanh_Khe.xlsx").exists()
    msg = email.message_from_bytes((out / "thu.eml").read_bytes(), policy=policy.default)
    assert msg["Subject"] == "Biểu dự kiến giảm nghèo, cận nghèo 2026 – Khánh Khê"
    body = msg.get_body(("plain",)).get_content()
    assert "Biểu dự kiến giảm nghèo, cận nghèo năm 2026" in body and said in body


def test_read_table_takes_the_latest_years_table_and_says_so(two_years):
    import macros_py as gn

    with pytest.warns(UserWarning, match="dùng trang 'Năm 2026'"):
        df = gn.read_table(two_years)
    assert (df.attrs["sheet"], df.attrs["year"], df.attrs["other_sheets"]) == ("Năm 2026", 2026, ["Năm 2025"])
    assert df[df.kind == "total"]["1"].tolist() == [435]
    assert gn.read_table(two_years, sheet="Năm 2025").attrs["year"] == 2025


def test_the_draft_greets_a_name_never_an_address(van_quan_xlsx, tmp_path, home, capsys):
    def body(path):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        return msg["To"], msg.get_body(("plain",)).get_content()

    to = "Phòng LĐ-TB&XH huyện Văn Quan <phongldtbxh@vanquan.langson.gov.vn>"
    assert main(["send", str(van_quan_xlsx), "--to", to, "--remember", "-o", str(tmp_path / "1.eml")]) == 0
    header, text = body(tmp_path / "1.eml")
    assert header == to and text.startswith("Kính gửi Phòng LĐ-TB&XH huyện Văn Quan,\n")
    # kept for later drafts, display name included
    assert main(["send", str(van_quan_xlsx), "-o", str(tmp_path / "2.eml"), "--force"]) == 0
    assert body(tmp_path / "2.eml") == (header, text)
    # a bare address: a neutral greeting; several recipients, a quoted name with a comma
    assert main(["send", str(van_quan_xlsx), "--to", "phongldtbxh@vanquan.gov.vn", "-o", str(tmp_path / "3.eml"),
                 "--force"]) == 0
    assert body(tmp_path / "3.eml")[1].startswith("Kính gửi Quý cơ quan,\n")
    assert main(["send", str(van_quan_xlsx), "--to", 'a@vanquan.gov.vn; "Sở LĐ-TB&XH, tỉnh Lạng Sơn" <so@ls.gov.vn>',
                 "-o", str(tmp_path / "4.eml"), "--force"]) == 0
    header, text = body(tmp_path / "4.eml")
    assert header == 'a@vanquan.gov.vn, "Sở LĐ-TB&XH, tỉnh Lạng Sơn" <so@ls.gov.vn>'
    assert text.startswith("Kính gửi Sở LĐ-TB&XH, tỉnh Lạng Sơn,\n")
    capsys.readouterr()
    assert main(["send", str(van_quan_xlsx), "--to", "Phòng <phong@", "-o", str(tmp_path / "5.eml")]) == 2
    assert "Địa chỉ thư không hợp lệ" in capsys.readouterr().err and not (tmp_path / "5.eml").exists()
