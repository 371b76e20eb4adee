"""月核查 and 季通报: figures equal the warehouse, the records behind each number, a hand-made slow
county named for the right reason, the workbook's sheets, the printable page's map image, scope."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from fupin.access.scope import Viewer
from fupin.reports import bulletin as reports
from fupin.warehouse.connection import open_read_only
from tests.conftest import app_test

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


def test_hand_made_slow_county_is_named_with_its_reason() -> None:
    raw = pd.DataFrame(
        {
            "county_code": ["1", "2"],
            "county_name": ["甲县", "乙县"],
            "city_name": ["某市", "某市"],
            "poor_start": [100, 100],
            "poor_end": [50, 90],
            "projects": [10, 10],
            "projects_started": [9, 9],
            "workshops": [10, 10],
            "workshops_restarted": [10, 10],
            "migrant_workers": [90, 90],
            "migrant_workers_last_year": [100, 100],
            "public_posts_created": [10, 10],
            "public_posts_filled": [10, 10],
            "special_allocated": [100.0, 100.0],
            "special_paid": [50.0, 50.0],
            "required_share": [0.2, 0.2],
            "edge_households": [10, 10],
            "edge_visited": [10, 10],
            "clearance_stuck": [0, 0],
            "red_flag_households": [0, 0],
        }
    )
    rules = pd.read_csv(ROOT / "data" / "reference" / "bulletin_rules.csv")
    area = reports.area_values(raw)
    assert area["poor_reduction"] == pytest.approx(0.3)
    out = reports.flag_slow(reports.county_measures(raw), rules, area).set_index("county_name")
    assert out.loc["乙县", "slow_reasons"] == "剩余贫困人口本季减少比例 10.0%，低于整体 30.0% 超过10%个百分点"
    assert out.loc["甲县", "slow_reasons"] == ""


def test_bulletin_equals_the_warehouse_and_renders(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    xlsx, page = reports.write_bulletin(wh, PROVINCE, "2020Q1", tmp_path, synthetic=True)
    b = reports.build_bulletin(wh, PROVINCE, "2020Q1")
    end = wh.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-03-01'"
    ).fetchone()[0]
    start = wh.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-01-01'"
    ).fetchone()[0]
    assert b.totals["poor_end"] == end and b.province["poor_reduction"] == pytest.approx((start - end) / start)
    assert openpyxl.load_workbook(xlsx).sheetnames == ["全省概况", "县区排名", "进度迟缓县", "排名规则"]
    text = page.read_text(encoding="utf-8")
    assert 'alt="进度迟缓县地图" src="data:image/png;base64,' in text
    assert "演示数据" in text and "data/reference/bulletin_rules.csv" in text
    assert "http://" not in text and "https://" not in text  # nothing to fetch when printed offline


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
