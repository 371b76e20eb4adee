"""总览 — the leading-group meeting view: KPI tiles, a central county map, monthly trends.

In meeting mode (?mode=present) the sidebar is hidden, type is large, no household names or IDs
appear anywhere (this page shows aggregates only), and an optional carousel (?carousel=N seconds)
walks through province KPIs → map → 挂牌督战 → restart progress → funds → warnings → 督办.
"""

from __future__ import annotations

import streamlit as st

from fupin.ui import Selection, page_selection, plotly, render_tiles
from fupin.views import overview, work

sel: Selection = page_selection()
v = overview.view(sel)
own = sel.present


def trends(height: int) -> None:
    st.markdown("**剩余贫困人口与今年已脱贫（人）**")
    plotly(v.trend_poor(height), key="trend_poor", own_fonts=own)
    st.markdown("**复工复产与资金支付进度**")
    plotly(v.trend_rates(height), key="trend_rates", own_fonts=own)


def slide(name: str) -> None:
    if name == "全省指标":
        render_tiles(v.tiles, per_row=6)
    elif name == "剩余贫困人口地图":
        plotly(v.county_map(900), key="overview_map", own_fonts=own)
    elif name == "挂牌督战":
        st.subheader("挂牌督战县：剩余贫困人口（年初 → 当前）")
        plotly(v.supervision_bars(), key="supervision_bars", own_fonts=True)
    elif name == "复工复产":
        st.subheader("春季攻势：复工复产进度")
        render_tiles(v.restart_tiles, per_row=4)
        trends(380)
    elif name == "资金":
        st.subheader("财政专项扶贫资金：下达与支付")
        render_tiles(v.funds_tiles, per_row=3)
        st.markdown("**支付进度最慢的10个县**")
        plotly(v.slow_funds(), key="slow_funds")
    elif name == "督办":
        w = work.overview(sel)
        st.subheader("督办事项：限期消除风险点、限时整改")
        render_tiles(w.tiles, per_row=4)
        plotly(w.overdue_figure, key="work_overdue", own_fonts=own)
    else:
        st.subheader("防返贫监测：红色预警户最多的县")
        plotly(v.red_flags(), key="red_flags")


st.title(v.title)
if v.caption:
    st.caption(v.caption)
if sel.present and sel.carousel_seconds > 0:

    @st.fragment(run_every=sel.carousel_seconds)
    def carousel() -> None:
        names = overview.SLIDES
        i = (st.session_state.get("slide", -1) + 1) % len(names)
        st.session_state["slide"] = i
        st.caption(f"{names[i]}　·　{i + 1}/{len(names)}　·　每{sel.carousel_seconds}秒切换")
        slide(names[i])

    carousel()
else:
    render_tiles(v.tiles, per_row=6, links=not sel.present)  # two rows at 1366 px (a 2-column grid on a phone)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**剩余贫困人口分布**（粗黑线：挂牌督战县）")
        plotly(v.county_map(500 if sel.present else 560), key="overview_map", own_fonts=own)
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
