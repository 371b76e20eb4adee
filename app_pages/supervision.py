"""挂牌督战 — the supervised counties and villages (list from data/reference/supervision_list.csv):
remaining poor at the start of the year vs now, the trend, projects, funds, red flags, and whether
the current pace reaches zero by the year-end target. The 7 county cards fit one 16:9 screen."""

from __future__ import annotations

import streamlit as st

from fupin.ui import Selection, page_selection, plotly, render_tiles, table
from fupin.views import supervision

sel: Selection = page_selection()
v = supervision.view(sel)
st.title(v.title)
if v.caption:
    st.caption(v.caption)
if v.empty:
    st.info("当前范围内没有挂牌督战县。", icon=":material/info:")
    st.stop()
render_tiles(v.tiles, per_row=4)

per_row = max(len(v.cards), 1) if sel.present else 4  # meeting mode: all counties in one row of one screen
for i in range(0, len(v.cards), per_row):
    for col, card in zip(st.columns(per_row), v.cards[i : i + per_row], strict=False):
        with col, st.container(border=True):
            st.markdown(card.heading)
            t = card.remaining
            st.metric(t.label, t.value, t.delta, delta_color="off", delta_arrow="off")  # 年初 is a note, not a change
            st.progress(card.done, text=card.done_text)
            plotly(card.sparkline, key=f"spark_{card.code}", own_fonts=True)
            st.caption(card.facts)
            st.caption(card.reason)
            if card.links:
                st.markdown(card.links)

if v.villages is not None:
    st.subheader("挂牌督战村")
    table(v.villages)
