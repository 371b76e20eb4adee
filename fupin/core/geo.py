"""The committed boundaries, loaded once: the 104 counties (data/geo/anhui_counties.geojson) and the townships
(the synthetic 演示边界 in data/geo/anhui_townships_demo.geojson, built by `python -m tools townships`, or a real
file named by FUPIN_TOWNSHIP_GEOJSON with the same properties)."""

from __future__ import annotations

import copy
import functools
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


# ------------------------------------------------------------------------------------ townships

TOWNSHIP_DEMO_PATH = PROJECT_ROOT / "data" / "geo" / "anhui_townships_demo.geojson"
TOWNSHIP_ENV = "FUPIN_TOWNSHIP_GEOJSON"  # a real township boundary file, same properties as the demo file
DEMO_LABEL = "演示边界"


class TownshipBoundaryError(ValueError):
    """The township boundary file is not in the expected shape (message in Chinese, for the page)."""


@dataclass(frozen=True)
class TownshipBoundaries:
    """Township features by county code, and whether they are the synthetic 演示边界."""

    by_county: dict[str, tuple[dict, ...]]
    demo: bool
    source: str


def township_source() -> tuple[Path, bool]:
    """The boundary file in use: FUPIN_TOWNSHIP_GEOJSON when set (real boundaries), else the demo file."""
    supplied = os.environ.get(TOWNSHIP_ENV, "").strip()
    return (Path(supplied), False) if supplied else (TOWNSHIP_DEMO_PATH, True)


def township_boundaries() -> TownshipBoundaries:
    """The township boundaries in use (validated, cached per file)."""
    path, demo = township_source()
    return _load_townships(str(path), demo)


def townships_geojson(county_code: str) -> dict:
    """FeatureCollection of one county's townships only (feature id = township code): a county user's page
    carries no other county's township outline or name."""
    feats = township_boundaries().by_county.get(str(county_code), ())
    return {"type": "FeatureCollection", "features": [copy.deepcopy(f) for f in feats]}


def _fail(path: str, why: str) -> TownshipBoundaryError:
    return TownshipBoundaryError(
        f"乡镇边界文件格式不对（{Path(path).name}）：{why}。"
        "需要 GeoJSON FeatureCollection，每个要素为 Polygon/MultiPolygon，属性含 code（9位乡镇代码）、"
        "name（乡镇名称）、county_code（6位县代码，且为 code 的前6位）。"
    )


@functools.cache
def _load_townships(path: str, demo: bool) -> TownshipBoundaries:
    import shapely
    from shapely.geometry import mapping, shape

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise TownshipBoundaryError(f"找不到乡镇边界文件：{path}（环境变量 {TOWNSHIP_ENV}）") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(path, "不是 UTF-8 编码的 JSON") from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _fail(path, "顶层不是 FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise _fail(path, "没有 features")
    by_county: dict[str, list[dict]] = {}
    seen: set[str] = set()
    for i, f in enumerate(features, start=1):
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(props, dict):
            raise _fail(path, f"第{i}个要素没有 properties")
        code, name, county = (props.get(k) for k in ("code", "name", "county_code"))
        if not (isinstance(code, str) and len(code) == 9 and code.isdigit()):
            raise _fail(path, f"第{i}个要素的 code 不是9位数字文本：{str(code)[:20]!r}")
        if not (isinstance(county, str) and len(county) == 6 and county.isdigit() and code.startswith(county)):
            raise _fail(path, f"第{i}个要素（{code}）的 county_code 不是其 code 的前6位")
        if not (isinstance(name, str) and name.strip()):
            raise _fail(path, f"第{i}个要素（{code}）没有 name")
        if code in seen:
            raise _fail(path, f"乡镇代码 {code} 出现了两次")
        seen.add(code)
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise _fail(path, f"第{i}个要素（{code}）的几何不是 Polygon/MultiPolygon")
        try:
            g = shape(geom)
        except Exception as e:  # malformed coordinate arrays raise several kinds of error
            raise _fail(path, f"第{i}个要素（{code}）的坐标无法读取") from e
        if g.is_empty:
            raise _fail(path, f"第{i}个要素（{code}）的几何为空")
        if not demo:  # plotly geo needs clockwise outer rings; real files usually follow RFC 7946 (anticlockwise)
            geom = mapping(shapely.orient_polygons(g, exterior_cw=True))
            geom = json.loads(json.dumps(geom))  # tuples → lists, as in a parsed file
        props = {"code": code, "name": name, "county_code": county}
        by_county.setdefault(county, []).append({"type": "Feature", "id": code, "properties": props, "geometry": geom})
    return TownshipBoundaries({k: tuple(v) for k, v in by_county.items()}, demo, path)


def label_point(township: dict) -> tuple[float, float]:
    """Where a township's name is written: a point well inside its (largest) polygon."""
    from shapely.geometry import shape

    g = shape(township["geometry"])
    part = max(getattr(g, "geoms", [g]), key=lambda p: p.area)
    p = part.representative_point()
    return (round(p.x, 5), round(p.y, 5))


def village_points(township: dict, village_codes: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Deterministic illustrative positions (lon, lat) for a township's villages, spread inside its polygon
    (best-candidate sampling seeded by the township code): there are no real village coordinates."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    poly = shape(township["geometry"])
    codes = sorted(village_codes)
    if not codes:
        return {}
    rng = np.random.default_rng(zlib.crc32(str(township["id"]).encode()))
    minx, miny, maxx, maxy = poly.bounds
    cand = rng.uniform((minx, miny), (maxx, maxy), size=(40 * len(codes) + 200, 2))
    cand = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]
    if not len(cand):
        p = poly.representative_point()
        return {c: (round(p.x, 5), round(p.y, 5)) for c in codes}
    edge = shapely.distance(shapely.points(cand), poly.boundary) * 1.6  # keep off the border
    label = label_point(township)
    chosen: list[np.ndarray] = []
    best = np.minimum(edge, np.hypot(cand[:, 0] - label[0], cand[:, 1] - label[1]) * 0.8)  # and off the name
    for _ in codes:
        i = int(np.argmax(best))
        chosen.append(cand[i])
        best = np.minimum(best, np.hypot(*(cand - cand[i]).T))
    return {c: (round(float(p[0]), 5), round(float(p[1]), 5)) for c, p in zip(codes, chosen, strict=True)}


def village_positions(county_code: str, villages: Sequence[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """village code → illustrative (lon, lat) for a county's (township_code, village_code) pairs, from the
    boundaries in use; cached, since a page run asks for the same county again."""
    return _village_positions(str(township_source()[0]), str(county_code), tuple(sorted(villages)))


@functools.lru_cache(maxsize=128)
def _village_positions(source: str, county_code: str, villages: tuple[tuple[str, str], ...]) -> dict:
    feats = {f["id"]: f for f in townships_geojson(county_code)["features"]}
    by_town: dict[str, list[str]] = {}
    for town, village in villages:
        by_town.setdefault(town, []).append(village)
    out: dict[str, tuple[float, float]] = {}
    for town, codes in by_town.items():
        if town in feats:
            out |= village_points(feats[town], codes)
    return out
