"""总览 view on the tiny warehouse: tiles, map and trends equal what DuckDB says directly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from fupin.views import figures, overview
from tests.support.views import LINQUAN, selection


def one(db: Path, sql: str) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def tile(v: overview.OverviewView, label: str) -> str:
    return next(t.value for t in v.tiles if t.label == label)


def test_tiles_equal_the_warehouse_for_the_month(tiny_db: Path) -> None:
    for month in ("2020-03", "2020-06"):
        v = overview.view(selection(tiny_db, month=month))
        poor = one(tiny_db, f"select sum(remaining_poor_persons) from summary_county_month where month = '{month}-01'")
        assert tile(v, "剩余贫困人口") == f"{int(poor):,}人"
        assert v.totals["month"].max().strftime("%Y-%m") == month  # frozen at the as-of month
        assert v.title.endswith(f"{int(month[5:])}月")
    assert tile(overview.view(selection(tiny_db, month="2020-03")), "剩余贫困人口") != tile(
        overview.view(selection(tiny_db, month="2020-06")), "剩余贫困人口"
    )


def test_rates_come_from_sql_and_follow_the_county(tiny_db: Path) -> None:
    v = overview.view(selection(tiny_db, month="2020-04", county="341221"))
    where = "where month = '2020-04-01' and county_code = '341221'"
    started, projects, paid, alloc = (
        float(one(tiny_db, f"select {c} from summary_county_month {where}"))
        for c in ("projects_started", "projects", "special_paid", "special_allocated")
    )
    last = v.totals.iloc[-1]
    assert last.project_start_rate == pytest.approx(started / projects)
    assert tile(v, "扶贫项目开工率") == f"{started / projects:.1%}"
    assert {t.label: t.value for t in v.funds_tiles}["支付率"] == f"{paid / alloc:.1%}"
    rates = v.trend_rates(250)
    assert [tr.name for tr in rates.data] == ["项目开工率", "车间复工率", "资金支付率"]
    assert list(rates.data[0].y)[-1] == pytest.approx(started / projects)


def test_map_values_and_slides(tiny_db: Path) -> None:
    v = overview.view(selection(tiny_db, month="2020-05", present=True))
    values = figures.metric_values(v.county_map(900))
    assert len(values) == 104
    assert values["341221"] == one(
        tiny_db,
        "select remaining_poor_persons from summary_county_month where month = '2020-05-01' and county_code = '341221'",
    )
    listed = one(tiny_db, "select count(*) from ref_supervision where level = 'county'")
    assert len(v.supervised) == listed  # the meeting screen's slides: tests/test_views_meeting.py
    assert "演示数据" in v.title and v.caption is None


def test_a_county_user_sees_their_county(tiny_db: Path) -> None:
    v = overview.view(selection(tiny_db, LINQUAN, month="2020-06"))
    poor = one(
        tiny_db,
        "select remaining_poor_persons from summary_county_month where month = '2020-06-01' and county_code = '341221'",
    )
    assert tile(v, "剩余贫困人口") == f"{int(poor):,}人"
    assert set(v.counties["county_code"]) == {"341221"}


def test_tiles_compare_with_the_policy_targets(tiny_db: Path) -> None:
    v = overview.view(selection(tiny_db, month="2020-06"))
    t = {x.label: x for x in v.tiles}
    jan = one(tiny_db, "select sum(remaining_poor_persons) from summary_county_month where month = '2020-01-01'")
    now = one(tiny_db, "select sum(remaining_poor_persons) from summary_county_month where month = '2020-06-01'")
    pace = jan * 6 / 11  # a straight line from January's figure to zero at the end of December
    poor = t["剩余贫困人口"]
    assert poor.target == f"年底清零进度：应不超过{pace:,.0f}人" and poor.on_track is (now <= pace)
    assert poor.spark[0] == jan and poor.spark[-1] == now and len(poor.spark) == 6
    required = one(tiny_db, "select required_share from ref_disbursement_schedule where month = '2020-06'")
    pay = t["扶贫资金支付率"]
    paid = one(
        tiny_db,
        "select sum(special_paid) / sum(special_allocated) from summary_county_month where month = '2020-06-01'",
    )
    assert pay.target == f"进度要求{float(required):.0%}" and pay.on_track is (paid >= float(required))
    assert t["外出务工人数"].target == "" and t["外出务工人数"].on_track is None  # no policy target


def test_a_zero_change_reads_flat_not_a_red_arrow() -> None:
    from fupin.domain.kpi import Tile
    from fupin.ui.render import shown_change

    assert shown_change(Tile("边缘户", "1,066户", "+0户", "inverse")) == ("持平", "off")
    assert shown_change(Tile("支付率", "79.3%", "+0.0个百分点", "normal")) == ("持平", "off")
    assert shown_change(Tile("边缘户", "1,066户", "+10户", "inverse")) == ("+10户", "inverse")
    assert shown_change(Tile("剩余", "961人", "-215人", "inverse")) == ("-215人", "inverse")
    assert shown_change(Tile("清零", "0县", "共7县12村", "off")) == ("共7县12村", "off")  # a note, never "持平"
