"""月核查与季通报 — what changed this month by county, with the records behind each number; the
quarterly bulletin (XLSX + printable A4 page) naming the slow counties and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import month_label
from fupin.reports import bulletin as reports
from fupin.reports.exports import XLSX_MIME, audited_file
from fupin.ui import Selection, connection, page_selection

sel: Selection = page_selection()
area = sel.area_prefix
st.title(f"月核查 · {sel.area_name} · {month_label(sel.month)}")
st.caption(
    ("演示数据（合成）。" if sel.batch.synthetic else "")
    + "与上月相比的变化；户以户编号标识（不含姓名和证件号码）。点选一个数字查看背后的记录。"
)

summary = sel.q("month_check_by_county", month=sel.month_date, area_prefix=area)
totals = summary.select_dtypes("number").sum()
k = st.columns(6)
k[0].metric("红色预警新增 / 消除", f"{int(totals.red_flag_new):,} / {int(totals.red_flag_cleared):,}户")
k[1].metric("新纳入监测户 / 退出", f"{int(totals.monitor_in):,} / {int(totals.monitor_out):,}户")
k[2].metric("新纳入边缘户 / 退出", f"{int(totals.edge_in):,} / {int(totals.edge_out):,}户")
k[3].metric(
    "剩余贫困人口",
    f"{int(totals.remaining_poor_persons):,}人",
    f"{int(totals.remaining_poor_change):+,}人",
    delta_color="inverse",
)
k[4].metric(
    "本月开工项目 / 支付",
    f"{int(totals.projects_started_in_month):,}个",
    f"支付 {float(totals.paid_in_month):,.1f}万元",
    delta_color="off",
)
k[5].metric("未走访边缘户 / 销号滞留", f"{int(totals.edge_unvisited):,} / {int(totals.clearance_stuck):,}户")

st.dataframe(
    summary.drop(columns="county_code").rename(columns=reports.MONTH_COLUMNS),
    hide_index=True,
    width="stretch",
    column_config={"本月支付（万元）": st.column_config.NumberColumn(format="%.1f")},
)

a, b = st.columns([1, 1])
kind = a.selectbox("查看记录", list(reports.MONTH_KINDS), key="mc_kind", format_func=reports.MONTH_KINDS.get)
county_opts = ["", *summary["county_code"]]
names = dict(zip(summary["county_code"], summary["county_name"], strict=True))
only = b.selectbox("县（市、区）", county_opts, key="mc_county", format_func=lambda c: names.get(c, "全部"))
records = sel.q("month_check_records", month=sel.month_date, area_prefix=only or area, kind=kind)
st.caption(f"{reports.MONTH_KINDS[kind]}：{len(records):,}条")
st.dataframe(
    records.drop(columns=["kind", "county_code"]).rename(
        columns={"county_name": "县（市、区）", "record_id": "编号", "detail": "说明"}
    ),
    hide_index=True,
    width="stretch",
)

# Files are built when a download button is clicked, from this run's month and area (never bytes kept from an
# earlier run); the audit row is written then. (Each run executes this page in a fresh namespace.)
con, viewer = connection(), sel.viewer
st.download_button(
    "下载月核查工作簿",
    audited_file(
        lambda: (reports.month_workbook(con, viewer, sel.month, area), len(summary)),
        viewer,
        "export_month_check",
        filters={"month": sel.month, "area": area},
    ),
    f"月核查_{sel.month}.xlsx",
    mime=XLSX_MIME,
    icon=":material/download:",
)

st.divider()
st.subheader("季通报")
quarters = sorted(
    {
        f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}"
        for m in sel.months
        if reports.quarter_months(f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}")[1] in sel.months
    },
    reverse=True,
)
if not quarters:
    st.info("仓库中还没有完整的季度。", icon=":material/info:")
    st.stop()
q1, q2 = st.columns([1, 3])
quarter = q1.selectbox("季度", quarters, key="mc_quarter")
bulletin = reports.build_bulletin(con, viewer, quarter, area_prefix=area, area_name=sel.area_name)
slow = bulletin.counties[bulletin.counties["slow_reasons"] != ""]
q2.markdown(
    f"**{quarter}**：{len(bulletin.counties)}个县中 **{len(slow)}个** 被点名进度迟缓；规则见下表和 "
    "data/reference/bulletin_rules.csv。"
)
st.dataframe(
    pd.DataFrame({"市": slow["city_name"], "县（市、区）": slow["county_name"], "进度迟缓原因": slow["slow_reasons"]}),
    hide_index=True,
    width="stretch",
)
st.dataframe(
    bulletin.rules.rename(columns={"label": "指标", "description": "何为进度迟缓"})[["指标", "何为进度迟缓"]],
    hide_index=True,
    width="stretch",
)
c1, c2 = st.columns(2)
c1.download_button(
    "下载季通报 XLSX",
    audited_file(
        lambda: (reports.bulletin_workbook(bulletin), len(bulletin.counties)),
        viewer,
        "export_bulletin",
        filters={"quarter": quarter, "area": area, "format": "xlsx"},
    ),
    f"季通报_{quarter}.xlsx",
    mime=XLSX_MIME,
    icon=":material/download:",
)
c2.download_button(
    "下载季通报（网页，可打印为A4）",
    audited_file(
        lambda: (
            reports.bulletin_html(bulletin, synthetic=sel.batch.synthetic).encode("utf-8"),
            len(bulletin.counties),
        ),
        viewer,
        "export_bulletin",
        filters={"quarter": quarter, "area": area, "format": "html"},
    ),
    f"季通报_{quarter}.html",
    mime="text/html",
    icon=":material/download:",
)
