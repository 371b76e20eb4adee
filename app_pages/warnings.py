"""红色预警户 — 月核查 drill-down: the rules with their clauses and threshold sources, filter the monitored households,
page through them (paging and sorting in DuckDB), open one household's detail, export the list for 限期消除风险点
work orders; the monitoring checks (what the notice demands of the register). Names, ID and phone numbers are masked;
every detail view and export writes an audit row. Layout only: fupin/views/warnings.py."""

from __future__ import annotations

import functools
import json

import streamlit as st

from fupin.access import audit
from fupin.core.labels import month_label
from fupin.reports.exports import XLSX_MIME, audited_file
from fupin.ui import Selection, connection, page_selection, plotly, render_tiles, table
from fupin.views import warnings as W

sel: Selection = page_selection()
viewer, ss = sel.viewer, st.session_state
o = W.options(sel)
st.title(f"红色预警户 · {month_label(sel.month)}")
st.caption(o.caption)

if not any(k in ss for k in W.FILTER_DEFAULTS):  # the page opened afresh (a link): the URL's filters, checked
    ss.update(W.filters_from_query(dict(st.query_params), o))
if not sel.county:  # no towns to pick without a county
    for k in ("rf_town", "rf_village"):
        ss.pop(k, None)
for k, default in W.FILTER_DEFAULTS.items():
    if sel.county or k not in ("rf_town", "rf_village"):
        ss.setdefault(k, default)


def current_filters() -> dict[str, object]:
    return {k: ss.get(k, d) for k, d in W.FILTER_DEFAULTS.items()}


# The filters sit in a collapsed panel headed by what is in force, so the list starts above the fold.
with st.expander(f"筛选：{W.filter_summary(current_filters(), o)}", icon=":material/filter_list:"):
    f1, f2, f3, f4 = st.columns([1.2, 1.2, 2, 1.6])
    town = village = ""
    if sel.county:
        town = f1.selectbox("乡镇", list(o.towns), key="rf_town", format_func=o.towns.get)
        vils = o.villages_of(town)
        if ss["rf_village"] not in vils:
            ss["rf_village"] = ""
        village = f2.selectbox("村", list(vils), key="rf_village", format_func=vils.get, disabled=not town)
    else:
        f1.selectbox("乡镇", ["先在左侧选择县"], disabled=True, key="rf_town_off")
        f2.selectbox("村", ["—"], disabled=True, key="rf_village_off")
    cats = f3.multiselect("户类别", W.CATEGORIES, key="rf_categories", placeholder="全部户类别")
    rule = f4.selectbox("触发规则", list(o.rule_choices), key="rf_rule", format_func=o.rule_choices.get)
    g1, g2, g3, g4, g5 = st.columns([1.4, 2, 1.2, 1.3, 1.3])
    stage = g1.selectbox("销号阶段", list(W.STAGES), key="rf_stage", format_func=W.STAGES.get)
    income = g2.slider("预估年人均纯收入（元）", 0, W.INCOME_MAX, step=W.INCOME_STEP, key="rf_income")
    guarantee = g3.selectbox("两不愁三保障", list(W.GUARANTEES), key="rf_guarantee", format_func=W.GUARANTEES.get)
    only_new = g4.checkbox("本月新增", key="rf_new")
    open_long = g4.checkbox(f"持续超过{o.open_long_days}天", key="rf_long")
    red_only = g5.toggle("仅红色预警", key="rf_red_only")
    sort = g5.selectbox("排序", list(W.SORTS), key="rf_sort", format_func=W.SORTS.get)
for key in W.URL_KEYS.values():  # the URL mirrors the filters: only what differs from the defaults
    if key in st.query_params:
        del st.query_params[key]
st.query_params.update(W.filters_to_query(current_filters()))
picked = dict(town=town, village=village, categories=cats, rule=rule, stage=stage, income=income, guarantee=guarantee)
v = W.view(sel, o, **picked, only_new=only_new, open_long=open_long, red_only=red_only, sort=sort)

render_tiles(v.tiles, per_row=4)

# The list comes right under the tiles (on the first screen); its pager, the unmask switch and the work order below.
listing = st.container()
p1, p2, p3 = st.columns([1, 1.6, 3.4], vertical_alignment="bottom")
page_no = p1.number_input(f"页（共{v.pages}页）", min_value=1, max_value=v.pages, value=1, step=1, key="rf_page")
unmask = viewer.may_unmask and p2.toggle("显示完整信息", key="rf_unmask", help=W.UNMASK_HELP)
rows = W.page_rows(sel, v, o, int(page_no), unmask=unmask)
event = None
if not rows.household_ids:
    listing.info("没有符合条件的户。", icon=":material/search_off:")
else:
    seen, n = (sel.batch.batch_id, json.dumps(rows.audit_view, sort_keys=True, default=str)), len(rows.household_ids)
    if unmask and seen not in ss.setdefault("rf_unmasked_views", set()):  # each unmasked page recorded once
        audit.record(viewer, "view_list_unmasked", filters=rows.audit_view, row_count=n, unmasked=True)
        ss["rf_unmasked_views"].add(seen)
    with listing:
        event = table(rows.table, key="rf_table", on_select="rerun", selection_mode="single-row", height=360)
    p3.caption(rows.caption)

    # The work order is built when the button is clicked, from this run's filters, and audited then.
    order = functools.partial(W.work_order, connection(), viewer, v, unmask=unmask)
    e1, e2 = st.columns([2, 3])
    e1.download_button(
        f"下载工作单（{v.total:,}户）",
        audited_file(order, viewer, "export_xlsx", filters=v.export_filters, unmasked=unmask),
        v.export_name,
        mime=XLSX_MIME,
        icon=":material/download:",
        disabled=v.export_disabled,
    )
    if v.export_warning:
        e2.warning(v.export_warning)

if v.by_county is not None:
    with st.expander(v.by_county_label, expanded=False):
        a, b = st.columns([3, 2])
        with a:
            plotly(v.by_county_figure, key="rf_county_bar")
        with b:
            table(v.by_county)
if len(v.mismatch.frame):
    with st.expander(v.mismatch_label):
        table(v.mismatch)
# The rules with their clauses, and the monitoring checks (after the list, which the page is for).
with st.expander(f"预警规则（{len(o.rules)}条）：所依据的条款与阈值来源", expanded=False):
    table(o.rules_table)
cv = W.checks(sel, check=st.session_state.get("rf_check") or "")
with st.expander(cv.label, expanded=False):
    table(cv.checks)
    st.selectbox("核查项", ["", *cv.names], key="rf_check", format_func=lambda c: f"{c} {cv.names[c]}" if c else "全部")
    a, b = st.columns([2, 3])
    with a:
        table(cv.by_county)
    with b:
        table(cv.findings)

chosen = event["selection"]["rows"] if event and event.get("selection") else []
hid = rows.household_ids[chosen[0]] if chosen and chosen[0] < len(rows.household_ids) else None
if hid is None:
    ss.pop("rf_shown", None)  # nothing selected: a click on the same row later opens it again
    st.stop()


@st.dialog("户详情", width="large")
def show_detail(household_id: str) -> None:
    """The household's detail where the user is looking: a dialog over the list (written to the audit log)."""
    d = W.detail(sel, household_id, unmask=unmask)
    if d is None:
        st.info("该户不在您的查看范围内。")
        return
    if ss.get("rf_audited") != (key := (household_id, sel.month, unmask)):
        audit.record(
            viewer,
            "household_detail",
            household_id=household_id,
            filters={"month": key[1]},
            row_count=1,
            unmasked=unmask,
        )
        ss["rf_audited"] = key
    st.subheader(d.heading)
    st.caption(d.caption)
    if d.no_measure:
        st.error(d.no_measure, icon=":material/priority_high:")
    for tab, (label, shown) in zip(st.tabs([label for label, _ in d.tabs]), d.tabs, strict=True):
        with tab:
            if label == "收入与预警":
                plotly(shown, key="rf_income_chart")
            elif label == "帮扶措施" and d.no_measure:
                st.error("尚无帮扶措施记录。", icon=":material/priority_high:")
            else:
                table(shown)


if ss.get("rf_shown") != (hid, sel.month, unmask):  # opened once per chosen row (closing it leaves it closed)
    ss["rf_shown"] = (hid, sel.month, unmask)
    show_detail(hid)
