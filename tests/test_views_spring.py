"""春季攻势 view on the tiny warehouse: tiles, overdue projects and the ranking equal DuckDB; 进度迟缓 follows the
rules in ref_bulletin_rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from fupin.views import spring
from tests.support.views import selection


def one(db: Path, sql: str) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def tiles(v: spring.SpringView) -> dict[str, str]:
    return {t.label: t.value for t in v.tiles}


def test_tiles_equal_the_warehouse_and_follow_the_month(tiny_db: Path) -> None:
    for month in ("2020-03", "2020-06"):
        v = spring.view(selection(tiny_db, month=month))
        started, projects, overdue = (
            one(tiny_db, f"select sum({c}) from summary_county_month where month = '{month}-01'")
            for c in ("projects_started", "projects", "projects_overdue")
        )
        assert tiles(v)["扶贫项目开工率"] == f"{started / projects:.1%}"
        assert tiles(v)["逾期未开工项目"] == f"{int(overdue):,}个"
        assert v.overdue is not None and len(v.overdue.frame) == min(int(overdue), spring.OVERDUE_LIMIT)
        assert "计划开工" in v.overdue.frame.columns and v.overdue.formats["计划开工"] == "date:YYYY-MM-DD"
    assert tiles(spring.view(selection(tiny_db, month="2020-03"))) != tiles(spring.view(selection(tiny_db)))


@pytest.mark.parametrize("judge_all", [True, False])
def test_ranking_marks_the_counties_the_rules_name(tiny_db: Path, judge_all: bool) -> None:
    """Counties marked 项目开工率 are those the rule names: more than its gap below the area, and (with the rules'
    own min_base, 10 projects) only counties with that many projects — none of the tiny warehouse's 3-project
    counties; judged without a base, the ones the SQL finds."""
    base = {"project_start_rate": None} if judge_all else None
    v = spring.view(selection(tiny_db, month="2020-04", min_base=base))
    rank = v.ranking.frame
    assert len(rank) == 104
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        gap, need = con.execute(
            "select threshold, min_base from ref_bulletin_rules where measure = 'project_start_rate'"
        ).fetchone()
        need = 0 if judge_all else float(need)
        slow = {
            name
            for (name,) in con.execute(
                "with c as (select * from summary_county_month where month = '2020-04-01'), "
                "a as (select sum(projects_started) / sum(projects) as r from c) "
                "select county_name from c, a where projects > 0 and projects_started / projects < a.r - ? "
                "and projects >= ?",
                [float(gap), need],
            ).fetchall()
        }
    marked = set(rank.loc[rank["进度迟缓"].str.contains("项目开工率"), "县（市、区）"])
    assert marked == slow and (len(slow) > 0) == judge_all
    assert rank["进度迟缓"].head(len(rank[rank["进度迟缓"] != ""])).ne("").all()  # the lagging ones first
    only = spring.view(selection(tiny_db, month="2020-04", min_base=base), only_lagging=True).ranking.frame
    assert len(only) == (rank["进度迟缓"] != "").sum()


def test_county_filter_and_grouping(tiny_db: Path) -> None:
    v = spring.view(selection(tiny_db, county="341221", city="341200"), group="county")
    started, projects = (
        one(tiny_db, f"select {c} from summary_county_month where month = '2020-06-01' and county_code = '341221'")
        for c in ("projects_started", "projects")
    )
    assert tiles(v)["扶贫项目开工率"] == f"{started / projects:.1%}"
    assert v.ranking.frame["县（市、区）"].tolist() == ["临泉县"]
    assert [tr.name for tr in v.weekly_started.data] == ["临泉县"] and v.weekly_note is None
    province = spring.view(selection(tiny_db), group="county")
    assert len(province.weekly_started.data) == spring.MAX_LINES and province.weekly_note
