"""Chinese labels, units and number formats for the UI: the one place they live."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from fupin.core.month import Month


@dataclass(frozen=True)
class Metric:
    """A county-level measure the map (and the drill panel) can show."""

    key: str  # column of county_metrics_month
    label: str
    unit: str
    kind: str = "count"  # "count" | "rate" | "per_mille"
    higher_is_worse: bool = True
    township: bool = True  # also available at township / village grain

    @property
    def label_with_unit(self) -> str:
        return f"{self.label}（{self.unit}）"


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
    # ---- 情景推演, 月核查与季通报, 红色预警户, 数据导入, 审计日志 (views2: fupin/views/{scenarios,month_check,
    # warnings,import_data,audit_log}.py)
    # 月核查 (also the month workbook's 汇总 sheet: fupin.reports.bulletin.MONTH_COLUMNS)
    "red_flag_new": "预警新增",
    "red_flag_cleared": "预警消除",
    "monitor_in": "新纳入监测户",
    "monitor_out": "退出监测户",
    "edge_in": "新纳入边缘户",
    "edge_out": "退出边缘户",
    "remaining_poor_change": "剩余贫困人口变化",
    "projects_started_in_month": "本月开工项目",
    "paid_in_month": "本月支付（万元）",
    "slow_reasons": "进度迟缓原因",
    "rule_label": "指标",
    "rule_description": "何为进度迟缓",
    # 情景推演
    "area_name": "地区",
    "monitor_stored": "监测户（现）",
    "monitor_scenario": "监测户（情景）",
    "edge_stored": "边缘户（现）",
    "edge_scenario": "边缘户（情景）",
    "red_stored": "红色预警（现）",
    "red_scenario": "红色预警（情景）",
    "total_change": "合计变化",
    "d01_stored": "D01 医保·登记（现）",
    "d01_scenario": "D01（情景）",
    "d01_become": "D01 新增",
    "d05_stored": "D05 教育（现）",
    "d05_scenario": "D05（情景）",
    "d05_become": "D05 新增",
    "d02_stored": "D02 候选（现）",
    "d02_scenario": "D02（情景）",
    "d02_become": "D02 新增",
    "dept_change": "命中人数增减",
    "households_hit": "受冲击户",
    "cross_line": "跌破监测线",
    "cross_line_lifted": "其中已脱贫户",
    "cross_line_monitor": "其中监测户",
    "income_pc_before": "人均收入（前）",
    "income_pc_after": "人均收入（后）",
    "deep_poverty_area": "深度贫困地区",
    "actual": "实际下达（万元）",
    "scenario": "按公式（万元）",
    "change": "差额（万元）",
    "new_this_month": "本月新增",
    "open_long": "长期未消除",
    # 预警规则 and the monitoring checks (红色预警户), 动态清零 (月核查)
    "threshold": "阈值",
    "unit": "单位",
    "threshold_source": "阈值来源",
    "found": "本月发现",
    "cleared": "本月清零",
    "open": "未清零",
    "open_unmonitored": "其中未纳入监测的户",
    "open_items": "未清零问题（项：户数）",
    "exported": "导出户类别",
    "expected": "按政策应为",
    "income": "年人均纯收入（元）",
    "head_name": "户主",
    "head_id_number": "证件号码",
    "household_category": "户类别",
    "household_size": "人口",
    "income_estimate": "预估年人均纯收入",
    "rules": "触发规则",
    "score": "分值",
    "flag_status": "预警状态",
    "open_days": "持续天数",
    "clearance_stage": "销号阶段",
    "rule_id": "规则",
    "rule_name": "名称",
    "severity": "严重程度",
    "evidence": "依据（触发时的数值）",
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
    "measure_date": "落实日期",
    "measure_type": "措施类型",
    "amount": "金额（元）",
    "fund_source": "资金来源",
    "visit_date": "走访日期",
    "method": "方式",
    "visitor_name": "走访人",
    "notes": "情况",
    "stage": "阶段",
    "reached_date": "到达日期",
    "stage_status": "状态",
    # 数据导入
    "file": "文件",
    "size_kb": "大小(KB)",
    "recognised_as": "识别为",
    "problem": "问题",
    "table": "表",
    "format": "格式",
    "encoding": "编码",
    "header_line": "表头所在行",
    "rows_read": "读取",
    "rows_loaded": "入库",
    "rows_quarantined": "隔离",
    "rows_skipped": "跳过",
    "unknown_columns": "未识别的列",
    # 审计日志
    "at": "时间",
    "viewer": "用户",
    "role": "角色",
    "scope": "范围",
    "action": "操作",
    "filters": "筛选条件",
    "row_count": "行数",
    "unmasked": "未脱敏",
    # ---- end views2
    # ---- 部门比对 (fupin/views/departments.py)
    "department": "部门",
    "received": "接收记录",
    "loaded": "入库",
    "quarantined": "隔离",
    "matched": "已匹配",
    "name_mismatch": "姓名不一致",
    "id_suspect": "疑似证件号码有误",
    "ambiguous": "同村同名多人",
    "not_registered": "非登记人口",
    "legacy_ids": "15位旧号码",
    "hits": "规则命中",
    "candidates": "新识别候选",
    "produces": "产生",
    "item": "事项",
    "condition": "条件",
    "new_hits": "首次命中",
    "hit_households": "户（人）数",
    "already_monitored": "已是监测户或边缘户",
    "red_flagged": "已红色预警",
    "red_flag": "红色预警",
    "measure_recorded": "已录帮扶措施",
    "new_hit": "首次命中",
    "source": "来源（文件、行）",
    "match_status": "比对结果",
    "match_reason": "说明",
    "registered_name": "登记姓名",
    "to_check": "待核实",
    "dept_households_hit": "命中户数",
    "medical": "医保大额自付",
    "disaster": "重大受灾",
    "max_amount": "最高金额（元）",
    "clause_ref": "依据条款",
    "dept_received": "部门推送记录",
    "dept_matched": "匹配到登记人口",
    "dept_risk": "风险命中",
    "dept_guarantee": "两不愁三保障问题",
    "dept_correction": "数据纠错",
    "dept_candidates": "新识别候选（人）",
    "dept_new_hits": "首次命中",
    "dept_unfollowed": "未跟进（无措施、未纳入监测）",
    # ---- end 部门比对
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
    """'2020-04' (or a date / Timestamp) → '2020年4月' (`fupin.core.month.Month.label`)."""
    return Month.parse(month).label


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
