"""情景推演 — what-if for analysts: move the monitoring line and rule thresholds, apply an income shock,
re-weight the fund allocation formula. Results are deltas against the baseline; nothing is stored; the URL
carries the parameters. Layout only: what is shown comes from fupin/views/scenarios.py."""

from __future__ import annotations

import streamlit as st

from fupin.domain.scenario import URL_KEYS, ScenarioParams, from_query, to_query
from fupin.ui import Selection, page_selection, plotly, render_tiles, table
from fupin.views import scenarios

sel: Selection = page_selection()
s = scenarios.setup(sel)
ss = st.session_state


def load(p: ScenarioParams) -> None:
    for field in URL_KEYS:
        ss[f"sc_{field}"] = list(getattr(p, field)) if field == "areas" else getattr(p, field)


if "sc_loaded" not in ss:  # first run of this page in the session: the URL decides
    load(from_query(dict(st.query_params), s.base))
    ss["sc_loaded"] = True

st.title(s.title)
st.caption(s.caption)


def control(c: scenarios.Control) -> None:
    widget = st.number_input if c.number else st.slider
    widget(c.label, c.low, c.high, step=c.step, key=f"sc_{c.field}", **({"format": c.fmt} if c.fmt else {}))


VIEW_KEY = "s_view"  # the scenario shown, in the URL with the parameters
if "sc_view" not in ss:
    ss["sc_view"] = st.query_params.get(VIEW_KEY) if st.query_params.get(VIEW_KEY) in scenarios.SCENARIOS else "line"

# One scenario at a time (tabs would compute and draw all three on every change).
pick = st.segmented_control(
    "情景", list(scenarios.SCENARIOS), key="sc_view", format_func=scenarios.SCENARIOS.get, label_visibility="collapsed"
)
pick = pick or "line"

# The parameters in a compact, collapsed panel above the results (the results come first on screen).
with st.expander("调整参数（监测线与阈值、收入冲击、资金分配权重）", icon=":material/tune:"):
    columns = st.columns(len(scenarios.CONTROLS))
    for col, (heading, controls) in zip(columns, scenarios.CONTROLS.items(), strict=True):
        with col:
            st.markdown(f"**{heading}**")
            for c in controls:
                control(c)
    heading = list(scenarios.CONTROLS)
    shock_scope, weights = columns[heading.index("收入冲击")], columns[heading.index("资金分配公式权重")]
    shock_scope.multiselect(
        "冲击范围（空为全部）", list(s.areas), key="sc_areas", placeholder="全部县（市、区）", format_func=s.areas.get
    )
    weights.button("恢复基线", icon=":material/restart_alt:", on_click=load, args=(s.base,))

params = ScenarioParams(**{f: tuple(ss[f"sc_{f}"]) if f == "areas" else ss[f"sc_{f}"] for f in URL_KEYS})
for key in [*URL_KEYS.values(), VIEW_KEY]:  # the URL mirrors the scenario: only what differs from the baseline
    if key in st.query_params:
        del st.query_params[key]
st.query_params.update(to_query(params, s.base))
if pick != "line":
    st.query_params[VIEW_KEY] = pick

level = "county"
if pick == "line":
    levels = scenarios.LEVELS
    level = st.segmented_control("汇总到", list(levels), default="county", key="sc_level", format_func=levels.get)
v = scenarios.view(sel, params, pick, level or "county", s.base)
if v.summary:
    st.success(v.summary, icon=":material/insights:")
if v.caption:
    st.caption(v.caption)
render_tiles(v.tiles, per_row=3)
if v.info:
    st.info(v.info, icon=":material/tune:")
if v.figure is not None:
    plotly(v.figure, key=f"sc_map_{pick}")
table(v.table)
