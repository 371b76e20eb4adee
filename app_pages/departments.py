"""部门比对 — department feeds (民政, 医保, 卫健, 教育, 人社, 住建, 水利, 残联, 公安, 应急) compared with the register
each month: received, quarantined, matched, records to check; hits per rule with evidence and the household's state;
by county / township; new-identification candidates by village; the trend. Names and IDs masked (the province
administrator may show them, as on 红色预警户: each unmasked view and export is audited); exports audited.
Layout only: fupin/views/departments.py."""

from __future__ import annotations

import json

import streamlit as st

from fupin.access import audit
from fupin.reports.exports import XLSX_MIME, audited_file
from fupin.ui import Selection, page_selection, plotly, render_tiles, table
from fupin.views import departments as D

sel: Selection = page_selection()
v = D.view(sel)
st.title(v.title)
st.caption(v.caption)
render_tiles(v.tiles, per_row=5)

st.subheader("各部门本月推送与比对")
table(v.feeds)
st.subheader("比对规则命中")
table(v.rules)
with st.expander("规则条件与政策依据（全文）"):
    st.markdown("\n".join(f"- {note}" for note in v.rule_notes))
c1, c2 = st.columns([2, 3])
with c1:
    st.subheader(f"按{v.area_level}")
    table(v.areas, height=340)
with c2:
    plotly(v.trend, key="dept_trend")

if not sel.viewer.sees_households or sel.present:  # aggregates only: no hit lists, no candidates by village
    st.stop()
st.subheader("命中清单")
f1, f2, f3 = st.columns([2, 2, 1])
dept = f1.selectbox("部门", ["", *D.DEPARTMENTS], key="dept_department", format_func=lambda d: d or "全部部门")
produces = f2.selectbox("产生", list(D.PRODUCES), key="dept_produces", format_func=D.PRODUCES.get)
viewer, ss = sel.viewer, st.session_state
unmask = viewer.may_unmask and f3.toggle("显示完整信息", key="dept_unmask", help=D.UNMASK_HELP)
h = D.hits(sel, department=dept, produces=produces, unmask=unmask)
filters = {"month": sel.month, "area": sel.area_prefix, "department": dept, "produces": produces}
seen = (sel.batch.batch_id, json.dumps(filters, sort_keys=True))
if unmask and h.rows and seen not in ss.setdefault("dept_unmasked_views", set()):  # each unmasked list once
    audit.record(viewer, "view_list_unmasked", filters={"page": "部门比对", **filters}, row_count=h.rows, unmasked=True)
    ss["dept_unmasked_views"].add(seen)
st.caption(h.caption)
table(h.table, height=360, downloadable=True)
st.download_button(
    "下载命中清单（XLSX）" if unmask else "下载命中清单（脱敏 XLSX）",
    audited_file(
        lambda: D.hits_xlsx(sel, department=dept, produces=produces, unmask=unmask),
        viewer,
        "export_department_hits",
        filters=filters,
        unmasked=unmask,
    ),
    f"部门比对命中_{sel.month}.xlsx",
    mime=XLSX_MIME,
    icon=":material/download:",
)

c3, c4 = st.columns(2)
with c3:
    st.subheader("新识别候选（按村）")
    st.caption("不在名单中、医疗自付或受灾损失超过阈值的农村人口：交乡镇核实是否纳入边缘户。")
    table(v.candidates, height=300)
with c4:
    st.subheader("待核实身份")
    st.caption("证件号码在册但姓名不一致，或证件号码不在册而同村有同名登记人员：列出，不丢弃。")
    table(D.issues(sel, unmask=unmask), height=300)
