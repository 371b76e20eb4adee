"""Figures built once per input (fupin/core/memo.py) and drawn from their JSON made once (fupin/ui/render.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from fupin.core import memo as figcache
from fupin.core.geo import counties_geojson
from fupin.core.labels import METRICS_BY_KEY
from fupin.core.memo import fingerprint, is_shared, shared_figure
from fupin.ui import render
from fupin.views import figures, meeting, overview

METRIC = METRICS_BY_KEY["remaining_poor_persons"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    figcache.clear()


def counties(n: int = 12, scale: int = 1) -> pd.DataFrame:
    codes = [f["id"] for f in counties_geojson()["features"]][:n]
    return pd.DataFrame(
        {
            "county_code": codes,
            "county_name": [f"县{i}" for i in range(n)],
            "city_name": ["市"] * n,
            "remaining_poor_persons": [i * 10 * scale for i in range(n)],
        }
    )


def test_fingerprint_follows_content_not_identity() -> None:
    a, b = counties(), counties()
    assert a is not b and fingerprint(a) == fingerprint(b)
    changed = counties()
    changed.loc[3, "remaining_poor_persons"] = 31
    assert fingerprint(changed) != fingerprint(a)
    assert fingerprint(a.rename(columns={"city_name": "city"})) != fingerprint(a)
    assert fingerprint(a.astype({"remaining_poor_persons": "float64"})) != fingerprint(a)
    assert fingerprint(a, k=5) != fingerprint(a, k=4)
    assert fingerprint(a, k=5) != fingerprint(a, 5)
    assert fingerprint(np.array([1, 2])) != fingerprint(np.array([1.0, 2.0]))
    assert fingerprint({"supervised": ("挂牌督战县", ["341221"])}) != fingerprint({"supervised": ("挂牌督战县", [])})
    assert fingerprint(True) != fingerprint(1)
    with pytest.raises(figcache.Unhashable):
        fingerprint(object())


def test_equal_inputs_give_the_same_figure_and_other_inputs_another() -> None:
    first = figures.county_choropleth(counties(), metric=METRIC, height=500)
    again = figures.county_choropleth(counties(), metric=METRIC, height=500)
    assert again is first and is_shared(first)
    other = figures.county_choropleth(counties(scale=2), metric=METRIC, height=500)
    assert other is not first
    assert figures.metric_values(other) == {k: 2 * v for k, v in figures.metric_values(first).items()}
    assert figures.county_choropleth(counties(), metric=METRIC, height=501) is not first


def test_a_builder_that_restyles_another_builders_figure_leaves_the_shared_one_alone() -> None:
    """The meeting map restyles the overview map: it must work on a fresh figure, not the shared one."""
    df = counties()
    sup = df["county_code"].head(3).tolist()
    args = {"metric": METRIC, "overlays": {"supervised": ("挂牌督战县", sup)}, "label_codes": sup, "height": 700}
    shared = figures.county_choropleth(df, **args, font_size=meeting.TEXT)
    before = shared.to_json()
    v = overview.OverviewView(
        title="",
        caption=None,
        tiles=[],
        restart_tiles=[],
        funds_tiles=[],
        totals=pd.DataFrame(),
        counties=df,
        supervised=sup,
        selected=None,
        present=True,
        month_cn="6月",
    )
    for palette in (meeting.LIGHT, meeting.DARK):
        styled = meeting.county_map(v, palette, width=1200, height=700)
        assert styled is not shared
    assert shared.to_json() == before
    assert figures.county_choropleth(df, **args, font_size=meeting.TEXT) is shared


def test_arguments_it_cannot_fingerprint_are_never_cached() -> None:
    calls = []

    @shared_figure
    def build(x: object) -> go.Figure:
        calls.append(x)
        return go.Figure()

    thing = object()
    assert build(thing) is not build(thing) and len(calls) == 2
    assert build(3) is build(3) and len(calls) == 3


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figcache, "MAX_FIGURES", 4)

    @shared_figure
    def build(i: int) -> go.Figure:
        return go.Figure(go.Bar(x=[i]))

    figs = [build(i) for i in range(10)]
    assert len(figcache._figures) == 4
    assert build(9) is figs[9] and build(0) is not figs[0]  # the oldest went first


@pytest.mark.parametrize("synthetic", [True, False])
def test_a_shared_figure_is_drawn_as_plotly_would_draw_it(synthetic: bool) -> None:
    """What st.plotly_chart sends for a shared figure equals what it sends for the figure itself (captioned 演示数据
    on synthetic data), and the shared figure itself is not changed by the caption."""
    fig = figures.trend_figure(
        pd.DataFrame({"month": ["2020-01", "2020-02"], "a": [1.0, 2.0]}), {"a": "甲"}, unit="人", height=300
    )
    assert is_shared(fig)
    drawn = render._drawn(fig, synthetic=synthetic)
    spec = drawn.to_dict()
    expected = figures.with_demo_label(go.Figure(fig), synthetic=True).to_dict() if synthetic else fig.to_dict()
    assert _pruned(json.loads(spec.json)) == _pruned(json.loads(render._to_json(expected, validate=False)))
    assert pio.to_json(spec) is spec.json  # made once: st.plotly_chart gets it as it is
    labels = [a.name for a in fig.layout.annotations]
    assert "demo_label" not in labels
    assert ("demo_label" in json.dumps(spec)) is synthetic
    assert render._drawn(fig, synthetic=synthetic) is drawn
    assert pio.to_json({"data": [], "layout": {}}) == _plain_json({"data": [], "layout": {}})  # others unchanged


def _plain_json(obj: object) -> str:
    return render._to_json(obj)


def _pruned(obj: object) -> object:
    """Without empty objects ("title": {} reads the same to plotly.js as no title)."""
    if isinstance(obj, dict):
        return {k: _pruned(v) for k, v in obj.items() if v != {}}
    if isinstance(obj, list):
        return [_pruned(v) for v in obj]
    return obj
