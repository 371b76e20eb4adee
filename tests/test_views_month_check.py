"""月核查 view on the tiny warehouse: tiles equal DuckDB, each transition count equals its record list (both read
category_transition_month, built once at ingest), the county filter narrows the records, the month workbook and
the bulletin match what the page shows."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from fupin.access.scope import Viewer
from fupin.reports import bulletin as reports
from fupin.views import month_check
from tests.support.views import LINQUAN, selection

TRANSITIONS = ("monitor_in", "monitor_out", "edge_in", "edge_out")


def test_tiles_equal_the_warehouse(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    v = month_check.view(selection(tiny_db, month="2020-03"))
    new, cleared = con.execute(
        "select count(*) filter (where flag_status = 'new'), count(*) filter (where flag_status = 'cleared') "
        "from warning_flag_month where month = date '2020-03-01'"
    ).fetchone()
    tiles = {t.label: t for t in v.tiles}
    assert tiles["红色预警新增 / 消除"].value == f"{new:,} / {cleared:,}户"
    (poor,) = con.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-03-01'"
    ).fetchone()
    assert tiles["剩余贫困人口"].value == f"{poor:,}人"
    assert len(v.summary.frame) == v.rows == 104 and v.summary.frame.columns[0] == "县（市、区）"
    assert v.quarters == ["2020Q2", "2020Q1"]


def test_transitions_equal_an_independent_count(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Entering 脱贫监测户 in 2020-04, recomputed from household_month without the built table."""
    (expected,) = con.execute(
        """select count(*) from household_month c
           left join household_month p on p.household_id = c.household_id and p.month = date '2020-03-01'
           where c.month = date '2020-04-01' and c.household_category = '脱贫监测户'
             and coalesce(p.household_category, '') <> '脱贫监测户'"""
    ).fetchone()
    assert expected > 0
    v = month_check.view(selection(tiny_db, month="2020-04"))
    assert v.summary.frame["新纳入监测户"].sum() == expected


@pytest.mark.parametrize("month", ["2020-01", "2020-02", "2020-04", "2020-06"])
def test_county_counts_equal_the_record_lists(tiny_db: Path, month: str) -> None:
    sel = selection(tiny_db, month=month)
    summary = sel.q("month_check_by_county", month=sel.month_date, area_prefix="34").set_index("county_code")
    for kind in TRANSITIONS:
        recs = sel.q("month_check_records", month=sel.month_date, area_prefix="34", kind=kind)
        per_county = recs.groupby("county_code").size().reindex(summary.index, fill_value=0)
        assert (per_county == summary[kind]).all(), (month, kind)
        assert recs["record_id"].is_unique


def test_county_filter_narrows_the_records(tiny_db: Path) -> None:
    sel = selection(tiny_db, month="2020-01")
    v = month_check.view(sel)
    everything = month_check.records(sel, "monitor_in")
    county = v.summary.frame.sort_values("新纳入监测户").iloc[-1]["县（市、区）"]
    code = next(c for c, n in v.counties.items() if n == county)
    one = month_check.records(sel, "monitor_in", code)
    assert 0 < len(one.table.frame) < len(everything.table.frame)
    assert set(one.table.frame["县（市、区）"]) == {county}
    assert len(one.table.frame) == v.summary.frame.set_index("县（市、区）").loc[county, "新纳入监测户"]
    assert one.caption == f"新纳入监测户：{len(one.table.frame):,}条"


def test_county_user_sees_their_county(tiny_db: Path) -> None:
    v = month_check.view(selection(tiny_db, LINQUAN, month="2020-03"))
    assert v.counties == {"341221": "临泉县"}


def test_month_workbook_matches_the_view(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-04")
    v = month_check.view(sel)
    wb = openpyxl.load_workbook(io.BytesIO(reports.month_workbook(con, Viewer.province(), "2020-04", "34")))
    rows = list(wb["汇总"].iter_rows(min_row=3, values_only=True))
    assert list(rows[0]) == list(v.summary.frame.columns)
    assert [r[0] for r in rows[1:-1]] == list(v.summary.frame["县（市、区）"])
    assert rows[-1][0] == "合计" and rows[-1][2] == v.summary.frame[rows[0][2]].sum()  # the 合计 row under the table
    for kind in TRANSITIONS:
        label = reports.MONTH_KINDS[kind]
        assert wb[label].max_row - 3 == v.summary.frame[label].sum() == len(month_check.records(sel, kind).table.frame)


def test_quarter_equals_the_bulletin(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    qv = month_check.quarter(selection(tiny_db), "2020Q2")
    b = reports.build_bulletin(con, Viewer.province(), "2020Q2", area_prefix="34")
    slow = b.counties[b.counties["slow_reasons"] != ""]
    assert list(qv.slow.frame["县（市、区）"]) == list(slow["county_name"])
    assert list(qv.slow.frame.columns) == ["市", "县（市、区）", "进度迟缓原因"]
    assert f"{len(b.counties)}个县中 **{len(slow)}个**" in qv.headline
    assert list(qv.rules.frame["指标"]) == list(b.rules["label"])
    assert list(qv.rules.frame.columns) == ["指标", "何为进度迟缓", "阈值", "阈值来源"]
    assert set(qv.rules.frame["阈值来源"]) == {"省定参数"}
    assert all(t.endswith(("个百分点", "%", "户")) for t in qv.rules.frame["阈值"])  # as people say it, not 0.3
    assert qv.bulletin.synthetic  # the tiny warehouse is generated


@pytest.mark.parametrize("month", ["2020-01", "2020-03", "2020-06"])
def test_guarantee_clearing_equals_the_warehouse(tiny_db: Path, con: duckdb.DuckDBPyConnection, month: str) -> None:
    v = month_check.guarantee(selection(tiny_db, month=month))
    found, cleared, open_, unmonitored = con.execute(
        "select sum(found), sum(cleared), sum(open), sum(open_unmonitored) from guarantee_county_month "
        "where month = cast($m as date)",
        {"m": f"{month}-01"},
    ).fetchone()
    tiles = {t.label: t.value for t in v.tiles}
    assert tiles == {
        "本月发现": f"{int(found):,}项",
        "本月清零": f"{int(cleared):,}项",
        "未清零": f"{int(open_):,}项",
        "其中未纳入监测的户": f"{int(unmonitored):,}项",
    }
    assert v.by_county.frame["未清零"].sum() == open_ and len(v.by_month.frame) == 6
    assert int(unmonitored) > 0  # the register's households that are not monitored are counted too


def test_guarantee_open_is_the_previous_open_plus_found_minus_cleared(tiny_db: Path) -> None:
    months = month_check.guarantee(selection(tiny_db, month="2020-06")).by_month.frame
    prev = months["未清零"].shift(1).fillna(0)
    assert (months["未清零"] == prev + months["本月发现"] - months["本月清零"]).all()
