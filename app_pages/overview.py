"""总览 — the leading-group meeting view: KPI tiles, a central county map, monthly trends.

In meeting mode (?mode=present) the sidebar is hidden, type is large, no household names or IDs
appear anywhere (this page shows aggregates only), and an optional carousel (?carousel=N seconds)
walks through province KPIs → map → 挂牌督战 → restart progress → funds → warnings.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import METRICS_BY_KEY, Metric, fmt_money_wan, month_label
from fupin.domain.kpi import tiles
from fupin.ui import Selection, page_selection, plotly, render_tiles
from fupin.views import figures

sel: Selection = page_selection()
month_date = sel.month_date
totals = sel.q("scope_totals_by_month", area_prefix=sel.area_prefix)
totals = totals[pd.to_datetime(totals["month"]) <= pd.Timestamp(month_date)]  # frozen at the as-of month
supervision = sel.q("supervision_progress_by_month", area_prefix=sel.area_prefix)
supervision = supervision[pd.to_datetime(supervision["month"]) <= pd.Timestamp(month_date)]
counties = sel.q("county_metrics_month", month=month_date)
flags = sel.q("county_flags")
supervised = flags.loc[flags["supervised"], "county_code"].tolist()
font = 18 if sel.present else 13


def header() -> None:
    if sel.present:  # no sidebar in meeting mode: the synthetic-data label goes into the title
        demo = "（演示数据）" if sel.batch.synthetic else ""
        st.title(f"{sel.area_name}脱贫攻坚总览 · 截至{month_label(sel.month)}{demo}")
    else:
        st.title(f"{sel.area_name}总览 · {month_label(sel.month)}")
        if sel.batch.synthetic:
            st.caption("演示数据（合成），不是真实数字。数字截至所选月份月底。")


def kpis() -> None:
    render_tiles(tiles(totals, supervision, sel.month), per_row=5)


def county_map(height: int) -> None:
    metric = METRICS_BY_KEY["remaining_poor_persons"]
    overlays = {"supervised": ("挂牌督战县", supervised)}
    fig = figures.county_choropleth(
        counties,
        metric=metric,
        overlays=overlays,
        selected=sel.county,
        label_codes=supervised if sel.present else (),
        height=height,
        font_size=font,
    )
    plotly(fig, key="overview_map", own_fonts=sel.present)


def trends(height: int) -> None:
    t = totals.assign(
        start_rate=totals["projects_started"] / totals["projects"].where(totals["projects"] > 0),
        workshop_rate=totals["workshops_restarted"] / totals["workshops"].where(totals["workshops"] > 0),
        pay_rate=totals["special_paid"] / totals["special_allocated"].where(totals["special_allocated"] > 0),
    )
    st.markdown("**剩余贫困人口与今年已脱贫（人）**")
    plotly(
        figures.trend_figure(
            t,
            {"remaining_poor_persons": "剩余贫困人口", "exited_this_year_persons": "今年已脱贫"},
            unit="人",
            height=height,
            font_size=font,
        ),
        key="trend_poor",
        own_fonts=sel.present,
    )
    st.markdown("**复工复产与资金支付进度**")
    plotly(
        figures.trend_figure(
            t,
            {"start_rate": "项目开工率", "workshop_rate": "车间复工率", "pay_rate": "资金支付率"},
            percent=True,
            height=height,
            font_size=font,
        ),
        key="trend_rates",
        own_fonts=sel.present,
    )


def supervision_slide() -> None:
    st.subheader("挂牌督战县：剩余贫困人口（年初 → 当前）")
    sc = sel.q("supervised_counties_month", month=month_date)
    fig = figures.compare_bars(
        sc,
        label_col="county_name",
        series={"start_of_year": "年初", "now": month_label(sel.month)},
        height=700,
        font_size=font,
    )
    plotly(fig, key="supervision_bars", own_fonts=True)


def restart_slide() -> None:
    st.subheader("春季攻势：复工复产进度")
    last = totals.iloc[-1]
    c = st.columns(4)
    c[0].metric("扶贫项目已开工", f"{int(last.projects_started):,}个", f"共{int(last.projects):,}个", delta_color="off")
    c[1].metric(
        "停工后复工",
        f"{int(last.projects_restarted):,}个",
        f"当前停工{int(last.projects_stopped):,}个",
        delta_color="off",
    )
    c[2].metric(
        "扶贫车间复工", f"{int(last.workshops_restarted):,}个", f"共{int(last.workshops):,}个", delta_color="off"
    )
    c[3].metric(
        "龙头企业复工",
        f"{int(last.leading_enterprises_restarted):,}家",
        f"共{int(last.leading_enterprises):,}家",
        delta_color="off",
    )
    trends(380)


def funds_slide() -> None:
    st.subheader("财政专项扶贫资金：下达与支付")
    last = totals.iloc[-1]
    c = st.columns(3)
    c[0].metric("已下达", fmt_money_wan(last.special_allocated))
    c[1].metric("已支付", fmt_money_wan(last.special_paid))
    c[2].metric("支付率", f"{last.special_paid / last.special_allocated:.1%}" if last.special_allocated else "—")
    slow = counties[counties["special_allocated"] > 0].nsmallest(10, "disbursement_rate")
    st.markdown("**支付进度最慢的10个县**")
    unpaid = Metric("unpaid_rate", "未支付比例", "%", kind="rate")
    plotly(
        figures.bar_figure(
            slow.assign(unpaid_rate=1 - slow["disbursement_rate"]), label_col="county_name", metric=unpaid
        ),
        key="slow_funds",
    )


def warnings_slide() -> None:
    st.subheader("防返贫监测：红色预警户最多的县")
    plotly(
        figures.bar_figure(counties, label_col="county_name", metric=METRICS_BY_KEY["red_flag_households"], top=12),
        key="red_flags",
    )


SLIDES = {
    "全省指标": kpis,
    "剩余贫困人口地图": lambda: county_map(900),
    "挂牌督战": supervision_slide,
    "复工复产": restart_slide,
    "资金": funds_slide,
    "预警": warnings_slide,
}

header()
if sel.present and sel.carousel_seconds > 0:

    @st.fragment(run_every=sel.carousel_seconds)
    def carousel() -> None:
        names = list(SLIDES)
        i = st.session_state.get("slide", -1) + 1
        st.session_state["slide"] = i % len(names)
        st.caption(f"{names[i % len(names)]}　·　{i % len(names) + 1}/{len(names)}　·　每{sel.carousel_seconds}秒切换")
        SLIDES[names[i % len(names)]]()

    carousel()
else:
    kpis()
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**剩余贫困人口分布**（粗黑线：挂牌督战县）")
        county_map(500 if sel.present else 560)
    with right:
        trends(215 if sel.present else 250)

if sel.present:
    cols = st.columns([1, 1, 6])
    if sel.carousel_seconds:
        if cols[0].button("停止轮播", icon=":material/pause:"):
            del st.query_params["carousel"]
            st.rerun()
    elif cols[0].button("开始轮播", icon=":material/play_arrow:", help="每20秒切换；可在网址中用 carousel=秒数 设置"):
        st.query_params["carousel"] = "20"
        st.rerun()
