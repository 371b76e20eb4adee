"""审计日志 — 省级管理员 only: who signed in, viewed a household or exported a list, when, in what scope
and with which filters. Read from the audit SQLite (fupin/access/audit.py); filterable; downloadable."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from fupin.access import audit
from fupin.access.auth import ROLE_LABELS
from fupin.reports.exports import XLSX_MIME, audited_file, households_xlsx
from fupin.ui import Selection, page_selection

ACTIONS = {
    "household_detail": "查看户详情",
    "view_list_unmasked": "查看未脱敏名单",
    "export_xlsx": "导出预警户工作单",
    "export_findings_xlsx": "导出资金合规问题",
    "export_month_check": "导出月核查工作簿",
    "export_bulletin": "导出季通报",
    "export_map_csv": "导出地图数据 CSV",
    "export_map_xlsx": "导出地图数据 XLSX",
    "export_audit_log": "导出审计日志",
    "import_dry_run": "导入预检",
    "import_commit": "导入提交",
    "import_failed": "导入失败",
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "logout": "退出登录",
}
SHOW_MAX = 1000

sel: Selection = page_selection()
if not sel.viewer.is_admin:  # not in this role's navigation either; a second lock on the door
    st.error("审计日志仅限省级管理员查看。")
    st.stop()

st.title("审计日志")
st.caption("谁在何时、以何种范围查看了哪户、导出了什么。查看本页不脱敏的记录同样留痕。")
for problem in audit.verify():  # the chain over every row, its head, and a store that came back empty
    st.error(f"审计日志完整性警告：{problem}", icon=":material/gpp_bad:")

c1, c2, c3, c4 = st.columns([1.2, 2, 1.2, 1.6])
who = c1.text_input("用户（姓名包含）", key="au_who")
picked = c2.multiselect(
    "操作", list(ACTIONS), format_func=lambda a: ACTIONS.get(a, a), key="au_actions", placeholder="全部操作"
)
hid = c3.text_input("户编号", key="au_household")
today = dt.date.today()
span = c4.date_input("日期", value=(today - dt.timedelta(days=30), today), key="au_dates")
since, until = (span[0], span[-1]) if isinstance(span, tuple | list) and span else (None, None)

found, counts = audit.search(
    viewer=who.strip(),
    actions=picked,
    household_id=hid.strip(),
    since=since.isoformat() if since else "",
    until=until.isoformat() if until else "",
    limit=SHOW_MAX,
)
total = sum(counts.values())
m1, m2, m3 = st.columns(3)
m1.metric("符合条件的记录", f"{total:,}")
m2.metric("其中查看户详情", f"{counts.get('household_detail', 0):,}")
m3.metric("其中导出", f"{sum(n for a, n in counts.items() if a.startswith('export')):,}")
if total > SHOW_MAX:
    st.caption(f"显示最新的 {SHOW_MAX:,} 条；请缩小筛选范围。")

table = pd.DataFrame(
    found, columns=["at", "viewer", "role", "scope", "action", "household_id", "filters", "row_count", "unmasked"]
)
table = table.assign(
    at=table["at"].str.slice(0, 19).str.replace("T", " "),
    household_id=table["household_id"].fillna(""),
    row_count=table["row_count"].map(lambda n: "" if pd.isna(n) else f"{int(n):,}"),
    role=table["role"].map(lambda r: ROLE_LABELS.get(r, r)),
    action=table["action"].map(lambda a: ACTIONS.get(a, a)),
    unmasked=table["unmasked"].map({1: "是", 0: ""}),
).rename(
    columns={
        "at": "时间",
        "viewer": "用户",
        "role": "角色",
        "scope": "范围",
        "action": "操作",
        "household_id": "户编号",
        "filters": "筛选条件",
        "row_count": "行数",
        "unmasked": "未脱敏",
    }
)
if table.empty:
    st.info("没有符合条件的审计记录。")
else:
    st.dataframe(table, hide_index=True, width="stretch", height=min(560, 38 + 35 * len(table)))
    title = f"审计日志 · 导出于 {today}"
    st.download_button(  # built on click; the download itself is recorded in the log
        "下载审计记录（XLSX）",
        audited_file(
            lambda: (households_xlsx(table, title=title), len(table)),
            sel.viewer,
            "export_audit_log",
            filters={
                "viewer": who.strip(),
                "actions": picked,
                "household_id": hid.strip(),
                "since": str(since or ""),
                "until": str(until or ""),
            },
        ),
        f"审计日志_{today}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
    )
