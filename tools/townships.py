"""Build the synthetic township boundaries (演示边界): data/geo/anhui_townships_demo.geojson.

The townships in data/reference/townships.csv are synthetic, so there is no real boundary to draw. This
command partitions each county polygon of data/geo/anhui_counties.geojson into one cell per township:

1. **Recursive area bisection.** The county's townships (sorted by code) are split into two halves; the
   polygon is cut by a straight line, roughly across its long axis with an angle varied by a few degrees
   (seeded by the county code), at the offset where the area on one side equals that half's share of the
   population weight (the township's number of villages in villages.csv). Both halves recurse until each
   holds one township. Of a few candidate angles the one giving single-part, compact pieces is kept. So
   each township's area is proportional to its weight, the cells sum exactly to the county, and
   neighbours share the cut line exactly.
2. **Organic borders.** Interior borders (never the county's outline) are densified and moved by a
   smooth, small displacement field (a few sinusoids, seeded by the county code) that fades to zero at the
   county outline. The field moves every shared vertex to the same place, so borders stay shared; it is
   kept well below a fold-over, and the county is rebuilt at half the amplitude if a check fails.
3. Coordinates are rounded to 5 decimals, outer rings made clockwise (plotly geo), features sorted by code.

Deterministic (no unseeded randomness): re-running on the same CSVs gives the same bytes, so the file
follows changes to the township codes by re-running ``python -m tools townships``.

Work is done in a local projection (x scaled by cos(latitude)) so areas and angles are true within a county.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COUNTIES = PROJECT_ROOT / "data" / "geo" / "anhui_counties.geojson"
REFERENCE = PROJECT_ROOT / "data" / "reference"
DEFAULT_OUT = PROJECT_ROOT / "data" / "geo" / "anhui_townships_demo.geojson"
DECIMALS = 5
Check = Callable[[BaseGeometry], bool]
MAX_BYTES = 2 * 1024 * 1024
JITTER_DEG = 22.0  # cut angle varied around the perpendicular of the long axis
CANDIDATE_TURNS = (0.0, 28.0, -28.0, 56.0, -56.0, 90.0)
WIGGLE = 0.05  # displacement amplitude, as a fraction of the typical township size
WAVELENGTH = 0.55  # of the displacement field, as a fraction of the typical township size
FADE = 0.25  # distance (fraction of township size) over which the displacement fades in from the outline


def _rng(*keys: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(keys).encode()))


def _parts(g: BaseGeometry) -> list[Polygon]:
    if g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g]
    return [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon) and not p.is_empty]


def _clean(g: BaseGeometry) -> BaseGeometry:
    """Polygonal part only (a cut can leave line or point slivers in a collection)."""
    parts = [p for p in _parts(g) if p.area > 0]
    if not parts and hasattr(g, "geoms"):
        parts = [p for sub in g.geoms for p in _parts(sub) if p.area > 0]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _long_axis(g: BaseGeometry) -> float:
    """Angle (radians) of the long side of the minimum rotated rectangle."""
    rect = np.asarray(shapely.minimum_rotated_rectangle(g).exterior.coords)
    e1, e2 = rect[1] - rect[0], rect[2] - rect[1]
    e = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    return math.atan2(e[1], e[0])


def _halfplane(g: BaseGeometry, angle: float, t: float) -> Polygon:
    """The half-plane {p : p·u <= t} (u at `angle`) as a polygon large enough to cover g."""
    u = np.array([math.cos(angle), math.sin(angle)])
    v = np.array([-u[1], u[0]])
    minx, miny, maxx, maxy = g.bounds
    r = 2 * math.hypot(maxx - minx, maxy - miny) + 1
    c = np.array([(minx + maxx) / 2, (miny + maxy) / 2])
    base = c + u * (t - c @ u)
    pts = [base + v * r, base + v * r - u * r, base - v * r - u * r, base - v * r]
    return Polygon(pts)


def _cut(g: BaseGeometry, angle: float, frac: float, ok: Check) -> tuple[BaseGeometry, BaseGeometry]:
    """Cut g by a line at `angle` so that the side {p·u <= t} holds `frac` of its area. If the pieces would
    not survive rounding (the line passes a hair from a vertex), the line is nudged by a tiny step."""
    coords = shapely.get_coordinates(g)
    u = np.array([math.cos(angle), math.sin(angle)])
    proj = coords @ u
    lo, hi = float(proj.min()), float(proj.max())
    target = frac * g.area
    for _ in range(48):
        mid = (lo + hi) / 2
        if g.intersection(_halfplane(g, angle, mid)).area < target:
            lo = mid
        else:
            hi = mid
    t, step = (lo + hi) / 2, 2e-4 * float(proj.max() - proj.min())
    for nudge in (0, 1, -1, 2, -2, 3, -3, 5, -5):
        a = _clean(g.intersection(_halfplane(g, angle, t + nudge * step)))
        b = _clean(g.difference(a))
        if ok(a) and ok(b):
            break
    return a, b


def _compactness(g: BaseGeometry) -> float:
    """Perimeter² / (4π area): 1 for a disc, larger for long or ragged shapes."""
    return g.length**2 / (4 * math.pi * g.area) if g.area > 0 else math.inf


def _partition(g: BaseGeometry, codes: list[str], weights: list[float], key: str, ok: Check) -> dict[str, BaseGeometry]:
    if len(codes) == 1:
        return {codes[0]: g}
    k = len(codes) // 2
    frac = sum(weights[:k]) / sum(weights)
    rng = _rng(key)
    base = _long_axis(g) + math.radians(rng.uniform(-JITTER_DEG, JITTER_DEG))
    best = None
    for turn in CANDIDATE_TURNS:
        angle = base + math.radians(turn)
        a, b = _cut(g, angle, frac, ok)
        extra_parts = max(len(_parts(a)) - len(_parts(g)), 0) + max(len(_parts(b)) - len(_parts(g)), 0)
        score = (not (ok(a) and ok(b)), extra_parts, max(_compactness(a), _compactness(b)) + abs(turn) / 90)
        if best is None or score < best[0]:
            best = (score, a, b)
    assert best is not None
    _, a, b = best
    out = _partition(a, codes[:k], weights[:k], key + "a", ok)
    out.update(_partition(b, codes[k:], weights[k:], key + "b", ok))
    return out


def _rebuild(g: BaseGeometry, ring_fn: Callable[[np.ndarray], list]) -> BaseGeometry:
    """The same polygon(s) with every ring passed through ring_fn."""
    polys = []
    for p in _parts(g):
        rings = [ring_fn(np.asarray(p.exterior.coords))] + [ring_fn(np.asarray(r.coords)) for r in p.interiors]
        polys.append(Polygon(rings[0], rings[1:]))
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _node(cells: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Rebuild the cells from one noded set of border lines, so both sides of every border have the same
    vertices (a later cut ends on a border only one side had cut) and no zero-width spikes remain."""
    codes = list(cells)
    geoms = np.array([cells[t] for t in codes], dtype=object)
    lines = shapely.union_all(shapely.boundary(geoms), grid_size=1e-9)  # snap-rounded: slivers collapse
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))) if f.area > 1e-12]
    owner: dict[int, list] = defaultdict(list)
    for face in faces:
        inside = shapely.contains(geoms, face.representative_point())
        if not inside.any():  # a hole in the county (an enclave of a neighbour), or a rounding sliver
            overlap = shapely.area(shapely.intersection(geoms, face))
            if overlap.max() < 0.5 * face.area:
                continue
            inside = overlap == overlap.max()
        owner[int(np.argmax(inside))].append(face)
    return {t: shapely.coverage_union_all(owner[i]) for i, t in enumerate(codes)}


def _densify_interior(g: BaseGeometry, outline: BaseGeometry, step: float) -> BaseGeometry:
    """Insert points every ~step along edges that are not on the county outline. An edge is split the same
    way whichever polygon (and direction) it belongs to, so shared borders stay identical."""

    def ring(coords: np.ndarray) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        mids = shapely.points((coords[:-1] + coords[1:]) / 2)
        on_outline = shapely.distance(mids, outline) < 1e-9
        for i in range(len(coords) - 1):
            p, q = tuple(coords[i]), tuple(coords[i + 1])
            out.append(p)
            if on_outline[i]:
                continue
            n = int(math.hypot(q[0] - p[0], q[1] - p[1]) / step)
            if n < 1:
                continue
            lo, hi = (p, q) if p <= q else (q, p)
            pts = [
                (lo[0] + (hi[0] - lo[0]) * j / (n + 1), lo[1] + (hi[1] - lo[1]) * j / (n + 1)) for j in range(1, n + 1)
            ]
            out.extend(pts if p <= q else pts[::-1])
        out.append(tuple(coords[-1]))
        return out

    return _rebuild(g, ring)


def _displace(g: BaseGeometry, outline: BaseGeometry, key: str, size: float, amplitude: float) -> BaseGeometry:
    """Move every vertex by a smooth field that is zero on the county outline."""
    rng = _rng(key, "wiggle")
    waves = []
    for _axis in range(2):
        dirs = rng.uniform(0, 2 * math.pi, 3)
        phases = rng.uniform(0, 2 * math.pi, 3)
        lengths = size * WAVELENGTH * rng.uniform(0.8, 1.3, 3)
        waves.append((dirs, phases, lengths))

    def move(xy: np.ndarray) -> np.ndarray:
        dist = shapely.distance(shapely.points(xy), outline)
        fade = np.clip(dist / (FADE * size), 0.0, 1.0)
        fade[dist < 1e-9] = 0.0
        out = xy.copy()
        for axis, (dirs, phases, lengths) in enumerate(waves):
            s = sum(
                np.sin(2 * math.pi * (xy[:, 0] * math.cos(d) + xy[:, 1] * math.sin(d)) / ln + ph) / 3
                for d, ph, ln in zip(dirs, phases, lengths, strict=True)
            )
            out[:, axis] += amplitude * size * fade * s
        return out

    return shapely.transform(g, move)


def _coverage_ok(cells: list[BaseGeometry], county: BaseGeometry) -> bool:
    if not all(c.is_valid and not c.is_empty for c in cells):
        return False
    total = sum(c.area for c in cells)
    if abs(total - county.area) > 1e-4 * county.area:
        return False
    return bool(shapely.coverage_is_valid(np.array(cells, dtype=object)))


def county_townships(
    county: BaseGeometry, code: str, townships: list[str], weights: list[float]
) -> dict[str, BaseGeometry]:
    """One cell per township (lon/lat, rounded, clockwise), partitioning `county`."""
    lat0 = (county.bounds[1] + county.bounds[3]) / 2
    kx = math.cos(math.radians(lat0))

    def fwd(xy: np.ndarray) -> np.ndarray:
        return xy * np.array([kx, 1.0])

    def back(xy: np.ndarray) -> np.ndarray:
        return xy / np.array([kx, 1.0])

    def ok(g: BaseGeometry) -> bool:  # still valid once back in lon/lat with rounded coordinates
        return bool(shapely.set_precision(shapely.transform(g, back), 10**-DECIMALS, mode="pointwise").is_valid)

    local = shapely.transform(county, fwd)
    cells = _node(_partition(local, townships, weights, code, ok))
    outline = local.boundary
    size = math.sqrt(local.area / len(townships))
    for amplitude in (WIGGLE, WIGGLE / 2, WIGGLE / 4, 0.0):
        out = {}
        for t, g in cells.items():
            moved = _displace(_densify_interior(g, outline, size / 12), outline, code, size, amplitude)
            lonlat = shapely.set_precision(shapely.transform(moved, back), 10**-DECIMALS, mode="pointwise")
            out[t] = shapely.orient_polygons(lonlat, exterior_cw=True)
        if _coverage_ok(list(out.values()), county):
            return out
        print(f"  {code}: borders folded at amplitude {amplitude}, retrying smaller", file=sys.stderr)
    raise RuntimeError(f"{code}: no valid partition")


def _rounded(obj: object) -> object:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_rounded(x) for x in obj]
    return obj


def build(*, counties: Path = COUNTIES, reference: Path = REFERENCE) -> dict:
    """The FeatureCollection of every township in townships.csv, partitioning its county."""
    polys = {f["id"]: shape(f["geometry"]) for f in json.loads(counties.read_text(encoding="utf-8"))["features"]}
    with (reference / "townships.csv").open(encoding="utf-8", newline="") as f:
        towns = sorted(csv.DictReader(f), key=lambda r: r["township_code"])
    with (reference / "villages.csv").open(encoding="utf-8", newline="") as f:
        villages = Counter(r["township_code"] for r in csv.DictReader(f))
    by_county: dict[str, list[dict]] = defaultdict(list)
    for r in towns:
        by_county[r["county_code"]].append(r)
    features = []
    for county_code in sorted(by_county):
        rows = by_county[county_code]
        codes = [r["township_code"] for r in rows]
        weights = [float(max(villages[c], 1)) for c in codes]
        cells = county_townships(polys[county_code], county_code, codes, weights)
        for r in rows:
            geom = _rounded(mapping(cells[r["township_code"]]))
            props = {"code": r["township_code"], "name": r["township_name"], "county_code": county_code}
            features.append({"type": "Feature", "id": r["township_code"], "properties": props, "geometry": geom})
    return {"type": "FeatureCollection", "name": "演示边界（合成乡镇边界，非真实行政区划）", "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools townships", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--reference-dir", type=Path, default=REFERENCE)
    parser.add_argument("--counties", type=Path, default=COUNTIES)
    args = parser.parse_args(argv)
    fc = build(counties=args.counties, reference=args.reference_dir)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        print(f"{args.out}: {size:,} bytes, over the {MAX_BYTES:,}-byte limit", file=sys.stderr)
        return 1
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(fc['features'])} townships to {args.out} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
