"""Figure builders: DataFrame in, plotly Figure out. No streamlit here, so they test like functions."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fupin.core.geo import county_centroids, features_for, label_point
from fupin.core.labels import DEMO_NOTE, Metric, fmt_value
from fupin.core.memo import shared_figure
from fupin.core.month import Month

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
REDS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15", "#67000d")
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c", "#08306b")
NO_DATA = "#d9d9d9"
OVERLAY_STYLE: dict[str, tuple[str, float]] = {
    "poverty": ("#1f3a93", 2.0),
    "supervised": ("#111111", 3.2),
    "dabie": ("#7b3294", 2.0),
    "wanbei": ("#e66101", 2.0),
    "yanhuai": ("#1a9641", 2.0),
}
SELECTED_STYLE = ("#ffb300", 4.0)


def with_demo_label(fig: go.Figure, *, synthetic: bool) -> go.Figure:
    """The figure as drawn and as its PNG download (the chart's camera button) leaves the page: captioned DEMO_NOTE
    at its lower left when the data are synthetic (in place, once), left as it is otherwise."""
    if not synthetic or any(a.name == "demo_label" for a in fig.layout.annotations):
        return fig
    # In place: a copy (go.Figure(fig)) deep-copies every trace, a map's outlines too, on every run.
    # Never on top of the data: under the axis' tick labels, or above the plot when the legend sits below it.
    size = fig.layout.font.size or 13
    legend_below = fig.layout.legend.y is not None and fig.layout.legend.y < 0
    margin = fig.layout.margin
    small = (fig.layout.height or 450) < 160  # a card's sparkline: the short form fits its width
    if legend_below:
        place = {"y": 1, "yanchor": "bottom", "yshift": 2}
        fig.update_layout(margin={"t": max(margin.t if margin.t is not None else 10, 0) + 18})
    else:
        below = int(size * 1.8) + 6 if _has_axes(fig) else 4
        if _has_axes(fig) and fig.layout.xaxis.title.text:  # and under the axis title that sits below them
            below += int((fig.layout.xaxis.title.font.size or size) * 1.5) + 4
        place = {"y": 0, "yanchor": "top", "yshift": -below}
        fig.update_layout(margin={"b": max(margin.b if margin.b is not None else 10, below + 20)})  # room for it
    fig.add_annotation(
        text="演示数据" if small else DEMO_NOTE,
        name="demo_label",
        xref="paper",
        yref="paper",
        x=1,
        xanchor="right",
        showarrow=False,
        font={"size": 11, "color": "#9e1c1c"},
        **place,
    )
    return fig


def ink_on(fill: str) -> str:
    """The label colour that reads on a fill ('#rrggbb' or 'rgb(r, g, b)'): white on dark, near-black on light —
    by relative luminance (WCAG), so a township name stays legible on the darkest red."""
    if fill.startswith("#"):
        rgb = [int(fill[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [int(float(x)) for x in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]

    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
    # contrast with white (1.05 / (lum + 0.05)) against contrast with #111111 ((lum + 0.05) / 0.0556)
    return "#ffffff" if 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0556 else "#111111"


def _has_axes(fig: go.Figure) -> bool:
    """Whether the figure draws cartesian axes (their tick labels sit below the plot area)."""
    return any(tr.type not in ("choropleth", "scattergeo", "choroplethmap", "scattermap", "pie") for tr in fig.data)


@dataclass(frozen=True)
class Classes:
    """Class breaks for a choropleth: upper bounds and each value's class (-1 = no data)."""

    bounds: list[float]
    index: np.ndarray


def classify(values: Sequence[float], *, k: int = 5, scheme: str = "quantiles") -> Classes:
    """Quantiles or natural breaks (Fisher–Jenks) via mapclassify; fewer classes when values repeat."""
    y = np.asarray(values, dtype=float)
    ok = ~np.isnan(y)
    index = np.full(len(y), -1)
    if not ok.any():
        return Classes([], index)
    k = max(1, min(k, len(np.unique(y[ok]))))
    if k == 1:
        index[ok] = 0
        return Classes([float(y[ok].max())], index)
    with warnings.catch_warnings():  # "not enough unique values": handled by dropping empty classes
        warnings.simplefilter("ignore")
        cls = mapclassify.FisherJenks(y[ok], k=k) if scheme == "natural_breaks" else mapclassify.Quantiles(y[ok], k=k)
    bounds = [float(b) for b in cls.bins]
    # Quantiles can repeat a bound when many values are equal: drop empty classes.
    counts = np.bincount(cls.yb, minlength=len(bounds))
    keep = [i for i, c in enumerate(counts) if c > 0]
    remap = {old: new for new, old in enumerate(keep)}
    index[ok] = [remap[c] for c in cls.yb]
    return Classes([bounds[i] for i in keep], index)


def class_labels(classes: Classes, metric: Metric, lowest: float) -> list[str]:
    """Chinese legend entries: '0人', '1 – 120人', '121 – 350人', …"""
    labels, lo = [], lowest
    for b in classes.bounds:
        if lo >= b:
            labels.append(fmt_value(b, metric))
        else:
            low = fmt_value(lo, metric).removesuffix(metric.unit) if metric.kind == "count" else fmt_value(lo, metric)
            labels.append(f"{low} – {fmt_value(b, metric)}")
        lo = b + 1 if metric.kind == "count" else b
    return labels


ZERO_COLOR = "#f4f4f4"


def diverging_classes(
    values: np.ndarray, metric: Metric, *, k: int = 5, scheme: str = "quantiles"
) -> tuple[Classes, list[str], list[str]]:
    """Classes for a ± measure: falls (reds, the largest fall darkest), 0, rises (blues), in that legend order."""
    index = np.full(len(values), -1)
    labels: list[str] = []
    colors: list[str] = []
    bounds: list[float] = []
    half = max(1, (k + 1) // 2)
    neg, zero, pos = values < 0, values == 0, values > 0
    if neg.any():
        mag = classify(-values[neg], k=half, scheme=scheme)
        n = len(mag.bounds)
        names = class_labels(mag, metric, float((-values[neg]).min()))
        for i in reversed(range(n)):  # the largest fall first
            sub = np.where(neg)[0][mag.index == i]
            index[sub] = len(labels)
            labels.append(f"减少 {names[i]}")
            colors.append(REDS[min(len(REDS) - 1, 1 + round(i * 3 / max(n - 1, 1)))])
            bounds.append(-mag.bounds[i])
    if zero.any():
        index[zero] = len(labels)
        labels.append("不变")
        colors.append(ZERO_COLOR)
        bounds.append(0.0)
    if pos.any():
        mag = classify(values[pos], k=half, scheme=scheme)
        n = len(mag.bounds)
        names = class_labels(mag, metric, float(values[pos].min()))
        for i in range(n):
            sub = np.where(pos)[0][mag.index == i]
            index[sub] = len(labels)
            labels.append(f"增加 {names[i]}")
            colors.append(BLUES[min(len(BLUES) - 1, 1 + round(i * 3 / max(n - 1, 1)))])
            bounds.append(mag.bounds[i])
    return Classes(bounds, index), labels, colors


@shared_figure
def county_choropleth(
    df: pd.DataFrame,
    *,
    metric: Metric,
    value_col: str | None = None,
    k: int = 5,
    scheme: str = "quantiles",
    overlays: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    selected: str | None = None,
    label_codes: Sequence[str] = (),
    height: int = 620,
    font_size: int = 14,
    diverging: bool = False,
) -> go.Figure:
    """Choropleth of the counties in `df` (county_code, county_name, city_name, <metric>).

    diverging=True for a ± measure (a scenario's change): falls in reds, rises in blues, no change in light grey.

    One trace per class, so the legend reads as Chinese class ranges; overlay outlines
    (poverty counties, 挂牌督战, deep-poverty areas) and the selected county are extra traces.
    Every metric trace carries meta="metric" so tests can find the values.
    """
    col = value_col or metric.key
    values = df[col].astype(float).to_numpy()
    if diverging:
        classes, labels, colors = diverging_classes(values, metric, k=k, scheme=scheme)
    else:
        classes = classify(values, k=k, scheme=scheme)
        palette = REDS if metric.higher_is_worse else BLUES
        colors = [
            palette[round(i * (len(palette) - 1) / max(len(classes.bounds) - 1, 1))] for i in range(len(classes.bounds))
        ]
        finite = values[~np.isnan(values)]
        labels = class_labels(classes, metric, float(finite.min()) if len(finite) else 0.0)
    fig = go.Figure()
    hover = f"<b>%{{customdata[0]}}</b>（%{{customdata[1]}}）<br>{metric.label}：%{{customdata[2]}}<extra></extra>"

    def add(mask: np.ndarray, name: str, color: str) -> None:
        part = df[mask]
        fig.add_trace(
            go.Choropleth(
                geojson=features_for(part["county_code"]),
                featureidkey="id",
                locations=part["county_code"],
                z=part[col].astype(float),
                colorscale=[[0, color], [1, color]],
                showscale=False,
                name=name,
                legendgroup="classes",
                customdata=np.column_stack(
                    [part["county_name"], part["city_name"], [fmt_value(v, metric) for v in part[col].astype(float)]]
                ),
                hovertemplate=hover,
                marker_line_color="#ffffff",
                marker_line_width=0.7,
                meta="metric",
                showlegend=True,
            )
        )

    for i, (label, color) in enumerate(zip(labels, colors, strict=True)):
        add(classes.index == i, label, color)
    if (classes.index == -1).any():
        add(classes.index == -1, "无数据", NO_DATA)
    in_view = set(df["county_code"])  # outlines only inside the map's (the viewer's) area
    for key, (name, codes) in (overlays or {}).items():
        color, width = OVERLAY_STYLE.get(key, ("#333333", 2.0))
        _outline(fig, [c for c in codes if c in in_view], name, color, width)
    if selected and selected in in_view:
        _outline(fig, [selected], "当前县", *SELECTED_STYLE)
    if label_codes:
        cen = county_centroids()
        names = df.set_index("county_code")["county_name"]
        codes = [c for c in label_codes if c in cen and c in names.index]
        fig.add_trace(
            go.Scattergeo(
                lon=[cen[c][0] for c in codes],
                lat=[cen[c][1] for c in codes],
                text=[f"<b>{names[c]}</b>" for c in codes],
                mode="text",
                textfont={"size": font_size, "color": "#ffffff", "family": FONT},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator", bgcolor="rgba(0,0,0,0)")
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        font={"family": FONT, "size": font_size},
        legend={  # under the map, never over a county (and the map keeps the width, on a phone too)
            "title": {"text": f"{metric.label}（{metric.unit}）", "side": "left"},
            "orientation": "h",
            "yanchor": "top",
            "y": -0.01,
            "x": 0.0,
            "font": {"size": font_size + 1},
            "bgcolor": "rgba(255,255,255,0.85)",
            "itemclick": "toggle",
        },
        dragmode=False,
        clickmode="event+select",
    )
    return fig


@shared_figure
def township_choropleth(
    towns: pd.DataFrame,
    features: Mapping,
    villages: pd.DataFrame,
    *,
    metric: Metric,
    k: int = 5,
    scheme: str = "quantiles",
    selected: str | None = None,
    note: str = "",
    height: int = 560,
) -> go.Figure:
    """Choropleth of one county's townships plus its village markers.

    towns: township_code, township_name, <metric> (townships without a row are drawn as 无数据);
    features: the county's township FeatureCollection (id = township code) — nothing else is drawn;
    villages: village_code, village_name, township_code, township_name, poverty_village, lon, lat,
    <metric> (NaN: no households).
    With `selected`, that township is outlined, its villages are named and the map zooms to it.
    Metric traces carry meta="metric" (values: `metric_values`), village markers meta="villages".
    """
    feats = {f["id"]: f for f in features["features"]}
    names = {c: f["properties"]["name"] for c, f in feats.items()}
    values = towns.set_index("township_code")[metric.key].astype(float)
    df = pd.DataFrame({"code": list(feats), "name": [names[c] for c in feats]})
    df["value"] = df["code"].map(values).astype(float)
    v = df["value"].to_numpy()
    classes = classify(v, k=k, scheme=scheme)
    palette = REDS if metric.higher_is_worse else BLUES
    n = len(classes.bounds)
    colors = [palette[round(i * (len(palette) - 1) / max(n - 1, 1))] for i in range(n)]
    finite = v[~np.isnan(v)]
    labels = class_labels(classes, metric, float(finite.min()) if len(finite) else 0.0)
    fig = go.Figure()
    hover = f"<b>%{{customdata[0]}}</b><br>{metric.label}：%{{customdata[1]}}<br>点击查看各村<extra></extra>"

    def collection(codes: Sequence[str]) -> dict:
        return {"type": "FeatureCollection", "features": [feats[c] for c in codes]}

    def add(mask: np.ndarray, name: str, color: str) -> None:
        part = df[mask]
        shown = ["无数据" if np.isnan(x) else fmt_value(x, metric) for x in part["value"]]
        fig.add_trace(
            go.Choropleth(
                geojson=collection(part["code"].tolist()),
                featureidkey="id",
                locations=part["code"],
                z=part["value"].fillna(0),
                colorscale=[[0, color], [1, color]],
                showscale=False,
                name=name,
                legendgroup="classes",
                customdata=np.column_stack([part["name"], shown]),
                hovertemplate=hover,
                marker_line_color="#ffffff",
                marker_line_width=1.2,
                meta="metric" if name != "无数据" else "no_data",
                showlegend=True,
            )
        )

    for i, (label, color) in enumerate(zip(labels, colors, strict=True)):
        add(classes.index == i, label, color)
    if (classes.index == -1).any():
        add(classes.index == -1, "无数据", NO_DATA)
    if selected in feats:
        color, width = SELECTED_STYLE
        fig.add_trace(
            go.Choropleth(
                geojson=collection([selected]),
                featureidkey="id",
                locations=[selected],
                z=[0],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                name=f"<span style='color:{color}'>━━</span> {names[selected]}",
                marker_line_color=color,
                marker_line_width=width,
                hoverinfo="skip",
                meta="selected",
            )
        )
    _village_markers(fig, villages, metric, selected=selected if selected in feats else None)
    at = [label_point(feats[c]) for c in df["code"]]
    fills = [colors[i] if i >= 0 else NO_DATA for i in classes.index]
    fig.add_trace(
        go.Scattergeo(
            lon=[p[0] for p in at],
            lat=[p[1] for p in at],
            text=[f"<b>{n}</b>" for n in df["name"]],
            mode="text",
            textfont={"size": 13, "color": [ink_on(f) for f in fills], "family": FONT},
            hoverinfo="skip",
            showlegend=False,
            meta="labels",
        )
    )
    geo = {"visible": False, "projection_type": "mercator", "bgcolor": "rgba(0,0,0,0)"}
    if selected in feats:  # zoom to the township, neighbours around it for context
        lon, lat = zip(*_coords(feats[selected]["geometry"]), strict=True)
        pad = max(max(lon) - min(lon), max(lat) - min(lat)) * 0.35
        geo |= {"lonaxis_range": [min(lon) - pad, max(lon) + pad], "lataxis_range": [min(lat) - pad, max(lat) + pad]}
    else:
        geo["fitbounds"] = "locations"
    fig.update_geos(**geo)
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        font={"family": FONT, "size": 14},
        legend={  # under the map, never over a township
            "title": {"text": f"{metric.label}（{metric.unit}）", "side": "left"},
            "orientation": "h",
            "yanchor": "top",
            "y": -0.01,
            "x": 0.0,
            "bgcolor": "rgba(255,255,255,0.85)",
            "itemclick": "toggle",
        },
        dragmode=False,
        clickmode="event+select",
        hoverdistance=4,  # a click beside a village dot selects the township, not the dot
    )
    if note:  # above the map at its left, never on a township
        fig.update_layout(margin={"t": 28})
        fig.add_annotation(
            text=note,
            x=0.0,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font={"size": 13, "color": "#444444"},
            bgcolor="rgba(255,255,255,0.85)",
        )
    return fig


def _coords(geometry: Mapping) -> list[tuple[float, float]]:
    rings = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [(x, y) for poly in rings for ring in poly for x, y in ring]


def _village_markers(fig: go.Figure, villages: pd.DataFrame, metric: Metric, *, selected: str | None) -> None:
    """Village dots (poverty villages as diamonds); the selected township's villages larger and named."""
    if villages.empty:
        return
    shown = ["无数据" if pd.isna(x) else fmt_value(float(x), metric) for x in villages[metric.key]]
    v = villages.assign(shown=shown)
    hover = f"<b>%{{customdata[0]}}</b>（%{{customdata[1]}}）<br>{metric.label}：%{{customdata[2]}}<extra></extra>"
    inside = v["township_code"] == selected
    for part, named in ((v[~inside], False), (v[inside], True)):
        if part.empty:
            continue
        poverty = part["poverty_village"].fillna(False).astype(bool)
        fig.add_trace(
            go.Scattergeo(
                lon=part["lon"],
                lat=part["lat"],
                mode="markers+text" if named else "markers",
                text=part["village_name"] if named else None,
                textposition="top center",
                textfont={"size": 12, "color": "#222222", "family": FONT},
                marker={
                    "size": 9 if named else 5,
                    "color": "#222222" if named else "rgba(40,40,40,0.55)",
                    "symbol": np.where(poverty, "diamond", "circle"),
                    "line": {"width": 0.8, "color": "#ffffff"},
                },
                customdata=np.column_stack([part["village_name"], part["township_name"], part["shown"]]),
                hovertemplate=hover,
                name="村（◆贫困村，位置为示意）",
                legendgroup="villages",
                showlegend=not named,
                meta="villages",
            )
        )


def _outline(fig: go.Figure, codes: Sequence[str], name: str, color: str, width: float) -> None:
    codes = list(codes)
    if not codes:
        return
    fig.add_trace(
        go.Choropleth(
            geojson=features_for(codes),
            featureidkey="id",
            locations=codes,
            z=[0] * len(codes),
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            showscale=False,
            name=f"<span style='color:{color}'>━━</span> {name}",
            marker_line_color=color,
            marker_line_width=width,
            hoverinfo="skip",
            meta="overlay",
            showlegend=True,
        )
    )


def _array(values: object) -> list:
    """Plain values from a trace array, including plotly's base64 typed arrays ({dtype, bdata})."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values) if values is not None else []


def metric_values(fig: go.Figure) -> dict[str, float]:
    """county code → value over the metric traces (what a test compares with the query)."""
    out: dict[str, float] = {}
    for tr in fig.data:
        if getattr(tr, "meta", None) == "metric":
            out.update({loc: float(z) for loc, z in zip(_array(tr.locations), _array(tr.z), strict=True)})
    return out


@shared_figure
def trend_figure(
    df: pd.DataFrame,
    series: Mapping[str, str],
    *,
    unit: str = "",
    height: int = 300,
    font_size: int = 13,
    percent: bool = False,
) -> go.Figure:
    """Monthly lines: df has a `month` column; `series` maps column → Chinese name."""
    x = [Month.parse(m).short_label for m in df["month"]]
    fig = go.Figure()
    for col, name in series.items():
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df[col],
                name=name,
                mode="lines+markers",
                line={"width": 3},
                hovertemplate=f"{name} %{{x}}：%{{y:{',.1%' if percent else ',.0f'}}}{'' if percent else unit}<extra></extra>",  # noqa: E501
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": font_size},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},  # above the lines, never on them
        hovermode="x unified",
        yaxis={"tickformat": ".0%" if percent else ",", "rangemode": "tozero", "title": None, "automargin": True},
        xaxis={"automargin": True},
    )
    return fig


@shared_figure
def bar_figure(
    df: pd.DataFrame, *, label_col: str, metric: Metric, top: int = 20, height: int | None = None
) -> go.Figure:
    """Horizontal bars of the top areas by a metric (drill panel)."""
    part = df.dropna(subset=[metric.key]).nlargest(top, metric.key).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=part[metric.key],
            y=part[label_col],
            orientation="h",
            marker_color=REDS[3] if metric.higher_is_worse else BLUES[3],
            text=[fmt_value(v, metric) for v in part[metric.key]],
            textposition="outside",
            cliponaxis=False,  # the value beside the longest bar is drawn whole
            hovertemplate="%{y}：%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=height or max(260, 26 * len(part) + 60),
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
        font={"family": FONT, "size": 13},
        xaxis={"tickformat": ".0%" if metric.kind == "rate" else ",", "title": None},
        yaxis={"title": None},
    )
    return fig


@shared_figure
def weekly_lines(df: pd.DataFrame, col: str) -> go.Figure:
    """One cumulative weekly line per group (project type or county)."""
    fig = go.Figure()
    for grp, part in df.groupby("grp", sort=True):
        fig.add_trace(
            go.Scatter(
                x=part["week_end"],
                y=part[col],
                name=str(grp),
                mode="lines",
                line={"width": 2.5},
                hovertemplate=f"{grp} %{{x|%-m月%-d日}}：%{{y:,}}个<extra></extra>",
            )
        )
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        xaxis={"tickformat": "%-m月%-d日"},
        yaxis={"tickformat": ",", "rangemode": "tozero", "automargin": True},
    )
    return fig


@shared_figure
def weekly_totals(df: pd.DataFrame) -> go.Figure:
    """Cumulative started / stopped / restarted projects, all groups together, against the total."""
    fig = go.Figure()
    for col, name, color in (
        ("projects", "项目库", "#bdbdbd"),
        ("started", "已开工", BLUES[4]),
        ("stopped", "曾停工", REDS[3]),
        ("restarted", "已复工", "#1a9641"),
    ):
        fig.add_trace(
            go.Scatter(
                x=df["week_end"],
                y=df[col],
                name=name,
                mode="lines",
                line={"width": 2.5, "color": color},
                hovertemplate=f"{name} %{{x|%-m月%-d日}}：%{{y:,}}个<extra></extra>",
            )
        )
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        xaxis={"tickformat": "%-m月%-d日"},
        yaxis={"tickformat": ",", "rangemode": "tozero", "automargin": True},
    )
    return fig


@shared_figure
def source_bars(level: pd.DataFrame) -> go.Figure:
    """Allocated vs paid per fund source (资金级次), 万元."""
    fig = go.Figure(
        [
            go.Bar(x=level["fund_level"], y=level["allocated"].astype(float), name="已下达", marker_color="#bdbdbd"),
            go.Bar(x=level["fund_level"], y=level["paid"].astype(float), name="已支付", marker_color=BLUES[4]),
        ]
    )
    fig.update_layout(
        barmode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": 1.12, "x": 0},
        yaxis={"title": "万元", "tickformat": ",", "automargin": True},
    )
    return fig


@shared_figure
def tilt_scatter(df: pd.DataFrame) -> go.Figure:
    """Epidemic tilt: epidemic-affected households (x) against allocation per remaining poor person (y)."""
    part = df[df["special_allocated"] > 0]
    fig = go.Figure(
        go.Scatter(
            x=part["epidemic_households"],
            y=part["allocated_per_poor_person"].astype(float),
            mode="markers",
            text=part["county_name"],
            marker={"size": 11, "color": REDS[3], "opacity": 0.75},
            hovertemplate="%{text}<br>受疫情影响户：%{x:,}<br>每个剩余贫困人口：%{y:,.2f}万元<extra></extra>",
        )
    )
    fig.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 13},
        xaxis={"title": "受疫情影响户（户）", "tickformat": ","},
        yaxis={"title": "每个剩余贫困人口分到的财政专项扶贫资金（万元）", "automargin": True},
    )
    return fig


@shared_figure
def sparkline(df: pd.DataFrame, col: str, *, height: int = 90) -> go.Figure:
    """A small monthly line with the first and last values labelled (挂牌督战 cards)."""
    y = df[col].astype(float).tolist()
    x = [Month.parse(m).short_label for m in df["month"]]
    text = [f"{v:,.0f}" if i in (0, len(y) - 1) else "" for i, v in enumerate(y)]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers+text",
            text=text,
            textposition="top center",
            line={"width": 3, "color": REDS[3]},
            marker={"size": 6},
            hovertemplate="%{x}：%{y:,.0f}人<extra></extra>",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        height=height,
        margin={"l": 14, "r": 14, "t": 18, "b": 4},
        showlegend=False,
        font={"family": FONT, "size": 12},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False},
        yaxis={"visible": False, "rangemode": "tozero"},
    )
    return fig


@shared_figure
def households_by_county_bar(df: pd.DataFrame, *, top: int = 15) -> go.Figure:
    """Matching households per county (red-flag page), stacked new vs continuing."""
    part = df.nlargest(top, "households").iloc[::-1]
    fig = go.Figure(
        [
            go.Bar(
                y=part["county_name"],
                x=part["households"] - part["new_this_month"],
                name="持续",
                orientation="h",
                marker_color=REDS[3],
            ),
            go.Bar(
                y=part["county_name"], x=part["new_this_month"], name="本月新增", orientation="h", marker_color=REDS[1]
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=max(260, 24 * len(part) + 60),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": 1.1, "x": 0},
        yaxis={"automargin": True, "title": None},
        xaxis={"title": "户"},
    )
    return fig


@shared_figure
def income_history(months: pd.DataFrame, *, line: float) -> go.Figure:
    """One household's monthly income estimate against last year and the monitoring line; red months marked."""
    x = [Month.parse(m).short_label for m in months["month"]]
    red = months["red_flag"].astype(bool)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=months["income_estimate"].astype(float),
                name="预估年人均纯收入",
                mode="lines+markers",
                line={"width": 3, "color": BLUES[4]},
                marker={"size": 12, "color": [REDS[4] if r else BLUES[4] for r in red]},
                hovertemplate="%{x}：%{y:,.0f}元<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=months["income_last_year"].astype(float),
                name="上年人均纯收入",
                mode="lines",
                line={"dash": "dot", "color": "#888888"},
            ),
        ]
    )
    fig.add_hline(y=line, line_dash="dash", line_color=REDS[3], annotation_text=f"监测线 {line:,.0f}元")
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": 1.12, "x": 0},
        yaxis={"tickformat": ",", "rangemode": "tozero"},
    )
    return fig


def clearance_timeline(months: pd.DataFrame) -> pd.DataFrame:
    """The 销号 chain of the latest month: each stage with the date reached (or 未到达)."""
    last = months.iloc[-1]
    edge = last["household_category"] == "边缘户"
    stages = (
        [
            ("乡镇汇总填报", "township_filed_date"),
            ("县级审核", "county_reviewed_date"),
            ("省级销号", "province_cleared_date"),
        ]
        if edge
        else [
            ("村级填报", "village_filed_date"),
            ("乡镇审查", "township_reviewed_date"),
            ("市县审核", "county_audited_date"),
            ("省级备案", "province_recorded_date"),
        ]
    )
    rows = []
    for name, col in stages:
        d = last[col]
        rows.append(
            {
                "阶段": name,
                "到达日期": "" if pd.isna(d) else str(d)[:10],
                "状态": "已完成" if not pd.isna(d) else "未到达",
            }
        )
    return pd.DataFrame(rows)


@shared_figure
def compare_bars(
    df: pd.DataFrame,
    *,
    label_col: str,
    series: Mapping[str, str],
    unit: str = "人",
    height: int = 420,
    font_size: int = 14,
) -> go.Figure:
    """Grouped horizontal bars, e.g. remaining poor at the start of the year vs now per county."""
    part = df.iloc[::-1]
    colors = ("#bdbdbd", REDS[3], BLUES[3])
    fig = go.Figure(
        [
            go.Bar(
                y=part[label_col],
                x=part[col],
                name=name,
                orientation="h",
                marker_color=colors[i % len(colors)],
                text=[f"{int(v):,}{unit}" for v in part[col].fillna(0)],
                textposition="outside",
                hovertemplate=f"%{{y}} {name}：%{{x:,}}{unit}<extra></extra>",
            )
            for i, (col, name) in enumerate(series.items())
        ]
    )
    fig.update_layout(
        barmode="group",
        height=height,
        margin={"l": 10, "r": 60, "t": 30, "b": 10},
        font={"family": FONT, "size": font_size},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        xaxis={"tickformat": ",", "title": None},
        yaxis={"title": None, "automargin": True, "ticksuffix": "  "},
    )
    return fig
