"""情景推演 view on the tiny warehouse: the baseline's tiles equal the stored numbers, moving the line moves the
tiles and the table, a county scope narrows the shock, the allocation totals equal the actual allocation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from fupin.views import figures, scenarios
from tests.support.views import LINQUAN, selection


def test_setup_reads_the_reference_settings(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    s = scenarios.setup(selection(tiny_db))
    (line,) = con.execute("select line from warning_settings").fetchone()
    assert s.base.line == line == 5000
    assert s.title == "情景推演 · 基于2020年6月数据"
    assert list(s.areas)[:3] == ["大别山革命老区", "皖北地区", "沿淮行蓄洪区"] and s.areas["341221"] == "临泉县"


def test_baseline_tiles_equal_the_stored_numbers(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db)
    v = scenarios.view(sel, scenarios.setup(sel).base)
    (monitor,) = con.execute(
        "select count(*) from household_month where month = date '2020-06-01' and household_category = '脱贫监测户'"
    ).fetchone()
    (red,) = con.execute(
        "select count(*) from warning_flag_month where month = date '2020-06-01' and red_flag"
    ).fetchone()
    tiles = {t.label: t for t in v.tiles}
    assert tiles["脱贫监测户（情景）"].value == f"{monitor:,}户"
    assert tiles["脱贫监测户（情景）"].delta.startswith("+0户")
    assert tiles["红色预警户（情景）"].value == f"{red:,}户"
    assert (v.table.frame["合计变化"] == 0).all() and len(v.table.frame) == 104
    assert v.table.frame["监测户（现）"].sum() == monitor
    assert figures.metric_values(v.figure) and set(figures.metric_values(v.figure).values()) == {0.0}


def test_raising_the_line_changes_the_rows(tiny_db: Path) -> None:
    sel = selection(tiny_db)
    base = scenarios.setup(sel).base
    v = scenarios.view(sel, dataclasses.replace(base, line=8000.0))
    t = v.table.frame
    assert (t["合计变化"] > 0).any()
    assert t["合计变化"].is_monotonic_decreasing  # ranked
    row = t.iloc[0]
    assert row["合计变化"] == (
        row["监测户（情景）"]
        + row["边缘户（情景）"]
        + row["红色预警（情景）"]
        - row["监测户（现）"]
        - row["边缘户（现）"]
        - row["红色预警（现）"]
    )


def test_township_level_needs_a_county(tiny_db: Path) -> None:
    sel = selection(tiny_db)
    base = scenarios.setup(sel).base
    province = scenarios.view(sel, base, "line", "township")
    assert province.caption == "按乡镇汇总时，请先在左侧选择县。" and province.figure is not None
    county = scenarios.view(selection(tiny_db, LINQUAN), base, "line", "township")
    assert county.caption is None and county.figure is None and len(county.table.frame) > 1


def test_shock_scope_narrows_the_counties(tiny_db: Path) -> None:
    sel = selection(tiny_db)
    base = scenarios.setup(sel).base
    idle = scenarios.view(sel, base, "shock")
    assert idle.info and idle.tiles[0].value == "0户"
    hit = dataclasses.replace(base, migrant_cut=0.8, migrant_months=12, farm_loss=0.5)
    everywhere = scenarios.view(sel, hit, "shock")
    one = scenarios.view(sel, dataclasses.replace(hit, areas=("341221",)), "shock")
    assert everywhere.info is None
    hit_all = everywhere.table.frame["受冲击户"].sum()
    hit_one = one.table.frame["受冲击户"].sum()
    assert 0 < hit_one < hit_all
    assert set(one.table.frame.loc[one.table.frame["受冲击户"] > 0, "县（市、区）"]) == {"临泉县"}
    assert one.tiles[0].value == f"{hit_one:,}户"


@pytest.mark.parametrize("w_poor", [0.5, 1.0])
def test_allocation_moves_money_but_not_the_total(tiny_db: Path, con: duckdb.DuckDBPyConnection, w_poor: float) -> None:
    sel = selection(tiny_db)
    v = scenarios.view(sel, dataclasses.replace(scenarios.setup(sel).base, w_poor=w_poor), "alloc")
    t = v.table.frame
    assert t["按公式（万元）"].sum() == pytest.approx(t["实际下达（万元）"].sum(), abs=0.1 * len(t))
    assert v.tiles[2].value == t.iloc[0]["县（市、区）"]
    assert list(t.columns)[:2] == ["县（市、区）", "剩余贫困人口"]


def test_the_parameter_panel_sets_every_numeric_field_once_within_its_bounds() -> None:
    from fupin.domain.scenario import ScenarioParams

    controls = [c for group in scenarios.CONTROLS.values() for c in group]
    assert sorted(c.field for c in controls) == sorted(
        f.name for f in dataclasses.fields(ScenarioParams) if f.name != "areas"
    )
    defaults = ScenarioParams()
    for c in controls:
        value = getattr(defaults, c.field)
        assert c.low <= value <= c.high, c
        assert isinstance(value, int) == isinstance(c.low, int), c  # a slider's value type follows its bounds


def test_summary_says_what_the_change_did(tiny_db: Path) -> None:
    sel = selection(tiny_db)
    base = scenarios.setup(sel).base
    assert scenarios.view(sel, base, base=base).summary.startswith("现行参数（基线）：脱贫监测户和边缘户没有变化")
    v = scenarios.view(sel, dataclasses.replace(base, line=6000.0), base=base)
    t = v.table.frame
    net = int((t["监测户（情景）"] + t["边缘户（情景）"] - t["监测户（现）"] - t["边缘户（现）"]).sum())
    assert v.summary.startswith("监测线提至6,000元：脱贫监测户和边缘户新增")
    assert f"（净{net:+,}户）" in v.summary
    d = t.assign(d=t["监测户（情景）"] + t["边缘户（情景）"] - t["监测户（现）"] - t["边缘户（现）"]).set_index("地区")[
        "d"
    ]
    named = v.summary.split("主要在")[1].split("；")[0].split("、")
    assert 1 <= len(named) <= 3 and d[named[0]] == d.max() > 0  # where most were added, named first


def test_plus_minus_maps_diverge_falls_in_red(tiny_db: Path) -> None:
    sel = selection(tiny_db)
    base = scenarios.setup(sel).base
    v = scenarios.view(
        sel, dataclasses.replace(base, w_poor=1.0, w_epidemic=0.0, w_deep=0.0, w_supervised=0.0), "alloc"
    )
    traces = [tr for tr in v.figure.data if getattr(tr, "meta", None) == "metric"]
    falls = [tr for tr in traces if tr.name.startswith("减少")]
    rises = [tr for tr in traces if tr.name.startswith("增加")]
    assert falls and rises
    for tr in falls:
        assert tr.colorscale[0][1] in figures.REDS and all(z < 0 for z in tr.z)
    for tr in rises:
        assert tr.colorscale[0][1] in figures.BLUES and all(z > 0 for z in tr.z)
    assert "，减少最多的是" in v.summary and "，增加最多的是" in v.summary
