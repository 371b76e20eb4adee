"""督办: the county workbench (我的待办) and the province's overview of the work loop. Items come from the
transactional store (fupin/work), scoped by the viewer; township and county names from the warehouse."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import md_escape
from fupin.core.memo import shared_figure
from fupin.core.reference import REFERENCE_DIR, area_names, read_csv_text
from fupin.domain.kpi import Tile
from fupin.views.base import Selection, Table
from fupin.work import items as W
from fupin.work.rules import kinds, settings

KIND_LABELS = {k: r.name for k, r in kinds().items()}
ATTACHMENT_MB = settings().attachment_max_mb
STATE_LABELS = W.STATES


def cn_date(value: object) -> str:
    """'2020-06-04' (or a date) → '2020年6月4日'; anything else as it is."""
    try:
        d = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return md_escape(value) if value else "—"
    return f"{d.year}年{d.month}月{d.day}日"


def clock_caption(sel: Selection) -> str:
    on = W.today()
    demo = "（演示时钟：演示数据的督办按数据月份推演）" if W.demo_clock() else ""
    return f"督办日期 {on.year}年{on.month}月{on.day}日{demo}。办理期限天数为省定参数（督办规则参考数据）。"


# ---------------------------------------------------------------------------------- workbench


@dataclass(frozen=True)
class Workbench:
    title: str
    caption: str
    tiles: list[Tile]
    table: Table  # the items as listed (overdue first)
    ids: list[int]  # item id per table row
    empty: bool


@functools.cache
def _townships() -> dict[str, str]:
    df = read_csv_text(REFERENCE_DIR / "townships.csv")
    return dict(zip(df["township_code"], df["township_name"], strict=True))


def workbench_title(sel: Selection) -> str:
    code = sel.county or sel.city
    return f"我的待办 · {area_names().get(code, '全省') if code else '全省'}"


def town_choices(sel: Selection) -> dict[str, str]:
    """The selected county's townships that have open items ('' = all); none above county level."""
    if not sel.county:
        return {"": "全部乡镇"}
    town_of = _townships()
    return {"": "全部乡镇"} | {t: town_of.get(t, t) for t in W.townships(sel.viewer, sel.county)}


def item_from_url(value: object) -> int | None:
    """?item=<id> (a link from a tile or a bulletin); anything but a plain positive number is ignored."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 12 else None


def tile(sel: Selection) -> Tile:
    """督办 on 总览: items overdue with the counties of the selected area (aggregates only)."""
    n = W.open_counts(sel.viewer, area=area_of(sel))
    return Tile(
        "督办事项逾期",
        f"{n['overdue']:,}件",
        f"县级办理中{n['with_county']:,}件",
        "off",
        "超过办结期限仍未反馈的督办事项（限期消除风险点、限时整改）",
        link="workbench",
    )


def area_of(sel: Selection) -> str:
    return sel.county or (sel.city[:4] if sel.city else "")


def workbench(
    sel: Selection,
    *,
    kinds_: tuple[str, ...] = (),
    states: tuple[str, ...] = (*W.WITH_COUNTY, "responded"),
    town: str = "",
    overdue_only: bool = False,
    limit: int = 1000,
) -> Workbench:
    viewer, area = sel.viewer, area_of(sel)
    picked = dict(area=area, states=states, kinds=kinds_, town=town, overdue_only=overdue_only)
    df = W.items(viewer, **picked, limit=limit)
    total = int(df["total"].iloc[0]) if len(df) else 0
    n = W.open_counts(viewer, area=area)
    names = area_names()
    town_of = _townships()
    tiles = [
        Tile("待办（县级办理中）", f"{n['with_county']:,}件", None, "off", "待核查、核查中和被退回的事项"),
        Tile("已逾期", f"{n['overdue']:,}件", None, "off", "超过办结期限仍未反馈"),
        Tile("7天内到期", f"{n['due_week']:,}件", None, "off"),
        Tile("已反馈待审核", f"{n['responded']:,}件", None, "off", "等待市级或省级审核销号"),
    ]
    days = df["days_left"].astype("Int64")
    remaining = np.select(
        [
            df["state"].eq("closed"),
            df["state"].eq("responded"),
            days.lt(-settings().escalate_overdue_days).fillna(False),
            days.lt(0).fillna(False),
            days.eq(0).fillna(False),
        ],
        [
            "已销号",
            "待审核",
            "逾期" + (-days).astype(str) + "天·省级督办",
            "逾期" + (-days).astype(str) + "天",
            "今天到期",
        ],
        default="剩" + days.astype(str) + "天",
    )
    shown = pd.DataFrame(
        {
            # what to do and by when first (visible without scrolling sideways, and first on a phone)
            "事项": df["title"],
            "状态": df["state"].map(STATE_LABELS),
            "剩余": remaining,
            "办结期限": pd.to_datetime(df["deadline"], errors="coerce"),  # drawn as 2020年6月4日
            "类别": df["kind"].map(KIND_LABELS),
            "县": df["county_code"].map(names),
            "乡镇": df["township_code"].map(town_of).fillna(""),
            "户或记录": df["household_id"].fillna(df["record_id"]).fillna(""),
            "重新督办": df["reopen_count"],
            "数据显示已消除": df["data_cleared_month"].notna().map({True: "是", False: ""}),
        }
    )
    if sel.county:
        shown = shown.drop(columns=["县"])
    return Workbench(
        title=workbench_title(sel),
        caption=clock_caption(sel)
        + (f" 共{total:,}件，按逾期和期限排序显示前{limit:,}件。" if total > len(df) else ""),
        tiles=tiles,
        table=Table(shown.reset_index(drop=True)),
        ids=[int(i) for i in df["id"]],
        empty=n["with_county"] + n["responded"] == 0,
    )


# ---------------------------------------------------------------------------------- one item


@dataclass(frozen=True)
class ItemView:
    item: dict
    heading: str
    facts: str
    history: Table
    actions: dict[str, str]  # action → label the viewer may take now
    note_labels: dict[str, str]  # action → the note's label (required) or '' (optional)
    overdue: bool


def item_view(sel: Selection, item_id: int) -> ItemView | None:
    item = W.get(sel.viewer, item_id)
    if item is None:
        return None
    names = area_names()
    days = (dt.date.fromisoformat(item["deadline"]) - W.today()).days
    overdue = item["state"] in W.WITH_COUNTY and days < 0
    facts = [
        f"**类别**：{KIND_LABELS.get(item['kind'], item['kind'])}",
        f"**县**：{names.get(item['county_code'], item['county_code'])}",
        f"**状态**：{STATE_LABELS[item['state']]}" + (f"（逾期{-days}天）" if overdue else ""),
        f"**下发**：{cn_date(item['raised_on'])}　**核查期限**：{cn_date(item['verify_by'])}　"
        f"**办结期限**：{cn_date(item['deadline'])}",
    ]
    if item["household_id"]:
        facts.append(f"**户编号**：{item['household_id']}")
    if item["record_id"]:
        facts.append(f"**记录**：{md_escape(item['record_id'])}")
    if item["detail"]:
        facts.append(f"**发现情况**：{md_escape(item['detail'])}")
    if item["data_cleared_month"]:
        facts.append(f"**数据显示**：{item['data_cleared_month']} 月核查已无此问题（风险已消除，待审核销号）")
    if item["reopen_count"]:
        facts.append(f"**重新督办**：销号后问题再次出现 {item['reopen_count']} 次")
    ev = pd.DataFrame(W.events(sel.viewer, item_id))
    history = (
        pd.DataFrame(
            {
                "日期": ev["on_day"],
                "操作": ev["action"].map(_ACTION_LABELS).fillna(ev["action"]),
                "状态": ev["to_state"].map(STATE_LABELS),
                "办理人": ev["actor"],
                "说明": ev["note"].fillna(""),
            }
        )
        if len(ev)
        else pd.DataFrame(columns=["日期", "操作", "状态", "办理人", "说明"])
    )
    allowed = W.allowed_actions(sel.viewer, item)
    return ItemView(
        item=item,
        heading=md_escape(item["title"]),
        facts="  \n".join(facts),
        history=Table(history),
        actions={a: W.ACTIONS[a].label for a in allowed},
        note_labels={a: W.ACTIONS[a].note for a in allowed},
        overdue=overdue,
    )


_ACTION_LABELS = {
    "raise": "下发",
    "reopen": "重新督办",
    "start": "开始核查",
    "respond": "反馈",
    "return": "退回",
    "close": "审核销号",
    "close_direct": "直接销号",
    "set_deadline": "调整期限",
}


# ---------------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class Overview:
    title: str
    caption: str
    tiles: list[Tile]
    by_county: Table
    interview: Table
    overdue_figure: go.Figure
    closure_figure: go.Figure
    empty: bool


def overview(sel: Selection) -> Overview:
    names = area_names()
    df = W.county_summary(sel.viewer)
    if sel.county:
        df = df[df["county_code"] == sel.county]
    elif sel.city:
        df = df[df["county_code"].str.startswith(sel.city[:4])]
    tot = df.sum(numeric_only=True)
    closed = int(tot.get("closed", 0))
    on_time = int(tot.get("closed_on_time", 0))
    raised = int(tot.get("raised", 0))
    s = settings()
    tiles = [
        Tile("累计下发", f"{raised:,}件", None, "off"),
        Tile("县级办理中", f"{int(tot.get('with_county', 0)):,}件", None, "off"),
        Tile("已逾期", f"{int(tot.get('overdue', 0)):,}件", None, "off", "超过办结期限仍未反馈"),
        Tile(
            "升级省级督办",
            f"{int(tot.get('escalated', 0)):,}件",
            None,
            "off",
            f"逾期超过{s.escalate_overdue_days}天（省定参数）",
        ),
        Tile("已销号", f"{closed:,}件", None, "off"),
        Tile("按期办结率", f"{on_time / closed:.1%}" if closed else "—", None, "off", "按期反馈并销号 / 已销号"),
        Tile("退回率", f"{int(tot.get('returned_ever', 0)) / raised:.1%}" if raised else "—", None, "off"),
        Tile("约谈名单", f"{int(df['interview'].sum()) if len(df) else 0}个县", None, "off"),
    ]
    county = df.assign(
        县=df["county_code"].map(names),
        按期办结率=(df["closed_on_time"] / df["closed"].where(df["closed"] > 0)).round(3),
    ).sort_values(["overdue", "with_county"], ascending=False)
    by_county = county.rename(
        columns={
            "raised": "累计下发",
            "with_county": "县级办理中",
            "overdue": "已逾期",
            "escalated": "升级省级督办",
            "responded": "待审核",
            "closed": "已销号",
            "returned_ever": "曾退回",
            "cleared_by_data": "数据显示已消除",
        }
    )[["县", "累计下发", "县级办理中", "已逾期", "升级省级督办", "待审核", "已销号", "按期办结率", "曾退回"]]
    inter = county[county["interview"]]
    interview = pd.DataFrame(
        {
            "县": inter["county_code"].map(names),
            "逾期事项": inter["overdue"],
            "县级办理中": inter["with_county"],
            "原因": [
                f"逾期未办结 {o} 件，占办理中事项 {o / max(w, 1):.0%}"
                + ("，达到约谈件数标准" if o >= s.interview_overdue_items else "，达到约谈比例标准")
                for o, w in zip(inter["overdue"], inter["with_county"], strict=True)
            ],
        }
    )
    worst = county.head(15).iloc[::-1]
    fig = overdue_bars(worst["县"].tolist(), worst["overdue"].tolist())
    hist = closure_histogram(W.closure_days(sel.viewer))  # items per number of days, drawn in 5-day bins
    area = names.get(sel.county or sel.city or "", "全省") if (sel.county or sel.city) else "全省"
    return Overview(
        title=f"督办总览 · {area}",
        caption=clock_caption(sel) + f" 约谈标准（省定参数）：逾期未办结达{s.interview_overdue_items}件，"
        f"或占办理中事项{s.interview_overdue_share:.0%}且不少于{s.interview_min_items}件。",
        tiles=tiles,
        by_county=Table(by_county.reset_index(drop=True), formats={"按期办结率": "percent"}),
        interview=Table(interview.reset_index(drop=True)),
        overdue_figure=fig,
        closure_figure=hist,
        empty=raised == 0,
    )


def deadline_of(iv: ItemView) -> dt.date:
    return dt.date.fromisoformat(iv.item["deadline"])


def attachment_bytes(viewer, attachment_id: int) -> bytes:
    """The file behind a download button (read on click, only within the viewer's scope)."""
    found = W.read_attachment(viewer, attachment_id)
    return found[2] if found else b""


def measure_choices(sel: Selection, household_id: str | None) -> dict[str, str]:
    """The household's recorded measures (id → label), to link a response to what was done."""
    if not household_id or not sel.viewer.sees_households:
        return {}
    df = sel.q("household_measures", household_id=household_id)
    return {
        str(r.measure_id): f"{r.measure_date:%Y年%-m月%-d日} {r.measure_type}（{r.amount:,.0f}元，{r.fund_source}）"
        for r in df.itertuples()
    }


@shared_figure
def overdue_bars(counties: list[str], overdue: list[int]) -> go.Figure:
    """The counties with the most overdue items, the worst on top (the list comes worst last)."""
    fig = go.Figure(
        go.Bar(x=overdue, y=counties, orientation="h", marker_color="#c62828", text=overdue, textposition="outside")
    )
    fig.update_layout(
        title="逾期未办结事项最多的县（件，越多越差）",
        xaxis_title="逾期件数",
        height=420,
        margin=dict(l=10, r=30, t=50, b=40),
    )
    return fig


@shared_figure
def closure_histogram(days: pd.Series) -> go.Figure:
    """Closed items per number of days from raising to closing, in 5-day bars."""
    bins = days.groupby((days.index // 5) * 5).sum()
    hist = go.Figure(
        go.Bar(
            x=bins.index + 2.5,
            y=bins.to_numpy(),
            width=5,
            customdata=np.column_stack([bins.index, bins.index + 4]) if len(bins) else None,
            hovertemplate="%{customdata[0]}–%{customdata[1]}天：%{y:,}件<extra></extra>",
            marker_color="#1565c0",
            marker_line_width=0,
        )
    )
    hist.update_layout(
        title="办结用时分布（从下发到销号，天）",
        xaxis_title="天",
        yaxis_title="件数",
        height=420,
        margin=dict(l=10, r=10, t=50, b=40),
    )
    return hist
