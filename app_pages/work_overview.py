"""督办总览 — the work loop for the province (or a city): items raised, with the counties, overdue and escalated,
closed on time, returned; the counties with most overdue items; how long closure takes; the 约谈 list.
Aggregates only. Layout only: fupin/views/work.py."""

from __future__ import annotations

import streamlit as st

from fupin.ui import Selection, page_selection, plotly, render_tiles, table
from fupin.views import work as V

sel: Selection = page_selection()
v = V.overview(sel)
st.title(v.title)
st.caption(v.caption)
if v.empty:
    st.info("当前范围内还没有督办事项。", icon=":material/info:")
    st.stop()
render_tiles(v.tiles, per_row=4)
a, b = st.columns(2)
with a:
    plotly(v.overdue_figure, key="wo_overdue")
with b:
    plotly(v.closure_figure, key="wo_closure")
st.subheader("约谈名单")
if len(v.interview.frame):
    st.caption(
        "防返贫意见 六（二）：因救助帮扶不力、工作不实导致返贫和新的致贫，"
        "要约谈相关县（市、区）扶贫开发领导小组负责同志。"
    )
    table(v.interview)
else:
    st.success("没有达到约谈标准的县。", icon=":material/task_alt:")
st.subheader("各县督办情况")
table(v.by_county, height=420)
