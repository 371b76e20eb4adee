"""资金: 财政专项扶贫资金 against the schedule, counties ranked with 进度迟缓 from the shared rules
(data/reference/bulletin_rules.csv, measure disbursement_vs_schedule), sources in the contract's order, the
epidemic tilt, a county's projects, and the compliance findings."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import METRICS_BY_KEY, fmt_money_wan, month_label
from fupin.data.contract import ALLOCATION_LEVELS
from fupin.domain.kpi import Tile
from fupin.domain.progress import BASES, rules_by_measure, slow_mask
from fupin.views import figures
from fupin.views.base import Selection, Table
from fupin.views.tables import table_of

SLOW_MEASURE = "disbursement_vs_schedule"  # paid share minus the month's required share
WAN = "%.1f"
RANKING_COLUMNS = (
    "county_name",
    "city_name",
    "special_allocated",
    "special_paid",
    "disbursement_rate",
    "required_share",
    "slow_status",
)
PROJECT_COLUMNS = (
    "project_id",
    "project_name",
    "project_type",
    "status",
    "in_library",
    "publicised",
    "special_fund_planned",
    "allocated",
    "paid",
)


@dataclass(frozen=True)
class FundsView:
    title: str
    caption: str
    tiles: list[Tile]
    paid_trend: go.Figure
    amounts_trend: go.Figure
    county_map: go.Figure
    ranking: Table
    sources: Table
    source_bars: go.Figure
    tilt: go.Figure
    tilt_table: Table
    projects: Table | None  # only with a county selected
    findings_count: int
    checks: Table
    check_names: dict[str, str]  # check id → name, for the picker
    findings: Table  # the rows of the picked check (all when none)
    findings_title: str
    findings_file: str


def view(sel: Selection, *, check: str = "") -> FundsView:
    area, month = sel.area_prefix, sel.month_date
    by_month = sel.q("funds_by_month", month=month, area_prefix=area)
    now = by_month.iloc[-1]
    counties = sel.q("county_funds_month", month=month)
    in_area = counties[counties["county_code"].str.startswith(area)].copy()
    rules = rules_by_measure(sel.q("bulletin_rules"))
    in_area["slow"] = slow_mask(
        in_area["disbursement_rate"] - in_area["required_share"],
        rules,
        SLOW_MEASURE,
        bases=in_area[BASES[SLOW_MEASURE]],
    )
    in_area["slow_status"] = in_area["slow"].map({True: "进度迟缓", False: ""})
    findings = sel.q("compliance_findings", area_prefix=area)

    req = now.required_share
    tiles = [
        Tile("财政专项扶贫资金已下达", fmt_money_wan(now.allocated), None, "normal"),
        Tile("已支付", fmt_money_wan(now.paid), None, "normal"),
        Tile(
            "支付率",
            f"{now.paid_share:.1%}" if pd.notna(now.paid_share) else "—",
            None if pd.isna(req) else f"进度要求 {req:.0%}",
            "off",
        ),
        Tile("支付进度迟缓的县", f"{int(in_area['slow'].sum())} / {len(in_area)}个", None, "normal"),
        Tile(
            "合规问题",
            f"{len(findings):,}条",
            f"涉及 {fmt_money_wan(float(findings['amount_wan'].sum()))}",
            "off",
        ),
    ]

    slow_codes = in_area.loc[in_area["slow"], "county_code"].tolist()
    county_map = figures.county_choropleth(
        counties,
        metric=METRICS_BY_KEY["disbursement_rate"],
        overlays={"supervised": ("支付进度迟缓", slow_codes)},
        height=520,
    )
    money = {"special_allocated": WAN, "special_paid": WAN}
    ranking = table_of(
        in_area.sort_values("disbursement_rate"),
        RANKING_COLUMNS,
        formats=money | {"disbursement_rate": "percent", "required_share": "percent"},
        height=520,
    )

    sources = sel.q("funds_by_county_source", month=month, area_prefix=area)
    level = sources.groupby(["fund_level", "fund_kind"], as_index=False)[["allocated", "paid"]].sum()
    order = [lv for lv in ALLOCATION_LEVELS if lv in set(level["fund_level"])]
    level = level.set_index("fund_level").reindex(order).reset_index()
    level["paid_rate"] = level["paid"] / level["allocated"].where(level["allocated"] > 0)

    tilt_cols = ["county_name", "special_allocated", "remaining_poor_persons", "epidemic_households"]
    tilt_cols += ["allocated_per_poor_person", "allocated_per_epidemic_household"]
    tilt_formats = {c: "%.2f" for c in ("special_allocated", "allocated_per_poor_person")}
    tilt_formats["allocated_per_epidemic_household"] = "%.2f"

    projects = None
    if sel.county:
        p = sel.q("county_projects_funds", month=month, county=sel.county)
        money_cols = {c: p[c].astype(float) for c in ("special_fund_planned", "allocated", "paid")}
        p = p.assign(project_name=p["project_name"].fillna("（不在项目库）"), **money_cols)
        projects = table_of(p, PROJECT_COLUMNS)

    checks = findings.groupby(["check_id", "check_name", "clause"], as_index=False).agg(
        findings=("record_id", "count"), amount_wan=("amount_wan", "sum")
    )
    shown = findings if not check else findings[findings["check_id"] == check]
    finding_cols = ["check_id", "check_name", "clause", "county_name", "record_type", "record_id", "amount_wan"]
    return FundsView(
        title=f"资金 · {sel.area_name} · {month_label(sel.month)}",
        caption=("演示数据（合成）。" if sel.batch.synthetic else "")
        + "金额单位万元；支付进度要求为各月末累计支付占已下达的最低比例（省定参数）；"
        "支付率低于进度要求即为进度迟缓（省定参数，与季通报相同）。",
        tiles=tiles,
        paid_trend=figures.trend_figure(
            by_month, {"paid_share": "累计支付率", "required_share": "进度要求"}, percent=True, height=320
        ),
        amounts_trend=figures.trend_figure(
            by_month, {"allocated": "已下达", "paid": "已支付"}, unit="万元", height=300
        ),
        county_map=county_map,
        ranking=ranking,
        sources=table_of(
            level,
            ["fund_level", "fund_kind", "allocated", "paid", "paid_rate"],
            formats={"allocated": WAN, "paid": WAN, "paid_rate": "percent"},
        ),
        source_bars=figures.source_bars(level),
        tilt=figures.tilt_scatter(in_area),
        tilt_table=table_of(
            in_area.sort_values("epidemic_households", ascending=False), tilt_cols, formats=tilt_formats
        ),
        projects=projects,
        findings_count=len(findings),
        checks=table_of(checks, ["check_id", "check_name", "clause", "findings", "amount_wan"]),
        check_names=dict(zip(checks["check_id"], checks["check_name"], strict=True)),
        findings=table_of(shown.assign(amount_wan=shown["amount_wan"].astype(float)), [*finding_cols, "detail"]),
        findings_title=f"扶贫资金合规问题清单 · {sel.area_name} · {month_label(sel.month)}",
        findings_file=f"资金合规问题_{sel.month}.xlsx",
    )
