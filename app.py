"""皖扶看板 — router: page config, scope, navigation and the shared sidebar."""

from __future__ import annotations

import streamlit as st

from fupin import queries
from fupin.scope import Viewer
from fupin.ui import connection, current_batch

st.set_page_config(page_title="皖扶看板", page_icon=":material/analytics:", layout="wide")

pg = st.navigation(
    [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    ]
)
con = connection()
batch = current_batch()
viewer = Viewer.province()  # until login arrives (issue 8), everyone has the province scope
st.session_state["viewer"] = viewer

months = [m.strftime("%Y-%m") for m in queries.run(con, "months_available", viewer)["month"]]
with st.sidebar:
    st.markdown("### 皖扶看板")
    if batch.synthetic:
        st.warning("演示数据：全部为合成数据，不是真实数字。", icon=":material/science:")
    default = st.query_params.get("month", months[0])
    month = st.selectbox(
        "截至月份",
        months,
        index=months.index(default) if default in months else 0,
        format_func=lambda m: f"{m[:4]}年{int(m[5:])}月",
        key="month",
    )
    st.query_params["month"] = month
    st.caption(f"数据批次 {batch.batch_id} · 导入于 {batch.started_at}")

pg.run()
