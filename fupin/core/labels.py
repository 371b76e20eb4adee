"""Chinese labels, units and number formats for the UI: the one place they live."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A county-level measure the map (and the drill panel) can show."""

    key: str  # column of county_metrics_month
    label: str
    unit: str
    kind: str = "count"  # "count" | "rate" | "per_mille"
    higher_is_worse: bool = True
    township: bool = True  # also available at township / village grain


MAP_METRICS: tuple[Metric, ...] = (
    Metric("remaining_poor_persons", "剩余贫困人口", "人"),
    Metric("incidence_per_mille", "剩余贫困人口占建档立卡人口", "‰", kind="per_mille"),
    Metric("monitor_households", "脱贫监测户", "户"),
    Metric("edge_households", "边缘户", "户"),
    Metric("red_flag_households", "红色预警户", "户"),
    Metric("clearance_stuck", "销号滞留户", "户"),
    Metric("edge_unvisited", "边缘户本月未走访", "户"),
    Metric("disbursement_rate", "财政专项扶贫资金支付率", "%", kind="rate", higher_is_worse=False, township=False),
    Metric("project_start_rate", "扶贫项目开工率", "%", kind="rate", higher_is_worse=False, township=False),
)
METRICS_BY_KEY = {m.key: m for m in MAP_METRICS}

FLAG_STATUS = {"new": "本月新增", "continuing": "持续", "cleared": "本月消除"}
GUARANTEE_ITEMS = ("吃穿", "义务教育", "基本医疗", "住房安全", "饮水安全")

OVERLAYS: dict[str, str] = {
    "poverty": "31个贫困县",
    "supervised": "挂牌督战县",
    "dabie": "大别山革命老区",
    "wanbei": "皖北地区",
    "yanhuai": "沿淮行蓄洪区",
}

# Column labels: warehouse / query column → the Chinese header a person reads. The one registry: views
# build their tables with `fupin.views.base.labelled(df, {c: COLUMNS[c] for c in cols})`.
COLUMNS: dict[str, str] = {
    "city_code": "市代码",
    "city_name": "市",
    "county_code": "县代码",
    "county_name": "县（市、区）",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "village_code": "村代码",
    "village_name": "村",
    "household_id": "户编号",
    "month": "月份",
    # --- 总览 / 地图 / 挂牌督战 / 春季攻势 / 资金 (fupin/views/{overview,map,supervision,spring,funds}.py) ---
    "poverty_level": "贫困县",
    "supervised": "挂牌督战",
    "deep_areas": "深度贫困地区",
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
    "start_remaining": "年初剩余（人）",
    "now_remaining": "当前剩余（人）",
    "progress_status": "进度",
    "projects_started_of": "项目开工",
    "reason": "判断依据",
    "project_id": "项目编号",
    "project_name": "项目名称",
    "project_type": "类型",
    "planned_investment": "计划总投资（万元）",
    "special_fund_planned": "计划财政专项（万元）",
    "planned_start_date": "计划开工",
    "days_overdue": "逾期天数",
    "government_procurement": "政府采购",
    "procurement_date": "采购完成",
    "lagging": "进度迟缓",
    "allocated": "已下达（万元）",
    "paid": "已支付（万元）",
    "special_allocated": "已下达（万元）",
    "special_paid": "已支付（万元）",
    "disbursement_rate": "支付率",
    "paid_rate": "支付率",
    "required_share": "进度要求",
    "slow_status": "状态",
    "fund_level": "资金级次",
    "fund_kind": "资金性质",
    "epidemic_households": "受疫情影响户",
    "allocated_per_poor_person": "每个剩余贫困人口（万元）",
    "allocated_per_epidemic_household": "每个受疫情影响户（万元）",
    "status": "状态",
    "in_library": "在项目库",
    "publicised": "公告公示",
    "check_id": "检查",
    "check_name": "问题",
    "clause": "政策条款",
    "findings": "条数",
    "amount_wan": "金额（万元）",
    "record_type": "记录类型",
    "record_id": "记录",
    "detail": "说明",
    # --- end 总览 / 地图 / 挂牌督战 / 春季攻势 / 资金 ---
}

DEMO_NOTE = "演示数据：全部为合成数据，不是真实数字"


def md_escape(text: object) -> str:
    """Data text for st.markdown / st.caption / st.subheader, shown exactly as it is (and as exported).

    Every ASCII character other than a letter or digit (punctuation, space, control) becomes a numeric character
    reference (':' → '&#58;', '$' → '&#36;', '[' → '&#91;'). Markdown decodes a reference only after parsing, as
    plain text, so no '**x**', '[链接](…)', autolink, HTML tag, '$…$' LaTeX, ':red[…]' directive, ':material/…:'
    icon or ':smile:' emoji can form, and no backslash is left over. (Backslash escapes fall short: Streamlit still
    reads ':red\\[x\\]' as a colour directive, and an autolink keeps the backslashes.) Checked in headless chromium
    by tests/test_hostile_text.py.
    """
    return "".join(ch if ord(ch) > 127 or ch.isalnum() else f"&#{ord(ch)};" for ch in str(text))


def month_label(month: str | pd.Timestamp) -> str:
    """'2020-04' → '2020年4月'."""
    ts = pd.Timestamp(str(month)[:7] + "-01")
    return f"{ts.year}年{ts.month}月"


def fmt_value(value: float | int | None, metric: Metric) -> str:
    """A value with its unit, as a reader wants it: 1,234人 / 3.2‰ / 56.7%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.kind == "rate":
        return f"{value:.1%}"
    if metric.kind == "per_mille":
        return f"{value:.2f}‰"
    return f"{int(round(value)):,}{metric.unit}"


def fmt_count(value: float | int | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(round(value)):,}{unit}"


def fmt_money_wan(value: float | None) -> str:
    """万元 amounts: 亿元 from 10,000 万元 up."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value / 10_000:,.2f}亿元" if abs(value) >= 10_000 else f"{value:,.1f}万元"
