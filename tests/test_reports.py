"""月核查 and 季通报: figures equal the warehouse, the records behind each number, a hand-made slow
county named for the right reason, the workbook's sheets, the printable page's map image, scope."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from fupin.access.scope import Viewer
from fupin.data import contract as C
from fupin.data.ingest import ingest
from fupin.reports import bulletin as reports
from fupin.reports import document
from fupin.reports.exports import DEMO_LABEL, Book
from fupin.warehouse import queries
from fupin.warehouse.connection import batch_info, open_read_only
from tests.conftest import app_test
from tests.support.builders import household, member, record, write

ROOT = Path(__file__).parent.parent
PROVINCE = Viewer.province()


@pytest.fixture()
def wh(tiny_db: Path) -> duckdb.DuckDBPyConnection:
    return open_read_only(tiny_db)


def test_month_check_equals_the_warehouse(wh: duckdb.DuckDBPyConnection) -> None:
    s = reports.month_check(wh, PROVINCE, "2020-03").select_dtypes("number").sum()
    new, cleared = wh.execute(
        "select count(*) filter (where flag_status = 'new'), count(*) filter (where flag_status = 'cleared') "
        "from warning_flag_month where month = date '2020-03-01'"
    ).fetchone()
    assert (s.red_flag_new, s.red_flag_cleared) == (new, cleared)
    poor = wh.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month in "
        "(date '2020-02-01', date '2020-03-01') group by month order by month"
    ).fetchall()
    assert s.remaining_poor_change == poor[1][0] - poor[0][0]
    # every number has its records
    for kind, col in (
        ("red_new", "red_flag_new"),
        ("monitor_in", "monitor_in"),
        ("edge_in", "edge_in"),
        ("unvisited", "edge_unvisited"),
        ("stuck", "clearance_stuck"),
        ("projects_started", "projects_started_in_month"),
    ):
        assert len(reports.month_records(wh, PROVINCE, "2020-03", kind)) == s[col], kind
    paid = reports.month_records(wh, PROVINCE, "2020-03", "payments")
    assert len(paid) > 0


def test_month_workbook_sheets(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    path.write_bytes(reports.month_workbook(wh, PROVINCE, "2020-03"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "部门比对", *reports.MONTH_KINDS.values()]
    assert wb["汇总"].max_row == 3 + 104 + 1  # title rows, header, a row per county, 合计
    summary = pd.read_excel(path, sheet_name="汇总", header=2, engine="calamine")
    counties, total = summary.iloc[:-1], summary.iloc[-1]
    assert total["县（市、区）"] == "合计" and total["预警新增"] == counties["预警新增"].sum()
    assert total["本月支付（万元）"] == pytest.approx(counties["本月支付（万元）"].sum())
    assert all(ws["A2"].value == DEMO_LABEL for ws in wb.worksheets)  # every sheet: the tiny warehouse is synthetic


def _raw(**columns: list) -> pd.DataFrame:
    """quarter_county_measures for hand-made counties: every county on par unless `columns` say otherwise."""
    n = len(next(iter(columns.values())))
    base = {
        "county_code": [str(i) for i in range(n)],
        "county_name": [f"{i}县" for i in range(n)],
        "city_name": ["某市"] * n,
        "poor_start": [100] * n,
        "poor_end": [50] * n,
        "projects": [10] * n,
        "projects_started": [9] * n,
        "workshops": [10] * n,
        "workshops_restarted": [10] * n,
        "migrant_workers": [90] * n,
        "migrant_workers_last_year": [100] * n,
        "public_posts_created": [20] * n,
        "public_posts_filled": [20] * n,
        "special_allocated": [1000.0] * n,
        "special_paid": [500.0] * n,
        "required_share": [0.2] * n,
        "edge_households": [10] * n,
        "edge_visited": [10] * n,
        "clearance_stuck": [0] * n,
        "clearance_entered": [20] * n,
        "red_flag_households": [0] * n,
    }
    return pd.DataFrame(base | columns)


def test_hand_made_slow_counties_are_named_with_their_reasons() -> None:
    raw = _raw(
        poor_end=[50, 90, 50, 50, 50],  # 1县: 10 % against the area's 30 %
        special_paid=[500.0, 500.0, 145.0, 500.0, 500.0],  # 2县: 14.5 % paid, 20 % required
        edge_visited=[10, 10, 10, 7, 10],  # 3县: 70 % visited (the 省定 floor is 72 %)
        clearance_stuck=[0, 0, 0, 8, 9],  # 4县: 9 of 20 in the 销号 chain stuck (45 %); 3县's 40 % is not above
    )
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    area = reports.area_values(raw)
    assert area["poor_reduction"] == pytest.approx(0.42)
    out = reports.flag_slow(reports.county_measures(raw), rules, area).set_index("county_name")["slow_reasons"]
    assert out["0县"] == ""
    assert out["1县"] == "剩余贫困人口本季减少比例 10.0%，比整体 42.0% 低 32.0 个百分点（省定阈值 30 个百分点）"
    behind = "财政专项扶贫资金支付率 14.5%，比季末进度要求 20% 低 5.5 个百分点"
    assert out["2县"] == behind + "（省定阈值：落后超过 5.0 个百分点）"
    assert out["3县"] == "边缘户走访覆盖率 70.0%，低于省定下限 72%"
    assert out["4县"] == "销号滞留率 45.0%（滞留 9户，年内进入销号程序 20户），超过省定上限 40%"
    text = "；".join(out)
    assert "%个百分点" not in text and "超出进度要求" not in text and " -" not in text


def test_clearance_stuck_is_a_share_and_names_the_same_counties_at_any_scale() -> None:
    """销号滞留 is judged as a share of the households that entered the 销号 chain (省定参数), so a province 50 times
    the demo names the same counties: 1,200 stuck of 6,000 is 20 % (not named), 450 of 1,000 is 45 % (named)."""
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    assert rules.set_index("measure").loc["clearance_stuck_share", ["rule", "threshold"]].tolist() == ["above", 0.40]
    assert "clearance_stuck" not in set(rules["measure"])  # no absolute count that depends on the scale
    for k in (1, 50):
        raw = _raw(clearance_stuck=[24 * k, 9 * k, 0], clearance_entered=[120 * k, 20 * k, 0])
        measures = reports.county_measures(raw)
        assert list(measures["clearance_stuck_share"].round(3).fillna(-1)) == [0.2, 0.45, -1]
        out = reports.flag_slow(measures, rules, reports.area_values(raw))["slow_reasons"]
        assert [r != "" for r in out] == [False, True, False]
        assert reports.area_values(raw)["clearance_stuck_share"] == pytest.approx(33 / 140)


def test_a_disbursement_tolerance_is_stated_as_such() -> None:
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    rules.loc[rules["measure"] == "disbursement_vs_schedule", "threshold"] = -0.05
    raw = _raw(special_paid=[500.0, 145.0, 170.0])
    out = reports.flag_slow(reports.county_measures(raw), rules, reports.area_values(raw))["slow_reasons"]
    assert list(out) == [
        "",
        "财政专项扶贫资金支付率 14.5%，比季末进度要求 20% 低 5.5 个百分点（省定阈值：落后超过 5.0 个百分点）",
        "",
    ]


def test_a_county_too_small_for_a_share_is_not_judged_on_it() -> None:
    """A share of a handful is chance: below a rule's min_base (省定参数) the county is not named on that rule. Two
    counties start 2 of 3 and 20 of 30 projects (both 66.7 %, far below the area's 88 %): only the larger is named,
    and the workbook's ranking shows the base (扶贫项目（个）) so a reader sees why."""
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    need = float(rules.set_index("measure").loc["project_start_rate", "min_base"])
    assert need == 10
    raw = _raw(projects=[3, 30, 100, 100], projects_started=[2, 20, 100, 100])
    out = reports.flag_slow(reports.county_measures(raw), rules, reports.area_values(raw))
    assert list(out["slow_reasons"] != "") == [False, True, False, False]
    assert out["slow_reasons"].iloc[1].startswith("扶贫项目开工率 66.7%")
    assert list(out["projects"]) == [3, 30, 100, 100]
    assert "项目开工率" in reports.LABELS["project_start_rate"] and reports.LABELS["projects"] == "扶贫项目（个）"
    without = rules.assign(min_base=None)  # the same data with every county judged
    names = reports.flag_slow(reports.county_measures(raw), without, reports.area_values(raw))["slow_reasons"]
    assert list(names != "") == [True, True, False, False]


def test_bulletin_thresholds_are_provincial_settings() -> None:
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv", dtype=str)
    assert set(rules["threshold_source"]) == {"省定参数"}


def test_bulletin_equals_the_warehouse_and_renders(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    xlsx, page, pdf = reports.write_bulletin(wh, PROVINCE, "2020Q1", tmp_path)
    b = reports.build_bulletin(wh, PROVINCE, "2020Q1")
    end = wh.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-03-01'"
    ).fetchone()[0]
    start = wh.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-01-01'"
    ).fetchone()[0]
    assert b.totals["poor_end"] == end and b.province["poor_reduction"] == pytest.approx((start - end) / start)
    stuck, entered = wh.execute(
        "select count(*) filter (where stuck and month = date '2020-03-01'), count(distinct household_id) "
        "from clearance_month where month <= date '2020-03-01'"
    ).fetchone()
    assert (b.totals["clearance_stuck"], b.totals["clearance_entered"]) == (stuck, entered) and entered > stuck > 0
    assert b.province["clearance_stuck_share"] == pytest.approx(stuck / entered)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["全省概况", "县区排名", "进度迟缓县", "排名规则", "督办落实"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert all(ws["A2"].value == DEMO_LABEL for ws in book.worksheets)  # the tiny warehouse is synthetic
    loop = pd.read_excel(xlsx, sheet_name="督办落实", header=2, engine="calamine").iloc[:-1]  # less the 合计 row
    assert int(loop["逾期未办结"].sum()) == int(b.loop["overdue"].sum())
    assert int(loop["累计下发"].sum()) == int(b.loop["raised"].sum())
    rules = pd.read_excel(xlsx, sheet_name="排名规则", header=2, engine="calamine")
    assert set(rules["阈值来源"]) == {"省定参数"}
    text = page.read_text(encoding="utf-8")
    assert 'alt="进度迟缓县地图" src="data:image/png;base64,' in text
    assert "演示数据" in text and "data/reference/bulletin_rules.csv" in text
    assert "http://" not in text and "https://" not in text  # nothing to fetch when printed offline
    assert "关于2020年第一季度脱贫攻坚重点工作进展情况的通报" in text and "2020Q1" not in text


def test_a_county_on_the_interview_list_is_named_with_its_numbers(wh: duckdb.DuckDBPyConnection) -> None:
    """督办: a county whose overdue items reach the 省定 约谈 limits is named in the bulletin, with the numbers."""
    b = reports.build_bulletin(wh, PROVINCE, "2020Q1", with_loop=False)
    code = str(b.counties["county_code"].iloc[0])
    loop = pd.DataFrame(
        {
            "county_code": [code, str(b.counties["county_code"].iloc[1])],
            "raised": [40, 40],
            "with_county": [20, 20],
            "overdue": [8, 1],
            "escalated": [2, 0],
            "responded": [0, 0],
            "closed": [20, 20],
            "closed_on_time": [10, 20],
            "returned_ever": [3, 0],
            "cleared_by_data": [0, 0],
            "interview": [True, False],
        }
    )
    q = lambda name, **params: queries.run(wh, name, PROVINCE, **params)  # noqa: E731
    named = reports.bulletin_from(q, "2020Q1", area_prefix="34", synthetic=True, loop=loop, loop_date="2020-07-15")
    reasons = dict(zip(named.counties["county_code"], named.counties["slow_reasons"], strict=True))
    assert "督办事项逾期未办结 8 件，占县级办理中 20 件的 40%" in reasons[code] and reasons[code].endswith(
        "列入约谈名单"
    )
    assert "督办" not in reasons[str(b.counties["county_code"].iloc[1])]


def test_city_bulletin_covers_only_the_city(wh: duckdb.DuckDBPyConnection) -> None:
    city = Viewer("阜阳市用户", "city", "city", "341200")
    b = reports.build_bulletin(wh, city, "2020Q2", area_name="阜阳市")
    assert set(b.counties["county_code"].str[:4]) == {"3412"}


def test_cli_reports(tiny_db: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "fupin", "report", "quarter", "2020Q2", "--out", str(tmp_path), "--db", str(tiny_db)],
        check=True,
        env=env,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fupin",
            "report",
            "month",
            "2020-04",
            "--out",
            str(tmp_path / "m.xlsx"),
            "--db",
            str(tiny_db),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    assert all((tmp_path / f"季通报_2020Q2.{ext}").exists() for ext in ("xlsx", "html", "pdf"))
    assert (tmp_path / "m.xlsx").stat().st_size > 5000


def test_month_check_page(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "a.sqlite"))
    monkeypatch.chdir(ROOT)
    at = app_test(timeout=90)
    at.session_state["month"] = "2020-03"
    at.run()
    at.switch_page("app_pages/month_check.py").run()
    assert not at.exception, [e.message for e in at.exception]
    wh = open_read_only(tiny_db)
    new, cleared = wh.execute(
        "select count(*) filter (where flag_status = 'new'), count(*) filter (where flag_status = 'cleared') "
        "from warning_flag_month where month = date '2020-03-01'"
    ).fetchone()
    assert next(m.value for m in at.metric if m.label == "红色预警新增 / 消除") == f"{new:,} / {cleared:,}户"


def test_a_real_warehouse_files_do_not_say_demo(tmp_path: Path) -> None:
    """A warehouse ingested from hand-made exports (no generator manifest) is not synthetic: no 演示数据 anywhere."""
    src = tmp_path / "exports" / "2020-01"
    write(src, C.HOUSEHOLD, [household(1)])
    write(src, C.MEMBER, [member(1)])
    write(src, C.MONITORING, [record(1, "2020-01", est=4000)])
    db = tmp_path / "w.duckdb"
    assert ingest(tmp_path / "exports", db).ok
    con = open_read_only(db)
    book = openpyxl.load_workbook(io.BytesIO(reports.month_workbook(con, PROVINCE, "2020-01")))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not [c for c in cells if "演示数据" in c]
    assert not [ws.title for ws in book.worksheets if ws.oddHeader.center.text]


# ------------------------------------------------------------------ office-ready workbooks and the 公文 PDF

HOSTILE_NAME = "=cmd|' /C calc'!A0"


def _widths(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[float | None]:
    """Each column's width; adjacent columns of one width are stored as one <col min max> range."""
    widths: list[float | None] = [None] * ws.max_column
    for dim in ws.column_dimensions.values():
        for j in range(dim.min or 1, min(dim.max or 0, ws.max_column) + 1):
            widths[j - 1] = dim.width
    return widths


def _sheet_checks(ws: openpyxl.worksheet.worksheet.Worksheet, *, rows: int, totals: bool) -> None:
    """What every exported sheet has: frozen header, filters over the data, widths, A4 landscape print setup."""
    cols = ws.max_column
    last = 3 + rows
    assert ws.freeze_panes in ("A4", "B4"), ws.title
    end = openpyxl.utils.get_column_letter(cols)
    assert ws.auto_filter.ref == f"A3:{end}{last}", ws.title  # the 合计 row is not filtered
    assert ws.max_row == last + totals, ws.title
    if totals:
        assert ws.cell(ws.max_row, 1).value == "合计", ws.title
    widths = _widths(ws)
    assert all(w and w > 0 for w in widths), (ws.title, widths)
    for j in range(1, cols + 1):  # a Chinese header fits: two columns per character
        header = str(ws.cell(3, j).value)
        assert widths[j - 1] >= min(2 * len(header), 60), (ws.title, header, widths[j - 1])
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title  # A4 landscape
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1, setup.fitToHeight) == (
        1,
        0,
    )  # width 1 is the default
    assert ws.print_title_rows == "$3:$3", ws.title  # the header row on every printed page
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, ws.title
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "b" or str(c.value) in ("TRUE", "FALSE", "True", "False")]


def _formats(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Header → the number format of the column's first data cell."""
    return {str(ws.cell(3, j).value): ws.cell(4, j).number_format for j in range(1, ws.max_column + 1)}


def test_book_writes_cells_by_what_they_hold() -> None:
    df = pd.DataFrame(
        {
            "户主": [HOSTILE_NAME, "王伟", "=***"],
            "是否监测户": [True, False, None],
            "纳入日期": pd.to_datetime(["2020-06-01", "2020-03-15", None]),
            "走访日期": ["2020-06-01", "2020-05-02", None],
            "支付率": [0.5, 0.25, 1.0],
            "支付金额（万元）": [12.5, 3.25, 0.0],
            "家庭人口": [3, 4, 5],
            "备注": pd.Series([np.bool_(False), "文字", None], dtype=object),  # a stray boolean among text
        }
    )
    book = Book()
    book.table(df, "a/b:c*名单?", title="测试", synthetic=True, totals=True)
    wb = openpyxl.load_workbook(io.BytesIO(book.close()))
    ws = wb.worksheets[0]
    assert ws.title == "a－b－c－名单－"  # characters Excel forbids in a sheet name replaced
    _sheet_checks(ws, rows=3, totals=True)
    assert ws["A1"].value == "测试" and ws["A2"].value == DEMO_LABEL and "演示数据" in ws.oddHeader.center.text
    name = ws["A4"]
    assert name.value == HOSTILE_NAME and name.data_type == "s"  # text, never a formula
    assert [ws.cell(r, 2).value for r in (4, 5, 6)] == ["是", "否", None]
    assert [ws.cell(r, 8).value for r in (4, 5, 6)] == ["否", "文字", None]
    formats = _formats(ws)
    assert formats["纳入日期"] == formats["走访日期"] == 'yyyy"年"m"月"d"日"'
    assert ws["C4"].value == dt.datetime(2020, 6, 1) and ws["D5"].value == dt.datetime(2020, 5, 2)
    assert (formats["支付率"], formats["支付金额（万元）"], formats["家庭人口"]) == ("0.0%", "#,##0.00", "#,##0")
    total = [ws.cell(7, j).value for j in range(1, 9)]
    assert total == ["合计", None, None, None, None, 15.75, 12, None]  # shares and dates are not added up
    width = ws.column_dimensions["F"].width
    assert width >= 2 * len("支付金额") + len("（万元）") * 2  # CJK (and full-width brackets) count double


def test_month_and_bulletin_workbooks_are_office_ready(wh: duckdb.DuckDBPyConnection) -> None:
    month = openpyxl.load_workbook(io.BytesIO(reports.month_workbook(wh, PROVINCE, "2020-03")))
    counts = {label: len(reports.month_records(wh, PROVINCE, "2020-03", k)) for k, label in reports.MONTH_KINDS.items()}
    for ws in month.worksheets:
        _sheet_checks(ws, rows=counts.get(ws.title, 104), totals=ws.title in ("汇总", "部门比对"))
    summary = _formats(month["汇总"])
    assert summary["本月支付（万元）"] == "#,##0.00" and summary["预警新增"] == "#,##0"
    assert month["汇总"].freeze_panes == "B4"  # the county names stay in view
    b = reports.build_bulletin(wh, PROVINCE, "2020Q1")
    book = openpyxl.load_workbook(io.BytesIO(reports.bulletin_workbook(b)))
    rows = {
        "全省概况": len(b.province),
        "县区排名": 104,
        "进度迟缓县": int((b.counties["slow_reasons"] != "").sum()),
        "排名规则": len(b.rules),
        "督办落实": len(b.loop),
    }
    for ws in book.worksheets:
        _sheet_checks(ws, rows=rows[ws.title], totals=ws.title == "督办落实" and len(b.loop) > 0)
        assert ws["A1"].value.startswith("季通报 · 2020年第一季度 · 全省")
    ranking = _formats(book["县区排名"])
    assert ranking["项目开工率"] == ranking["财政专项扶贫资金支付率"] == "0.0%" and ranking["销号滞留户"] == "#,##0"
    rules = pd.read_excel(io.BytesIO(reports.bulletin_workbook(b)), sheet_name="排名规则", header=2, engine="calamine")
    codes = set(b.rules["measure"]) | set(b.rules["rule"])  # poor_reduction, gap_below_area …: never shown
    assert not codes & {str(v) for v in rules.to_numpy().ravel()}
    assert rules.loc[rules["名称"] == "边缘户走访覆盖率", "阈值"].item() == "72%"
    loop = [c.value for c in book["督办落实"]["J"]][3:-1]
    assert set(loop) <= {"是", "否"} and loop.count("是") == int(b.loop["interview"].sum())


def test_bulletin_pdf_is_a_gongwen_with_fonts_embedded(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    from pypdf import PdfReader

    b = reports.build_bulletin(wh, PROVINCE, "2020Q1")
    from fupin.work.items import raised_on

    newest = batch_info(wh).months[-1]  # synthetic: dated on the demo calendar, the day the 督办 figures are as of
    from fupin.work.demo import DEMO_TAIL_DAYS

    expected = raised_on(newest) + dt.timedelta(days=DEMO_TAIL_DAYS)
    assert b.issued == reports.issue_date(batch_info(wh)) == expected.isoformat() and b.issued < "2021"
    data = reports.bulletin_pdf(b)
    reader = PdfReader(io.BytesIO(data))
    assert 4 <= len(reader.pages) <= 30
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts  # every font embedded: prints the same anywhere
    assert any("CJK" in name for name in fonts)
    first = reader.pages[0].extract_text()
    for text in ("演示数据", "安徽省扶贫开发领导小组办公室文件", "皖扶组办〔", "文号待编", "2020年第一季度", "通报"):
        assert text in first, text
    everything = "".join(p.extract_text() for p in reader.pages)
    assert "2020Q1" not in everything and document.cn_date(b.issued) in everything
    assert all("演示数据" in p.extract_text() for p in reader.pages)  # on every page of synthetic data
    real = document.bulletin_html(dataclasses.replace(b, synthetic=False, issued="2020-07-10"))
    assert "演示数据" not in real and "2020年7月10日" in real and "皖扶组办〔2020〕" in real


def test_chinese_dates_and_quarters() -> None:
    assert document.cn_date("2020-07-10") == "2020年7月10日" and document.cn_date("2021-01-05 08:00") == "2021年1月5日"
    assert [reports.quarter_label(f"2020Q{q}") for q in (1, 4)] == ["2020年第一季度", "2020年第四季度"]
    with pytest.raises(ValueError):
        reports.quarter_label("2020Q5")
    from fupin.warehouse.connection import BatchInfo

    real = BatchInfo("b1", "2020-07-12 09:30", False, ["2020-05", "2020-06"], 10, 0)
    assert reports.issue_date(real) == "2020-07-12"  # a real batch: the day it was ingested
