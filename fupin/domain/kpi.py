"""Overview KPI tiles: the figures for an as-of month and their change since the previous month."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fupin.core.labels import fmt_count, fmt_money_wan
from fupin.core.month import month_of


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None  # change since the previous month, as shown
    delta_color: str  # "normal" (up is good), "inverse" (up is bad) or "off"
    help: str = ""
    link: str = ""  # the url path of the page behind the figure (the tile opens it, same month and area)
    spark: tuple[float, ...] = ()  # the measure month by month up to this one (a sparkline under the figure)
    target: str = ""  # the comparison with the policy's target ("年底清零进度：应不超过1,200人"), when it has one
    on_track: bool | None = None  # whether the figure meets that target (the status colour); None: no target


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _pp(now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    return f"{(now - before) * 100:+.1f}个百分点"


def _diff(now: float, before: float | None, unit: str) -> str | None:
    if before is None:
        return None
    return f"{int(round(now - before)):+,}{unit}"


def tiles(totals: pd.DataFrame, supervision: pd.DataFrame, month: str) -> list[Tile]:
    """KPI tiles for `month` ('YYYY-MM') from scope_totals_by_month and supervision_progress_by_month."""
    t = totals.assign(m=totals["month"].map(month_of)).set_index("m")
    s = supervision.assign(m=supervision["month"].map(month_of)).set_index("m")
    now = t.loc[month]
    prev_months = [m for m in t.index if m < month]
    prev = t.loc[prev_months[-1]] if prev_months else None
    sn = s.loc[month]

    def g(row: pd.Series | None, col: str) -> float | None:
        return None if row is None else float(row[col])

    start_rate = _rate(now.projects_started, now.projects)
    ws_rate = _rate(now.workshops_restarted, now.workshops)
    pay_rate = _rate(now.special_paid, now.special_allocated)
    mig_ratio = _rate(now.migrant_workers, now.migrant_workers_last_year)
    p = prev
    return [
        Tile(
            "剩余贫困人口",
            fmt_count(now.remaining_poor_persons, "人"),
            _diff(now.remaining_poor_persons, g(p, "remaining_poor_persons"), "人"),
            "inverse",
            "户类别为未脱贫户的家庭人口",
            link="map",
        ),
        Tile(
            "今年已脱贫",
            fmt_count(now.exited_this_year_persons, "人"),
            _diff(now.exited_this_year_persons, g(p, "exited_this_year_persons"), "人"),
            "normal",
            "脱贫年度为2020年的家庭人口",
            link="map",
        ),
        Tile(
            "挂牌督战清零",
            f"{int(sn.counties_cleared)}县、{int(sn.villages_cleared)}村",
            f"共{int(sn.counties)}县{int(sn.villages)}村",
            "off",
            f"挂牌督战县、村中剩余贫困人口已清零的个数（督战县尚余 {int(sn.county_remaining_poor):,} 人）",
            link="supervision",
        ),
        Tile(
            "扶贫项目开工率",
            _pct(start_rate),
            _pp(start_rate, _rate(g(p, "projects_started") or 0, g(p, "projects") or 0) if p is not None else None),
            "normal",
            f"已开工 {int(now.projects_started):,} / 项目库 {int(now.projects):,} 个；停工后复工 "
            f"{int(now.projects_restarted):,} 个",
            link="spring",
        ),
        Tile(
            "扶贫车间复工率",
            _pct(ws_rate),
            _pp(ws_rate, _rate(g(p, "workshops_restarted") or 0, g(p, "workshops") or 0) if p is not None else None),
            "normal",
            f"已复工 {int(now.workshops_restarted):,} / {int(now.workshops):,} 个",
            link="spring",
        ),
        Tile(
            "外出务工人数",
            fmt_count(now.migrant_workers, "人"),
            None if mig_ratio is None else f"为上年同期的 {mig_ratio:.0%}",
            "off",
            f"县外务工的贫困劳动力；上年同期 {int(now.migrant_workers_last_year):,} 人",
            link="spring",
        ),
        Tile(
            "扶贫资金支付率",
            _pct(pay_rate),
            _pp(pay_rate, _rate(g(p, "special_paid") or 0, g(p, "special_allocated") or 0) if p is not None else None),
            "normal",
            f"财政专项扶贫资金：已支付 {fmt_money_wan(now.special_paid)} / 已下达 "
            f"{fmt_money_wan(now.special_allocated)}",
            link="funds",
        ),
        Tile(
            "红色预警户",
            fmt_count(now.red_flag_households, "户"),
            _diff(now.red_flag_households, g(p, "red_flag_households"), "户"),
            "inverse",
            "当月监测记录红色标注的户",
            link="warnings",
        ),
        Tile(
            "脱贫监测户",
            fmt_count(now.monitor_households, "户"),
            _diff(now.monitor_households, g(p, "monitor_households"), "户"),
            "inverse",
            link="warnings",
        ),
        Tile(
            "边缘户",
            fmt_count(now.edge_households, "户"),
            _diff(now.edge_households, g(p, "edge_households"), "户"),
            "inverse",
            link="warnings",
        ),
    ]
