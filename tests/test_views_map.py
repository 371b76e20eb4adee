"""地图 view on the tiny warehouse: map values, overlays, the export and the drill panel equal DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from fupin.views import figures
from fupin.views import map as map_view
from tests.support.views import selection


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("month", ["2020-02", "2020-06"])
def test_map_values_and_export_follow_the_metric_and_month(tiny_db: Path, month: str) -> None:
    v = map_view.view(selection(tiny_db, month=month), metric_key="red_flag_households")
    want = dict(
        rows(tiny_db, f"select county_code, red_flag_households from summary_county_month where month = '{month}-01'")
    )
    assert figures.metric_values(v.figure) == {c: float(n) for c, n in want.items()}
    assert len(v.export) == 104 and v.export.columns[3] == "红色预警户（户）"
    assert v.export.set_index("县代码")["红色预警户（户）"].to_dict() == want
    assert v.file_stem == f"红色预警户_{month}" and v.drill is None


def test_overlays_come_from_the_reference_lists(tiny_db: Path) -> None:
    v = map_view.view(selection(tiny_db), metric_key="remaining_poor_persons", overlays=["supervised", "dabie"])
    outlined = {tr.name.rsplit(" ", 1)[1]: set(tr.locations) for tr in v.figure.data if tr.meta == "overlay"}
    listed = {c for (c,) in rows(tiny_db, "select county_code from ref_supervision where level = 'county'")}
    assert outlined["挂牌督战县"] == listed
    dabie = {c for (c,) in rows(tiny_db, "select county_code from ref_deep_poverty_area where area like '%大别山%'")}
    assert outlined["大别山革命老区"] == dabie


def test_drill_panel_of_a_county(tiny_db: Path) -> None:
    v = map_view.view(selection(tiny_db, county="341221", city="341200"), metric_key="disbursement_rate")
    assert v.drill is not None and "临泉县" in v.drill.heading and "挂牌督战县" in v.drill.heading
    ((poor, towns, villages),) = rows(
        tiny_db,
        "select (select remaining_poor_persons from summary_county_month where month = '2020-06-01' and "
        "county_code = '341221'), (select count(*) from summary_township_month where month = '2020-06-01' and "
        "county_code = '341221'), (select count(*) from summary_village_month where month = '2020-06-01' and "
        "county_code = '341221')",
    )
    assert v.drill.tiles[0].value == f"{int(poor):,}人"
    assert len(v.drill.towns.frame) == towns and len(v.drill.villages.frame) == villages
    assert v.drill.towns.frame["剩余贫困人口"].sum() == poor
    assert v.drill.note and "剩余贫困人口" in v.drill.note  # 支付率 is county-only: the drill falls back
    assert v.drill.villages.formats == {"占比（‰）": "%.2f"}


def test_charts_say_demo_data_only_when_synthetic() -> None:
    """A chart's PNG download (the camera button) is the figure as drawn: captioned when the data are synthetic."""
    import plotly.graph_objects as go

    from fupin.core.labels import DEMO_NOTE
    from fupin.views.figures import with_demo_label

    plain = go.Figure(go.Bar(x=[1], y=[2]))
    assert with_demo_label(plain, synthetic=False) is plain and not plain.layout.annotations
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    labelled = with_demo_label(fig, synthetic=True)
    assert [a.text for a in labelled.layout.annotations] == [DEMO_NOTE]
    # captioned in place (no deep copy of a map's outlines on every run), and only once if drawn again
    assert labelled is fig and with_demo_label(fig, synthetic=True).layout.annotations == labelled.layout.annotations
    assert len(fig.layout.annotations) == 1


def test_demo_label_goes_below_the_axis_title() -> None:
    """The demo caption sits under the tick labels, and further down when the x axis has a title, so it never
    covers the title (it did on 督办总览's charts)."""
    import plotly.graph_objects as go

    from fupin.views.figures import with_demo_label

    plain = with_demo_label(go.Figure(go.Bar(x=[1], y=[2])), synthetic=True)
    titled = with_demo_label(
        go.Figure(go.Bar(x=[1], y=[2]), layout={"xaxis": {"title": {"text": "逾期件数"}}}), synthetic=True
    )
    (p,), (t,) = plain.layout.annotations, titled.layout.annotations
    assert t.yshift < p.yshift < 0
    assert titled.layout.margin.b >= -t.yshift + 20


def test_township_names_read_on_their_fill(tiny_db: Path) -> None:
    """On the county's township map each name is white on a dark class and near-black on a light one (the highest
    class of remaining poor is dark red: black names on it were unreadable)."""
    assert [figures.ink_on(c) for c in (figures.REDS[0], figures.REDS[-1], figures.NO_DATA)] == [
        "#111111",
        "#ffffff",
        "#111111",
    ]
    v = map_view.view(selection(tiny_db, county="341221", city="341200"), metric_key="remaining_poor_persons")
    assert v.drill is not None and v.drill.town_map is not None
    fig = v.drill.town_map
    fill = {}  # township name → its fill
    for tr in fig.data:
        if tr.type == "choropleth" and tr.meta in ("metric", "no_data"):
            fill.update(dict.fromkeys((row[0] for row in tr.customdata), tr.colorscale[0][1]))
    (labels,) = [tr for tr in fig.data if tr.meta == "labels"]
    ink = {
        t.removeprefix("<b>").removesuffix("</b>"): c for t, c in zip(labels.text, labels.textfont.color, strict=True)
    }
    assert set(ink) == set(fill) and set(ink.values()) == {"#ffffff", "#111111"}  # both kinds on 临泉's map
    assert ink == {name: figures.ink_on(f) for name, f in fill.items()}
