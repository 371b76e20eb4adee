"""会议大屏: the slides of the meeting screen (a fixed 16:9 canvas, 1920×1080 design pixels), as data and figures.

Aggregates only, frozen at the selected month. Every ranking says what is ranked and which way is bad; every figure
is drawn for the canvas (explicit width and height in design pixels, text ≥ 28 px) in the light or dark palette.
The ui layer (fupin/ui/meeting.py) lays the slides out and scales the canvas to the screen."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from fupin.core.labels import METRICS_BY_KEY, fmt_money_wan, month_label
from fupin.core.memo import shared_figure
from fupin.core.month import month_of
from fupin.domain.kpi import Tile
from fupin.domain.progress import BASES, rules_by_measure, slow_mask
from fupin.views import figures, overview, supervision, work
from fupin.views.base import Selection

WIDTH, HEIGHT = 1920, 1080  # the canvas, in design pixels (scaled to the screen as a whole)
TEXT = 28  # the smallest text on the canvas (px at 1920×1080)
BIG = 56  # KPI values
THEMES = ("light", "dark")
DEFAULT_SECONDS = 20
FIG_H = 520  # a chart under a row of KPIs
NAV = {
    "overview": "总览",
    "supervision": "挂牌督战",
    "restart": "复工复产",
    "funds": "资金",
    "warnings": "预警",
    "work": "督办",
}


@dataclass(frozen=True)
class Palette:
    name: str
    bg: str
    panel: str
    fg: str
    muted: str  # secondary text, still ≥ 4.5:1 on bg and panel
    grid: str
    bad: str
    good: str
    accent: str
    bar: str  # neutral bars
    bad_bar: str
    label_text: str  # map labels
    label_shadow: str


LIGHT = Palette(
    "light",
    bg="#ffffff",
    panel="#f1f4f8",
    fg="#111827",
    muted="#374151",
    grid="#cbd2dc",
    bad="#b3261e",
    good="#1b5e20",
    accent="#0b4f9c",
    bar="#2f6db5",
    bad_bar="#c62828",
    label_text="#000000",
    label_shadow="#ffffff",
)
DARK = Palette(
    "dark",
    bg="#0b1424",
    panel="#16233a",
    fg="#f3f6fb",
    muted="#c9d3e3",
    grid="#3a4a66",
    bad="#ff8a80",
    good="#8fd694",
    accent="#8ec5ff",
    bar="#5aa0f0",
    bad_bar="#ff6b5e",
    label_text="#ffffff",
    label_shadow="#000000",
)


def palette(theme: object) -> Palette:
    """?theme= from the URL: 'dark' or anything else → the light palette (never echoed, never trusted)."""
    return DARK if str(theme or "").strip().lower() == "dark" else LIGHT


def carousel_seconds(value: object) -> int:
    """?carousel= seconds: 0 (paused; space starts it at DEFAULT_SECONDS) or 5–600; anything else → 0."""
    text = str(value or "")
    if not text.isdigit() or len(text) > 4:
        return 0
    n = int(text)
    return min(max(n, 5), 600) if n else 0


def start_slide(value: object, n: int) -> int:
    """?slide= (1-based) → a 0-based index inside 0..n-1; anything else → 0."""
    text = str(value or "")
    return int(text) - 1 if text.isdigit() and len(text) <= 3 and 1 <= int(text) <= n else 0


@dataclass(frozen=True)
class Stat:
    """A KPI on the canvas: the value large, a note or a change under it, coloured by whether it is good."""

    label: str
    value: str
    note: str = ""
    tone: str = "neutral"  # good | bad | neutral (for the note)


@dataclass(frozen=True)
class Rank:
    """A ranking board: what is ranked, its unit, which way is bad, rows worst first."""

    title: str
    unit: str
    worse: str  # "越多越需关注" …
    rows: list[tuple[str, str]]  # (name, value as shown)


@dataclass(frozen=True)
class CountyCard:
    name: str
    status: str  # 进度滞后 | 按期 | 已清零
    behind: bool
    remaining: str
    start: str
    done: float  # 0–1 share of the start-of-year remaining poor cleared
    done_text: str
    trend: list[float]  # remaining poor by month (the sparkline)
    facts: list[tuple[str, str]]  # (label, value)
    outlook: str  # one short line: when it reaches zero at the current pace


@dataclass(frozen=True)
class Slide:
    key: str
    title: str
    subtitle: str = ""
    stats: list[Stat] = field(default_factory=list)
    stats_right: list[Stat] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)  # (heading, figure)
    rank: Rank | None = None
    cards: list[CountyCard] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingView:
    title: str
    as_of: str  # 截至2020年6月
    batch: str  # 数据导入于2020年7月3日 09:12
    demo: bool
    palette: Palette
    slides: list[Slide]
    ticker: list[str]  # warnings, one sentence each


def batch_time(started_at: str) -> str:
    """'2026-11-30 01:02' → '2026年11月30日 01:02' (anything else: the date part only, or '—')."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?.*", str(started_at or ""))
    if not m:
        return "—"
    y, mo, d, hh, mm = m.groups()
    day = f"{int(y)}年{int(mo)}月{int(d)}日"
    return f"{day} {hh}:{mm}" if hh else day


def tone_of(t: Tile) -> str:
    """A tile's change coloured by whether it is good for that measure; notes and zero changes are neutral."""
    if not t.delta or t.delta_color == "off":
        return "neutral"
    m = re.search(r"([+-])\s*([\d,.]+)", t.delta)
    if not m or float(m.group(2).replace(",", "") or 0) == 0:
        return "neutral"
    up = m.group(1) == "+"
    return "good" if up == (t.delta_color == "normal") else "bad"


def _note(t: Tile) -> str:
    if not t.delta:
        return ""
    if t.delta_color == "off":
        return t.delta
    m = re.search(r"([+-])\s*([\d,.]+)", t.delta)
    if m and float(m.group(2).replace(",", "") or 0) == 0:
        return "比上月持平"
    arrow = "↑" if m and m.group(1) == "+" else "↓"
    return f"比上月 {arrow}{t.delta.lstrip('+-')}"


def stat(t: Tile, label: str | None = None) -> Stat:
    return Stat(label or t.label, t.value, _note(t), tone_of(t))


def _axis(p: Palette, title: str, *, percent: bool = False) -> dict:
    return {
        "title": {"text": title, "font": {"size": TEXT, "color": p.fg}},
        "tickfont": {"size": TEXT, "color": p.fg},
        "gridcolor": p.grid,
        "zerolinecolor": p.grid,
        "linecolor": p.grid,
        "tickformat": ".0%" if percent else ",d",
        "automargin": True,
    }


def _layout(fig: go.Figure, p: Palette, *, width: int, height: int, title: str = "") -> go.Figure:
    fig.update_layout(
        width=width,
        height=height,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": figures.FONT, "size": TEXT, "color": p.fg},
        title={"text": title, "font": {"size": TEXT + 4, "color": p.fg}, "x": 0, "xanchor": "left"} if title else None,
        margin={"l": 10, "r": 30, "t": 60 if title else 16, "b": 10},
        legend={"font": {"size": TEXT, "color": p.fg}, "orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        showlegend=False,
        dragmode=False,
        hovermode=False,
    )
    return fig


@shared_figure
def ranked_bars(
    names: list[str],
    values: list[float],
    p: Palette,
    *,
    axis_title: str,
    width: int,
    height: int,
    percent: bool = False,
    bad: list[bool] | None = None,
    mark: tuple[float, str] | None = None,
    suffix: str = "",
) -> go.Figure:
    """Horizontal bars, the first row (the worst) on top; values printed at the bar ends; `mark` draws a
    labelled vertical line (a required share)."""
    colours = [p.bad_bar if b else p.bar for b in (bad or [False] * len(values))]
    text = [f"{v:.1%}" if percent else f"{v:,.0f}{suffix}" for v in values]
    fig = go.Figure(
        go.Bar(
            x=values[::-1],
            y=names[::-1],
            orientation="h",
            marker_color=colours[::-1],
            text=text[::-1],
            textposition="outside",
            textfont={"size": TEXT, "color": p.fg},
            constraintext="none",  # never shrink the value labels below TEXT
            cliponaxis=False,
        )
    )
    top = max([*values, mark[0] if mark else 0, 0.0001])
    xaxis = _axis(p, axis_title, percent=percent) | {"range": [0, top * 1.28]}
    fig.update_layout(xaxis=xaxis, yaxis=_axis(p, "") | {"tickformat": None, "gridcolor": "rgba(0,0,0,0)"})
    if mark:
        fig.add_vline(x=mark[0], line_width=4, line_dash="dash", line_color=p.fg)
        fig.add_annotation(
            x=mark[0],
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=mark[1],
            showarrow=False,
            font={"size": TEXT, "color": p.fg},
        )
    _layout(fig, p, width=width, height=height)
    if mark:
        fig.update_layout(margin={"t": 50})
    return fig


PX_PER_LAT, PX_PER_LON = 140.0, 120.0  # Anhui fitted into ≈760 px of height (mercator, about 31.5°N)


def spread_labels(lon: list[float], lat: list[float], chars: list[int]) -> list[float]:
    """Latitudes for map labels that do not overlap: each label (chars × TEXT px wide, one line high) that collides
    with one already placed moves down a line at a time (then up) until it is clear. Greedy, north to south."""
    h = (TEXT + 6) / PX_PER_LAT
    placed: list[tuple[float, float, float]] = []  # (x centre in px, y centre in degrees, half width in px)
    out = list(lat)
    for i in sorted(range(len(lat)), key=lambda k: -lat[k]):
        x, half = lon[i] * PX_PER_LON, chars[i] * TEXT / 2 + 4
        for step in (0, -1, 1, -2, 2, -3, 3):
            y = lat[i] + step * h
            if all(abs(x - px) >= half + ph or abs(y - py) >= h for px, py, ph in placed):
                break
        placed.append((x, y, half))
        out[i] = y
    return out


@shared_figure
def county_map(v: overview.OverviewView, p: Palette, *, width: int, height: int) -> go.Figure:
    """The remaining-poor map with the 挂牌督战 counties outlined and named (dark text on a light halo in the light
    theme, the reverse in the dark one: readable on every class colour)."""
    fig = figures.county_choropleth(
        v.counties,
        metric=METRICS_BY_KEY["remaining_poor_persons"],
        overlays={"supervised": ("挂牌督战县", v.supervised)},
        label_codes=v.supervised,
        height=height,
        font_size=TEXT,
    )
    for tr in fig.data:
        if isinstance(tr, go.Scattergeo):
            tr.lat = spread_labels(list(tr.lon), list(tr.lat), [len(re.sub(r"<[^>]+>", "", t)) for t in tr.text])
            tr.textfont = {
                "size": TEXT,
                "color": p.label_text,
                "family": figures.FONT,
                "shadow": f"2px 2px 3px {p.label_shadow}, -2px -2px 3px {p.label_shadow}, "
                f"2px -2px 3px {p.label_shadow}, -2px 2px 3px {p.label_shadow}",
            }
        elif isinstance(tr, go.Choropleth) and tr.meta == "metric":
            tr.marker.line.color = p.bg
        elif isinstance(tr, go.Choropleth) and p.name == "dark":
            tr.marker.line.color = "#ffffff"
    fig.update_layout(
        width=width,
        height=height,
        paper_bgcolor="rgba(0,0,0,0)",
        font={"family": figures.FONT, "size": TEXT, "color": p.fg},
        legend={
            "title": {"text": "剩余贫困人口（人）", "font": {"size": TEXT, "color": p.fg}},
            "font": {"size": TEXT, "color": p.fg},
            "bgcolor": "rgba(0,0,0,0)",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.0,
            "yanchor": "top",
        },
        hovermode=False,
    )
    return fig


@shared_figure
def _trend(totals: pd.DataFrame, series: dict[str, str], p: Palette, *, width: int, height: int) -> go.Figure:
    fig = go.Figure()
    x = [f"{month_of(m)[5:].lstrip('0')}月" for m in totals["month"]]
    colours = [p.bar, p.good, p.bad]
    for (col, name), colour in zip(series.items(), colours, strict=False):
        y = totals[col].astype(float)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=name,
                mode="lines+markers",
                line={"width": 5, "color": colour},
                marker={"size": 12},
            )
        )
    _layout(fig, p, width=width, height=height)
    fig.update_layout(
        showlegend=True,
        xaxis=_axis(p, "月份") | {"tickformat": None},
        yaxis=_axis(p, "比例（%）", percent=True) | {"range": [0, 1.05]},
        margin={"t": 70},
    )
    return fig


def _card(c: supervision.Card, a_reason: str, trend: list[float]) -> CountyCard:
    status = "进度滞后" if "进度滞后" in c.heading else ("已清零" if "已清零" in c.heading else "按期")
    name = re.sub(r"\*\*|:[a-z]+-badge\[[^\]]*\]", "", c.heading).strip()
    facts = dict(part.split(" ", 1) for part in c.facts.split(" · ") if " " in part)
    return CountyCard(
        name=name,
        status=status,
        behind=status == "进度滞后",
        remaining=c.remaining.value,
        start=c.remaining.delta or "",
        done=c.done,
        done_text=c.done_text,
        trend=trend,
        facts=[
            (label, facts.get(short, "—"))
            for label, short in (("项目开工", "开工"), ("资金支付", "支付"), ("红色预警", "预警"))
        ],
        outlook=_outlook(a_reason),
    )


def _outlook(reason: str) -> str:
    """The schedule's reason, shortened for the wall: what happens by the target at the current pace."""
    if reason == "已清零":
        return "已清零"
    m = re.search(r"到(\d{4}年\d{1,2}月)仍余约([\d,]+)人", reason)
    if m:
        return f"按近期进度，{m.group(1)}仍余约{m.group(2)}人"
    m = re.search(r"约([\d.]+)个月后清零", reason)
    if m:
        return f"按近期进度，约{m.group(1)}个月后清零"
    m = re.search(r"未减少，仍有([\d,]+)人", reason)
    if m:
        return "近期未减少，无法按期清零"
    return reason


def view(sel: Selection, *, theme: object = "light") -> MeetingView:
    p = palette(theme)
    v = overview.view(sel)
    by = {t.label: t for t in v.tiles}
    month_cn = month_label(sel.month)
    area = sel.area_name or "全省"
    counties = v.counties

    # 1 全省总览: KPI columns either side of the map, a ranking board under the right column
    worst_poor = counties.nlargest(5, "remaining_poor_persons")
    left = [stat(by[k]) for k in ("剩余贫困人口", "今年已脱贫", "挂牌督战清零", "红色预警户") if k in by]
    right = [stat(by[k], k.replace("扶贫", "")) for k in ("扶贫项目开工率", "扶贫资金支付率") if k in by]
    slides = [
        Slide(
            "overview",
            f"{area}脱贫攻坚总览",
            "地图：各县剩余贫困人口，粗线为挂牌督战县",
            stats=left,
            stats_right=right,
            figures=[("", county_map(v, p, width=1000, height=760))],
            rank=Rank(
                "剩余贫困人口最多的县",
                "人",
                "越多越需关注",
                [
                    (n, f"{int(x):,}人")
                    for n, x in zip(worst_poor["county_name"], worst_poor["remaining_poor_persons"], strict=True)
                ],
            ),
        )
    ]

    # 2 挂牌督战: the seven cards
    sv = supervision.view(sel)
    cnt = sel.q("supervised_counties_by_month", month=sel.month_date)
    cards = []
    for c in sv.cards:
        g = cnt[cnt["county_code"] == c.code].sort_values("month")
        cards.append(_card(c, c.reason, g["remaining_poor_persons"].astype(float).tolist()))
    st_ = {t.label: t for t in sv.tiles}
    sup_stats = [Stat(t.label, t.value, t.delta or "") for t in sv.tiles if t.label != "已清零的县"]
    if "已清零的县" in st_ and "进度滞后的县" in st_:  # three lines fit the eighth cell
        sup_stats[1] = Stat("进度滞后的县", st_["进度滞后的县"].value, f"已清零 {st_['已清零的县'].value}")
    slides.append(
        Slide(
            "supervision",
            "挂牌督战：剩余贫困人口清零进度",
            "按风险排序，进度滞后在前；判断依据：近3个月平均减少速度能否在2020年12月前清零",
            stats=sup_stats,
            cards=cards,
        )
    )

    # 3 复工复产
    last = v.totals.iloc[-1]
    slow_start = counties[counties["projects"] > 0].nsmallest(8, "project_start_rate")
    slides.append(
        Slide(
            "restart",
            "春季攻势：复工复产进度",
            f"截至{month_cn}",
            stats=[Stat(t.label, t.value, t.delta or "") for t in v.restart_tiles],
            figures=[
                (
                    "各月进度（%，越高越好）",
                    _trend(
                        v.totals,
                        {"project_start_rate": "项目开工率", "workshop_restart_rate": "车间复工率"},
                        p,
                        width=880,
                        height=FIG_H,
                    ),
                ),
                (
                    "项目开工率最低的8个县（越低越需关注）",
                    ranked_bars(
                        slow_start["county_name"].tolist(),
                        slow_start["project_start_rate"].astype(float).tolist(),
                        p,
                        axis_title="已开工项目占项目库（%）",
                        width=920,
                        height=FIG_H,
                        percent=True,
                        bad=[x < float(last.project_start_rate or 0) for x in slow_start["project_start_rate"]],
                        mark=(float(last.project_start_rate or 0), f"{area} {float(last.project_start_rate or 0):.0%}"),
                    ),
                ),
            ],
        )
    )

    # 4 资金: the paid share, worst first, with the month's required share marked
    funds = sel.q("county_funds_month", month=sel.month_date)
    funds = funds[funds["special_allocated"] > 0].copy()
    rules = rules_by_measure(sel.q("bulletin_rules"))
    funds["slow"] = slow_mask(
        funds["disbursement_rate"] - funds["required_share"],
        rules,
        "disbursement_vs_schedule",
        bases=funds[BASES["disbursement_vs_schedule"]],
    )
    req = float(funds["required_share"].dropna().iloc[0]) if funds["required_share"].notna().any() else None
    worst = funds.nsmallest(10, "disbursement_rate")
    rate = last.disbursement_rate
    fund_stats = [
        Stat("已下达", fmt_money_wan(last.special_allocated)),
        Stat("已支付", fmt_money_wan(last.special_paid)),
        Stat(
            "支付率",
            "—" if pd.isna(rate) else f"{rate:.1%}",
            "" if req is None else f"进度要求 {req:.0%}",
            "neutral" if req is None or pd.isna(rate) else ("good" if rate >= req else "bad"),
        ),
        Stat("支付进度迟缓的县", f"{int(funds['slow'].sum())}个", f"共{len(funds)}个县"),
    ]
    mark = None if req is None else (req, f"进度要求 {req:.0%}")
    slides.append(
        Slide(
            "funds",
            "财政专项扶贫资金：支付进度",
            "支付进度 = 已支付占已下达；红色为低于本月进度要求的县",
            stats=fund_stats,
            figures=[
                (
                    "支付进度最慢的10个县（越低越差，最慢在上）",
                    ranked_bars(
                        worst["county_name"].tolist(),
                        worst["disbursement_rate"].astype(float).tolist(),
                        p,
                        axis_title="已支付占已下达（%）",
                        width=1860,
                        height=FIG_H,
                        percent=True,
                        bad=[bool(req is not None and x < req) for x in worst["disbursement_rate"]],
                        mark=mark,
                    ),
                )
            ],
        )
    )

    # 5 预警
    red = counties.nlargest(10, "red_flag_households")
    long_open = counties.nlargest(10, "red_flag_long_open")
    slides.append(
        Slide(
            "warnings",
            "防返贫监测：红色预警户",
            f"截至{month_cn}月底",
            stats=[stat(by[k]) for k in ("红色预警户", "脱贫监测户", "边缘户") if k in by]
            + [Stat("本月新增预警", f"{int(counties['red_flag_new'].sum()):,}户")],
            figures=[
                (
                    "红色预警户最多的10个县（户，越多越需关注）",
                    ranked_bars(
                        red["county_name"].tolist(),
                        red["red_flag_households"].astype(float).tolist(),
                        p,
                        axis_title="红色预警户（户）",
                        width=900,
                        height=FIG_H,
                        suffix="户",
                    ),
                ),
                (
                    "超过60天未销号最多的10个县（户，越多越需关注）",
                    ranked_bars(
                        long_open["county_name"].tolist(),
                        long_open["red_flag_long_open"].astype(float).tolist(),
                        p,
                        axis_title="预警超过60天的户（户）",
                        width=900,
                        height=FIG_H,
                        suffix="户",
                    ),
                ),
            ],
        )
    )

    # 6 督办
    w = work.overview(sel)
    wt = {t.label: t for t in w.tiles}
    # the loop, left to right: raised → with the county → answered, awaiting review → closed; then what is late
    frame = w.by_county.frame
    awaiting = int(frame["待审核"].sum()) if "待审核" in frame else 0
    escalate = re.search(r"\d+", wt["升级省级督办"].help).group(0) if "升级省级督办" in wt else ""

    def v(label: str) -> str:
        return wt[label].value if label in wt else "—"

    work_stats = [
        Stat("① 累计下发", v("累计下发")),
        Stat(
            "② 县级办理中",
            v("县级办理中"),
            f"其中已逾期 {v('已逾期')}",
            "bad" if v("已逾期") not in ("0件", "—") else "neutral",
        ),
        Stat("③ 已反馈待审核", f"{awaiting:,}件"),
        Stat("④ 已销号", v("已销号"), f"按期办结率 {v('按期办结率')}"),
        Stat("升级省级督办", v("升级省级督办"), f"逾期超{escalate}天" if escalate else ""),
        Stat("约谈名单", v("约谈名单")),
    ]
    od = w.overdue_figure.data[0] if w.overdue_figure.data else None
    names = list(od.y)[::-1][:10] if od is not None else []
    vals = [float(x) for x in list(od.x)[::-1][:10]] if od is not None else []
    slides.append(
        Slide(
            "work",
            "督办：限期消除风险点、限时整改",
            "下发 → 县级核查整改 → 反馈审核 → 销号；升级天数为省定参数",
            stats=work_stats,
            figures=[
                (
                    "逾期未办结事项最多的县（件，越多越差）",
                    ranked_bars(
                        names,
                        vals,
                        p,
                        axis_title="逾期件数（件）",
                        width=1860,
                        height=FIG_H,
                        suffix="件",
                        bad=[True] * len(vals),
                    ),
                )
            ],
        )
    )

    behind = [c.name for c in cards if c.behind]
    ticker = []
    if behind:
        ticker.append(f"挂牌督战进度滞后：{'、'.join(behind)}")
    slow_names = funds[funds["slow"]].sort_values("disbursement_rate")["county_name"].tolist()
    if slow_names:
        more = f"等{len(slow_names)}个县" if len(slow_names) > 5 else ""
        ticker.append(f"资金支付进度迟缓：{'、'.join(slow_names[:5])}{more}")
    if len(red):
        top = red.iloc[0]
        ticker.append(f"红色预警户最多：{top.county_name} {int(top.red_flag_households):,}户")
    if "已逾期" in wt:
        ticker.append(f"督办事项已逾期 {wt['已逾期'].value}")
    demo = sel.batch.synthetic
    return MeetingView(
        title=f"{area}脱贫攻坚总览 · 领导小组会议",
        as_of=f"截至{month_cn}",
        batch=f"数据导入于{batch_time(sel.batch.started_at)}",
        demo=demo,
        palette=p,
        slides=slides,
        ticker=ticker or ["本月无预警事项"],
    )
