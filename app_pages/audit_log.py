"""审计日志 — 省级管理员 only: who signed in, viewed a household or exported a list, when, in what scope
and with which filters. Layout only: what is shown comes from fupin/views/audit_log.py."""

from __future__ import annotations

import streamlit as st

from fupin.reports.exports import XLSX_MIME, audited_file, households_xlsx
from fupin.ui import Selection, page_selection, render_tiles, table
from fupin.views import audit_log

sel: Selection = page_selection()
if not sel.viewer.is_admin:  # not in this role's navigation either; a second lock on the door
    st.error("审计日志仅限省级管理员查看。")
    st.stop()

st.title("审计日志")
st.caption("谁在何时、以何种范围查看了哪户、导出了什么。查看本页不脱敏的记录同样留痕。")
alerts = st.container()  # integrity warnings above the filters
c1, c2, c3, c4 = st.columns([1.2, 2, 1.2, 1.6])
who = c1.text_input("用户（姓名包含）", key="au_who")
actions = audit_log.ACTIONS
picked = c2.multiselect("操作", list(actions), format_func=actions.get, key="au_actions", placeholder="全部操作")
hid = c3.text_input("户编号", key="au_household")
span = c4.date_input("日期", value=audit_log.default_dates(), key="au_dates")
v = audit_log.view(sel, who=who, actions=picked, household_id=hid, dates=span)

for problem in v.problems:  # the chain over every row, its head, and a store that came back empty
    alerts.error(problem, icon=":material/gpp_bad:")
render_tiles(v.tiles, per_row=3)
if v.note:
    st.caption(v.note)
if v.table.frame.empty:
    st.info("没有符合条件的审计记录。")
else:
    table(v.table)
    st.download_button(  # built on click; the download itself is recorded in the log
        "下载审计记录（XLSX）",
        audited_file(
            lambda: (
                households_xlsx(v.table.frame, title=v.export_title, synthetic=False, sheet_name="审计记录"),
                len(v.table.frame),
            ),
            sel.viewer,
            "export_audit_log",
            filters=v.filters,
        ),
        v.export_name,
        mime=XLSX_MIME,
        icon=":material/download:",
    )
