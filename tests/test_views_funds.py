"""资金 view on the tiny warehouse: totals, the slow counties (shared rule), sources in the contract's order,
projects of a county and the compliance findings equal DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from fupin.core.labels import fmt_money_wan
from fupin.data.contract import ALLOCATION_LEVELS
from fupin.views import funds
from tests.support.views import selection


def one(db: Path, sql: str) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def tiles(v: funds.FundsView) -> dict[str, str]:
    return {t.label: t.value for t in v.tiles}


@pytest.mark.parametrize(("month", "min_base"), [("2020-03", 80.0), ("2020-06", 80.0), ("2020-06", None)])
def test_totals_and_slow_counties_equal_the_warehouse(tiny_db: Path, month: str, min_base: float | None) -> None:
    """Totals and the counties marked 进度迟缓: paid share behind the month's requirement by more than the rule's
    threshold, judged only where at least min_base 万元 were allocated (the province's 300 万元 is above every tiny
    county, so the tiny warehouse is judged at 80 万元, and with no base)."""
    v = funds.view(selection(tiny_db, month=month, min_base={"disbursement_vs_schedule": min_base}))
    alloc, paid = (
        float(one(tiny_db, f"select sum({c}) from summary_county_month where month = '{month}-01'"))
        for c in ("special_allocated", "special_paid")
    )
    assert tiles(v)["财政专项扶贫资金已下达"] == fmt_money_wan(alloc)
    assert tiles(v)["支付率"] == f"{paid / alloc:.1%}"
    slow = one(
        tiny_db,
        f"select count(*) from summary_county_month where month = '{month}-01' and special_allocated > 0 "
        "and special_paid / special_allocated - (select cast(required_share as double) from ref_disbursement_schedule "
        f"where month = '{month}') < (select cast(threshold as double) from ref_bulletin_rules "
        f"where measure = 'disbursement_vs_schedule') and special_allocated >= {min_base or 0}",
    )
    if month == "2020-06":
        assert slow > 0  # the case is tested, not vacuous
    assert tiles(v)["支付进度迟缓的县"] == f"{slow} / 104个"
    rank = v.ranking.frame
    assert (rank["状态"] == "进度迟缓").sum() == slow
    assert rank["已支付（万元）"].sum() == pytest.approx(paid)
    assert v.ranking.formats["支付率"] == "percent"


def test_sources_follow_the_contract_order_and_sum_to_the_query(tiny_db: Path) -> None:
    v = funds.view(selection(tiny_db, month="2020-05"))
    levels = v.sources.frame["资金级次"].tolist()
    assert levels == [lv for lv in ALLOCATION_LEVELS if lv in levels]
    total = one(tiny_db, "select count(distinct fund_level) from stg_allocation")  # every level the export has
    assert len(levels) == total


def test_county_projects_and_findings(tiny_db: Path) -> None:
    province = funds.view(selection(tiny_db))
    assert province.projects is None
    n = one(tiny_db, "select count(*) from compliance_finding")
    assert province.findings_count == n and len(province.findings.frame) == n
    county = funds.view(selection(tiny_db, county="341221", city="341200"))
    projects = one(tiny_db, "select count(distinct project_id) from stg_project where county_code = '341221'")
    assert county.projects is not None and len(county.projects.frame) >= projects
    assert len(county.ranking.frame) == 1
    first = province.checks.frame["检查"].iloc[0]
    picked = funds.view(selection(tiny_db), check=first).findings.frame
    assert set(picked["检查"]) == {first}
    assert len(picked) == province.checks.frame.set_index("检查").loc[first, "条数"]
