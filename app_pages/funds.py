"""资金 — 财政专项扶贫资金 allocation and disbursement against the schedule, by county and source, the
epidemic tilt, a county's projects, and the compliance findings with the clause each one breaks."""

from __future__ import annotations

import streamlit as st

from fupin.reports.exports import XLSX_MIME, audited_file, households_xlsx
from fupin.ui import Selection, page_selection, plotly, render_tiles, table
from fupin.views import funds

sel: Selection = page_selection()
pick = st.session_state.get("fd_check") or ""
v = funds.view(sel, check=pick)
st.title(v.title)
st.caption(v.caption)
render_tiles(v.tiles, per_row=5)

tabs = ["支付进度", "县区排名", "资金来源", "向疫情重的地方倾斜", "项目明细", f"合规检查（{v.findings_count}）"]
tab_t, tab_c, tab_s, tab_e, tab_p, tab_f = st.tabs(tabs)
with tab_t:
    st.markdown("**累计支付率与进度要求（月末）**")
    plotly(v.paid_trend, key="fd_trend")
    st.markdown("**累计下达与支付（万元）**")
    plotly(v.amounts_trend, key="fd_amounts")
with tab_c:
    a, b = st.columns([2, 3])
    with a:
        plotly(v.county_map, key="fd_map")
        st.caption("粗黑线：支付率低于本月进度要求的县。")
    with b:
        table(v.ranking)
with tab_s:
    table(v.sources)
    plotly(v.source_bars, key="fd_sources")
with tab_e:
    st.caption(
        "意见要求分配资金时向受疫情影响较重的地方倾斜：比较各县每个剩余贫困人口、每个受疫情影响户分到的财政专项扶贫资金。"
    )
    plotly(v.tilt, key="fd_tilt")
    table(v.tilt_table)
with tab_p:
    if v.projects is None:
        st.info("在左侧选择一个县，查看其项目的资金下达、支付、状态、项目库和公告公示。", icon=":material/touch_app:")
    else:
        table(v.projects)
with tab_f:
    table(v.checks)
    names = v.check_names
    st.selectbox("问题类型", ["", *names], key="fd_check", format_func=lambda c: f"{c} {names[c]}" if c else "全部")
    table(v.findings, downloadable=True)
    shown = v.findings.frame
    st.download_button(  # built on click from the rows shown now; the audit row is written then
        "下载问题清单",
        audited_file(
            lambda: (
                households_xlsx(
                    shown, title=v.findings_title, synthetic=sel.batch.synthetic, sheet_name="资金合规问题清单"
                ),
                len(shown),
            ),
            sel.viewer,
            "export_findings_xlsx",
            filters={"area": sel.area_prefix, "check": pick},
        ),
        v.findings_file,
        mime=XLSX_MIME,
        icon=":material/download:",
        disabled=shown.empty,
    )
