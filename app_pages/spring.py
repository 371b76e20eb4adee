"""春季攻势 — restart of poverty projects, 扶贫车间 and 龙头企业, and migrant work (四帮四促), with a
county ranking on each measure and the lagging counties marked 进度迟缓."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import fmt_money_wan, month_label
from fupin.domain.progress import MEASURES, area_rates, rank_counties, rules_by_measure
from fupin.ui import Selection, page_selection, plotly
from fupin.views import figures

sel: Selection = page_selection()
area = sel.area_prefix
totals = sel.q("scope_totals_by_month", month=sel.month_date, area_prefix=area)
totals = totals[pd.to_datetime(totals["month"]) <= pd.Timestamp(sel.month_date)]
last = totals.iloc[-1]
counties = sel.q("county_metrics_month", month=sel.month_date)
in_area = counties[counties["county_code"].str.startswith(area)]

st.title(f"春季攻势 · {sel.area_name} · {month_label(sel.month)}")
if sel.batch.synthetic:
    st.caption("演示数据（合成），不是真实数字。")


def pct(a: float, b: float) -> str:
    return f"{a / b:.1%}" if b else "—"


k = st.columns(6)
k[0].metric(
    "扶贫项目开工率",
    pct(last.projects_started, last.projects),
    f"已开工 {int(last.projects_started):,}/{int(last.projects):,}个",
    delta_color="off",
)
k[1].metric(
    "逾期未开工项目", f"{int(last.projects_overdue):,}个", f"停工中 {int(last.projects_stopped):,}个", delta_color="off"
)
k[2].metric(
    "扶贫车间复工率",
    pct(last.workshops_restarted, last.workshops),
    f"龙头企业 {pct(last.leading_enterprises_restarted, last.leading_enterprises)}",
    delta_color="off",
)
k[3].metric(
    "吸纳贫困人口就业",
    f"{int(last.poor_workers_now):,}人",
    f"疫情前 {int(last.poor_workers_before):,}人",
    delta_color="off",
)
k[4].metric(
    "外出务工贫困劳动力",
    f"{int(last.migrant_workers):,}人",
    f"为上年同期的 {pct(last.migrant_workers, last.migrant_workers_last_year)}",
    delta_color="off",
)
k[5].metric(
    "公益性岗位在岗",
    f"{int(last.public_posts_filled):,}人",
    f"开发 {int(last.public_posts_created):,}个",
    delta_color="off",
)

tab_p, tab_e, tab_m, tab_r = st.tabs(["扶贫项目", "扶贫车间和龙头企业", "外出务工和公益性岗位", "县区排名"])

with tab_p:
    group = (
        st.segmented_control(
            "分组",
            ["type", "county"],
            default="type",
            key="sp_group",
            format_func={"type": "按项目类型", "county": "按县"}.get,
        )
        or "type"
    )
    weekly = sel.q("project_weekly_progress", month=sel.month_date, area_prefix=area, group_by=group)
    if group == "county" and weekly["grp"].nunique() > 12:  # too many lines: the 12 with the most projects
        top = weekly.groupby("grp")["projects"].max().nlargest(12).index
        weekly = weekly[weekly["grp"].isin(top)]
        st.caption("县较多，只显示项目数最多的12个县；在左侧选择市或县可看全部。")
    a, b = st.columns([3, 2])
    with a:
        st.markdown("**累计开工项目数（按周）**")
        plotly(figures.weekly_lines(weekly, "started"), key="sp_started")
    with b:
        total_weekly = weekly.groupby("week_end")[["projects", "started", "stopped", "restarted"]].sum().reset_index()
        st.markdown("**累计开工、停工、复工（合计）**")
        plotly(figures.weekly_totals(total_weekly), key="sp_totals")
    gp = sel.q("procurement_progress", month=sel.month_date, area_prefix=area).iloc[0]
    st.markdown(
        f"**政府采购项目**：{int(gp.projects):,}个（财政专项扶贫资金 {fmt_money_wan(gp.special_fund_planned)}），"
        f"已完成采购 {int(gp.procured):,}个，已开工 {int(gp.started):,}个，尚未采购也未开工 {int(gp.waiting):,}个。"
    )
    overdue = sel.q("overdue_projects", month=sel.month_date, area_prefix=area, limit=500)
    n_over = int(overdue["total"].iloc[0]) if len(overdue) else 0
    st.markdown(
        f"**逾期未开工项目**（计划开工日期已过、尚未开工）：{n_over:,}个"
        + ("，显示逾期最久的500个" if n_over > 500 else "")
    )
    if n_over:
        st.dataframe(
            overdue.drop(columns="total").rename(
                columns={
                    "project_id": "项目编号",
                    "county_name": "县",
                    "project_name": "项目名称",
                    "project_type": "类型",
                    "planned_investment": "计划总投资（万元）",
                    "special_fund_planned": "财政专项（万元）",
                    "planned_start_date": "计划开工",
                    "days_overdue": "逾期天数",
                    "government_procurement": "政府采购",
                    "procurement_date": "采购完成",
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "计划开工": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "采购完成": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "政府采购": st.column_config.CheckboxColumn(),
            },
        )

with tab_e:
    t = totals.assign(
        workshop_rate=totals["workshops_restarted"] / totals["workshops"].where(totals["workshops"] > 0),
        enterprise_rate=totals["leading_enterprises_restarted"]
        / totals["leading_enterprises"].where(totals["leading_enterprises"] > 0),
    )
    a, b = st.columns(2)
    with a:
        st.markdown("**复工率（月末）**")
        plotly(
            figures.trend_figure(t, {"workshop_rate": "扶贫车间", "enterprise_rate": "龙头企业"}, percent=True),
            key="sp_ent",
        )
    with b:
        st.markdown("**吸纳贫困人口就业：当前与疫情前（人）**")
        plotly(
            figures.trend_figure(t, {"poor_workers_now": "当前", "poor_workers_before": "疫情前"}, unit="人"),
            key="sp_workers",
        )

with tab_m:
    a, b = st.columns([3, 2])
    with a:
        st.markdown("**外出务工贫困劳动力：今年与上年同期（人）**")
        plotly(
            figures.trend_figure(
                totals, {"migrant_workers": "今年", "migrant_workers_last_year": "上年同期"}, unit="人"
            ),
            key="sp_migrant",
        )
    with b:
        st.markdown("**公益性岗位（个 / 人）**")
        plotly(
            figures.trend_figure(totals, {"public_posts_created": "开发", "public_posts_filled": "在岗"}, unit=""),
            key="sp_posts",
        )

with tab_r:
    rules = rules_by_measure(sel.q("bulletin_rules"))
    ranked = rank_counties(in_area, rules)
    overall = area_rates(in_area)
    st.caption(
        "排名以所选范围内的县为准；低于"
        + sel.area_name
        + f"整体水平{rules['project_start_rate'][1]:.0%}个百分点以上的标为进度迟缓。整体："
        + "；".join(f"{MEASURES[k][0]} {v:.1%}" for k, v in overall.items() if v is not None)
    )
    only_lag = st.toggle("只看进度迟缓的县", key="sp_only_lag")
    view = ranked[ranked["lagging"] != ""] if only_lag else ranked
    table = pd.DataFrame({"县（市、区）": view["county_name"], "市": view["city_name"]})
    for key, (label, _n, _d) in MEASURES.items():
        table[label] = view[key]
        table[f"{label}排名"] = view[f"{key}_rank"]
    table["进度迟缓"] = view["lagging"]
    table = table.sort_values("进度迟缓", key=lambda s: s.eq(""))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={MEASURES[k][0]: st.column_config.NumberColumn(format="percent") for k in MEASURES},
    )
