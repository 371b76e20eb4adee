"""挂牌督战 view on the tiny warehouse: tiles and cards equal DuckDB, the village table, meeting mode."""

from __future__ import annotations

from pathlib import Path

import duckdb

from fupin.domain.schedule import assess
from fupin.views import supervision
from tests.support.views import LINQUAN, selection

IN_LIST = "county_code in (select county_code from ref_supervision where level = 'county')"


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def tiles(v: supervision.SupervisionView) -> dict[str, str]:
    return {t.label: t.value for t in v.tiles}


def test_tiles_and_cards_equal_the_warehouse(tiny_db: Path) -> None:
    for month in ("2020-03", "2020-06"):
        v = supervision.view(selection(tiny_db, month=month))
        ((now,),) = rows(
            tiny_db,
            f"select sum(remaining_poor_persons) from summary_county_month where month = '{month}-01' and {IN_LIST}",
        )
        assert tiles(v)["挂牌督战县剩余贫困人口"] == f"{int(now):,}人"
        names = {n for (n,) in rows(tiny_db, "select county_name from ref_supervision where level = 'county'")}
        assert {c.heading.split("**")[1] for c in v.cards} == names
        assert tiles(v)["进度滞后的县"].endswith(f"/ {len(names)}个")
        assert all(c.links and f"month={month}" in c.links for c in v.cards)
        assert v.villages is not None and len(v.villages.frame) == 12
        assert set(v.villages.frame["进度"]) <= {"进度滞后", "按期"}


def test_a_card_follows_the_schedule_rule(tiny_db: Path) -> None:
    v = supervision.view(selection(tiny_db, month="2020-05"))
    series = rows(
        tiny_db,
        "select strftime(month, '%Y-%m'), remaining_poor_persons from summary_county_month "
        "where county_code = '341221' and month <= '2020-05-01' order by month",
    )
    a = assess([(m, float(n)) for m, n in series])
    card = next(c for c in v.cards if c.code == "341221")
    assert card.reason == a.reason
    assert ("进度滞后" in card.heading) == a.behind
    assert card.remaining.value == f"{int(series[-1][1]):,}人"
    assert card.remaining.delta == f"年初 {int(series[0][1]):,}人"


def test_meeting_mode_and_county_scope(tiny_db: Path) -> None:
    present = supervision.view(selection(tiny_db, present=True))
    assert present.villages is None and all(c.links is None for c in present.cards)
    assert "演示数据" in present.title and present.caption is None
    mine = supervision.view(selection(tiny_db, LINQUAN))
    assert [c.code for c in mine.cards] == ["341221"]
