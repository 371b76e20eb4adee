"""月核查与季通报 — what changed this month by county, with the records behind each number; 两不愁三保障及饮水安全
动态清零; the 督办 loop by county; the quarterly bulletin (XLSX + printable A4 page) naming the slow counties and why.
Layout only: what is shown comes from fupin/views/month_check.py."""

from __future__ import annotations

import streamlit as st

from fupin.reports import bulletin as reports
from fupin.reports.exports import XLSX_MIME, audited_file
from fupin.ui import Selection, connection, page_selection, render_tiles, table
from fupin.views import month_check, work

sel: Selection = page_selection()
v = month_check.view(sel)
st.title(v.title)
st.caption(v.caption)
render_tiles(v.tiles, per_row=6)
table(v.summary)

a, b = st.columns([1, 1])
kind = a.selectbox("查看记录", list(month_check.KINDS), key="mc_kind", format_func=month_check.KINDS.get)
only = b.selectbox("县（市、区）", ["", *v.counties], key="mc_county", format_func=lambda c: v.counties.get(c, "全部"))
recs = month_check.records(sel, kind, only)
st.caption(recs.caption)
table(recs.table, downloadable=True)  # the workbook below holds every record

# Files are built when a download button is clicked, from this run's month and area (never bytes kept from an
# earlier run); the audit row is written then. (Each run executes this page in a fresh namespace.)
con, viewer, area = connection(), sel.viewer, sel.area_prefix
st.download_button(
    "下载月核查工作簿",
    audited_file(
        lambda: (reports.month_workbook(con, viewer, sel.month, area), v.rows),
        viewer,
        "export_month_check",
        filters={"month": sel.month, "area": area},
    ),
    f"月核查_{sel.month}.xlsx",
    mime=XLSX_MIME,
    icon=":material/download:",
)

st.divider()
st.subheader("部门数据比对")
st.caption(
    "省直部门本月推送记录与名单比对的结果（规则见部门比对页，均为省定参数）；"
    "点“查看记录”中的“部门比对命中 / 未跟进”看逐条记录。"
)
render_tiles(v.dept_tiles, per_row=4)
table(v.dept, height=300)

st.divider()
st.subheader("两不愁三保障及饮水安全 · 动态清零")
gv = month_check.guarantee(sel)
st.caption(gv.caption)
render_tiles(gv.tiles, per_row=4)
g1, g2 = st.columns([3, 2])
with g1:
    table(gv.by_county)
with g2:
    table(gv.by_month)

st.divider()
st.subheader("督办事项落实")
wv = work.overview(sel)
st.caption(wv.caption)
render_tiles(wv.tiles, per_row=4)
table(wv.by_county, height=300)

st.divider()
st.subheader("季通报")
if not v.quarters:
    st.info("仓库中还没有完整的季度。", icon=":material/info:")
    st.stop()
q1, q2 = st.columns([1, 3])
quarter = q1.selectbox("季度", v.quarters, key="mc_quarter", format_func=reports.quarter_label)
qv = month_check.quarter(sel, quarter)
q2.markdown(qv.headline)
table(qv.slow)
table(qv.rules)
c1, c2, c3 = st.columns(3)
for col, fmt, label, mime, build in (
    (c1, "pdf", "下载季通报 PDF（公文格式）", "application/pdf", lambda: reports.bulletin_pdf(qv.bulletin)),
    (c2, "xlsx", "下载季通报 XLSX", XLSX_MIME, lambda: reports.bulletin_workbook(qv.bulletin)),
    (
        c3,
        "html",
        "下载季通报（网页，可打印为A4）",
        "text/html",
        lambda: reports.bulletin_html(qv.bulletin).encode("utf-8"),
    ),
):
    col.download_button(
        label,
        audited_file(
            lambda build=build: (build(), len(qv.bulletin.counties)),
            viewer,
            "export_bulletin",
            filters={"quarter": quarter, "area": area, "format": fmt},
        ),
        f"季通报_{quarter}.{fmt}",
        mime=mime,
        icon=":material/download:",
    )
