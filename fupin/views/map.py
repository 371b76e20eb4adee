"""剩余贫困人口地图: the county choropleth with overlays, the table behind it, and the drill panel of a county."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from fupin.core import geo
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


DEMO_NOTE = "乡镇边界为演示边界：按各乡镇村数合成划分，不是真实行政区划；村的位置为示意。"
REAL_NOTE = "村的位置为示意（没有村的坐标）。"


@dataclass(frozen=True)
class Drill:
    heading: str
    tiles: list[Tile]
    note: str | None  # when the metric is counted only at county level
    town_map: go.Figure | None  # townships coloured by the metric, village markers; None without boundaries
    town_note: str  # 演示边界 caption, or why there is no township map
    township: str | None  # the township clicked on the township map (its villages below)
    township_name: str | None
    town_bar: go.Figure
    towns: Table
    villages: Table  # the township's villages when one is selected, else the county's
    links: str
    items: tuple[str, dict[str, str]] | None = None  # the selected township's 督办事项: link label, query params


@dataclass(frozen=True)
class MapView:
    title: str
    caption: str | None
    metric: Metric
    figure: go.Figure | None  # the county map; None for a county user (their map is the township map)
    hint: str
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


def _town_map(
    sel: Selection,
    metric: Metric,
    towns: pd.DataFrame,
    villages: pd.DataFrame,
    *,
    k: int,
    scheme: str,
    township: str | None,
) -> tuple[go.Figure | None, str, str | None, pd.DataFrame]:
    """The county's township map → (figure, caption, selected township or None, that township's places)."""
    try:
        features = geo.townships_geojson(str(sel.county))
        demo = geo.township_boundaries().demo
    except geo.TownshipBoundaryError as e:
        return None, str(e), None, pd.DataFrame()
    if not features["features"]:
        return None, "没有本县的乡镇边界。", None, pd.DataFrame()
    codes = {f["id"] for f in features["features"]}
    selected = township if township in codes else None
    places = sel.q("area_places", county=sel.county)
    pos = geo.village_positions(
        str(sel.county), list(zip(places["township_code"], places["village_code"], strict=True))
    )
    marks = places.merge(
        villages[["village_code", "poverty_village", metric.key]], on="village_code", how="left"
    ).assign(lon=lambda d: d["village_code"].map(lambda c: pos.get(c, (None, None))[0]))
    marks["lat"] = marks["village_code"].map(lambda c: pos.get(c, (None, None))[1])
    fig = figures.township_choropleth(
        towns,
        features,
        marks.dropna(subset=["lon"]),
        metric=metric,
        k=k,
        scheme=scheme,
        selected=selected,
        note="演示边界 · 村位置为示意" if demo else "村位置为示意",
    )
    missing = sorted(set(towns["township_code"]) - codes)
    note = (DEMO_NOTE if demo else REAL_NOTE) + (f"{len(missing)}个乡镇没有边界，未画出。" if missing else "")
    return fig, note, selected, places[places["township_code"] == selected]


def _drill(
    sel: Selection,
    metric: Metric,
    counties: pd.DataFrame,
    flags: pd.DataFrame,
    *,
    k: int,
    scheme: str,
    township: str | None,
) -> Drill:
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
    town_map, town_note, chosen, places = _town_map(
        sel, drill_metric, towns, villages, k=k, scheme=scheme, township=township
    )
    if chosen:
        villages = villages[villages["village_code"].isin(places["village_code"])]
    return Drill(
        heading=f"{row.city_name}{row.county_name}" + (f"　·　{'　'.join(tags)}" if tags else ""),
        tiles=[Tile(label, fmt_value(row[key], METRICS_BY_KEY[key]), None, "normal") for label, key in DRILL_TILES],
        note=None if metric.township else f"{metric.label}只统计到县；乡镇、村按{drill_metric.label}显示。",
        town_map=town_map,
        town_note=town_note,
        township=chosen,
        township_name=str(places["township_name"].iloc[0]) if chosen and len(places) else None,
        town_bar=figures.bar_figure(towns, label_col="township_name", metric=drill_metric, top=15),
        towns=table_of(towns, [c for c in towns.columns if c != "township_code"], formats=PER_MILLE),
        villages=table_of(villages, [c for c in villages.columns if c != "village_code"], formats=PER_MILLE),
        links=f"**打开其他页面（已筛选到本县）**：[总览](/{q}) · [资金](/funds{q}) · [红色预警户](/warnings{q}) · "
        f"[春季攻势](/spring{q}) · [挂牌督战](/supervision{q})",
        items=(f"{places['township_name'].iloc[0]}的督办事项", {"township": chosen})
        if chosen and len(places)
        else None,
    )


def view(
    sel: Selection,
    *,
    metric_key: str,
    scheme: str = "quantiles",
    k: int = 5,
    overlays: Sequence[str] = (),
    township: str | None = None,
) -> MapView:
    """The map page. A county user sees their county's township map only; others the county map, and the
    township map of a selected county in the drill panel. `township` (a click on the township map) is used
    only if it is a township of the selected county."""
    metric = METRICS_BY_KEY[metric_key]
    counties = sel.q("county_metrics_month", month=sel.month_date)
    flags = sel.q("county_flags")
    codes = overlay_codes(flags)
    shown = {key: (OVERLAYS[key], codes[key]) for key in overlays}
    one_county = sel.viewer.scope_level == "county"
    fig = (
        None
        if one_county
        else figures.county_choropleth(
            counties, metric=metric, k=k, scheme=scheme, overlays=shown, selected=sel.county, height=640
        )
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
        hint=("点击乡镇查看其各村；" if one_county else "点击地图上的县查看乡镇地图和村明细；")
        + "地图图片可用地图右上角的相机按钮下载为PNG。",
        county_codes=frozenset(counties["county_code"]),
        export=export,
        file_stem=f"{metric.label}_{sel.month}",
        drill=_drill(sel, metric, counties, flags, k=k, scheme=scheme, township=township) if sel.county else None,
    )
