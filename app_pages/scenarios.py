"""情景推演 — what-if for analysts: move the monitoring line and rule thresholds, apply an income shock,
re-weight the fund allocation formula. Results are deltas against the baseline; nothing is stored;
every number is computed in DuckDB over the viewer's scope; the URL carries the parameters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import Metric, fmt_money_wan, month_label
from fupin.domain.scenario import DEEP_AREAS, URL_KEYS, ScenarioParams, baseline, from_query, shock_counties, to_query
from fupin.ui import Selection, page_selection, plotly
from fupin.views import figures

sel: Selection = page_selection()
latest = sel.months[0]  # class and shock scenarios start from the latest state in the warehouse
latest_date = pd.Timestamp(latest + "-01").date()
base = baseline(sel.q("warning_rules"), sel.q("warning_settings"))
deep = sel.q("deep_poverty_areas")
flags = sel.q("county_flags")
names = dict(zip(flags["county_code"], flags["county_name"], strict=True))

ss = st.session_state
if "sc_loaded" not in ss:  # first run of this page in the session: the URL decides
    p0 = from_query(dict(st.query_params), base)
    for field in URL_KEYS:
        ss[f"sc_{field}"] = list(getattr(p0, field)) if field == "areas" else getattr(p0, field)
    ss["sc_loaded"] = True


def reset() -> None:
    for field in URL_KEYS:
        ss[f"sc_{field}"] = list(getattr(base, field)) if field == "areas" else getattr(base, field)


st.title(f"情景推演 · 基于{month_label(latest)}数据")
st.caption(
    ("演示数据（合成）。" if sel.batch.synthetic else "")
    + "只做推算，不改动任何存储的数据；参数写在网址中，复制链接即可重现同一情景。"
)

with st.expander("参数", expanded=True):
    a, b, c = st.columns(3)
    with a:
        st.markdown("**监测线与预警阈值**")
        st.number_input("监测线（元/人·年）", 1000.0, 20000.0, step=100.0, key="sc_line")
        st.slider("收入大幅下降阈值（R02）", 0.05, 0.9, step=0.05, key="sc_t02")
        st.number_input("因病因残收入阈值（R08，元）", 1000.0, 20000.0, step=100.0, key="sc_t08")
        st.slider("务工受阻降幅阈值（R09）", 0.05, 0.9, step=0.05, key="sc_t09")
        st.slider("红色标注分值", 1, 9, key="sc_min_score")
    with b:
        st.markdown("**收入冲击**")
        st.slider("务工收入下降", 0.0, 1.0, step=0.05, key="sc_migrant_cut", format="%.2f")
        st.slider("持续月数", 0, 12, key="sc_migrant_months")
        st.slider("农产品销售损失（经营性收入）", 0.0, 1.0, step=0.05, key="sc_farm_loss", format="%.2f")
        options = [*DEEP_AREAS, *sorted(names)]
        st.multiselect(
            "冲击范围（空为全部）",
            options,
            key="sc_areas",
            placeholder="全部县（市、区）",
            format_func=lambda a: a if a in DEEP_AREAS else names.get(a, a),
        )
    with c:
        st.markdown("**资金分配公式权重**")
        st.slider("剩余贫困人口", 0.0, 1.0, step=0.05, key="sc_w_poor")
        st.slider("受疫情影响户", 0.0, 1.0, step=0.05, key="sc_w_epidemic")
        st.slider("深度贫困地区", 0.0, 1.0, step=0.05, key="sc_w_deep")
        st.slider("挂牌督战县", 0.0, 1.0, step=0.05, key="sc_w_supervised")
        st.button("恢复基线", icon=":material/restart_alt:", on_click=reset)

params = ScenarioParams(**{f: tuple(ss[f"sc_{f}"]) if f == "areas" else ss[f"sc_{f}"] for f in URL_KEYS})
for key in URL_KEYS.values():  # the URL mirrors the scenario: only what differs from the baseline
    if key in st.query_params:
        del st.query_params[key]
st.query_params.update(to_query(params, base))

# One scenario at a time (tabs would compute and draw all three on every change).
VIEWS = {"line": "监测线和预警阈值", "shock": "收入冲击", "alloc": "资金分配"}
view = st.segmented_control("情景", list(VIEWS), default="line", key="sc_view", format_func=VIEWS.get) or "line"

if view == "line":
    level = (
        st.segmented_control(
            "汇总到",
            ["county", "township"],
            default="county",
            key="sc_level",
            format_func={"county": "县", "township": "乡镇"}.get,
        )
        or "county"
    )
    area = sel.area_prefix
    if level == "township" and not sel.county:
        st.caption("按乡镇汇总时，请先在左侧选择县。")
        level = "county"
    res = sel.q(
        "scenario_line_by_area",
        month=latest_date,
        area_prefix=area,
        group_by=level,
        line=params.line,
        t02=params.t02,
        t08=params.t08,
        t09=params.t09,
        min_score=params.min_score,
    )
    k = st.columns(3)
    for col, what, label in ((k[0], "monitor", "脱贫监测户"), (k[1], "edge", "边缘户"), (k[2], "red", "红色预警户")):
        stored, scen = int(res[f"{what}_stored"].sum()), int(res[f"{what}_scenario"].sum())
        col.metric(
            f"{label}（情景）",
            f"{scen:,}户",
            f"{scen - stored:+,}户（新增{int(res[f'{what}_become'].sum()):,}，退出{int(res[f'{what}_stop'].sum()):,}）",
            delta_color="inverse",
        )
    res["delta"] = res["monitor_scenario"] + res["edge_scenario"] - res["monitor_stored"] - res["edge_stored"]
    if level == "county":
        by_county = res.rename(columns={"area_code": "county_code"}).assign(city_name="")
        plotly(
            figures.county_choropleth(by_county, metric=Metric("delta", "监测户与边缘户增减", "户"), height=480),
            key="sc_map_line",
        )
    st.dataframe(
        pd.DataFrame(
            {
                "地区": res["area_name"],
                "监测户（现）": res["monitor_stored"],
                "监测户（情景）": res["monitor_scenario"],
                "边缘户（现）": res["edge_stored"],
                "边缘户（情景）": res["edge_scenario"],
                "红色预警（现）": res["red_stored"],
                "红色预警（情景）": res["red_scenario"],
                "合计变化": res["delta"] + res["red_scenario"] - res["red_stored"],
            }
        ).sort_values("合计变化", ascending=False),
        hide_index=True,
        width="stretch",
    )

if view == "shock":
    counties = shock_counties(params, deep)
    shock = sel.q(
        "scenario_shock_by_county",
        area_prefix=sel.area_prefix,
        counties=counties,
        migrant_cut=params.migrant_cut,
        migrant_months=params.migrant_months,
        farm_loss=params.farm_loss,
        line=params.line,
    )
    k = st.columns(3)
    k[0].metric("受冲击的户", f"{int(shock['households_hit'].sum()):,}户")
    k[1].metric(
        "跌破监测线的户",
        f"{int(shock['cross_line'].sum()):,}户",
        f"其中已脱贫户 {int(shock['cross_line_lifted'].sum()):,}户",
        delta_color="off",
    )
    w = shock["households"].sum()
    before = (shock["income_pc_before"] * shock["households"]).sum() / w if w else 0
    after = (shock["income_pc_after"] * shock["households"]).sum() / w if w else 0
    k[2].metric("户均年人均纯收入（情景）", f"{after:,.0f}元", f"{after - before:+,.0f}元", delta_color="inverse")
    if not (params.migrant_cut and params.migrant_months) and not params.farm_loss:
        st.info("设置务工收入下降和持续月数，或农产品销售损失，查看冲击。", icon=":material/tune:")
    plotly(
        figures.county_choropleth(shock, metric=Metric("cross_line", "跌破监测线的户", "户"), height=480),
        key="sc_map_shock",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "县（市、区）": shock["county_name"],
                "市": shock["city_name"],
                "受冲击户": shock["households_hit"],
                "跌破监测线": shock["cross_line"],
                "其中已脱贫户": shock["cross_line_lifted"],
                "其中监测户": shock["cross_line_monitor"],
                "人均收入（前）": shock["income_pc_before"].round(0),
                "人均收入（后）": shock["income_pc_after"].round(0),
            }
        ),
        hide_index=True,
        width="stretch",
    )

if view == "alloc":
    alloc = sel.q(
        "scenario_allocation",
        month=latest_date,
        w_poor=params.w_poor,
        w_epidemic=params.w_epidemic,
        w_deep=params.w_deep,
        w_supervised=params.w_supervised,
    )
    moved = float(alloc["change"].clip(lower=0).sum())
    k = st.columns(3)
    k[0].metric("按公式重新分配的总额", fmt_money_wan(float(alloc["actual"].sum())))
    k[1].metric("需调整的资金", fmt_money_wan(moved), "从多分县调往少分县", delta_color="off")
    k[2].metric(
        "增加最多的县",
        alloc.iloc[0]["county_name"] if len(alloc) else "—",
        fmt_money_wan(float(alloc.iloc[0]["change"])) if len(alloc) else None,
        delta_color="off",
    )
    plotly(
        figures.county_choropleth(
            alloc, metric=Metric("change", "按公式与实际的差额", "万元", higher_is_worse=False), height=480
        ),
        key="sc_map_alloc",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "县（市、区）": alloc["county_name"],
                "剩余贫困人口": alloc["remaining_poor_persons"],
                "受疫情影响户": alloc["epidemic_households"],
                "深度贫困地区": alloc["deep_poverty_area"],
                "挂牌督战": alloc["supervised"],
                "实际下达（万元）": alloc["actual"].astype(float).round(1),
                "按公式（万元）": alloc["scenario"].astype(float).round(1),
                "差额（万元）": alloc["change"].astype(float).round(1),
            }
        ),
        hide_index=True,
        width="stretch",
    )
