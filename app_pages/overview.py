"""总览 — the leading-group meeting view: KPI tiles, a central county map, monthly trends.

In meeting mode (?mode=present, and always for 会议大屏) the page is the meeting screen (fupin/ui/meeting.py): a
fixed 16:9 canvas of slides — 总览 with the map, the seven 挂牌督战 cards, 复工复产, 资金, 预警, 督办 — aggregates
only; ←/→ step, space pauses, ?carousel=N seconds plays, ?theme=dark, ?slide=N opens a slide.
"""

from __future__ import annotations

import streamlit as st

from fupin.ui import Selection, page_selection, plotly, render_tiles
from fupin.ui.meeting import meeting_screen
from fupin.views import overview

sel: Selection = page_selection()
if sel.present:
    meeting_screen(sel)
    st.stop()
v = overview.view(sel)
own = sel.present


def trends(height: int) -> None:
    st.markdown("**剩余贫困人口与今年已脱贫（人）**")
    plotly(v.trend_poor(height), key="trend_poor", own_fonts=own)
    st.markdown("**复工复产与资金支付进度**")
    plotly(v.trend_rates(height), key="trend_rates", own_fonts=own)


st.title(v.title)
if v.caption:
    st.caption(v.caption)
render_tiles(v.tiles, per_row=6, links=not sel.present)  # two rows at 1366 px (a 2-column grid on a phone)
left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown("**剩余贫困人口分布**（粗黑线：挂牌督战县）")
    plotly(v.county_map(500 if sel.present else 560), key="overview_map", own_fonts=own)
with right:
    trends(215 if sel.present else 250)
