"""皖扶看板 — router: page config, sign-in (role → Viewer scope), navigation and the shared sidebar."""

from __future__ import annotations

import time

import streamlit as st

from fupin.access.keys import KeyError_
from fupin.access.store import StoreError
from fupin.ui import (
    WarehouseUnavailable,
    app_selection,
    connection,
    current_batch,
    log_run_time,
    login_form,
    signed_in_account,
    work_ready,
)
from fupin.warehouse.connection import db_path

started = time.perf_counter()

present = st.query_params.get("mode") == "present"
st.set_page_config(
    page_title="皖扶看板",
    page_icon="static/favicon.png",  # a local file: a :material: icon here is fetched from Google
    layout="wide",
    initial_sidebar_state="collapsed" if present else "auto",  # auto: closed on a phone
)

# The page files live in app_pages/ (not pages/, which Streamlit would also run the legacy way, bypassing
# this router); each url_path equals its file's name.
overview = st.Page("app_pages/overview.py", title="总览", icon=":material/dashboard:", default=True)
pages = [
    overview,
    st.Page("app_pages/map.py", title="剩余贫困人口地图", icon=":material/map:", url_path="map"),
    st.Page("app_pages/supervision.py", title="挂牌督战", icon=":material/flag:", url_path="supervision"),
    st.Page("app_pages/spring.py", title="春季攻势", icon=":material/construction:", url_path="spring"),
    st.Page("app_pages/funds.py", title="资金", icon=":material/payments:", url_path="funds"),
    st.Page("app_pages/scenarios.py", title="情景推演", icon=":material/science:", url_path="scenarios"),
    st.Page("app_pages/month_check.py", title="月核查与季通报", icon=":material/fact_check:", url_path="month_check"),
    st.Page("app_pages/warnings.py", title="红色预警户", icon=":material/warning:", url_path="warnings"),
    st.Page("app_pages/departments.py", title="部门比对", icon=":material/compare_arrows:", url_path="departments"),
]
work_pages = [
    st.Page("app_pages/workbench.py", title="我的待办", icon=":material/assignment:", url_path="workbench"),
    st.Page(
        "app_pages/work_overview.py", title="督办总览", icon=":material/assignment_late:", url_path="work_overview"
    ),
]
admin_pages = [
    st.Page("app_pages/import_data.py", title="数据导入", icon=":material/upload_file:", url_path="import_data"),
    st.Page("app_pages/audit_log.py", title="审计日志", icon=":material/policy:", url_path="audit_log"),
]

everything = [*pages, *work_pages, *admin_pages]
try:
    if not db_path().exists():  # first start: build the demo warehouse with a progress bar, no page list yet
        st.navigation(everything, position="hidden")
        connection()  # draws the progress and reruns until the build is done (or says why it cannot)
        st.rerun()
    connection()
    account, accounts = signed_in_account(current_batch().synthetic)
except (WarehouseUnavailable, StoreError, KeyError_) as exc:  # a Chinese message; no page list, no traceback
    st.navigation(everything, position="hidden")
    st.error(str(exc), icon=":material/error:")
    st.stop()
if account is None:  # the sign-in form (or why there is none); no page runs, no data is read for anyone
    st.navigation(everything, position="hidden")
    if accounts is not None:
        try:
            login_form(accounts)
        except (StoreError, KeyError_) as exc:
            st.error(f"登录暂不可用：{exc}", icon=":material/error:")
    st.stop()
viewer = account.viewer()
if viewer.role == "meeting":  # 会议大屏: the overview in meeting mode only (aggregates, no household rows)
    allowed = [overview]
elif viewer.is_admin:
    allowed = [*pages, *work_pages, *admin_pages]
elif viewer.scope_level == "county":
    allowed = [*pages, work_pages[0]]
else:
    allowed = [*pages, *work_pages]
pg = st.navigation(allowed, position="hidden" if present or viewer.role == "meeting" else "sidebar", expanded=True)
try:
    work_ready(current_batch())  # this batch's findings are in the store as 督办事项 (once per process and batch)
except StoreError as exc:  # the other pages still work; the work pages say why they are empty
    st.warning(f"督办事项暂不能同步：{exc}", icon=":material/error:")
app_selection(viewer)  # the shared sidebar; the viewer (scope) is inside the selection every page reads
try:
    pg.run()
finally:
    log_run_time(pg.url_path or "overview", viewer, time.perf_counter() - started)  # only with FUPIN_TIMING_LOG
