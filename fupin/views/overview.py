"""总览: KPI tiles, the county map, monthly trends (the meeting screen's slides are in fupin.views.meeting)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import METRICS_BY_KEY, fmt_money_wan, month_label
from fupin.domain.kpi import Tile, tiles
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
        tiles=[*tiles(totals, supervision, sel.month), work.tile(sel)],
        restart_tiles=restart,
        funds_tiles=funds,
        totals=totals,
        counties=sel.q("county_metrics_month", month=sel.month_date),
        supervised=flags.loc[flags["supervised"], "county_code"].tolist(),
        selected=sel.county,
        present=sel.present,
        month_cn=month_label(sel.month),
    )
