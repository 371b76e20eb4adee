"""会议大屏 slides on the tiny warehouse: the figures equal DuckDB, rankings run worst first with what is bad said,
the funds slide plots the paid share with the month's required share marked, the seven 挂牌督战 cards, URL values
validated, colours that pass WCAG AA, map labels that do not collide, and data text escaped in the HTML."""

from __future__ import annotations

import base64
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest

from fupin.ui import meeting as ui
from fupin.views import meeting
from tests.support.views import selection


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def mv(tiny_db: Path) -> meeting.MeetingView:
    return meeting.view(selection(tiny_db, month="2020-05", present=True), theme="dark")


def slide(mv: meeting.MeetingView, key: str) -> meeting.Slide:
    return next(s for s in mv.slides if s.key == key)


def bars(fig: go.Figure) -> go.Bar:
    return next(t for t in fig.data if isinstance(t, go.Bar))


def test_the_slides_and_what_is_always_on_screen(mv: meeting.MeetingView) -> None:
    assert [s.key for s in mv.slides] == ["overview", "supervision", "restart", "funds", "warnings", "work"]
    assert mv.as_of == "截至2020年5月" and mv.demo and mv.palette is meeting.DARK
    assert mv.batch.startswith("数据导入于") and "-" not in mv.batch  # 2026年11月30日 01:03, not an ISO stamp
    for s in mv.slides:  # every chart is drawn for the canvas, with text at the wall size
        for _, fig in s.figures:
            assert fig.layout.width <= meeting.WIDTH and fig.layout.height <= meeting.HEIGHT
            assert fig.layout.font.size >= meeting.TEXT


def test_funds_slide_plots_the_paid_share_worst_first_with_the_requirement(
    mv: meeting.MeetingView, tiny_db: Path
) -> None:
    heading, fig = slide(mv, "funds").figures[0]
    assert "越低越差" in heading and "最慢在上" in heading
    expected = rows(
        tiny_db,
        "select county_name, special_paid / special_allocated from summary_county_month "
        "where month = '2020-05-01' and special_allocated > 0 order by 2 limit 10",
    )
    b = bars(fig)
    shown = list(zip(list(b.y)[::-1], list(b.x)[::-1], strict=True))  # plotly draws the last row on top
    assert [n for n, _ in shown] == [n for n, _ in expected]
    assert [x for _, x in shown] == pytest.approx([x for _, x in expected])  # paid, not unpaid
    required = rows(tiny_db, "select required_share from ref_disbursement_schedule where month = '2020-05'")[0][0]
    line = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(line) == 1 and line[0].x0 == pytest.approx(float(required))
    assert any(f"进度要求 {float(required):.0%}" in a.text for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text == "已支付占已下达（%）" and fig.layout.xaxis.tickformat == ".0%"
    red = [c == meeting.DARK.bad_bar for c in list(b.marker.color)[::-1]]
    assert red == [x < float(required) for _, x in expected]


def test_rankings_say_what_is_bad_and_equal_the_warehouse(mv: meeting.MeetingView, tiny_db: Path) -> None:
    top = rows(
        tiny_db,
        "select county_name, red_flag_households from summary_county_month where month = '2020-05-01' "
        "order by red_flag_households desc, county_code limit 10",
    )
    heading, fig = slide(mv, "warnings").figures[0]
    assert "越多越需关注" in heading and fig.layout.xaxis.title.text == "红色预警户（户）"
    assert list(bars(fig).x)[::-1] == [float(n) for _, n in top]
    board = slide(mv, "overview").rank
    assert board is not None and board.worse == "越多越需关注" and board.unit == "人"
    poor = rows(
        tiny_db,
        "select county_name, remaining_poor_persons from summary_county_month where month = '2020-05-01' "
        "order by remaining_poor_persons desc limit 5",
    )
    assert [v for _, v in board.rows] == [f"{int(n):,}人" for _, n in poor]


def test_seven_supervision_cards(mv: meeting.MeetingView, tiny_db: Path) -> None:
    listed = rows(
        tiny_db,
        "select c.county_name, c.remaining_poor_persons from summary_county_month c join ref_supervision s "
        "on s.county_code = c.county_code and s.level = 'county' where c.month = '2020-05-01'",
    )
    cards = slide(mv, "supervision").cards
    assert len(cards) == len(listed) == 7
    assert {c.name: c.remaining for c in cards} == {n: f"{int(r):,}人" for n, r in listed}
    for c in cards:
        assert c.status in ("进度滞后", "按期", "已清零") and c.outlook and len(c.trend) == 5  # January to May
        assert [k for k, _ in c.facts] == ["项目开工", "资金支付", "红色预警"]
    html = ui.cards_html(cards, slide(mv, "supervision").stats, mv.palette.accent)
    assert html.count('class="mtg-card ') + html.count('class="mtg-card"') == 8  # seven counties, the summary


def test_url_values_are_validated() -> None:
    assert meeting.palette("dark") is meeting.DARK and meeting.palette(" DARK ") is meeting.DARK
    for bad in (None, "", "light", "<script>", "dark;x", "1"):
        assert meeting.palette(bad) is meeting.LIGHT
    assert [meeting.carousel_seconds(v) for v in ("20", "3", "0", "abc", "-5", "99999", "700")] == [
        20,
        5,
        0,
        0,
        0,
        0,
        600,
    ]
    assert [meeting.start_slide(v, 6) for v in ("1", "6", "7", "0", "x", None)] == [0, 5, 0, 0, 0, 0]


def test_changes_are_coloured_by_whether_they_are_good() -> None:
    t = meeting.Tile
    assert meeting.tone_of(t("剩余贫困人口", "961人", "-215人", "inverse")) == "good"
    assert meeting.tone_of(t("红色预警户", "271户", "+20户", "inverse")) == "bad"
    assert meeting.tone_of(t("今年已脱贫", "780人", "+215人", "normal")) == "good"
    assert meeting.tone_of(t("边缘户", "1,066户", "+0户", "inverse")) == "neutral"
    assert meeting.stat(t("边缘户", "1,066户", "+0户", "inverse")).note == "比上月持平"
    assert meeting.stat(t("剩余贫困人口", "961人", "-215人", "inverse")).note == "比上月 ↓215人"
    assert meeting.tone_of(t("挂牌督战清零", "0县", "共7县12村", "off")) == "neutral"
    assert meeting.batch_time("2026-11-30 01:03") == "2026年11月30日 01:03"
    assert meeting.batch_time("garbage") == "—"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("p", [meeting.LIGHT, meeting.DARK], ids=["light", "dark"])
def test_text_colours_pass_wcag_aa(p: meeting.Palette) -> None:
    for ground in (p.bg, p.panel):
        for text in (p.fg, p.muted, p.bad, p.good, p.accent):
            assert contrast(text, ground) >= 4.5, (text, ground)
    assert contrast(p.bg, p.bad) >= 4.5 and contrast(p.bg, p.good) >= 4.5  # badge text on its colour
    assert contrast(p.label_text, p.label_shadow) >= 7  # map labels on their halo


def test_map_labels_do_not_collide(mv: meeting.MeetingView) -> None:
    fig = slide(mv, "overview").figures[0][1]
    labels = next(t for t in fig.data if isinstance(t, go.Scattergeo))
    assert len(labels.text) == 7 and labels.textfont.size >= meeting.TEXT
    boxes = [
        (lon * meeting.PX_PER_LON, lat * meeting.PX_PER_LAT, (len(t) - 7) * meeting.TEXT / 2)  # minus "<b></b>"
        for lon, lat, t in zip(labels.lon, labels.lat, labels.text, strict=True)
    ]
    for i, (x, y, half) in enumerate(boxes):
        for x2, y2, half2 in boxes[i + 1 :]:
            assert abs(x - x2) >= half + half2 or abs(y - y2) >= meeting.TEXT, "two labels overlap"
    # a pair that starts on top of each other is pulled apart
    lat = meeting.spread_labels([116.0, 116.05], [32.0, 32.01], [3, 3])
    assert abs(lat[0] - lat[1]) * meeting.PX_PER_LAT >= meeting.TEXT


def test_data_text_is_escaped_in_the_html() -> None:
    card = meeting.CountyCard(
        "<script>alert(1)</script>县",
        "按期",
        False,
        "1人",
        "年初 2人",
        0.5,
        "已减少 50%",
        [2, 1],
        [("项目开工", "<b>")],
        "x",
    )
    html = ui.card_html(card, "#123456")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    img = ui.sparkline([1, 2], '"><script>')  # a colour is a colour or the default
    svg = base64.b64decode(img.split("base64,")[1].split('"')[0]).decode()
    assert "<script>" not in svg and 'stroke="#2f6db5"' in svg
    assert "<script>" not in ui.rank_html(meeting.Rank("<i>", "人", "越多越需关注", [("<x>", "1人")]))
