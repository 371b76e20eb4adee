"""情景推演: the baseline the widgets start from, and what one scenario shows (tiles, a county map, a ranked
table) against it. Every number is computed in DuckDB over the viewer's scope; nothing is stored. No streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import COLUMNS, Metric, fmt_money_wan, month_label
from fupin.core.month import Month
from fupin.domain.kpi import Tile
from fupin.domain.scenario import DEEP_AREAS, DEPT_D02_MIN, ScenarioParams, baseline, shock_counties
from fupin.views import figures
from fupin.views.base import Selection, Table, labelled

SCENARIOS = {"line": "监测线和预警阈值", "dept": "部门比对阈值", "shock": "收入冲击", "alloc": "资金分配"}
LEVELS = {"county": "县", "township": "乡镇"}


@dataclass(frozen=True)
class Control:
    """One parameter widget: the ScenarioParams field it sets (widget key `sc_<field>`) and its range."""

    field: str
    label: str
    low: float
    high: float
    step: float | None = None  # None: the widget's default (whole numbers)
    number: bool = False  # a number input rather than a slider
    fmt: str | None = None


# The parameter panel, column by column (the page adds the shock scope and the reset button).
CONTROLS: dict[str, tuple[Control, ...]] = {
    "监测线与预警阈值": (
        Control("line", "监测线（元/人·年）", 1000.0, 20000.0, 100.0, number=True),
        Control("t02", "收入大幅下降阈值（R02）", 0.05, 0.9, 0.05),
        Control("t09", "务工受阻降幅阈值（R09）", 0.05, 0.9, 0.05),
        Control("min_score", "红色标注分值", 1, 9),
    ),
    "部门比对阈值（省定参数）": (
        Control("d01", "医保自付·登记人口（D01，元）", 500.0, 100000.0, 500.0, number=True, fmt="%.0f"),
        Control(
            "d02", "医保自付·其他农村人口（D02，元）", float(DEPT_D02_MIN), 200000.0, 1000.0, number=True, fmt="%.0f"
        ),
        Control("d05", "非义务教育自付（D05，元）", 500.0, 100000.0, 500.0, number=True, fmt="%.0f"),
    ),
    "收入冲击": (
        Control("migrant_cut", "务工收入下降", 0.0, 1.0, 0.05, fmt="%.2f"),
        Control("migrant_months", "持续月数", 0, 12),
        Control("farm_loss", "农产品销售损失（经营性收入）", 0.0, 1.0, 0.05, fmt="%.2f"),
    ),
    "资金分配公式权重": (
        Control("w_poor", "剩余贫困人口", 0.0, 1.0, 0.05),
        Control("w_epidemic", "受疫情影响户", 0.0, 1.0, 0.05),
        Control("w_deep", "深度贫困地区", 0.0, 1.0, 0.05),
        Control("w_supervised", "挂牌督战县", 0.0, 1.0, 0.05),
    ),
}


@dataclass(frozen=True)
class Setup:
    """What the parameter widgets need before any scenario runs."""

    title: str
    caption: str
    base: ScenarioParams  # the reference thresholds and settings in force
    areas: dict[str, str]  # shock scope options: deep-poverty area names and county codes → label


@dataclass(frozen=True)
class ScenarioView:
    caption: str | None  # shown above the tiles (e.g. why the level fell back to counties)
    tiles: list[Tile]
    info: str | None  # shown under the tiles (e.g. how to start a shock)
    figure: go.Figure | None
    table: Table
    summary: str = ""  # one sentence: what the change did and where (shown first)


def setup(sel: Selection) -> Setup:
    names = sel.q("county_flags").set_index("county_code")["county_name"].to_dict()
    return Setup(
        title=f"情景推演 · 基于{month_label(sel.months[0])}数据",
        caption=("演示数据（合成）。" if sel.batch.synthetic else "")
        + "只做推算，不改动任何存储的数据；参数写在网址中，复制链接即可重现同一情景。",
        base=baseline(sel.q("warning_rules"), sel.q("warning_settings"), sel.q("dept_thresholds")),
        areas={**{a: a for a in DEEP_AREAS}, **{c: names[c] for c in sorted(names)}},
    )


def _where(df: pd.DataFrame, name_col: str, value_col: str, *, n: int = 3, falls: bool = False) -> str:
    """'主要在A（+12户）、B、C': the areas with the largest change (rises, or falls with falls=True)."""
    part = df[df[value_col] < 0] if falls else df[df[value_col] > 0]
    if part.empty:
        return ""
    top = part.reindex(part[value_col].abs().sort_values(ascending=False).index).head(n)
    return "，主要在" + "、".join(str(x) for x in top[name_col])


def _changed_line(params: ScenarioParams, base: ScenarioParams | None) -> str:
    """What the line scenario changed, in words ('监测线提至6,000元、红色标注分值改为4')."""
    if base is None:
        return "按所设参数"
    parts = []
    if params.line != base.line:
        parts.append(f"监测线{'提' if params.line > base.line else '降'}至{params.line:,.0f}元")
    for field, name in (("t02", "收入大幅下降阈值"), ("t09", "务工受阻降幅阈值")):
        if getattr(params, field) != getattr(base, field):
            parts.append(f"{name}改为{getattr(params, field):.0%}")
    if params.min_score != base.min_score:
        parts.append(f"红色标注分值改为{params.min_score}")
    return "、".join(parts) or "现行参数（基线）"


def view(
    sel: Selection,
    params: ScenarioParams,
    scenario: str = "line",
    level: str = "county",
    base: ScenarioParams | None = None,
) -> ScenarioView:
    """One scenario from the latest month in the warehouse (class and shock scenarios start from the latest state);
    `base` (the reference parameters) lets the summary say what changed."""
    latest = Month.parse(sel.months[0]).first_day
    if scenario == "shock":
        return _shock(sel, params)
    if scenario == "alloc":
        return _alloc(sel, params, latest)
    caption = None
    if level == "township" and not sel.county:
        caption, level = "按乡镇汇总时，请先在左侧选择县。", "county"
    if scenario == "dept":
        return _dept(sel, params, latest, level, caption)
    res = sel.q(
        "scenario_line_by_area",
        month=latest,
        area_prefix=sel.area_prefix,
        group_by=level,
        line=params.line,
        t02=params.t02,
        t09=params.t09,
        min_score=params.min_score,
        d01=params.d01,
        d05=params.d05,
    )
    tiles = []
    for what, label in (("monitor", "脱贫监测户"), ("edge", "边缘户"), ("red", "红色预警户")):
        stored, scen = int(res[f"{what}_stored"].sum()), int(res[f"{what}_scenario"].sum())
        become, stop = int(res[f"{what}_become"].sum()), int(res[f"{what}_stop"].sum())
        tiles.append(
            Tile(f"{label}（情景）", f"{scen:,}户", f"{scen - stored:+,}户（新增{become:,}，退出{stop:,}）", "inverse")
        )
    res["delta"] = res["monitor_scenario"] + res["edge_scenario"] - res["monitor_stored"] - res["edge_stored"]
    res["total_change"] = res["delta"] + res["red_scenario"] - res["red_stored"]
    fig = None
    if level == "county":
        by_county = res.rename(columns={"area_code": "county_code"}).assign(city_name="")
        fig = figures.county_choropleth(
            by_county, metric=Metric("delta", "监测户与边缘户增减", "户"), height=480, diverging=True
        )
    cols = ["area_name", *(f"{w}_{s}" for w in ("monitor", "edge", "red") for s in ("stored", "scenario"))]
    table = labelled(res, {c: COLUMNS[c] for c in [*cols, "total_change"]})
    become = int(res["monitor_become"].sum() + res["edge_become"].sum())
    stop = int(res["monitor_stop"].sum() + res["edge_stop"].sum())
    red = int(res["red_scenario"].sum() - res["red_stored"].sum())
    net = become - stop
    summary = (
        f"{_changed_line(params, base)}：脱贫监测户和边缘户"
        + (f"新增{become:,}户、退出{stop:,}户（净{net:+,}户）" if become or stop else "没有变化")
        + _where(res, "area_name", "delta", falls=net < 0)
        + (f"；红色预警户{red:+,}户。" if red else "；红色预警户不变。")
    )
    table = Table(table.sort_values(COLUMNS["total_change"], ascending=False))
    return ScenarioView(caption, tiles, None, fig, table, summary)


DEPT_TILES = (
    ("d01", "医保大额自付·登记人口（D01）", "人"),
    ("d05", "非义务教育大额自付（D05）", "人"),
    ("d02", "新识别候选·医保（D02）", "人"),
)


def _dept(sel: Selection, params: ScenarioParams, latest: object, level: str, caption: str | None) -> ScenarioView:
    """Who the department comparison would catch in the latest month at the scenario's D01 / D02 / D05 thresholds,
    against the reference thresholds (people counted once per rule; the red-flag effect of D01 / D05 shows in the
    监测线和预警阈值 scenario, which scores them)."""
    res = sel.q(
        "scenario_dept_by_area",
        month=latest,
        area_prefix=sel.area_prefix,
        group_by=level,
        d01=params.d01,
        d02=params.d02,
        d05=params.d05,
    )
    tiles = []
    for rule, label, unit in DEPT_TILES:
        stored, scen, become = (int(res[f"{rule}_{s}"].sum()) for s in ("stored", "scenario", "become"))
        tiles.append(Tile(f"{label}（情景）", f"{scen:,}{unit}", f"{scen - stored:+,}{unit}（新增{become:,}）", "off"))
    fig = None
    if level == "county":
        by_county = res.rename(columns={"area_code": "county_code"}).assign(city_name="")
        fig = figures.county_choropleth(by_county, metric=Metric("dept_change", "比对命中人数增减", "人"), height=480)
    cols = ["area_name", *(f"{r}_{s}" for r, _, _ in DEPT_TILES for s in ("stored", "scenario", "become"))]
    table = labelled(res, {c: COLUMNS[c] for c in [*cols, "dept_change"]})
    info = "阈值来自 data/reference/department_rules.csv（省定参数）；提高或降低阈值，看本月比对会多（少）发现多少人。"
    return ScenarioView(caption, tiles, info, fig, Table(table.sort_values(COLUMNS["dept_change"], ascending=False)))


def _shock(sel: Selection, params: ScenarioParams) -> ScenarioView:
    shock = sel.q(
        "scenario_shock_by_county",
        area_prefix=sel.area_prefix,
        counties=shock_counties(params, sel.q("deep_poverty_areas")),
        migrant_cut=params.migrant_cut,
        migrant_months=params.migrant_months,
        farm_loss=params.farm_loss,
        line=params.line,
    )
    w = shock["households"].sum()
    before = (shock["income_pc_before"] * shock["households"]).sum() / w if w else 0
    after = (shock["income_pc_after"] * shock["households"]).sum() / w if w else 0
    tiles = [
        Tile("受冲击的户", f"{int(shock['households_hit'].sum()):,}户", None, "off"),
        Tile(
            "跌破监测线的户",
            f"{int(shock['cross_line'].sum()):,}户",
            f"其中已脱贫户 {int(shock['cross_line_lifted'].sum()):,}户",
            "off",
        ),
        Tile("户均年人均纯收入（情景）", f"{after:,.0f}元", f"{after - before:+,.0f}元", "inverse"),
    ]
    idle = not (params.migrant_cut and params.migrant_months) and not params.farm_loss
    info = "设置务工收入下降和持续月数，或农产品销售损失，查看冲击。" if idle else None
    fig = figures.county_choropleth(shock, metric=Metric("cross_line", "跌破监测线的户", "户"), height=480)
    cross = int(shock["cross_line"].sum())
    what = "、".join(
        p
        for p in (
            f"务工收入下降{params.migrant_cut:.0%}、持续{params.migrant_months}个月"
            if params.migrant_cut and params.migrant_months
            else "",
            f"农产品销售损失{params.farm_loss:.0%}" if params.farm_loss else "",
        )
        if p
    )
    summary = (
        ""
        if idle
        else f"{what}：{int(shock['households_hit'].sum()):,}户受冲击，{cross:,}户跌破监测线"
        + _where(shock, "county_name", "cross_line")
        + f"；户均年人均纯收入{after - before:+,.0f}元。"
    )
    shown = shock.assign(
        income_pc_before=shock["income_pc_before"].round(0), income_pc_after=shock["income_pc_after"].round(0)
    )
    cols = ["county_name", "city_name", "households_hit", "cross_line", "cross_line_lifted", "cross_line_monitor"]
    table = labelled(shown, {c: COLUMNS[c] for c in [*cols, "income_pc_before", "income_pc_after"]})
    return ScenarioView(None, tiles, info, fig, Table(table), summary)


def _alloc(sel: Selection, params: ScenarioParams, latest: object) -> ScenarioView:
    alloc = sel.q(
        "scenario_allocation",
        month=latest,
        w_poor=params.w_poor,
        w_epidemic=params.w_epidemic,
        w_deep=params.w_deep,
        w_supervised=params.w_supervised,
    )
    moved = float(alloc["change"].clip(lower=0).sum())
    top = alloc.iloc[0] if len(alloc) else None
    tiles = [
        Tile("按公式重新分配的总额", fmt_money_wan(float(alloc["actual"].sum())), None, "off"),
        Tile("需调整的资金", fmt_money_wan(moved), "从多分县调往少分县", "off"),
        Tile(
            "增加最多的县",
            top["county_name"] if top is not None else "—",
            fmt_money_wan(float(top["change"])) if top is not None else None,
            "off",
        ),
    ]
    fig = figures.county_choropleth(
        alloc, metric=Metric("change", "按公式与实际的差额", "万元", higher_is_worse=False), height=480, diverging=True
    )
    bottom = alloc.loc[alloc["change"].astype(float).idxmin()] if len(alloc) else None
    weights = "、".join(
        f"{name}{getattr(params, f):g}"
        for f, name in (("w_poor", "剩余贫困人口"), ("w_epidemic", "受疫情影响户"), ("w_deep", "深度贫困地区"))
    )
    weights += f"、挂牌督战县{params.w_supervised:g}"
    summary = (
        f"按权重（{weights}）重新分配：需调整{fmt_money_wan(moved)}"
        + (f"，增加最多的是{top['county_name']}（{fmt_money_wan(float(top['change']))}）" if top is not None else "")
        + (
            f"，减少最多的是{bottom['county_name']}（{fmt_money_wan(float(bottom['change']))}）"
            if bottom is not None and float(bottom["change"]) < 0
            else ""
        )
        + "。"
    )
    money = {c: alloc[c].astype(float).round(1) for c in ("actual", "scenario", "change")}
    cols = ["county_name", "remaining_poor_persons", "epidemic_households", "deep_poverty_area", "supervised"]
    table = labelled(alloc.assign(**money), {c: COLUMNS[c] for c in [*cols, "actual", "scenario", "change"]})
    return ScenarioView(None, tiles, None, fig, Table(table), summary)
