"""红色预警户 — 月核查 drill-down: filter the monitored households, page through them (paging and
sorting in DuckDB), open one household's detail, export the list for 限期消除风险点 work orders.
Names, ID and phone numbers are masked; every detail view and export writes an audit row."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from fupin.access import audit
from fupin.access.privacy import mask_frame
from fupin.core.labels import FLAG_STATUS, GUARANTEE_ITEMS, md_escape, month_label
from fupin.reports.exports import XLSX_MIME, audited_file, households_xlsx
from fupin.ui import Selection, connection, page_selection, plotly
from fupin.views import figures
from fupin.warehouse import queries

PAGE_SIZE = 50
EXPORT_MAX = 100_000
CATEGORIES = ["脱贫监测户", "边缘户", "享受政策的脱贫户", "不享受政策的脱贫户", "未脱贫户"]
STAGES = ["", "未启动", "村级填报", "乡镇审查", "市县审核", "省级备案", "乡镇汇总填报", "县级审核", "省级销号"]
SORTS = {
    "score": "风险分值（高→低）",
    "open_days": "持续天数（长→短）",
    "income": "预估收入（低→高）",
    "household": "户编号",
}

sel: Selection = page_selection()
viewer = sel.viewer
st.title(f"红色预警户 · {month_label(sel.month)}")
st.caption(
    ("演示数据（合成）。" if sel.batch.synthetic else "")
    + "红色标注由预警规则判定（规则和阈值见 data/reference/warning_rules.csv）；姓名、证件号码、电话默认脱敏。"
)
rules = sel.q("warning_rules")
rule_names = dict(zip(rules["rule_id"], rules["name"], strict=True))

# ------------------------------------------------------------------ filters (市/县 from the sidebar)
area_prefix = sel.area_prefix
f1, f2, f3, f4 = st.columns([1.2, 1.2, 2, 1.6])
if sel.county:
    places = sel.q("area_places", county=sel.county)
    towns = dict(zip(places["township_code"], places["township_name"], strict=False))
    town = f1.selectbox("乡镇", ["", *towns], key="rf_town", format_func=lambda c: towns.get(c, "全部乡镇"))
    vils = places[places["township_code"] == town] if town else places.iloc[0:0]
    vnames = dict(zip(vils["village_code"], vils["village_name"], strict=False))
    village = f2.selectbox(
        "村", ["", *vnames], key="rf_village", format_func=lambda c: vnames.get(c, "全部村"), disabled=not town
    )
    area_prefix = village or town or sel.county
else:
    f1.selectbox("乡镇", ["先在左侧选择县"], disabled=True, key="rf_town_off")
    f2.selectbox("村", ["—"], disabled=True, key="rf_village_off")
categories = f3.multiselect("户类别", CATEGORIES, default=["脱贫监测户", "边缘户"], key="rf_categories")
rule = f4.selectbox(
    "触发规则", ["", *rule_names], key="rf_rule", format_func=lambda r: f"{r} {rule_names[r]}" if r else "全部规则"
)
g1, g2, g3, g4, g5 = st.columns([1.4, 2, 1.2, 1.3, 1.3])
stage = g1.selectbox("销号阶段", STAGES, key="rf_stage", format_func=lambda s: s or "全部阶段")
income = g2.slider("预估年人均纯收入（元）", 0, 40_000, (0, 40_000), step=500, key="rf_income")
guarantee = g3.selectbox("两不愁三保障", ["", *GUARANTEE_ITEMS], key="rf_guarantee", format_func=lambda g: g or "不限")
only_new = g4.checkbox("本月新增", key="rf_new")
open_long = g4.checkbox("持续超过60天", key="rf_long")
red_only = g5.toggle("仅红色预警", value=True, key="rf_red_only")
sort = g5.selectbox("排序", list(SORTS), key="rf_sort", format_func=SORTS.get)

filters = {
    "month": sel.month_date,
    "area_prefix": area_prefix,
    "red_only": red_only,
    "categories": categories,
    "rule": rule,
    "stage": stage,
    "income_min": float(income[0]),
    "income_max": float(income[1]) if income[1] < 40_000 else 1e12,
    "guarantee": guarantee,
    "only_new": only_new,
    "open_over": 60 if open_long else 0,
}

# ------------------------------------------------------------------ counts and county breakdown
by_county = sel.q("red_flag_by_county", **filters)
total = int(by_county["households"].sum())
m1, m2, m3, m4 = st.columns(4)
m1.metric("符合条件的户" if not red_only else "红色预警户", f"{total:,}户")
m2.metric("本月新增", f"{int(by_county['new_this_month'].sum()):,}户")
m3.metric("持续超过60天", f"{int(by_county['open_over_60_days'].sum()):,}户")
m4.metric("涉及县（市、区）", f"{len(by_county)}个")
if total and len(by_county) > 1:
    with st.expander(f"按县分布（{len(by_county)}个县）", expanded=False):
        a, b = st.columns([3, 2])
        a.plotly_chart(figures.households_by_county_bar(by_county), key="rf_county_bar")
        b.dataframe(
            by_county.drop(columns="county_code").rename(
                columns={
                    "county_name": "县（市、区）",
                    "city_name": "市",
                    "households": "户数",
                    "new_this_month": "本月新增",
                    "open_over_60_days": "超60天",
                }
            ),
            hide_index=True,
            width="stretch",
        )

mismatch = sel.q("category_mismatches", area_prefix=area_prefix)
if len(mismatch):
    with st.expander(f"数据质量：{len(mismatch):,}户的户类别与政策标准不一致（按规则重算，未改动导出数据）"):
        st.dataframe(
            mismatch.rename(
                columns={
                    "household_id": "户编号",
                    "county_name": "县",
                    "exported": "导出户类别",
                    "expected": "按政策应为",
                    "income": "年人均纯收入（元）",
                    "reason": "依据",
                }
            ),
            hide_index=True,
            width="stretch",
        )

# ------------------------------------------------------------------ the paged table
pages = max(1, -(-total // PAGE_SIZE))
p1, p2, p3 = st.columns([1, 1, 4])
page_no = p1.number_input(f"页（共{pages}页）", min_value=1, max_value=pages, value=1, step=1, key="rf_page")
rows = sel.q("red_flag_households", **filters, sort=sort, limit=PAGE_SIZE, offset=(int(page_no) - 1) * PAGE_SIZE)
unmask = False
if viewer.may_unmask:
    unmask = p2.toggle("显示完整信息", key="rf_unmask", help="仅省级管理员可用；查看详情和导出时记入审计日志")


def _table(df: pd.DataFrame) -> pd.DataFrame:
    shown = mask_frame(df, unmask=unmask)
    return pd.DataFrame(
        {
            "户编号": shown["household_id"],
            "县": shown["county_name"],
            "乡镇": shown["township_name"],
            "村": shown["village_name"],
            "户主": shown["head_name"],
            "证件号码": shown["head_id_number"],
            "户类别": shown["household_category"],
            "人口": shown["household_size"],
            "预估年人均纯收入": shown["income_estimate"].astype(float),
            "触发规则": shown["rules"].map(lambda rs: "、".join(rule_names.get(r, r) for r in rs)),
            "分值": shown["score"],
            "预警状态": shown["flag_status"].map(FLAG_STATUS).fillna(""),
            "持续天数": shown["open_days"],
            "销号阶段": shown["clearance_stage"],
        }
    )


if rows.empty:
    st.info("没有符合条件的户。", icon=":material/search_off:")
    st.stop()
if unmask:  # each page of names and ID numbers shown in full is recorded: once per view (filters, sort, page)
    view = {**filters, "sort": sort, "page": int(page_no)}
    seen = st.session_state.setdefault("rf_unmasked_views", set())
    key = (sel.batch.batch_id, json.dumps(view, sort_keys=True, default=str))
    if key not in seen:
        audit.record(viewer, "view_list_unmasked", filters=view, row_count=len(rows), unmasked=True)
        seen.add(key)
event = st.dataframe(
    _table(rows),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="rf_table",
    column_config={"预估年人均纯收入": st.column_config.NumberColumn(format="%d")},
)
p3.caption(f"第 {int(page_no)} / {pages} 页，每页 {PAGE_SIZE} 户；点击一行查看详情。")

# ------------------------------------------------------------------ export
# The work order is built when the button is clicked, from this run's filters (never bytes kept from an earlier
# run), and audited then. (Each run executes this page in a fresh namespace: the lambda sees this run's values.)
con = connection()
title = f"红色预警户工作单 · {sel.area_name} · {month_label(sel.month)}"


def _work_order() -> tuple[bytes, int]:
    everything = queries.run(con, "red_flag_households", viewer, **filters, sort=sort, limit=EXPORT_MAX, offset=0)
    return households_xlsx(_table(everything), title=title), len(everything)


with st.container():
    e1, e2 = st.columns([1, 4])
    e1.download_button(
        f"下载工作单（{total:,}户）",
        audited_file(_work_order, viewer, "export_xlsx", filters=filters | {"sort": sort}, unmasked=unmask),
        f"红色预警户_{sel.month}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        disabled=total > EXPORT_MAX,
    )
    if total > EXPORT_MAX:
        e2.warning(f"符合条件的户超过 {EXPORT_MAX:,} 户，请缩小筛选范围后再导出。")

# ------------------------------------------------------------------ household detail
picked = event["selection"]["rows"] if event and event.get("selection") else []
if not picked:
    st.stop()
hid = rows.iloc[picked[0]]["household_id"]
profile = sel.q("household_profile", household_id=hid)
if profile.empty:  # outside the viewer's scope: nothing to show
    st.stop()
audit_key = (hid, sel.month, unmask)
if st.session_state.get("rf_audited") != audit_key:
    audit.record(
        viewer, "household_detail", household_id=hid, filters={"month": sel.month}, row_count=1, unmasked=unmask
    )
    st.session_state["rf_audited"] = audit_key


def _txt(v: object) -> str:
    """A data value for Markdown text, escaped (masked values carry '*'; names may carry anything)."""
    return "—" if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else md_escape(v)


p = mask_frame(profile, unmask=unmask).iloc[0]
st.divider()
st.subheader(f"{_txt(p.head_name)} 户 · {_txt(f'{p.city_name}{p.county_name}{p.township_name}{p.village_name}')}")

st.caption(
    f"户编号 {hid} · 证件号码 {_txt(p.head_id_number)} · {p.household_category} · {p.household_size}人 · "
    f"脱贫年度 {_txt(p.exit_year)} · 联系人 {_txt(p.contact_name)} {_txt(p.contact_phone)}"
)
months = sel.q("household_months", household_id=hid)
tabs = st.tabs(["收入与预警", "触发规则", "家庭成员", "帮扶措施", "走访记录", "销号进度"])
with tabs[0]:
    plotly(figures.income_history(months, line=5000), key="rf_income_chart")
with tabs[1]:
    hits = sel.q("household_rule_hits", household_id=hid)
    st.dataframe(
        hits.rename(
            columns={
                "month": "月份",
                "rule_id": "规则",
                "rule_name": "名称",
                "severity": "严重程度",
                "evidence": "依据（触发时的数值）",
                "clause": "政策条款",
            }
        ),
        hide_index=True,
        width="stretch",
    )
with tabs[2]:
    members = mask_frame(sel.q("household_members", household_id=hid), unmask=unmask)
    st.dataframe(
        members.rename(
            columns={
                "name": "姓名",
                "id_number": "证件号码",
                "relation": "与户主关系",
                "sex": "性别",
                "birth_date": "出生日期",
                "labour_ability": "劳动能力",
                "health": "健康状况",
                "schooling": "在校生状况",
                "migrant_status": "务工状态",
                "work_place": "务工地点",
            }
        ),
        hide_index=True,
        width="stretch",
    )
with tabs[3]:
    st.dataframe(
        sel.q("household_measures", household_id=hid).rename(
            columns={
                "measure_date": "落实日期",
                "measure_type": "措施类型",
                "amount": "金额（元）",
                "fund_source": "资金来源",
                "project_id": "项目编号",
            }
        ),
        hide_index=True,
        width="stretch",
    )
with tabs[4]:
    visits = mask_frame(sel.q("household_visits", household_id=hid), unmask=unmask)
    st.dataframe(
        visits.rename(columns={"visit_date": "走访日期", "method": "方式", "visitor_name": "走访人", "notes": "情况"}),
        hide_index=True,
        width="stretch",
    )
with tabs[5]:
    st.dataframe(figures.clearance_timeline(months), hide_index=True, width="stretch")
