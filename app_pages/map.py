"""剩余贫困人口地图 — the 104 counties on a map, a metric to colour by, overlays, and a drill panel with the
county's township map (a county user sees only that)."""

from __future__ import annotations

import streamlit as st

from fupin.core.labels import MAP_METRICS, METRICS_BY_KEY, OVERLAYS
from fupin.reports.exports import CSV_MIME, XLSX_MIME, audited_file, safe_csv, table_xlsx
from fupin.ui import Selection, clicked_county, page_link, page_selection, plotly, render_tiles, select_county, table
from fupin.views import map as map_view

sel: Selection = page_selection()
qp = st.query_params
if "map_metric" not in st.session_state:
    st.session_state["map_metric"] = qp.get("metric") if qp.get("metric") in METRICS_BY_KEY else MAP_METRICS[0].key

head = st.container()  # title and caption come from the view, drawn above the widgets
c1, c2, c3 = st.columns([3, 1.4, 1])
metric_key = c1.selectbox(
    "指标", [m.key for m in MAP_METRICS], key="map_metric", format_func=lambda k: METRICS_BY_KEY[k].label_with_unit
)
scheme = c2.selectbox("分级方法", list(map_view.SCHEMES), key="map_scheme", format_func=map_view.SCHEMES.get)
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
town = st.session_state.setdefault("map_township", qp.get("township"))
v = map_view.view(sel, metric_key=metric_key, scheme=scheme, k=k, overlays=shown or [], township=town)
head.title(v.title)
if v.caption:
    head.caption(v.caption)

if v.figure is not None:
    clicked = clicked_county(plotly(v.figure, key="county_map", selectable=True))
    # The chart keeps its selection across reruns: act on a new click only, so the sidebar can still
    # move to another county afterwards.
    if clicked != st.session_state.get("map_last_click"):
        st.session_state["map_last_click"] = clicked
        if clicked and clicked != sel.county and clicked in v.county_codes:
            select_county(clicked)

d1, d2, d3 = st.columns([1, 1, 4])
audit_as = {"month": sel.month, "metric": metric_key}  # built on click and recorded in the audit log
demo = sel.batch.synthetic  # title row, and the 演示数据 label when the warehouse is synthetic
csv = audited_file(
    lambda: (safe_csv(v.export, title=v.title, synthetic=demo), len(v.export)),
    sel.viewer,
    "export_map_csv",
    filters=audit_as,
)
d1.download_button("下载数据 CSV", csv, f"{v.file_stem}.csv", mime=CSV_MIME, icon=":material/download:")
xlsx = audited_file(
    lambda: (
        table_xlsx(v.export, sheet_name=v.title.replace("地图", ""), title=v.title, synthetic=demo, totals=True),
        len(v.export),
    ),
    sel.viewer,
    "export_map_xlsx",
    filters=audit_as,
)
d2.download_button("下载数据 XLSX", xlsx, f"{v.file_stem}.xlsx", icon=":material/download:", mime=XLSX_MIME)
d3.caption(v.hint)

if v.drill is None:
    st.info("在地图上点击一个县，或在左侧选择县，查看其乡镇和村。", icon=":material/touch_app:")
    st.stop()
st.subheader(v.drill.heading)
render_tiles(v.drill.tiles, per_row=6)
if v.drill.note:
    st.caption(v.drill.note)
if v.drill.town_map is not None:
    town_click = clicked_county(plotly(v.drill.town_map, key="town_map", selectable=True))
    if town_click != st.session_state.get("map_last_town_click"):  # a new click (the redrawn map forgets it)
        st.session_state["map_last_town_click"] = town_click
        if town_click:
            st.session_state["map_township"] = town_click
            st.rerun()
st.caption(v.drill.town_note)
if v.drill.township:
    back, items = st.columns([1, 1])
    if back.button(f"返回全县（当前：{v.drill.township_name}）", icon=":material/arrow_back:"):
        st.session_state["map_township"] = None
        st.rerun()
    if v.drill.items:
        page_link(items, "workbench", v.drill.items[0], icon=":material/assignment:", query_params=v.drill.items[1])
place = v.drill.township_name or ""
tab_t, tab_v = st.tabs([f"乡镇（{len(v.drill.towns.frame)}）", f"{place}村（{len(v.drill.villages.frame)}）"])
with tab_t:
    a, b = st.columns([2, 3])
    with a:
        plotly(v.drill.town_bar, key="town_bar")
    with b:
        table(v.drill.towns)
with tab_v:
    table(v.drill.villages)
st.markdown(v.drill.links)
