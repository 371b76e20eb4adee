"""部门比对: what each department sent this month and what became of it (received, quarantined, matched, the
records a person must check), the comparison rules' hits with evidence and the household's state, the areas, the
new-identification candidates by village and the trend over the months. No streamlit.

Names and ID numbers are masked unless an authorised viewer (Viewer.may_unmask: the province administrator, as on
the 红色预警户 page) asks otherwise — the page audits that; hit lists are household rows (never in meeting mode)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.access.privacy import mask_frame, mask_names
from fupin.core.labels import COLUMNS, md_escape, month_label
from fupin.core.memo import shared_figure
from fupin.domain.kpi import Tile
from fupin.reports.exports import households_xlsx
from fupin.views.base import Selection, Table, labelled

HIT_LIMIT = 500
UNMASK_HELP = "仅省级管理员可用；显示完整姓名和证件号码的清单和导出记入审计日志"
ISSUE_LIMIT = 500
EXPORT_MAX = 100_000
PRODUCES = {
    "": "全部",
    "风险": "风险",
    "两不愁三保障问题": "两不愁三保障问题",
    "数据纠错": "数据纠错",
    "新识别候选": "新识别候选",
}
DEPARTMENTS = ("民政", "医保", "卫健", "教育", "人社", "住建", "水利", "残联", "公安", "应急")
FEED_COLUMNS = [
    "department",
    "received",
    "quarantined",
    "matched",
    "name_mismatch",
    "id_suspect",
    "ambiguous",
    "not_registered",
    "legacy_ids",
    "hits",
    "candidates",
]
RULE_COLUMNS = [  # the long condition and the quoted clause are in `rule_notes` (wrapped text), not in the table
    "rule_id",
    "department",
    "rule_name",
    "produces",
    "severity",
    "threshold",
    "threshold_source",
    "hits",
    "new_hits",
    "hit_households",
    "already_monitored",
    "red_flagged",
    "measure_recorded",
    "clause_ref",
]
RULE_COUNTS = RULE_COLUMNS[7:13]
AREA_COLUMNS = ["received", "quarantined", "matched", "to_check", "hits", "dept_households_hit", "candidates"]
HIT_COLUMNS = [
    "rule_id",
    "rule_name",
    "produces",
    "severity",
    "name",
    "id_number",
    "household_id",
    "county_name",
    "township_name",
    "village_name",
    "household_category",
    "already_monitored",
    "red_flag",
    "measure_recorded",
    "new_hit",
    "evidence",
    "source",
]
ISSUE_COLUMNS = [
    "department",
    "match_reason",
    "name",
    "registered_name",
    "id_number",
    "household_id",
    "county_name",
    "village_name",
]
CANDIDATE_COLUMNS = [
    "county_name",
    "township_name",
    "village_name",
    "candidates",
    "medical",
    "disaster",
    "max_amount",
]


@dataclass(frozen=True)
class DepartmentsView:
    title: str
    caption: str
    tiles: list[Tile]
    feeds: Table  # one row per department
    rules: Table  # one row per comparison rule (short: threshold with its unit, the clause's reference)
    rule_notes: list[str]  # Markdown, one per rule: its condition, threshold and the clause quoted in full (escaped)
    areas: Table  # by county (province / city) or by township (one county)
    area_level: str  # "县" or "乡镇"
    candidates: Table  # by village, no names
    trend: go.Figure
    totals: dict[str, int]  # the tiles' numbers, as the warehouse gives them


@dataclass(frozen=True)
class HitsView:
    caption: str
    table: Table
    rows: int


def _ints(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        out[c] = out[c].fillna(0).astype("int64")
    return out


def _yes(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        out[c] = out[c].map({True: "是", False: "否"}).fillna("")
    return out


def _masked(df: pd.DataFrame) -> pd.DataFrame:
    """Names and ID numbers masked (an empty frame as it is: privacy's masks expect rows)."""
    return mask_frame(df) if len(df) else df.copy()


def _clause_ref(clause: str) -> str:
    """'防返贫意见 三（二）：「…」' → '防返贫意见 三（二）' (the quote is in the rule notes)."""
    return str(clause).split("：", 1)[0].strip()


def _threshold(row: pd.Series) -> str:
    t, unit = str(row["threshold"] or ""), str(row["unit"] or "")
    if not t:
        return "—"
    unit = "个月" if unit == "月" else unit  # '3月' would read as March
    return t if unit in ("", "等级") or t.endswith(unit) else f"{t}{unit}"


def rule_notes(rules: pd.DataFrame) -> list[str]:
    """Each rule in words for the page (Markdown, reference text escaped): what it tests, its threshold and source,
    what it produces, and the clause of 皖扶组〔2020〕5号 it serves, quoted."""
    out = []
    for r in rules.itertuples():
        t = _threshold(pd.Series(r._asdict()))
        limit = "" if t == "—" else f"；阈值 {md_escape(t)}（{md_escape(r.threshold_source)}）"
        head = f"**{md_escape(r.rule_id)} {md_escape(r.rule_name)}**"
        kind = f"（{md_escape(r.department)} · 产生{md_escape(r.produces)} · 严重程度{md_escape(r.severity)}）"
        out.append(f"{head}{kind}：{md_escape(r.condition)}{limit}。依据：{md_escape(r.clause)}")
    return out


@shared_figure
def trend_figure(df: pd.DataFrame) -> go.Figure:
    """Records received and rule hits per department over the months (two panels' worth as line pairs)."""
    fig = go.Figure()
    for dept in DEPARTMENTS:
        part = df[df["department"] == dept].sort_values("month")
        if part.empty:
            continue
        x = [month_label(m) for m in part["month"]]
        fig.add_trace(go.Scatter(x=x, y=part["received"], name=f"{dept} 接收", mode="lines+markers", legendgroup=dept))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=part["hits"] + part["candidates"],
                name=f"{dept} 命中",
                mode="lines",
                line={"dash": "dot"},
                legendgroup=dept,
                visible="legendonly",
            )
        )
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis_title="条",
        legend={"orientation": "v"},
        title="各部门每月接收记录（点图例显示命中）",
    )
    return fig


def view(sel: Selection) -> DepartmentsView:
    area = sel.area_prefix
    feeds = _ints(sel.q("dept_feed_summary", month=sel.month_date, area_prefix=area), [*FEED_COLUMNS[1:], "loaded"])
    rules = _ints(sel.q("dept_hits_by_rule", month=sel.month_date, area_prefix=area), RULE_COUNTS)
    rules = rules.fillna({"threshold": "", "unit": "", "condition": "", "clause": ""})
    shown_rules = rules.assign(
        threshold=rules.apply(_threshold, axis=1),
        clause_ref=rules["clause"].map(_clause_ref),
        threshold_source=rules["threshold_source"].where(rules["threshold"] != "", "—"),
    )
    by_town = _ints(sel.q("dept_by_area", month=sel.month_date, area_prefix=area), AREA_COLUMNS)
    cands = sel.q("dept_candidates_by_village", month=sel.month_date, area_prefix=area)
    trend = _ints(sel.q("dept_trend", area_prefix=area), ["received", "matched", "hits", "candidates"])
    if len(area) >= 6:
        level, areas = "乡镇", by_town[["township_name", *AREA_COLUMNS]]
        area_labels = {"township_name": COLUMNS["township_name"]}
    else:
        level = "县"
        areas = by_town.groupby(["county_code", "county_name"], as_index=False)[AREA_COLUMNS].sum()
        areas = areas.sort_values("hits", ascending=False)[["county_name", *AREA_COLUMNS]]
        area_labels = {"county_name": COLUMNS["county_name"]}
    t = feeds[[*FEED_COLUMNS[1:], "loaded"]].sum()
    to_check = int(t.name_mismatch + t.id_suspect + t.ambiguous)
    totals = {
        "received": int(t.received),
        "loaded": int(t.loaded),
        "quarantined": int(t.quarantined),
        "matched": int(t.matched),
        "to_check": to_check,
        "hits": int(t.hits),
        "candidates": int(t.candidates),
    }
    tiles = [
        Tile("接收记录", f"{totals['received']:,}条", f"隔离 {totals['quarantined']:,}条", "off"),
        Tile(
            "匹配到登记人口",
            f"{totals['matched']:,}条",
            f"占入库 {totals['matched'] / max(totals['loaded'], 1):.1%}",
            "off",
        ),
        Tile("待核实身份", f"{to_check:,}条", None, "off", help="姓名不一致、疑似证件号码有误、同村同名多人"),
        Tile("规则命中", f"{totals['hits']:,}条", None, "off"),
        Tile("新识别候选", f"{totals['candidates']:,}人", "政策找人", "off"),
    ]
    cand = cands[CANDIDATE_COLUMNS]
    return DepartmentsView(
        title=f"部门数据比对 · {sel.area_name or '全省'} · {month_label(sel.month)}",
        caption=("演示数据（合成）。" if sel.batch.synthetic else "")
        + "省直部门每月推送的记录按身份证号（15位旧号码已转换）与当月月末的建档立卡和边缘户名单比对、以姓名确认，"
        "各月比对结果按月固定（以后月份的名单变动不改写已比对月份）；"
        "比对规则为省定参数（部门数据比对规则表）。接收 = 入库 + 隔离。",
        tiles=tiles,
        feeds=Table(labelled(feeds, {c: COLUMNS[c] for c in FEED_COLUMNS})),
        rules=Table(labelled(shown_rules, {c: COLUMNS[c] for c in RULE_COLUMNS})),
        rule_notes=rule_notes(rules),
        areas=Table(labelled(areas, area_labels | {c: COLUMNS[c] for c in AREA_COLUMNS})),
        area_level=level,
        candidates=Table(
            labelled(cand, {c: COLUMNS[c] for c in CANDIDATE_COLUMNS}), formats={COLUMNS["max_amount"]: "%.0f"}
        ),
        trend=trend_figure(trend),
        totals=totals,
    )


def hits(
    sel: Selection, *, department: str = "", produces: str = "", limit: int = HIT_LIMIT, unmask: bool = False
) -> HitsView:
    """The month's hits in the area, most severe first; masked unless `unmask` and the viewer may unmask."""
    unmask = unmask and sel.viewer.may_unmask
    df = sel.q(
        "dept_hit_list",
        month=sel.month_date,
        area_prefix=sel.area_prefix,
        department=department,
        produces=produces,
        limit=limit,
    )
    df = _yes(df.copy() if unmask else _masked(df), ["already_monitored", "red_flag", "measure_recorded", "new_hit"])
    shown = f"（显示前{limit:,}条）" if len(df) >= limit else ""
    masking = "显示完整姓名和证件号码（已记入审计日志）" if unmask else "姓名和证件号码已脱敏"
    return HitsView(
        caption=f"{department or '全部部门'} · {PRODUCES.get(produces, produces) or '全部'}：{len(df):,}条{shown}。"
        f"{masking}；依据含部门记录的文件和行号，交乡镇入户核实。",
        table=Table(labelled(df, {c: COLUMNS[c] for c in HIT_COLUMNS})),
        rows=len(df),
    )


def issues(sel: Selection, *, unmask: bool = False) -> Table:
    """The month's records a person must check (name differs, ID suspect, ambiguous), masked unless `unmask` and the
    viewer may unmask."""
    df = sel.q("dept_match_issues", month=sel.month_date, area_prefix=sel.area_prefix, limit=ISSUE_LIMIT)
    if not (unmask and sel.viewer.may_unmask):
        df = _masked(df)
        if len(df):
            df["registered_name"] = mask_names(df["registered_name"])
    return Table(labelled(df, {c: COLUMNS[c] for c in ISSUE_COLUMNS}))


def hits_xlsx(sel: Selection, *, department: str = "", produces: str = "", unmask: bool = False) -> tuple[bytes, int]:
    """The hit list as a work order, masked unless `unmask` (and allowed); the sheet says 演示数据 when the batch is
    synthetic. Called when the download button is clicked; the page audits it."""
    h = hits(sel, department=department, produces=produces, limit=EXPORT_MAX, unmask=unmask)
    title = f"部门数据比对命中清单 · {month_label(sel.month)} · {sel.area_name or ''} · {department or '全部部门'}"
    data = households_xlsx(h.table.frame, title=title, synthetic=sel.batch.synthetic, sheet_name="部门比对命中清单")
    return data, h.rows
