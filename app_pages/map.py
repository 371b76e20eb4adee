"""剩余贫困人口地图 — the 104 counties on a map, a metric to colour by, overlays, and a drill panel."""

from __future__ import annotations

import streamlit as st

from fupin.core.labels import MAP_METRICS, METRICS_BY_KEY, OVERLAYS, fmt_value, month_label
from fupin.reports.exports import CSV_MIME, XLSX_MIME, audited_file, safe_csv, table_xlsx
from fupin.ui import Selection, clicked_county, page_selection, plotly, select_county
from fupin.views import figures

sel: Selection = page_selection()
qp = st.query_params
if "map_metric" not in st.session_state:
    st.session_state["map_metric"] = qp.get("metric") if qp.get("metric") in METRICS_BY_KEY else MAP_METRICS[0].key

st.title(f"剩余贫困人口地图 · {month_label(sel.month)}")
if sel.batch.synthetic:
    st.caption("演示数据（合成），不是真实数字。")
c1, c2, c3 = st.columns([3, 1.4, 1])
metric_key = c1.selectbox(
    "指标",
    [m.key for m in MAP_METRICS],
    key="map_metric",
    format_func=lambda k: f"{METRICS_BY_KEY[k].label}（{METRICS_BY_KEY[k].unit}）",
)
scheme = c2.selectbox(
    "分级方法",
    ["quantiles", "natural_breaks"],
    key="map_scheme",
    format_func={"quantiles": "分位数", "natural_breaks": "自然断点"}.get,
)
k = c3.selectbox("分级数", [3, 4, 5, 6, 7], index=2, key="map_k")
shown = st.pills(
    "叠加显示",
    list(OVERLAYS),
    default=["supervised"],
    selection_mode="multi",
    key="map_overlays",
    format_func=OVERLAYS.get,
)
qp["metric"] = metric_key
metric = METRICS_BY_KEY[metric_key]

counties = sel.q("county_metrics_month", month=sel.month_date)
flags = sel.q("county_flags")
deep = flags["deep_areas"].fillna("")
overlay_codes = {
    "poverty": flags.loc[flags["poverty_county"], "county_code"].tolist(),
    "supervised": flags.loc[flags["supervised"], "county_code"].tolist(),
    "dabie": flags.loc[deep.str.contains("大别山"), "county_code"].tolist(),
    "wanbei": flags.loc[deep.str.contains("皖北"), "county_code"].tolist(),
    "yanhuai": flags.loc[deep.str.contains("沿淮"), "county_code"].tolist(),
}
overlays = {key: (OVERLAYS[key], overlay_codes[key]) for key in shown or []}
fig = figures.county_choropleth(
    counties, metric=metric, k=k, scheme=scheme, overlays=overlays, selected=sel.county, height=640
)
event = plotly(fig, key="county_map", selectable=True)
clicked = clicked_county(event)
# The chart keeps its selection across reruns: act on a new click only, so the sidebar can still
# move to another county afterwards.
if clicked != st.session_state.get("map_last_click"):
    st.session_state["map_last_click"] = clicked
    if clicked and clicked != sel.county and clicked in set(counties["county_code"]):
        select_county(clicked)

table = counties.merge(
    flags[["county_code", "poverty_level", "supervised", "deep_areas"]], on="county_code", how="left"
)
export = table[
    ["county_code", "county_name", "city_name", metric.key, "poverty_level", "supervised", "deep_areas"]
].rename(
    columns={
        "county_code": "县代码",
        "county_name": "县（市、区）",
        "city_name": "市",
        metric.key: f"{metric.label}（{metric.unit}）",
        "poverty_level": "贫困县",
        "supervised": "挂牌督战",
        "deep_areas": "深度贫困地区",
    }
)
d1, d2, d3 = st.columns([1, 1, 4])
audit_as = {"month": sel.month, "metric": metric.key}  # built on click and recorded in the audit log
d1.download_button(
    "下载数据 CSV",
    audited_file(lambda: (safe_csv(export), len(export)), sel.viewer, "export_map_csv", filters=audit_as),
    f"{metric.label}_{sel.month}.csv",
    mime=CSV_MIME,
    icon=":material/download:",
)
d2.download_button(
    "下载数据 XLSX",
    audited_file(
        lambda: (table_xlsx(export, sheet_name=sel.month), len(export)), sel.viewer, "export_map_xlsx", filters=audit_as
    ),
    f"{metric.label}_{sel.month}.xlsx",
    icon=":material/download:",
    mime=XLSX_MIME,
)
d3.caption("点击地图上的县查看乡镇、村明细；地图图片可用地图右上角的相机按钮下载为PNG。")

# ------------------------------------------------------------------------------ drill panel
if not sel.county:
    st.info("在地图上点击一个县，或在左侧选择县，查看其乡镇和村。", icon=":material/touch_app:")
    st.stop()

row = counties.set_index("county_code").loc[sel.county]
f = flags.set_index("county_code").loc[sel.county]
tags = [
    t
    for t in (
        f"{f.poverty_level}贫困县（{f.exit_year}年退出）" if f.poverty_county else "",
        "挂牌督战县" if f.supervised else "",
        f.deep_areas or "",
    )
    if t
]
st.subheader(f"{row.city_name}{row.county_name}" + (f"　·　{'　'.join(tags)}" if tags else ""))
k1, k2, k3, k4, k5, k6 = st.columns(6)
k1.metric("剩余贫困人口", fmt_value(row.remaining_poor_persons, METRICS_BY_KEY["remaining_poor_persons"]))
k2.metric("脱贫监测户", fmt_value(row.monitor_households, METRICS_BY_KEY["monitor_households"]))
k3.metric("边缘户", fmt_value(row.edge_households, METRICS_BY_KEY["edge_households"]))
k4.metric("红色预警户", fmt_value(row.red_flag_households, METRICS_BY_KEY["red_flag_households"]))
k5.metric("项目开工率", fmt_value(row.project_start_rate, METRICS_BY_KEY["project_start_rate"]))
k6.metric("资金支付率", fmt_value(row.disbursement_rate, METRICS_BY_KEY["disbursement_rate"]))

drill_metric = metric if metric.township else METRICS_BY_KEY["remaining_poor_persons"]
if not metric.township:
    st.caption(f"{metric.label}只统计到县；乡镇、村按{drill_metric.label}显示。")
towns = sel.q("township_metrics_month", month=sel.month_date, county=sel.county)
villages = sel.q("village_metrics_month", month=sel.month_date, county=sel.county)
tab_t, tab_v = st.tabs([f"乡镇（{len(towns)}）", f"村（{len(villages)}）"])
cols_cn = {
    "township_name": "乡镇",
    "village_name": "村",
    "poverty_village": "贫困村",
    "households": "户数",
    "persons": "人口",
    "remaining_poor_persons": "剩余贫困人口",
    "incidence_per_mille": "占比（‰）",
    "monitor_households": "监测户",
    "edge_households": "边缘户",
    "red_flag_households": "红色预警户",
    "migrant_workers": "外出务工",
    "clearance_stuck": "销号滞留",
    "edge_unvisited": "边缘户未走访",
}
with tab_t:
    a, b = st.columns([2, 3])
    a.plotly_chart(figures.bar_figure(towns, label_col="township_name", metric=drill_metric, top=15), key="town_bar")
    b.dataframe(
        towns.drop(columns="township_code").rename(columns=cols_cn),
        hide_index=True,
        width="stretch",
        column_config={"占比（‰）": st.column_config.NumberColumn(format="%.2f")},
    )
with tab_v:
    st.dataframe(
        villages.drop(columns="village_code").rename(columns=cols_cn),
        hide_index=True,
        width="stretch",
        column_config={"占比（‰）": st.column_config.NumberColumn(format="%.2f")},
    )

q = f"?month={sel.month}&county={sel.county}"
st.markdown(
    f"**打开其他页面（已筛选到本县）**：[总览](/{q}) · [资金](/funds{q}) · [红色预警户](/warnings{q}) · "
    f"[春季攻势](/spring{q}) · [挂牌督战](/supervision{q})"
)
