"""Issue 19: real county files — .xls (Excel 97-2003 / WPS), values Excel or WPS mangled, sheet furniture.

Every row of every file is accounted for: read = loaded + quarantined + skipped (合计行, 空行), and the report
says per file how many values were normalised, with one example of each kind and its line."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from fupin.__main__ import main as cli
from fupin.data import contract as C
from fupin.data import exportio, importer
from fupin.data.contract import ContractError
from fupin.data.exportio import Limits, read_export
from fupin.data.idcard import check_digit
from fupin.data.ingest import IngestReport, ingest
from tests.fixtures.make_bad_inputs import VILLAGE, household, member, pid

EXCEL = Path(__file__).parent / "fixtures" / "excel"
FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _by_name(report: IngestReport) -> dict:
    return {Path(f.file).name: f for f in report.files}


def _nothing_lost(report: IngestReport) -> None:
    for f in report.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped, f


# ------------------------------------------------------------------------------------------- .xls


def test_an_xls_month_is_read_like_xlsx(tmp_path: Path) -> None:
    report = ingest(EXCEL, tmp_path / "w.duckdb", report_path=tmp_path / "r.json")
    assert report.ok, report.error
    _nothing_lost(report)
    hh, mem = _by_name(report)["户信息.xls"], _by_name(report)["家庭成员.xls"]
    assert (hh.format, hh.header_line) == ("xls", 4)  # title, blank, two-row header (merged group headers)
    assert (hh.rows_read, hh.rows_loaded, hh.rows_quarantined, hh.rows_skipped) == (5, 3, 1, 1)
    assert hh.skipped_by_kind == {"合计行": 1} and hh.examples["合计行"] == "第9行：合计"
    assert hh.quarantined_by_reason == {"excel_number": 1}
    assert hh.normalised_by_kind == {"全角字符": 1, "校验位小写x": 1, "金额中的元或千位分隔符": 1}
    assert hh.values_normalised == 3
    assert (mem.rows_read, mem.rows_loaded, mem.normalised_by_kind) == (3, 3, {"日期为Excel序列号": 1})
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    ((line, message),) = con.execute("select line, message from quarantine").fetchall()
    assert line == 6 and "末3位变成了000" in message and message.endswith("请将该列设为文本后重新导出")
    rows = con.execute("select household_id, household_size, income_per_capita from stg_household order by 1")
    assert [(h, n, int(i)) for h, n, i in rows.fetchall()] == [
        (f"{VILLAGE}0001", 1, 8000),
        (f"{VILLAGE}0003", 2, 8000),
        (f"{VILLAGE}0004", 1, 8000),
    ]
    births = con.execute("select distinct cast(birth_date as varchar) from stg_member_version").fetchall()
    assert births == [("1965-01-01",)]  # a date cell, a serial number and text read the same
    saved = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert saved["rows_skipped"] == 1 and saved["values_normalised"] == 4
    assert saved["rows_read"] == saved["rows_loaded"] + saved["rows_quarantined"] + saved["rows_skipped"]


def test_xls_caps_before_calamine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (EXCEL / "2020-01" / "户信息.xls").read_bytes()
    assert exportio.xls_sheet_size(data) == (len(C.HOUSEHOLD.headers), 11)  # from the DIMENSIONS record, no cell parsed
    with pytest.raises(C.ContractError) as exc:
        exportio.check_xls(data, Path("户信息.xls"), Limits(max_columns=10))
    assert exc.value.cn == "工作表有 25 列，超过 10 列的上限"
    src = tmp_path / "exports"
    shutil.copytree(EXCEL, src)
    monkeypatch.setenv("FUPIN_XLS_MAX_MB", "0")
    code = cli(["ingest", str(src), "--db", str(tmp_path / "w.duckdb"), "--report", str(tmp_path / "r.json")])
    err = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["error"]
    assert code == 2 and err["file"].endswith(".xls") and "超过 0 MB 的上限" in err["message_cn"]


def test_the_upload_check_takes_xls_and_wps(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (EXCEL / "2020-01" / "户信息.xls").read_bytes()
    for name in ("户信息.xls", "户信息_341221.XLS", "户信息.et"):
        fc = importer.check_file(importer.Upload(name, data))
        assert fc.error is None and fc.table == "户信息", (name, fc.error)
    assert "不是有效的 XLS" in importer.check_file(importer.Upload("户信息.xls", b"PK\x03\x04xlsx")).error
    monkeypatch.setenv("FUPIN_XLS_MAX_MB", "0")
    assert "超过 0 MB 的上限" in importer.check_file(importer.Upload("户信息.xls", data)).error


def test_a_wps_et_file_is_ingested(tmp_path: Path) -> None:
    """WPS 表格 saves .et in the same compound-file format; calamine reads it by its content."""
    src = tmp_path / "exports" / "2020-01"
    src.mkdir(parents=True)
    shutil.copy(EXCEL / "2020-01" / "户信息.xls", src / "户信息.et")
    report = ingest(src.parent, tmp_path / "w.duckdb")
    assert report.ok, report.error
    assert (report.files[0].format, report.files[0].rows_loaded) == ("xls", 3)


# ------------------------------------------------------------------------------------------- CSV


def _damaged_month(tmp_path: Path) -> Path:
    """A county's CSVs after Excel: each kind of damage once, and the sheet's furniture."""
    folder = tmp_path / "exports" / "2020-01"
    folder.mkdir(parents=True)
    lost = pid("341221", "19650101", 11)[:15] + "000"
    assert check_digit(lost[:17]) != lost[-1]  # the rounded number is no valid ID
    id_x = next(p for n in range(1, 999, 2) if (p := pid("341221", "19700101", n)).endswith("X"))
    rows = [
        household(1),  # line 2: good
        household(2, 户主证件号码="3.41221E+17"),  # line 3: scientific notation
        household(3, 户主证件号码=lost),  # line 4: 15 digits kept
        household(  # line 5: full-width digits, spaces, Excel's apostrophe, 元 and thousands separators
            4,
            行政区划代码=VILLAGE.translate(FW),
            户编号=f"{VILLAGE}0004".translate(FW),
            户主姓名=" 王五 ",
            户主证件号码="'" + pid("341221", "19650101", 9),
            年人均纯收入="8,000元",
            工资性收入="¥1,234.50",
        ),
        household(5, 户主证件号码=id_x.lower()),  # line 6: lower-case check digit
        household(6, 户编号="3.41221E+15"),  # line 7: a household number in scientific notation
    ]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=C.HOUSEHOLD.headers, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    total = dict.fromkeys(C.HOUSEHOLD.headers, "") | {"行政区划代码": "合  计", "家庭人口数": "6"}
    w.writerow(total)  # line 8
    w.writerow(dict.fromkeys(C.HOUSEHOLD.headers, ""))  # lines 9, 10: the blank rows a sheet trails
    w.writerow(dict.fromkeys(C.HOUSEHOLD.headers, " "))
    (folder / "户信息.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))  # Excel's CSV UTF-8
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=C.MEMBER.headers, lineterminator="\r\n")
    w.writeheader()
    w.writerows(
        [
            member(1, 出生日期="23743"),  # line 2: 1965-01-01 as Excel's serial number
            member(4, 出生日期="99999"),  # line 3: no plausible serial (2173): not converted → bad_date
            member(5, 出生日期="1965-01-01"),
        ]
    )
    w.writerow(dict.fromkeys(C.MEMBER.headers, "") | {"户编号": "小计", "姓名": "3人"})  # line 5
    (folder / "家庭成员.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder.parent


def test_excel_damage_in_csv_is_normalised_counted_or_named(tmp_path: Path) -> None:
    report = ingest(_damaged_month(tmp_path), tmp_path / "w.duckdb", report_path=tmp_path / "r.json")
    assert report.ok, report.error
    _nothing_lost(report)
    hh, mem = _by_name(report)["户信息.csv"], _by_name(report)["家庭成员.csv"]
    assert (hh.rows_read, hh.rows_loaded, hh.rows_quarantined, hh.rows_skipped) == (9, 3, 3, 3)
    assert hh.skipped_by_kind == {"合计行": 1, "空行": 2}
    assert hh.quarantined_by_reason == {"excel_number": 3}
    assert hh.normalised_by_kind == {
        "全角字符": 2,
        "首尾空格": 1,
        "文本前缀（'）": 1,
        "校验位小写x": 1,
        "金额中的元或千位分隔符": 2,
    }
    assert hh.values_normalised == 7
    assert hh.examples["合计行"] == "第8行：合计" and hh.examples["空行"] == "第9行（整行为空）"
    assert hh.examples["全角字符"] == "第5行「行政区划代码」：'３４１２２１１００２０１' → '341221100201'"
    assert hh.examples["金额中的元或千位分隔符"] == "第5行「年人均纯收入」：'8,000元' → '8000'"
    assert hh.examples["首尾空格"] == "第5行「户主姓名」"  # names and IDs are not shown
    assert (mem.rows_read, mem.rows_loaded, mem.rows_skipped) == (4, 2, 1)
    assert mem.skipped_by_kind == {"合计行": 1} and mem.quarantined_by_reason == {"bad_date": 1}
    assert mem.normalised_by_kind == {"日期为Excel序列号": 1}
    assert mem.examples["日期为Excel序列号"] == "第2行「出生日期」：'23743' → '1965-01-01'"

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    q = con.execute("select line, reason_code, message from quarantine where file like '%户信息%' order by line")
    q = q.fetchall()
    assert [(line, reason) for line, reason, _ in q] == [(3, "excel_number"), (4, "excel_number"), (7, "excel_number")]
    assert q[0][2] == "「户主证件号码」被转换为数字（科学计数法）：3.41221E+17，请将该列设为文本后重新导出"
    assert (
        q[1][2].startswith("「户主证件号码」被 Excel 存为数字，末3位变成了000：3412**********")
        and "196501" not in q[1][2]
    )
    assert q[2][2] == "「户编号」被转换为数字（科学计数法）：3.41221E+15，请将该列设为文本后重新导出"
    loaded = con.execute(
        "select household_id, village_code, head_name, head_id_number, income_per_capita, wage_income "
        "from stg_household where household_id like '%0004' or household_id like '%0005' order by 1"
    ).fetchall()
    (h4, v4, name4, id4, inc4, wage4), (_, _, _, id5, _, _) = loaded
    assert (h4, v4, name4, id4) == (f"{VILLAGE}0004", VILLAGE, "王五", pid("341221", "19650101", 9))
    assert (float(inc4), float(wage4)) == (8000.0, 1234.5) and id5.endswith("X")
    assert con.execute("select cast(birth_date as varchar) from stg_member_version where name = '王二'").fetchone() == (
        "1965-01-01",
    )


def test_a_two_row_header_with_merged_group_headers(tmp_path: Path) -> None:
    """Excel's merged group headers above the column names; columns merged down keep their name above."""
    headers = C.HOUSEHOLD.headers
    groups = {
        "收入情况（元）": ("年人均纯收入", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入"),
        "两不愁三保障": ("吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"),
    }
    grouped = {h for cols in groups.values() for h in cols}
    first = {cols[0]: label for label, cols in groups.items()}
    upper = [first.get(h, "" if h in grouped else h) for h in headers]
    lower = [h if h in grouped else "" for h in headers]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows([["临泉县建档立卡户信息（2020年1月）"], upper, lower])
    w.writerows([list(household(n).values()) for n in (1, 2)])
    p = tmp_path / "户信息.csv"
    p.write_text(buf.getvalue(), encoding="gb18030")
    ef = read_export(p, C.HOUSEHOLD)
    assert ef.header_line == 3 and ef.unknown_columns == []
    assert ef.data.column_names == [*headers, "_line"]
    assert ef.data.column("户编号").to_pylist() == [f"{VILLAGE}0001", f"{VILLAGE}0002"]
    assert ef.data.column("工资性收入").to_pylist() == ["5000", "5000"]
    assert ef.data.column("_line").to_pylist() == [4, 5]


def test_the_import_page_shows_the_counts_and_one_example_each(tmp_path: Path) -> None:
    report = ingest(_damaged_month(tmp_path), tmp_path / "w.duckdb")
    notes = {n["文件"]: n for n in importer.file_notes(report.files)}
    hh = notes["户信息.csv"]
    assert (hh["合计行"], hh["空行"], hh["规范化的值"]) == (1, 2, 7)
    assert "合计行 1 处，如第8行：合计" in hh["示例"] and "空行 2 处，如第9行（整行为空）" in hh["示例"]
    assert "金额中的元或千位分隔符 2 处，如第5行「年人均纯收入」：'8,000元' → '8000'" in hh["示例"]
    assert "日期为Excel序列号 1 处，如第2行「出生日期」" in notes["家庭成员.csv"]["示例"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_empty_lines_keep_the_line_numbers_and_count_as_blank_rows(tmp_path: Path, encoding: str) -> None:
    """pyarrow skips an empty line: the rows after it were reported one line too early, and it was not counted.
    A UTF-8 file is not searched for one beforehand: pyarrow, told not to skip them, fails, and the file is read
    row by row."""
    folder = tmp_path / "exports" / "2020-01"
    folder.mkdir(parents=True)
    good = [",".join(household(n).values()) for n in (1, 2)]
    bad = ",".join(household(3, 户主姓名="").values())  # line 6: missing_value
    lines = [",".join(C.HOUSEHOLD.headers), good[0], "", good[1], "", bad, "", ""]
    (folder / "户信息.csv").write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    report = ingest(folder.parent, tmp_path / "w.duckdb")
    assert report.ok, report.error
    _nothing_lost(report)
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (7, 2, 1, 4)
    assert f.skipped_by_kind == {"空行": 4} and f.examples["空行"] == "第3行（整行为空）"
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("select line, reason_code from quarantine").fetchall() == [(6, "missing_value")]
    assert con.execute("select _line from raw_household order by 1").fetchall() == [(2,), (4,), (6,)]
    assert report.files[0].encoding == encoding


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_a_ragged_row_is_a_contract_error_naming_the_file(tmp_path: Path, encoding: str) -> None:
    """A row with a cell too many cannot be read as a table, in the fast path (pyarrow on the file) or the one row
    by row that a UTF-8 file falls back to when pyarrow fails."""
    good = [",".join(household(n).values()) for n in (1, 2)]
    text = "\n".join([",".join(C.HOUSEHOLD.headers), good[0], good[1] + ",多余"]) + "\n"
    p = tmp_path / "户信息.csv"
    p.write_text(text, encoding=encoding)
    with pytest.raises(ContractError) as err:
        read_export(p, C.HOUSEHOLD)
    assert err.value.file == str(p) and err.value.cn.startswith("CSV 无法解析（各行列数不一致或格式损坏）")
