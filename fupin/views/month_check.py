"""月核查与季通报: what changed in the month by county (tiles and a table), the records behind one number,
两不愁三保障及饮水安全 动态清零 (found / cleared / open, also for households not monitored), and the quarter's
bulletin (slow counties with their reasons, the rules and where their thresholds come from). No streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fupin.core.labels import COLUMNS, month_label
from fupin.core.month import Month
from fupin.domain.kpi import Tile
from fupin.reports import bulletin as reports
from fupin.views.base import Selection, Table, labelled

KINDS = reports.MONTH_KINDS  # record kind → its Chinese name, in the order the selectbox offers them


@dataclass(frozen=True)
class MonthCheckView:
    title: str
    caption: str
    tiles: list[Tile]
    summary: Table  # one row per county
    dept_tiles: list[Tile]  # 部门比对 this month
    dept: Table  # 部门比对 per county
    counties: dict[str, str]  # county code → name, for the records filter
    rows: int  # counties in the summary (the workbook's row count)
    quarters: list[str]  # complete quarters in the warehouse, newest first


@dataclass(frozen=True)
class RecordsView:
    caption: str
    table: Table


@dataclass(frozen=True)
class QuarterView:
    headline: str  # Markdown: how many counties are named
    slow: Table  # the slow counties and why
    rules: Table  # the rules that name them
    bulletin: reports.Bulletin  # what the XLSX and the printable page are built from


def quarter_of(month: str) -> str:
    """'2020-05' → '2020Q2'."""
    return Month.parse(month).quarter


def view(sel: Selection) -> MonthCheckView:
    summary = sel.q("month_check_by_county", month=sel.month_date, area_prefix=sel.area_prefix)
    t = summary.select_dtypes("number").sum()
    tiles = [
        Tile("红色预警新增 / 消除", f"{int(t.red_flag_new):,} / {int(t.red_flag_cleared):,}户", None, "off"),
        Tile("新纳入监测户 / 退出", f"{int(t.monitor_in):,} / {int(t.monitor_out):,}户", None, "off"),
        Tile("新纳入边缘户 / 退出", f"{int(t.edge_in):,} / {int(t.edge_out):,}户", None, "off"),
        Tile(
            "剩余贫困人口",
            f"{int(t.remaining_poor_persons):,}人",
            f"{int(t.remaining_poor_change):+,}人",
            "inverse",
        ),
        Tile(
            "本月开工项目 / 支付",
            f"{int(t.projects_started_in_month):,}个",
            f"支付 {float(t.paid_in_month):,.1f}万元",
            "off",
        ),
        Tile("未走访边缘户 / 销号滞留", f"{int(t.edge_unvisited):,} / {int(t.clearance_stuck):,}户", None, "off"),
    ]
    dept_tiles = [
        Tile("部门推送 / 匹配", f"{int(t.dept_received):,} / {int(t.dept_matched):,}条", None, "off"),
        Tile(
            "风险 / 两不愁三保障问题",
            f"{int(t.dept_risk):,} / {int(t.dept_guarantee):,}条",
            f"首次命中 {int(t.dept_new_hits):,}条",
            "off",
        ),
        Tile("数据纠错 / 新识别候选", f"{int(t.dept_correction):,}条 / {int(t.dept_candidates):,}人", None, "off"),
        Tile(
            "未跟进",
            f"{int(t.dept_unfollowed):,}条",
            "月底无帮扶措施、未纳入监测",
            "off",
            help="风险和两不愁三保障问题命中中，月底既无帮扶措施记录、户也不是脱贫监测户或边缘户的条数；"
            "乡镇是否已入户核实见督办事项。",
        ),
    ]
    complete = {quarter_of(m) for m in sel.months if reports.quarter_months(quarter_of(m))[1] in sel.months}
    return MonthCheckView(
        title=f"月核查 · {sel.area_name} · {month_label(sel.month)}",
        caption=("演示数据（合成）。" if sel.batch.synthetic else "")
        + "与上月相比的变化；户以户编号标识（不含姓名和证件号码）。点选一个数字查看背后的记录。",
        tiles=tiles,
        summary=Table(labelled(summary, reports.MONTH_COLUMNS), formats={COLUMNS["paid_in_month"]: "%.1f"}),
        dept_tiles=dept_tiles,
        dept=Table(labelled(summary.sort_values("dept_unfollowed", ascending=False), reports.DEPT_COLUMNS)),
        counties=dict(zip(summary["county_code"], summary["county_name"], strict=True)),
        rows=len(summary),
        quarters=sorted(complete, reverse=True),
    )


def records(sel: Selection, kind: str, county: str = "") -> RecordsView:
    """The records behind one number: `kind` of change, in one county ('' = the whole selected area)."""
    recs = sel.q("month_check_records", month=sel.month_date, area_prefix=county or sel.area_prefix, kind=kind)
    return RecordsView(f"{KINDS[kind]}：{len(recs):,}条", Table(labelled(recs, reports.RECORD_COLUMNS)))


def quarter(sel: Selection, quarter: str) -> QuarterView:
    loop, on = reports.work_loop(sel.viewer)
    b = reports.bulletin_from(
        sel.q,
        quarter,
        area_prefix=sel.area_prefix,
        area_name=sel.area_name,
        synthetic=sel.batch.synthetic,
        loop=loop,
        loop_date=on,
        issued=reports.issue_date(sel.batch),  # the 成文日期: the data batch's date, not the server's clock
    )
    slow = b.counties[b.counties["slow_reasons"] != ""]
    return QuarterView(
        headline=f"**{reports.quarter_label(quarter)}**：{len(b.counties)}个县中 **{len(slow)}个** 被点名进度迟缓；"
        "规则见下表（阈值均为省定参数）。",
        slow=Table(labelled(slow, {c: COLUMNS[c] for c in ("city_name", "county_name", "slow_reasons")})),
        rules=Table(
            labelled(
                b.rules.rename(columns={"label": "rule_label", "description": "rule_description"}).assign(
                    threshold=[reports.threshold_text(r) for r in b.rules.itertuples()]  # '30个百分点', not 0.3
                ),
                {c: COLUMNS[c] for c in ("rule_label", "rule_description", "threshold", "threshold_source")},
            )
        ),
        bulletin=b,
    )


@dataclass(frozen=True)
class GuaranteeView:
    """两不愁三保障及饮水安全 动态清零 (春季攻势意见 三（四）1: 发现问题立即整改、动态清零) in the month: what was
    found, cleared and is still open, by county and month — every register household, monitored or not."""

    caption: str
    tiles: list[Tile]
    by_county: Table
    by_month: Table


def guarantee(sel: Selection) -> GuaranteeView:
    county = sel.q("guarantee_clearing_by_county", month=sel.month_date, area_prefix=sel.area_prefix)
    months = sel.q("guarantee_clearing_by_month", area_prefix=sel.area_prefix)
    now = months[months["month"].astype(str).str[:7] == sel.month]
    t = now.iloc[0] if len(now) else pd.Series({"found": 0, "cleared": 0, "open": 0, "open_unmonitored": 0})
    cols = ("found", "cleared", "open", "open_unmonitored")
    by_month = months.assign(month=months["month"].astype(str).str[:7].map(month_label))
    return GuaranteeView(
        caption="问题 = 户信息中该项为“否”（截至当月），或当月监测记录的风险点含该项；含未纳入监测的建档立卡户。"
        "本月发现 = 本月有、上月没有（首月全部计为发现）；本月清零 = 上月有、本月没有。",
        tiles=[
            Tile("本月发现", f"{int(t.found):,}项", None, "off"),
            Tile("本月清零", f"{int(t.cleared):,}项", None, "off"),
            Tile("未清零", f"{int(t.open):,}项", None, "off"),
            Tile("其中未纳入监测的户", f"{int(t.open_unmonitored):,}项", None, "off"),
        ],
        by_county=Table(labelled(county, {c: COLUMNS[c] for c in ("county_name", "city_name", *cols, "open_items")})),
        by_month=Table(labelled(by_month, {c: COLUMNS[c] for c in ("month", *cols)})),
    )
