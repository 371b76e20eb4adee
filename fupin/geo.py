"""The committed county boundaries (data/geo/anhui_counties.geojson), loaded once."""

from __future__ import annotations

import functools
import json

from fupin.reference import PROJECT_ROOT

GEOJSON_PATH = PROJECT_ROOT / "data" / "geo" / "anhui_counties.geojson"


@functools.cache
def counties_geojson() -> dict:
    """FeatureCollection of the 104 counties; feature id = 6-digit county code."""
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


@functools.cache
def county_centroids() -> dict[str, tuple[float, float]]:
    """(lon, lat) of a representative point inside each county, for labels."""
    from shapely.geometry import shape

    out = {}
    for f in counties_geojson()["features"]:
        p = shape(f["geometry"]).representative_point()
        out[f["id"]] = (round(p.x, 4), round(p.y, 4))
    return out
