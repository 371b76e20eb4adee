"""挂牌督战: the supervised counties and villages (data/reference/supervision_list.csv), remaining poor at the start
of the year vs now, and whether the pace of the last months reaches zero by the target (fupin.domain.schedule)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import fmt_money_wan, month_label
from fupin.core.month import month_of
from fupin.domain.kpi import Tile
from fupin.domain.schedule import TARGET_MONTH, Assessment, assess
from fupin.views import figures
from fupin.views.base import Selection, Table
from fupin.views.tables import table_of

VILLAGE_COLUMNS = (
    "county_name",
    "township_name",
    "village_name",
    "start_remaining",
    "now_remaining",
    "progress_status",
    "projects_started_of",
    "paid",
    "red_flag_households",
    "reason",
)


@dataclass(frozen=True)
class Card:
    code: str
    heading: str  # markdown: name and status badge
    remaining: Tile
    done: float  # share of the start-of-year remaining poor cleared, 0–1 (for the bar)
    done_text: str
    sparkline: go.Figure
    facts: str
    reason: str
    links: str | None  # markdown links to the other pages for this county (not in meeting mode)


@dataclass(frozen=True)
class SupervisionView:
    title: str
    caption: str | None
    empty: bool
    tiles: list[Tile]
    cards: list[Card]  # riskiest first
    villages: Table | None  # not in meeting mode


def _assessments(df: pd.DataFrame, key: str) -> dict[str, Assessment]:
    return {
        code: assess(list(zip(g["m"], g["remaining_poor_persons"].astype(float), strict=True)))
        for code, g in df.sort_values("m").groupby(key)
    }


def _card(sel: Selection, r: pd.Series, s: pd.Series, a: Assessment, trend: pd.DataFrame) -> Card:
    status = (
        ":red-badge[进度滞后]" if a.behind else (":green-badge[已清零]" if a.remaining == 0 else ":green-badge[按期]")
    )
    start = s.remaining_poor_persons
    done = 1 - (r.remaining_poor_persons / start) if start else 1.0
    paid = r.special_paid / r.special_allocated if r.special_allocated else None
    paid_s = "—" if paid is None else f"{paid:.0%}"
    if sel.present:
        facts = (
            f"开工 {int(r.projects_started)}/{int(r.projects)} · 支付 {paid_s} · 预警 {int(r.red_flag_households)}户"
        )
    else:
        facts = (
            f"项目开工 {int(r.projects_started)}/{int(r.projects)} · 资金支付 {paid_s}"
            f"（{fmt_money_wan(r.special_paid)}） · 红色预警 {int(r.red_flag_households)}户"
        )
    q = f"?month={sel.month}&county={r.name}"
    links = f"[地图](/map{q}) · [资金](/funds{q}) · [红色预警户](/warnings{q}) · [总览](/{q})"
    return Card(
        code=str(r.name),
        heading=f"**{r.county_name}**　{status}",
        remaining=Tile("剩余贫困人口", f"{int(r.remaining_poor_persons):,}人", f"年初 {int(start):,}人", "off"),
        done=min(max(done, 0.0), 1.0),
        done_text=f"已减少 {done:.0%}",
        sparkline=figures.sparkline(trend, "remaining_poor_persons", height=110 if sel.present else 90),
        facts=facts,
        reason=a.reason,
        links=None if sel.present else links,
    )


def view(sel: Selection) -> SupervisionView:
    counties = sel.q("supervised_counties_by_month", month=sel.month_date)
    villages = sel.q("supervised_villages_by_month", month=sel.month_date)
    for df in (counties, villages):
        df["m"] = df["month"].map(month_of)
    title = f"挂牌督战 · {month_label(sel.month)}" + ("（演示数据）" if sel.batch.synthetic and sel.present else "")
    caption = None
    if not sel.present:
        caption = ("演示数据（合成）。" if sel.batch.synthetic else "") + (
            f"名单为省定挂牌督战县、村；进度判断：按近3个月平均减少速度推算到{month_label(TARGET_MONTH)}是否清零。"
        )
    if counties.empty:
        return SupervisionView(title, caption, True, [], [], None)

    county_assess = _assessments(counties, "county_code")
    now = counties[counties["m"] == sel.month].set_index("county_code")
    start = counties[counties["m"] == counties["m"].min()].set_index("county_code")
    order = sorted(now.index, key=lambda c: -county_assess[c].risk)
    behind = [c for c in order if county_assess[c].behind]
    v_now = villages[villages["m"] == sel.month]
    v_start = villages[villages["m"] == villages["m"].min()].set_index("village_code")["remaining_poor_persons"]
    tiles = [
        Tile(
            "挂牌督战县剩余贫困人口",
            f"{int(now['remaining_poor_persons'].sum()):,}人",
            f"年初 {int(start['remaining_poor_persons'].sum()):,}人",
            "off",
        ),
        Tile("进度滞后的县", f"{len(behind)} / {len(order)}个", None, "normal"),
        Tile("已清零的县", f"{int((now['remaining_poor_persons'] == 0).sum())}个", None, "normal"),
        Tile(
            "挂牌督战村剩余贫困人口",
            f"{int(v_now['remaining_poor_persons'].sum()):,}人",
            f"{int((v_now['remaining_poor_persons'] == 0).sum())}/{len(v_now)}村已清零",
            "off",
        ),
    ]
    cards = [
        _card(sel, now.loc[c], start.loc[c], county_assess[c], counties[counties["county_code"] == c]) for c in order
    ]
    table = None
    if not sel.present:  # the village list is for the desk, not the projected screen
        va = _assessments(villages, "village_code")
        codes = v_now["village_code"]
        vs = v_now.assign(
            start_remaining=v_start.loc[codes].astype(int).to_numpy(),
            now_remaining=v_now["remaining_poor_persons"].astype(int),
            progress_status=["进度滞后" if va[c].behind else "按期" for c in codes],
            projects_started_of=[
                f"{int(a)}/{int(b)}" for a, b in zip(v_now["projects_started"], v_now["projects"], strict=True)
            ],
            paid=v_now["paid"].astype(float).round(1),
            red_flag_households=v_now["red_flag_households"].astype(int),
            reason=[va[c].reason for c in codes],
            risk=[va[c].risk for c in codes],
        ).sort_values("risk", ascending=False)
        table = table_of(vs, VILLAGE_COLUMNS)
    return SupervisionView(title, caption, False, tiles, cards, table)
