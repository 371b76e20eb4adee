"""春季攻势: restart of projects, 扶贫车间 and 龙头企业, migrant work and 公益性岗位, and the county ranking with
进度迟缓 marked by the rules in data/reference/bulletin_rules.csv (fupin.domain.progress)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import COLUMNS, fmt_money_wan, month_label
from fupin.domain.kpi import Tile
from fupin.domain.progress import MEASURES, area_rates, rank_counties, rules_by_measure
from fupin.views import figures
from fupin.views.base import Selection, Table
from fupin.views.tables import table_of

GROUPS = {"type": "按项目类型", "county": "按县"}
MAX_LINES = 12  # weekly lines by county: the 12 with the most projects
OVERDUE_LIMIT = 500
OVERDUE_COLUMNS = (
    "project_id",
    "county_name",
    "project_name",
    "project_type",
    "planned_investment",
    "special_fund_planned",
    "planned_start_date",
    "days_overdue",
    "government_procurement",
    "procurement_date",
)


def _pct(a: float | None) -> str:
    return "—" if a is None or pd.isna(a) else f"{a:.1%}"


@dataclass(frozen=True)
class SpringView:
    title: str
    caption: str | None
    tiles: list[Tile]
    weekly_note: str | None  # when only the 12 largest counties are drawn
    weekly_started: go.Figure
    weekly_totals: go.Figure
    procurement: str  # markdown sentence
    overdue_heading: str
    overdue: Table | None
    enterprises: go.Figure
    workers: go.Figure
    migrants: go.Figure
    posts: go.Figure
    ranking_note: str
    ranking: Table


def view(sel: Selection, *, group: str = "type", only_lagging: bool = False) -> SpringView:
    area, month = sel.area_prefix, sel.month_date
    totals = sel.q("scope_totals_by_month", month=month, area_prefix=area)
    last = totals.iloc[-1]
    counties = sel.q("county_metrics_month", month=month)
    in_area = counties[counties["county_code"].str.startswith(area)]

    tiles = [
        Tile(
            "扶贫项目开工率",
            _pct(last.project_start_rate),
            f"已开工 {int(last.projects_started):,}/{int(last.projects):,}个",
            "off",
        ),
        Tile("逾期未开工项目", f"{int(last.projects_overdue):,}个", f"停工中 {int(last.projects_stopped):,}个", "off"),
        Tile(
            "扶贫车间复工率",
            _pct(last.workshop_restart_rate),
            f"龙头企业 {_pct(last.enterprise_restart_rate)}",
            "off",
        ),
        Tile(
            "吸纳贫困人口就业",
            f"{int(last.poor_workers_now):,}人",
            f"疫情前 {int(last.poor_workers_before):,}人",
            "off",
        ),
        Tile(
            "外出务工贫困劳动力",
            f"{int(last.migrant_workers):,}人",
            f"为上年同期的 {_pct(last.migrant_vs_last_year)}",
            "off",
        ),
        Tile(
            "公益性岗位在岗",
            f"{int(last.public_posts_filled):,}人",
            f"开发 {int(last.public_posts_created):,}个",
            "off",
        ),
    ]

    weekly = sel.q("project_weekly_progress", month=month, area_prefix=area, group_by=group)
    note = None
    if group == "county" and weekly["grp"].nunique() > MAX_LINES:
        top = weekly.groupby("grp")["projects"].max().nlargest(MAX_LINES).index
        weekly = weekly[weekly["grp"].isin(top)]
        note = f"县较多，只显示项目数最多的{MAX_LINES}个县；在左侧选择市或县可看全部。"
    total_weekly = weekly.groupby("week_end")[["projects", "started", "stopped", "restarted"]].sum().reset_index()

    gp = sel.q("procurement_progress", month=month, area_prefix=area).iloc[0]
    procurement = (
        f"**政府采购项目**：{int(gp.projects):,}个（财政专项扶贫资金 {fmt_money_wan(gp.special_fund_planned)}），"
        f"已完成采购 {int(gp.procured):,}个，已开工 {int(gp.started):,}个，尚未采购也未开工 {int(gp.waiting):,}个。"
    )
    overdue = sel.q("overdue_projects", month=month, area_prefix=area, limit=OVERDUE_LIMIT)
    n_over = int(overdue["total"].iloc[0]) if len(overdue) else 0
    heading = f"**逾期未开工项目**（计划开工日期已过、尚未开工）：{n_over:,}个" + (
        f"，显示逾期最久的{OVERDUE_LIMIT}个" if n_over > OVERDUE_LIMIT else ""
    )
    dates = {"planned_start_date": "date:YYYY-MM-DD", "procurement_date": "date:YYYY-MM-DD"}

    rules = rules_by_measure(sel.q("bulletin_rules"))
    ranked = rank_counties(in_area, rules)
    overall = area_rates(in_area)
    gaps = sorted({f"{r.threshold:.0%}" for m, r in rules.items() if m in MEASURES and r.rule == "gap_below_area"})
    ranking_note = (
        f"排名以所选范围内的县为准；低于{sel.area_name}整体水平{'、'.join(gaps)}个百分点以上的标为进度迟缓"
        "（省定参数，与季通报相同）。整体："
        + "；".join(f"{MEASURES[k][0]} {v:.1%}" for k, v in overall.items() if v is not None)
    )
    shown = ranked[ranked["lagging"] != ""] if only_lagging else ranked
    rank = pd.DataFrame({COLUMNS["county_name"]: shown["county_name"], COLUMNS["city_name"]: shown["city_name"]})
    for key, (label, _n, _d) in MEASURES.items():
        rank[label] = shown[key]
        rank[f"{label}排名"] = shown[f"{key}_rank"]
    rank[COLUMNS["lagging"]] = shown["lagging"]
    rank = rank.sort_values(COLUMNS["lagging"], key=lambda s: s.eq(""), kind="stable")

    trend = figures.trend_figure
    return SpringView(
        title=f"春季攻势 · {sel.area_name} · {month_label(sel.month)}",
        caption="演示数据（合成），不是真实数字。" if sel.batch.synthetic else None,
        tiles=tiles,
        weekly_note=note,
        weekly_started=figures.weekly_lines(weekly, "started"),
        weekly_totals=figures.weekly_totals(total_weekly),
        procurement=procurement,
        overdue_heading=heading,
        overdue=table_of(overdue, OVERDUE_COLUMNS, formats=dates) if n_over else None,
        enterprises=trend(
            totals, {"workshop_restart_rate": "扶贫车间", "enterprise_restart_rate": "龙头企业"}, percent=True
        ),
        workers=trend(totals, {"poor_workers_now": "当前", "poor_workers_before": "疫情前"}, unit="人"),
        migrants=trend(totals, {"migrant_workers": "今年", "migrant_workers_last_year": "上年同期"}, unit="人"),
        posts=trend(totals, {"public_posts_created": "开发", "public_posts_filled": "在岗"}, unit=""),
        ranking_note=ranking_note,
        ranking=Table(rank, formats={MEASURES[k][0]: "percent" for k in MEASURES}),
    )
