"""春季攻势 — restart of poverty projects, 扶贫车间 and 龙头企业, and migrant work (四帮四促), with a
county ranking on each measure and the lagging counties marked 进度迟缓."""

from __future__ import annotations

import streamlit as st

from fupin.ui import Selection, charts, page_selection, render_tiles, table
from fupin.views import spring

sel: Selection = page_selection()
group = st.session_state.get("sp_group") or "type"
only_lagging = bool(st.session_state.get("sp_only_lag"))
v = spring.view(sel, group=group, only_lagging=only_lagging)

st.title(v.title)
if v.caption:
    st.caption(v.caption)
render_tiles(v.tiles, per_row=6)

tab_p, tab_e, tab_m, tab_r = st.tabs(["扶贫项目", "扶贫车间和龙头企业", "外出务工和公益性岗位", "县区排名"])
with tab_p:
    st.segmented_control("分组", list(spring.GROUPS), default="type", key="sp_group", format_func=spring.GROUPS.get)
    if v.weekly_note:
        st.caption(v.weekly_note)
    charts(
        ("累计开工项目数（按周）", v.weekly_started, "sp_started"),
        ("累计开工、停工、复工（合计）", v.weekly_totals, "sp_totals"),
        widths=[3, 2],
    )
    st.markdown(v.procurement)
    st.markdown(v.overdue_heading)
    if v.overdue:
        table(v.overdue)
with tab_e:
    charts(
        ("复工率（月末）", v.enterprises, "sp_ent"), ("吸纳贫困人口就业：当前与疫情前（人）", v.workers, "sp_workers")
    )
with tab_m:
    charts(
        ("外出务工贫困劳动力：今年与上年同期（人）", v.migrants, "sp_migrant"),
        ("公益性岗位（个 / 人）", v.posts, "sp_posts"),
        widths=[3, 2],
    )
with tab_r:
    st.caption(v.ranking_note)
    st.toggle("只看进度迟缓的县", key="sp_only_lag")
    table(v.ranking)
