"""皖扶看板 — router: page config, scope (Viewer), navigation and the shared sidebar."""

from __future__ import annotations

import streamlit as st

from fupin.ui import app_selection, connection

present = st.query_params.get("mode") == "present"
st.set_page_config(
    page_title="皖扶看板",
    page_icon="static/favicon.png",  # a local file: a :material: icon here is fetched from Google
    layout="wide",
    initial_sidebar_state="collapsed" if present else "expanded",
)

pages = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/county_map.py", title="剩余贫困人口地图", icon=":material/map:", url_path="map"),
    st.Page("pages/red_flags.py", title="红色预警户", icon=":material/warning:", url_path="warnings"),
]
pg = st.navigation(pages, position="hidden" if present else "sidebar")

connection()  # first start: builds the demo warehouse with a progress bar, then reruns
app_selection()  # the shared sidebar; the viewer (scope) is inside the selection every page reads
pg.run()
