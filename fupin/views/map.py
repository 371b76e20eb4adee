"""剩余贫困人口地图: the county choropleth with overlays, the table behind it, and the drill panel of a county."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import COLUMNS, METRICS_BY_KEY, OVERLAYS, Metric, fmt_value, month_label
from fupin.domain.kpi import Tile
from fupin.views import figures
from fupin.views.base import Selection, Table, labelled
from fupin.views.tables import table_of

SCHEMES = {"quantiles": "分位数", "natural_breaks": "自然断点"}
DEEP_AREAS = {"dabie": "大别山", "wanbei": "皖北", "yanhuai": "沿淮"}
DRILL_TILES = (
    ("剩余贫困人口", "remaining_poor_persons"),
    ("脱贫监测户", "monitor_households"),
    ("边缘户", "edge_households"),
    ("红色预警户", "red_flag_households"),
    ("项目开工率", "project_start_rate"),
    ("资金支付率", "disbursement_rate"),
)
PER_MILLE = {"incidence_per_mille": "%.2f"}


@dataclass(frozen=True)
class Drill:
    heading: str
    tiles: list[Tile]
    note: str | None  # when the metric is counted only at county level
    town_bar: go.Figure
    towns: Table
    villages: Table
    links: str


@dataclass(frozen=True)
class MapView:
    title: str
    caption: str | None
    metric: Metric
    figure: go.Figure
    county_codes: frozenset[str]
    export: pd.DataFrame  # what the downloads hold, labelled
    file_stem: str
    drill: Drill | None  # with a county selected


def overlay_codes(flags: pd.DataFrame) -> dict[str, list[str]]:
    """Overlay key → county codes, from county_flags (reference data)."""
    deep = flags["deep_areas"].fillna("")
    out = {
        "poverty": flags.loc[flags["poverty_county"], "county_code"].tolist(),
        "supervised": flags.loc[flags["supervised"], "county_code"].tolist(),
    }
    return out | {key: flags.loc[deep.str.contains(name), "county_code"].tolist() for key, name in DEEP_AREAS.items()}


def _drill(sel: Selection, metric: Metric, counties: pd.DataFrame, flags: pd.DataFrame) -> Drill:
    row = counties.set_index("county_code").loc[sel.county]
    f = flags.set_index("county_code").loc[sel.county]
    tags = [
        f"{f.poverty_level}贫困县（{f.exit_year}年退出）" if f.poverty_county else "",
        "挂牌督战县" if f.supervised else "",
        f.deep_areas or "",
    ]
    tags = [t for t in tags if t]
    drill_metric = metric if metric.township else METRICS_BY_KEY["remaining_poor_persons"]
    places = {
        level: sel.q("county_places_month", month=sel.month_date, county=sel.county, level=level)
        for level in ("township", "village")
    }
    towns = places["township"].drop(columns=["village_code", "village_name", "poverty_village"])
    villages = places["village"].drop(columns=["township_code", "migrant_workers"])
    q = f"?month={sel.month}&county={sel.county}"
    return Drill(
        heading=f"{row.city_name}{row.county_name}" + (f"　·　{'　'.join(tags)}" if tags else ""),
        tiles=[Tile(label, fmt_value(row[key], METRICS_BY_KEY[key]), None, "normal") for label, key in DRILL_TILES],
        note=None if metric.township else f"{metric.label}只统计到县；乡镇、村按{drill_metric.label}显示。",
        town_bar=figures.bar_figure(towns, label_col="township_name", metric=drill_metric, top=15),
        towns=table_of(towns, [c for c in towns.columns if c != "township_code"], formats=PER_MILLE),
        villages=table_of(villages, [c for c in villages.columns if c != "village_code"], formats=PER_MILLE),
        links=f"**打开其他页面（已筛选到本县）**：[总览](/{q}) · [资金](/funds{q}) · [红色预警户](/warnings{q}) · "
        f"[春季攻势](/spring{q}) · [挂牌督战](/supervision{q})",
    )


def view(
    sel: Selection, *, metric_key: str, scheme: str = "quantiles", k: int = 5, overlays: Sequence[str] = ()
) -> MapView:
    metric = METRICS_BY_KEY[metric_key]
    counties = sel.q("county_metrics_month", month=sel.month_date)
    flags = sel.q("county_flags")
    codes = overlay_codes(flags)
    shown = {key: (OVERLAYS[key], codes[key]) for key in overlays}
    fig = figures.county_choropleth(
        counties, metric=metric, k=k, scheme=scheme, overlays=shown, selected=sel.county, height=640
    )
    table = counties.merge(
        flags[["county_code", "poverty_level", "supervised", "deep_areas"]], on="county_code", how="left"
    )
    names = ("county_code", "county_name", "city_name", metric.key, "poverty_level", "supervised", "deep_areas")
    export = labelled(table, {c: f"{metric.label}（{metric.unit}）" if c == metric.key else COLUMNS[c] for c in names})
    return MapView(
        title=f"剩余贫困人口地图 · {month_label(sel.month)}",
        caption="演示数据（合成），不是真实数字。" if sel.batch.synthetic else None,
        metric=metric,
        figure=fig,
        county_codes=frozenset(counties["county_code"]),
        export=export,
        file_stem=f"{metric.label}_{sel.month}",
        drill=_drill(sel, metric, counties, flags) if sel.county else None,
    )
