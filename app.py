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

# Each url_path equals its file's name: on a fresh server Streamlit may first run a page through its
# legacy pages/ handling (page hash = file name); identical paths let that run hand over to this router.
pages = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/map.py", title="剩余贫困人口地图", icon=":material/map:", url_path="map"),
    st.Page("pages/supervision.py", title="挂牌督战", icon=":material/flag:", url_path="supervision"),
    st.Page("pages/spring.py", title="春季攻势", icon=":material/construction:", url_path="spring"),
    st.Page("pages/funds.py", title="资金", icon=":material/payments:", url_path="funds"),
    st.Page("pages/scenarios.py", title="情景推演", icon=":material/science:", url_path="scenarios"),
    st.Page("pages/month_check.py", title="月核查与季通报", icon=":material/fact_check:", url_path="month_check"),
    st.Page("pages/warnings.py", title="红色预警户", icon=":material/warning:", url_path="warnings"),
]
pg = st.navigation(pages, position="hidden" if present else "sidebar")

connection()  # first start: builds the demo warehouse with a progress bar, then reruns
app_selection()  # the shared sidebar; the viewer (scope) is inside the selection every page reads
pg.run()
