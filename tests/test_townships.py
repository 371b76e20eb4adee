"""The township boundaries (演示边界) and their loader.

Township codes are read from data/reference/townships.csv, never written here: the file is rebuilt by
``python -m tools townships`` whenever the synthetic codes change.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from fupin.core import geo
from fupin.views import figures
from fupin.views import map as map_view
from tests.support.views import LINQUAN, selection

# One worker builds this module's `demo` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_townships")

ROOT = Path(__file__).resolve().parents[1]
TOWNS = pd.read_csv(ROOT / "data" / "reference" / "townships.csv", dtype=str)
VILLAGES = pd.read_csv(ROOT / "data" / "reference" / "villages.csv", dtype=str)
DEMO = geo.TOWNSHIP_DEMO_PATH
TOL = 1e-6  # deg²: rounding to 5 decimals leaves slivers far below this


@pytest.fixture(scope="module")
def demo() -> dict:
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cells(demo: dict) -> pd.DataFrame:
    rows = [{"code": f["id"], **f["properties"], "geom": shape(f["geometry"])} for f in demo["features"]]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def counties() -> dict[str, shapely.Geometry]:
    return {f["id"]: shape(f["geometry"]) for f in geo.counties_geojson()["features"]}


# ------------------------------------------------------------------------------------ the committed file


def test_file_is_small() -> None:
    assert DEMO.stat().st_size <= 2 * 1024 * 1024


def test_every_township_of_the_reference_has_exactly_one_feature(demo: dict, cells: pd.DataFrame) -> None:
    assert sorted(cells["code"]) == sorted(TOWNS["township_code"])
    assert cells["code"].is_unique
    ref = TOWNS.set_index("township_code")
    assert (cells.set_index("code")["name"] == ref.loc[cells["code"], "township_name"].to_numpy()).all()
    assert (cells.set_index("code")["county_code"] == ref.loc[cells["code"], "county_code"].to_numpy()).all()
    assert all(f["id"] == f["properties"]["code"] for f in demo["features"])
    assert set(cells["geom"].map(lambda g: g.geom_type)) <= {"Polygon", "MultiPolygon"}
    assert cells["geom"].map(lambda g: g.is_valid and not g.is_empty).all()
    # Mostly single polygons: a cut through a ragged county may leave a few two-part townships.
    assert (cells["geom"].map(lambda g: g.geom_type) == "Polygon").mean() > 0.95


def test_townships_fill_their_county_with_shared_borders(cells: pd.DataFrame, counties: dict) -> None:
    for county, part in cells.groupby("county_code"):
        c = counties[county]
        geoms = part["geom"].to_numpy()
        areas = shapely.area(geoms)
        assert abs(areas.sum() - c.area) <= 0.01 * c.area, county  # areas sum to the county's
        assert shapely.difference(shapely.union_all(geoms), c).area < TOL, county  # inside the county
        assert shapely.difference(c, shapely.union_all(geoms)).area < TOL, county  # no gaps
        assert shapely.coverage_is_valid(geoms), county  # shared borders: same vertices on both sides
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a < b:
                assert shapely.intersection(geoms[a], geoms[b]).area < TOL, (county, a, b)  # no overlaps


def test_areas_follow_the_number_of_villages(cells: pd.DataFrame) -> None:
    """Each township's share of its county's area ≈ its share of the villages (borders are wiggled a bit)."""
    n = VILLAGES.groupby("township_code").size()
    df = cells.assign(area=cells["geom"].map(lambda g: g.area), villages=cells["code"].map(n))
    df["area_share"] = df["area"] / df.groupby("county_code")["area"].transform("sum")
    df["village_share"] = df["villages"] / df.groupby("county_code")["villages"].transform("sum")
    ratio = df["area_share"] / df["village_share"]
    assert ratio.between(0.6, 1.6).all() and abs(np.median(ratio) - 1) < 0.05


def test_outer_rings_are_clockwise(demo: dict) -> None:
    for f in demo["features"]:
        g = shape(f["geometry"])
        assert shapely.orient_polygons(g, exterior_cw=True).equals_exact(g, 0), f["id"]


def test_the_build_is_deterministic_on_one_county(counties: dict) -> None:
    from tools.townships import county_townships

    county = "341221"
    codes = sorted(TOWNS.loc[TOWNS["county_code"] == county, "township_code"])
    n = VILLAGES.groupby("township_code").size()
    a = county_townships(counties[county], county, codes, [float(n[c]) for c in codes])
    b = county_townships(counties[county], county, codes, [float(n[c]) for c in codes])
    assert all(a[c].equals_exact(b[c], 0) for c in codes)


# ------------------------------------------------------------------------------------ the loader


def test_loader_returns_one_county_only() -> None:
    for county in ("341221", "340102"):
        fc = geo.townships_geojson(county)
        want = set(TOWNS.loc[TOWNS["county_code"] == county, "township_code"])
        assert {f["id"] for f in fc["features"]} == want
        assert {f["properties"]["county_code"] for f in fc["features"]} == {county}
    assert geo.township_boundaries().demo


def _write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_real_file_in_the_same_shape_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    county = "341221"
    town = TOWNS.loc[TOWNS["county_code"] == county].iloc[0]
    ccw = [[[115.0, 33.0], [115.1, 33.0], [115.1, 33.1], [115.0, 33.1], [115.0, 33.0]]]  # RFC 7946 orientation
    props = {"code": town["township_code"], "name": town["township_name"], "county_code": county}
    real = _write(
        tmp_path / "real.geojson",
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": ccw}}],
        },
    )
    monkeypatch.setenv(geo.TOWNSHIP_ENV, str(real))
    assert not geo.township_boundaries().demo
    (f,) = geo.townships_geojson(county)["features"]
    assert f["id"] == town["township_code"]
    assert shape(f["geometry"]).exterior.is_ccw is False  # turned clockwise for plotly geo
    assert geo.townships_geojson("340102")["features"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "不是 UTF-8 编码的 JSON"),
        ({"type": "Feature"}, "顶层不是 FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "没有 features"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "某镇"}}]}, "code"),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "341221100", "name": "某镇", "county_code": "340102"},
                        "geometry": {"type": "Polygon", "coordinates": []},
                    }
                ],
            },
            "county_code 不是其 code 的前6位",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "341221100", "name": "某镇", "county_code": "341221"},
                        "geometry": {"type": "Point", "coordinates": [115, 33]},
                    }
                ],
            },
            "不是 Polygon/MultiPolygon",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_chinese(
    content: object, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(geo.TOWNSHIP_ENV, str(_write(tmp_path / "bad.geojson", content)))
    with pytest.raises(geo.TownshipBoundaryError, match="乡镇边界文件格式不对") as e:
        geo.townships_geojson("341221")
    assert message in str(e.value)


def test_a_missing_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(geo.TOWNSHIP_ENV, str(tmp_path / "nope.geojson"))
    with pytest.raises(geo.TownshipBoundaryError, match="找不到乡镇边界文件"):
        geo.townships_geojson("341221")


def test_village_points_are_inside_their_township_and_stable() -> None:
    county = "341221"
    feats = {f["id"]: f for f in geo.townships_geojson(county)["features"]}
    v = VILLAGES[VILLAGES["county_code"] == county]
    pairs = list(zip(v["township_code"], v["village_code"], strict=True))
    pos = geo.village_positions(county, pairs)
    assert set(pos) == set(v["village_code"])
    for town, village in pairs:
        assert shape(feats[town]["geometry"]).contains(shapely.Point(pos[village])), village
    assert len(set(pos.values())) == len(pos)
    assert geo.village_points(feats[pairs[0][0]], [p[1] for p in pairs if p[0] == pairs[0][0]]) == {
        k: pos[k] for t, k in pairs if t == pairs[0][0]
    }


# ------------------------------------------------------------------------------------ the view


def _townships_drawn(fig: object) -> set[str]:
    return {f["id"] for tr in fig.data if tr.type == "choropleth" for f in tr.geojson["features"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("metric", ["red_flag_households", "incidence_per_mille", "disbursement_rate"])
def test_county_user_sees_the_township_map_of_their_county(tiny_db: Path, metric: str) -> None:
    sel = selection(tiny_db, LINQUAN)
    v = map_view.view(sel, metric_key=metric)
    assert v.figure is None and v.drill is not None and v.drill.town_map is not None
    fig = v.drill.town_map
    want = set(TOWNS.loc[TOWNS["county_code"] == "341221", "township_code"])
    assert _townships_drawn(fig) == want
    towns = sel.q("county_places_month", month=sel.month_date, county="341221", level="township")
    key = metric if metric != "disbursement_rate" else "remaining_poor_persons"  # county-only: falls back
    values = figures.metric_values(fig)
    assert values == pytest.approx(dict(zip(towns["township_code"], towns[key].astype(float), strict=True)))
    assert "演示边界" in v.drill.town_note and "演示边界" in fig.layout.annotations[0].text
    marks = [tr for tr in fig.data if tr.meta == "villages"]
    places = sel.q("area_places", county="341221")
    assert sum(len(tr.lon) for tr in marks) == len(places)
    text = fig.to_json()
    other = TOWNS.loc[TOWNS["county_code"] != "341221", "township_code"]
    assert not [c for c in other if c in text]


def test_a_township_click_drills_to_its_villages(tiny_db: Path) -> None:
    sel = selection(tiny_db, county="341221", city="341200")
    places = sel.q("area_places", county="341221")
    town = places["township_code"].iloc[0]
    v = map_view.view(sel, metric_key="remaining_poor_persons", township=town)
    assert v.figure is not None  # the admin keeps the county map
    assert v.drill is not None and v.drill.township == town
    assert v.drill.township_name == places["township_name"].iloc[0]
    all_villages = sel.q("county_places_month", month=sel.month_date, county="341221", level="village")
    mine = all_villages[all_villages["village_code"].isin(places.loc[places["township_code"] == town, "village_code"])]
    assert len(v.drill.villages.frame) == len(mine)
    assert v.drill.villages.frame["剩余贫困人口"].sum() == mine["remaining_poor_persons"].sum()
    named = [tr for tr in v.drill.town_map.data if tr.meta == "villages" and tr.mode == "markers+text"]
    assert sorted(named[0].text) == sorted(places.loc[places["township_code"] == town, "village_name"])


def test_a_township_of_another_county_is_ignored(tiny_db: Path) -> None:
    foreign = TOWNS.loc[TOWNS["county_code"] == "341225", "township_code"].iloc[0]
    v = map_view.view(selection(tiny_db, LINQUAN), metric_key="remaining_poor_persons", township=foreign)
    assert v.drill is not None and v.drill.township is None
    assert foreign not in v.drill.town_map.to_json()


# ------------------------------------------------------------------------------------ the page


def test_page_township_click_as_the_county_user(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import app_test

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    foreign = TOWNS.loc[TOWNS["county_code"] == "341225", "township_code"].iloc[0]
    at = app_test("linquan")
    at.query_params["township"] = foreign  # another county's township: ignored
    at.run()
    at.switch_page("app_pages/map.py").run()
    assert not at.exception
    (chart,) = at.get("plotly_chart")[:1]
    assert "演示边界" in chart.proto.spec and foreign not in chart.proto.spec
    assert not [b for b in at.button if b.label.startswith("返回全县")]
    own = TOWNS.loc[TOWNS["county_code"] == "341221"].iloc[2]
    at.session_state["town_map"] = {"selection": {"points": [{"location": own["township_code"]}]}}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button if b.label.startswith("返回全县")] == [
        f"返回全县（当前：{own['township_name']}）"
    ]
    n = VILLAGES["township_code"].eq(own["township_code"]).sum()
    assert at.tabs[1].label.startswith(own["township_name"]) and len(at.dataframe[1].value) <= n
