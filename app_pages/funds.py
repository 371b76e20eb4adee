"""资金 — 财政专项扶贫资金 allocation and disbursement against the schedule, by county and source, the
epidemic tilt, a county's projects, and the compliance findings with the clause each one breaks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import METRICS_BY_KEY, fmt_money_wan, month_label
from fupin.reports.exports import XLSX_MIME, audited_file, households_xlsx
from fupin.ui import Selection, page_selection, plotly
from fupin.views import figures

SLOW_GAP = 0.0  # 进度迟缓: a county's paid share below the schedule's required share for the month

sel: Selection = page_selection()
area = sel.area_prefix
st.title(f"资金 · {sel.area_name} · {month_label(sel.month)}")
st.caption(
    ("演示数据（合成）。" if sel.batch.synthetic else "")
    + "金额单位万元；支付进度要求见 data/reference/disbursement_schedule.csv。"
)

by_month = sel.q("funds_by_month", month=sel.month_date, area_prefix=area)
by_month = by_month[pd.to_datetime(by_month["month"]) <= pd.Timestamp(sel.month_date)]
now = by_month.iloc[-1]
counties = sel.q("county_funds_month", month=sel.month_date)
in_area = counties[counties["county_code"].str.startswith(area)].copy()
in_area["slow"] = in_area["disbursement_rate"] < in_area["required_share"] - SLOW_GAP
sources = sel.q("funds_by_county_source", month=sel.month_date, area_prefix=area)
findings = sel.q("compliance_findings", area_prefix=area)

k = st.columns(5)
k[0].metric("财政专项扶贫资金已下达", fmt_money_wan(now.allocated))
k[1].metric("已支付", fmt_money_wan(now.paid))
req = now.required_share
k[2].metric(
    "支付率",
    f"{now.paid_share:.1%}" if pd.notna(now.paid_share) else "—",
    None if pd.isna(req) else f"进度要求 {req:.0%}",
    delta_color="off",
)
k[3].metric("支付进度迟缓的县", f"{int(in_area['slow'].sum())} / {len(in_area)}个")
k[4].metric(
    "合规问题", f"{len(findings):,}条", f"涉及 {fmt_money_wan(float(findings['amount_wan'].sum()))}", delta_color="off"
)

tab_t, tab_c, tab_s, tab_e, tab_p, tab_f = st.tabs(
    ["支付进度", "县区排名", "资金来源", "向疫情重的地方倾斜", "项目明细", f"合规检查（{len(findings)}）"]
)

with tab_t:
    st.markdown("**累计支付率与进度要求（月末）**")
    plotly(
        figures.trend_figure(
            by_month, {"paid_share": "累计支付率", "required_share": "进度要求"}, percent=True, height=320
        ),
        key="fd_trend",
    )
    st.markdown("**累计下达与支付（万元）**")
    plotly(
        figures.trend_figure(by_month, {"allocated": "已下达", "paid": "已支付"}, unit="万元", height=300),
        key="fd_amounts",
    )

with tab_c:
    a, b = st.columns([2, 3])
    with a:
        metric = METRICS_BY_KEY["disbursement_rate"]
        slow_codes = in_area.loc[in_area["slow"], "county_code"].tolist()
        fig = figures.county_choropleth(
            counties, metric=metric, overlays={"supervised": ("支付进度迟缓", slow_codes)}, height=520
        )
        plotly(fig, key="fd_map")
        st.caption("粗黑线：支付率低于本月进度要求的县。")
    with b:
        ranked = in_area.sort_values("disbursement_rate")
        st.dataframe(
            pd.DataFrame(
                {
                    "县（市、区）": ranked["county_name"],
                    "市": ranked["city_name"],
                    "已下达（万元）": ranked["special_allocated"].astype(float),
                    "已支付（万元）": ranked["special_paid"].astype(float),
                    "支付率": ranked["disbursement_rate"].astype(float),
                    "进度要求": ranked["required_share"].astype(float),
                    "状态": ["进度迟缓" if s else "" for s in ranked["slow"]],
                }
            ),
            hide_index=True,
            width="stretch",
            height=520,
            column_config={
                "支付率": st.column_config.NumberColumn(format="percent"),
                "进度要求": st.column_config.NumberColumn(format="percent"),
                "已下达（万元）": st.column_config.NumberColumn(format="%.1f"),
                "已支付（万元）": st.column_config.NumberColumn(format="%.1f"),
            },
        )

with tab_s:
    level = sources.groupby(["fund_level", "fund_kind"], as_index=False)[["allocated", "paid"]].sum()
    order = ["中央", "省级", "市级", "县级", "结对帮扶", "社会帮扶"]
    level = level.set_index("fund_level").reindex([o for o in order if o in set(level["fund_level"])]).reset_index()
    st.dataframe(
        pd.DataFrame(
            {
                "资金级次": level["fund_level"],
                "资金性质": level["fund_kind"],
                "已下达（万元）": level["allocated"].astype(float),
                "已支付（万元）": level["paid"].astype(float),
                "支付率": (level["paid"] / level["allocated"].where(level["allocated"] > 0)).astype(float),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "支付率": st.column_config.NumberColumn(format="percent"),
            "已下达（万元）": st.column_config.NumberColumn(format="%.1f"),
            "已支付（万元）": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    plotly(figures.source_bars(level), key="fd_sources")

with tab_e:
    st.caption(
        "意见要求分配资金时向受疫情影响较重的地方倾斜：比较各县每个剩余贫困人口、每个受疫情影响户分到的财政专项扶贫资金。"
    )
    plotly(figures.tilt_scatter(in_area), key="fd_tilt")
    st.dataframe(
        pd.DataFrame(
            {
                "县（市、区）": in_area["county_name"],
                "已下达（万元）": in_area["special_allocated"].astype(float),
                "剩余贫困人口": in_area["remaining_poor_persons"],
                "受疫情影响户": in_area["epidemic_households"],
                "每个剩余贫困人口（万元）": in_area["allocated_per_poor_person"].astype(float),
                "每个受疫情影响户（万元）": in_area["allocated_per_epidemic_household"].astype(float),
            }
        ).sort_values("受疫情影响户", ascending=False),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in ("已下达（万元）", "每个剩余贫困人口（万元）", "每个受疫情影响户（万元）")
        },
    )

with tab_p:
    if not sel.county:
        st.info("在左侧选择一个县，查看其项目的资金下达、支付、状态、项目库和公告公示。", icon=":material/touch_app:")
    else:
        projects = sel.q("county_projects_funds", month=sel.month_date, county=sel.county)
        st.dataframe(
            pd.DataFrame(
                {
                    "项目编号": projects["project_id"],
                    "项目名称": projects["project_name"].fillna("（不在项目库）"),
                    "类型": projects["project_type"],
                    "状态": projects["status"],
                    "在项目库": projects["in_library"],
                    "公告公示": projects["publicised"],
                    "计划财政专项（万元）": projects["special_fund_planned"].astype(float),
                    "已下达（万元）": projects["allocated"].astype(float),
                    "已支付（万元）": projects["paid"].astype(float),
                }
            ),
            hide_index=True,
            width="stretch",
        )

with tab_f:
    checks = findings.groupby(["check_id", "check_name", "clause"], as_index=False).agg(
        条数=("record_id", "count"), 金额万元=("amount_wan", "sum")
    )
    st.dataframe(
        checks.rename(
            columns={"check_id": "检查", "check_name": "问题", "clause": "政策条款", "金额万元": "金额（万元）"}
        ),
        hide_index=True,
        width="stretch",
    )
    pick = st.selectbox(
        "问题类型",
        ["", *checks["check_id"]],
        key="fd_check",
        format_func=lambda c: (
            "全部" if not c else f"{c} {dict(zip(checks['check_id'], checks['check_name'], strict=True))[c]}"
        ),
    )
    shown = findings if not pick else findings[findings["check_id"] == pick]
    table = pd.DataFrame(
        {
            "检查": shown["check_id"],
            "问题": shown["check_name"],
            "政策条款": shown["clause"],
            "县": shown["county_name"],
            "记录类型": shown["record_type"],
            "记录": shown["record_id"],
            "金额（万元）": shown["amount_wan"].astype(float),
            "说明": shown["detail"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    title = f"扶贫资金合规问题清单 · {sel.area_name} · {month_label(sel.month)}"
    st.download_button(  # built on click from the rows shown now; the audit row is written then
        "下载问题清单",
        audited_file(
            lambda: (households_xlsx(table, title=title), len(table)),
            sel.viewer,
            "export_findings_xlsx",
            filters={"area": area, "check": pick},
        ),
        f"资金合规问题_{sel.month}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        disabled=table.empty,
    )
