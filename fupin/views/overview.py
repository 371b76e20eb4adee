"""总览: KPI tiles, the county map, monthly trends (the meeting screen's slides are in fupin.views.meeting)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import METRICS_BY_KEY, fmt_money_wan, month_label
from fupin.domain.kpi import Tile, tiles
from fupin.domain.schedule import TARGET_MONTH, months_between
from fupin.views import figures, work
from fupin.views.base import Selection


def _count_tile(label: str, n: float, unit: str, of: float) -> Tile:
    return Tile(label, f"{int(n):,}{unit}", f"共{int(of):,}{unit}", "off")


@dataclass(frozen=True)
class OverviewView:
    title: str
    caption: str | None  # the synthetic-data note (in the title in meeting mode)
    tiles: list[Tile]
    restart_tiles: list[Tile]  # 复工复产 slide
    funds_tiles: list[Tile]  # 资金 slide
    totals: pd.DataFrame  # scope_totals_by_month up to the as-of month (rates from SQL)
    counties: pd.DataFrame  # county_metrics_month
    supervised: list[str]  # 挂牌督战 county codes
    selected: str | None
    present: bool
    month_cn: str

    @property
    def font(self) -> int:
        return 18 if self.present else 13

    def county_map(self, height: int) -> go.Figure:
        return figures.county_choropleth(
            self.counties,
            metric=METRICS_BY_KEY["remaining_poor_persons"],
            overlays={"supervised": ("挂牌督战县", self.supervised)},
            selected=self.selected,
            label_codes=self.supervised if self.present else (),
            height=height,
            font_size=self.font,
        )

    def trend_poor(self, height: int) -> go.Figure:
        series = {"remaining_poor_persons": "剩余贫困人口", "exited_this_year_persons": "今年已脱贫"}
        return figures.trend_figure(self.totals, series, unit="人", height=height, font_size=self.font)

    def trend_rates(self, height: int) -> go.Figure:
        series = {
            "project_start_rate": "项目开工率",
            "workshop_restart_rate": "车间复工率",
            "disbursement_rate": "资金支付率",
        }
        return figures.trend_figure(self.totals, series, percent=True, height=height, font_size=self.font)


def _ratio(df: pd.DataFrame, num: str, den: str) -> pd.Series:
    return df[num].astype(float) / df[den].astype(float).where(df[den] > 0)


def with_targets(shown: list[Tile], totals: pd.DataFrame, funds: pd.DataFrame) -> list[Tile]:
    """The tiles with a sparkline of their measure month by month, and the comparison with the policy's target
    where it has one: 剩余贫困人口 against a straight 年底清零 pace from the first month to zero by the end of 2020,
    the payment rate against the 进度要求 of the disbursement schedule (省定参数)."""
    series = {
        "剩余贫困人口": totals["remaining_poor_persons"],
        "今年已脱贫": totals["exited_this_year_persons"],
        "扶贫项目开工率": _ratio(totals, "projects_started", "projects"),
        "扶贫车间复工率": _ratio(totals, "workshops_restarted", "workshops"),
        "外出务工人数": totals["migrant_workers"],
        "扶贫资金支付率": _ratio(totals, "special_paid", "special_allocated"),
        "红色预警户": totals["red_flag_households"],
        "脱贫监测户": totals["monitor_households"],
        "边缘户": totals["edge_households"],
    }
    months = [str(m)[:7] for m in totals["month"]]
    out = []
    for t in shown:
        s = series.get(t.label)
        spark = tuple(float(x) for x in s.dropna()) if s is not None else ()
        target, ok = t.target, t.on_track
        if t.label == "剩余贫困人口" and len(months) > 1:
            poor = totals["remaining_poor_persons"].astype(float)
            start, now = float(poor.iloc[0]), float(poor.iloc[-1])
            span = months_between(months[0], TARGET_MONTH)
            pace = start * months_between(months[-1], TARGET_MONTH) / span if span > 0 else 0.0
            target, ok = f"年底清零进度：应不超过{pace:,.0f}人", now <= pace
        elif t.label == "扶贫资金支付率" and len(funds) and pd.notna(funds["required_share"].iloc[-1]):
            req, paid = float(funds["required_share"].iloc[-1]), funds["paid_share"].iloc[-1]
            target, ok = f"进度要求{req:.0%}", bool(pd.notna(paid) and paid >= req)
        out.append(replace(t, spark=spark, target=target, on_track=ok))
    return out


def view(sel: Selection) -> OverviewView:
    totals = sel.q("scope_totals_by_month", month=sel.month_date, area_prefix=sel.area_prefix)
    supervision = sel.q("supervision_progress_by_month", month=sel.month_date, area_prefix=sel.area_prefix)
    flags = sel.q("county_flags")
    last = totals.iloc[-1]
    if sel.present:  # no sidebar in meeting mode: the synthetic-data label goes into the title
        demo = "（演示数据）" if sel.batch.synthetic else ""
        title, caption = f"{sel.area_name}脱贫攻坚总览 · 截至{month_label(sel.month)}{demo}", None
    else:
        title = f"{sel.area_name}总览 · {month_label(sel.month)}"
        caption = "演示数据（合成），不是真实数字。数字截至所选月份月底。" if sel.batch.synthetic else None
    restart = [
        _count_tile("扶贫项目已开工", last.projects_started, "个", last.projects),
        Tile("停工后复工", f"{int(last.projects_restarted):,}个", f"当前停工{int(last.projects_stopped):,}个", "off"),
        _count_tile("扶贫车间复工", last.workshops_restarted, "个", last.workshops),
        _count_tile("龙头企业复工", last.leading_enterprises_restarted, "家", last.leading_enterprises),
    ]
    rate = last.disbursement_rate
    funds = [
        Tile("已下达", fmt_money_wan(last.special_allocated), None, "normal"),
        Tile("已支付", fmt_money_wan(last.special_paid), None, "normal"),
        Tile("支付率", "—" if pd.isna(rate) else f"{rate:.1%}", None, "normal"),
    ]
    return OverviewView(
        title=title,
        caption=caption,
        tiles=[
            *with_targets(
                tiles(totals, supervision, sel.month),
                totals,
                sel.q("funds_by_month", month=sel.month_date, area_prefix=sel.area_prefix),
            ),
            work.tile(sel),
        ],
        restart_tiles=restart,
        funds_tiles=funds,
        totals=totals,
        counties=sel.q("county_metrics_month", month=sel.month_date),
        supervised=flags.loc[flags["supervised"], "county_code"].tolist(),
        selected=sel.county,
        present=sel.present,
        month_cn=month_label(sel.month),
    )
