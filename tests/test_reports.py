"""月核查 and 季通报: figures equal the warehouse, the records behind each number, a hand-made slow
county named for the right reason, the workbook's sheets, the printable page's map image, scope."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from fupin.access.scope import Viewer
from fupin.data import contract as C
from fupin.data.ingest import ingest
from fupin.reports import bulletin as reports
from fupin.reports.exports import DEMO_LABEL
from fupin.warehouse import queries
from fupin.warehouse.connection import open_read_only
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
    assert wb.sheetnames == ["汇总", *reports.MONTH_KINDS.values()]
    assert wb["汇总"].max_row == 3 + 104
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
        "public_posts_created": [10] * n,
        "public_posts_filled": [10] * n,
        "special_allocated": [100.0] * n,
        "special_paid": [50.0] * n,
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
        special_paid=[50.0, 50.0, 14.5, 50.0, 50.0],  # 2县: 14.5 % paid, 20 % required
        edge_visited=[10, 10, 10, 7, 10],  # 3县: 70 % visited
        clearance_stuck=[0, 0, 0, 5, 6],  # 4县: 6 of 20 in the 销号 chain stuck (30 %); 3县's 25 % is not above
    )
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    area = reports.area_values(raw)
    assert area["poor_reduction"] == pytest.approx(0.42)
    out = reports.flag_slow(reports.county_measures(raw), rules, area).set_index("county_name")["slow_reasons"]
    assert out["0县"] == ""
    assert out["1县"] == "剩余贫困人口本季减少比例 10.0%，比整体 42.0% 低 32.0 个百分点（省定阈值 30 个百分点）"
    behind = "财政专项扶贫资金支付率 14.5%，比季末进度要求 20% 低 5.5 个百分点"
    assert out["2县"] == behind + "（省定阈值：落后超过 5.0 个百分点）"
    assert out["3县"] == "边缘户走访覆盖率 70.0%，低于省定下限 78%"
    assert out["4县"] == "销号滞留率 30.0%（滞留 6户，年内进入销号程序 20户），超过省定上限 25%"
    text = "；".join(out)
    assert "%个百分点" not in text and "超出进度要求" not in text and " -" not in text


def test_clearance_stuck_is_a_share_and_names_the_same_counties_at_any_scale() -> None:
    """销号滞留 is judged as a share of the households that entered the 销号 chain (省定参数), so a province 50 times
    the demo names the same counties: 1,200 stuck of 6,000 is 20 % (not named), 300 of 1,000 is 30 % (named)."""
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    assert rules.set_index("measure").loc["clearance_stuck_share", ["rule", "threshold"]].tolist() == ["above", 0.25]
    assert "clearance_stuck" not in set(rules["measure"])  # no absolute count that depends on the scale
    for k in (1, 50):
        raw = _raw(clearance_stuck=[24 * k, 6 * k, 0], clearance_entered=[120 * k, 20 * k, 0])
        measures = reports.county_measures(raw)
        assert list(measures["clearance_stuck_share"].round(3).fillna(-1)) == [0.2, 0.3, -1]
        out = reports.flag_slow(measures, rules, reports.area_values(raw))["slow_reasons"]
        assert [r != "" for r in out] == [False, True, False]
        assert reports.area_values(raw)["clearance_stuck_share"] == pytest.approx(30 / 140)


def test_a_disbursement_tolerance_is_stated_as_such() -> None:
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    rules.loc[rules["measure"] == "disbursement_vs_schedule", "threshold"] = -0.05
    raw = _raw(special_paid=[50.0, 14.5, 17.0])
    out = reports.flag_slow(reports.county_measures(raw), rules, reports.area_values(raw))["slow_reasons"]
    assert list(out) == [
        "",
        "财政专项扶贫资金支付率 14.5%，比季末进度要求 20% 低 5.5 个百分点（省定阈值：落后超过 5.0 个百分点）",
        "",
    ]


def test_bulletin_thresholds_are_provincial_settings() -> None:
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv", dtype=str)
    assert set(rules["threshold_source"]) == {"省定参数"}


def test_bulletin_equals_the_warehouse_and_renders(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    xlsx, page = reports.write_bulletin(wh, PROVINCE, "2020Q1", tmp_path)
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
    assert all(ws["A2"].value == DEMO_LABEL for ws in book.worksheets)  # the tiny warehouse is synthetic
    loop = pd.read_excel(xlsx, sheet_name="督办落实", header=2, engine="calamine")
    assert int(loop["逾期未办结"].sum()) == int(b.loop["overdue"].sum())
    assert int(loop["累计下发"].sum()) == int(b.loop["raised"].sum())
    rules = pd.read_excel(xlsx, sheet_name="排名规则", header=2, engine="calamine")
    assert set(rules["阈值来源"]) == {"省定参数"}
    text = page.read_text(encoding="utf-8")
    assert 'alt="进度迟缓县地图" src="data:image/png;base64,' in text
    assert "演示数据" in text and "data/reference/bulletin_rules.csv" in text
    assert "http://" not in text and "https://" not in text  # nothing to fetch when printed offline


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
    assert (tmp_path / "季通报_2020Q2.xlsx").exists() and (tmp_path / "季通报_2020Q2.html").exists()
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
