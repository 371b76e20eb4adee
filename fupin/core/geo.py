"""The committed county boundaries (data/geo/anhui_counties.geojson), loaded once."""

from __future__ import annotations

import functools
import json

from fupin.core.reference import PROJECT_ROOT

GEOJSON_PATH = PROJECT_ROOT / "data" / "geo" / "anhui_counties.geojson"


@functools.cache
def counties_geojson() -> dict:
    """FeatureCollection of the 104 counties; feature id = 6-digit county code."""
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


def features_for(codes: object) -> dict:
    """A FeatureCollection of just these counties: a chart carries only the outlines it draws, so a
    county user's page holds no other county's boundary or name, and the page is lighter."""
    wanted = {str(c) for c in codes}  # type: ignore[union-attr]
    return {"type": "FeatureCollection", "features": [f for f in counties_geojson()["features"] if f["id"] in wanted]}


@functools.cache
def county_centroids() -> dict[str, tuple[float, float]]:
    """(lon, lat) of a representative point inside each county, for labels."""
    from shapely.geometry import shape

    out = {}
    for f in counties_geojson()["features"]:
        p = shape(f["geometry"]).representative_point()
        out[f["id"]] = (round(p.x, 4), round(p.y, 4))
    return out
