"""会议大屏: the meeting screen as one fixed 16:9 canvas (1920×1080 design pixels, scaled as a whole to the screen).

Every slide is drawn when the page loads, stacked in the canvas; a small script (no CDN, no data in it) shows one at
a time, steps with ←/→, pauses with the space bar, runs the clock and fits the canvas to the window. Nothing on the
canvas is a control: the few buttons (sign out, leave, theme, carousel) sit outside it, invisible until hovered.
All text from the data is HTML-escaped here.
"""

from __future__ import annotations

import base64
import json
import re
from html import escape

import streamlit as st

from fupin.ui.render import PLOTLY_CONFIG
from fupin.views import meeting
from fupin.views.base import Selection
from fupin.views.meeting import BIG, TEXT, CountyCard, MeetingView, Palette, Rank, Slide, Stat

HEADER_H, FOOTER_H, PAD = 104, 112, 24
BODY_H = meeting.HEIGHT - HEADER_H - FOOTER_H  # 864
MEETING_PLOTLY = PLOTLY_CONFIG | {"displayModeBar": False, "staticPlot": True, "responsive": False}


def css(p: Palette) -> str:
    """Constant per theme (colours from the palette, sizes from the module): no data in it."""
    return f"""<style>
:root {{--bg:{p.bg}; --panel:{p.panel}; --fg:{p.fg}; --muted:{p.muted}; --bad:{p.bad}; --good:{p.good};
  --accent:{p.accent}; --grid:{p.grid};}}
html, body, [data-testid="stApp"], [data-testid="stMain"], [data-testid="stAppViewContainer"] {{
  background: var(--bg) !important; overflow: hidden !important;}}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {{display: none !important;}}
.block-container {{padding: 0 !important; max-width: 100% !important;}}
.st-key-mtg_canvas {{position: fixed; left: 0; top: 0; width: {meeting.WIDTH}px !important;
  height: {meeting.HEIGHT}px !important;
  transform-origin: 0 0; transform: translate(var(--mtg-x, 0px), var(--mtg-y, 0px)) scale(var(--mtg-scale, 1));
  background: var(--bg); color: var(--fg); overflow: hidden; gap: 0 !important; z-index: 10;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; line-height: 1.25;}}
.st-key-mtg_canvas * {{line-height: 1.25;}}
.st-key-mtg_canvas:not([data-ready])::after {{content: "正在绘制…"; position: absolute; left: 0; top: 45%;
  width: 100vw; text-align: center; font-size: 40px; color: var(--muted);}}
.st-key-mtg_canvas p, .st-key-mtg_canvas div {{color: var(--fg);}}
.st-key-mtg_canvas > div, .st-key-mtg_slides, .st-key-mtg_slides > div {{position: static !important;}}
.st-key-mtg_canvas, .st-key-mtg_header, .st-key-mtg_footer, [class*="st-key-mtg_slide_"] {{max-width: none !important;}}
.st-key-mtg_header {{position: absolute !important; left: 0; top: 0; width: {meeting.WIDTH}px !important;
  height: {HEADER_H}px !important; padding: 0 {PAD}px; align-items: center; flex-wrap: nowrap;
  border-bottom: 3px solid var(--accent); gap: 24px !important;}}
.st-key-mtg_header h1 {{font-size: 44px !important; font-weight: 800; color: var(--fg) !important;
  padding: 0 !important; margin: 0 !important; white-space: nowrap; line-height: 1.2;}}
.mtg-meta {{display: flex; gap: 28px; align-items: center; justify-content: flex-end; white-space: nowrap;
  font-size: {TEXT}px;}}
.mtg-meta .asof {{font-size: 34px; font-weight: 700;}}
.mtg-meta .muted {{color: var(--muted);}}
.mtg-meta .demo {{color: var(--bad); border: 3px solid var(--bad); border-radius: 8px; padding: 0 10px;
  font-weight: 700;}}
.mtg-meta .clock {{font-size: 40px; font-weight: 700; font-variant-numeric: tabular-nums;}}
[class*="st-key-mtg_slide_"] {{position: absolute !important; left: 0; top: {HEADER_H}px;
  width: {meeting.WIDTH}px !important; height: {BODY_H}px !important; padding: 12px {PAD}px 0 {PAD}px;
  visibility: hidden; opacity: 0; transition: opacity .35s; gap: 14px !important; overflow: hidden;}}
.st-key-mtg_canvas[data-ready] [class*="st-key-mtg_slide_"].on {{visibility: visible; opacity: 1;}}
.mtg-head {{display: flex; align-items: baseline; gap: 28px; white-space: nowrap;}}
.mtg-head h2 {{font-size: 40px; font-weight: 800; margin: 0; padding: 0; color: var(--fg);}}
.mtg-head span {{font-size: {TEXT}px; color: var(--muted);}}
.mtg-stats {{display: flex; gap: 16px;}}
.mtg-stats.col {{flex-direction: column;}}
.mtg-stat {{flex: 1 1 0; background: var(--panel); border-radius: 12px; padding: 10px 18px; min-width: 0;}}
.mtg-stat .l {{font-size: {TEXT}px; color: var(--muted); white-space: nowrap;}}
.mtg-stat .v {{font-size: {BIG}px; font-weight: 800; line-height: 1.15; white-space: nowrap;}}
.mtg-stat .n {{font-size: {TEXT}px; white-space: nowrap; color: var(--muted);}}
.mtg-stat .n.good {{color: var(--good);}} .mtg-stat .n.bad {{color: var(--bad);}}
.mtg-fig-h {{font-size: 32px; font-weight: 700; white-space: nowrap; margin: 4px 0 0 0;}}
.mtg-rank {{background: var(--panel); border-radius: 12px; padding: 10px 18px;}}
.mtg-rank .t {{font-size: 32px; font-weight: 700;}}
.mtg-rank .w {{font-size: {TEXT}px; color: var(--muted);}}
.mtg-rank ol {{margin: 6px 0 0 0; padding: 0; list-style: none;}}
.mtg-rank li {{display: flex; justify-content: space-between; font-size: {TEXT + 2}px; line-height: 1.5;
  border-top: 1px solid var(--grid);}}
.mtg-rank li b {{font-variant-numeric: tabular-nums;}}
.mtg-cards {{display: grid; grid-template-columns: repeat(4, 1fr); grid-template-rows: repeat(2, 1fr); gap: 16px;
  height: {BODY_H - 12 - 50 - 14 - 16}px; margin-top: 4px;}}
.mtg-card {{background: var(--panel); border-radius: 12px; padding: 10px 18px; display: flex; flex-direction: column;
  gap: 4px; min-width: 0; border-left: 10px solid var(--good);}}
.mtg-card.behind {{border-left-color: var(--bad);}}
.mtg-card .name {{display: flex; justify-content: space-between; align-items: center; font-size: 38px;
  font-weight: 800;}}
.mtg-card .badge {{font-size: {TEXT}px; font-weight: 700; padding: 0 10px; border-radius: 8px; color: var(--bg);
  background: var(--good);}}
.mtg-card.behind .badge {{background: var(--bad);}}
.mtg-card .row {{display: flex; justify-content: space-between; align-items: flex-end;}}
.mtg-card .v {{font-size: 52px; font-weight: 800; line-height: 1.1; white-space: nowrap;}}
.mtg-card .s {{font-size: {TEXT}px; color: var(--muted); white-space: nowrap;}}
.mtg-card .bar {{height: 14px; background: var(--grid); border-radius: 7px; overflow: hidden;}}
.mtg-card .bar i {{display: block; height: 100%; background: var(--accent);}}
.mtg-card .facts {{display: grid; grid-template-columns: repeat(3, 1fr); font-size: {TEXT}px; white-space: nowrap;}}
.mtg-card .facts span {{color: var(--muted);}}
.mtg-card .facts b {{display: block; font-size: 32px;}}
.mtg-card .out {{font-size: {TEXT}px; line-height: 1.3;}}
.mtg-card.behind .out {{color: var(--bad);}}
.mtg-card.sum {{border-left-color: var(--accent); justify-content: space-around;}}
.mtg-card.sum .l {{font-size: {TEXT}px; color: var(--muted); white-space: nowrap;}}
.mtg-card.sum .v {{font-size: 48px;}}
.mtg-card.sum .v small {{font-size: {TEXT}px; font-weight: 400; color: var(--muted); margin-left: 10px;}}
.st-key-mtg_footer {{position: absolute !important; left: 0; bottom: 0; width: {meeting.WIDTH}px !important;
  height: {FOOTER_H}px !important; padding: 0 {PAD}px 8px {PAD}px; gap: 6px !important;
  border-top: 3px solid var(--accent);}}
.mtg-ticker {{overflow: hidden; white-space: nowrap; height: 50px; font-size: {TEXT + 2}px; line-height: 50px;}}
.mtg-ticker .track {{display: inline-block; padding-left: 100%; animation: mtg-scroll 60s linear infinite;}}
.mtg-ticker .track span {{margin-right: 96px; color: var(--bad); font-weight: 700;}}
.mtg-ticker .track span::before {{content: "预警 "; color: var(--fg);}}
@keyframes mtg-scroll {{from {{transform: translateX(0);}} to {{transform: translateX(-100%);}}}}
.mtg-nav {{display: flex; align-items: center; gap: 18px; font-size: {TEXT}px; white-space: nowrap;}}
.mtg-nav .dot {{display: inline-flex; align-items: center; gap: 8px; color: var(--muted);}}
.mtg-nav .dot::before {{content: ""; width: 18px; height: 18px; border-radius: 50%; border: 3px solid var(--muted);}}
.mtg-nav .dot.on {{color: var(--fg); font-weight: 700;}}
.mtg-nav .dot.on::before {{background: var(--accent); border-color: var(--accent);}}
.mtg-nav .status {{margin-left: auto; color: var(--muted);}}
.st-key-mtg_controls, .st-key-mtg_exit {{position: fixed !important; right: 8px; top: 8px; width: auto !important;
  z-index: 100; opacity: 0; transition: opacity .2s; background: var(--panel); border-radius: 8px; padding: 4px 8px;}}
.st-key-mtg_controls {{top: 64px;}}
.st-key-mtg_controls:hover, .st-key-mtg_controls:focus-within, .st-key-mtg_exit:hover,
.st-key-mtg_exit:focus-within {{opacity: 1;}}
.st-key-mtg_js {{position: absolute !important; width: 0; height: 0; overflow: hidden;}}
</style>"""


# Constant script: the only inputs are integers written by json.dumps.
JS = """
<script>
(function () {
  const cfg = __CFG__;
  const W = 1920, H = 1080;
  if (window.__mtg) window.__mtg.stop();
  const st = {i: cfg.start, playing: cfg.seconds > 0, seconds: cfg.seconds || cfg.fallback, timer: null};
  const q = (s) => document.querySelector(s);
  const slides = () => Array.from(document.querySelectorAll('[class*="st-key-mtg_slide_"]'))
      .sort((a, b) => slideNo(a) - slideNo(b));
  const slideNo = (el) => Number((el.className.match(/st-key-mtg_slide_(\\d+)/) || [0, 0])[1]);
  function fit() {
    const c = q('.st-key-mtg_canvas'); if (!c) return;
    const s = Math.min(innerWidth / W, innerHeight / H);
    c.style.setProperty('--mtg-scale', String(s));
    c.style.setProperty('--mtg-x', ((innerWidth - W * s) / 2) + 'px');
    c.style.setProperty('--mtg-y', ((innerHeight - H * s) / 2) + 'px');
    c.setAttribute('data-fit', '1');
  }
  function status() {
    const el = q('[data-mtg-status]');
    if (el) el.textContent = st.playing ? ('轮播中 · 每' + st.seconds + '秒') : '已暂停';
  }
  function show(i) {
    const all = slides(); if (!all.length) return;
    st.i = ((i % all.length) + all.length) % all.length;
    all.forEach((el, k) => el.classList.toggle('on', k === st.i));
    const c = q('.st-key-mtg_canvas'); if (c) c.setAttribute('data-slide', String(st.i));
    document.querySelectorAll('[data-mtg-dot]').forEach(
      (d) => d.classList.toggle('on', Number(d.getAttribute('data-mtg-dot')) === st.i));
    status();
  }
  function arm() {
    clearInterval(st.timer); st.timer = null;
    if (st.playing) st.timer = setInterval(() => show(st.i + 1), st.seconds * 1000);
    status();
  }
  function clock() {
    const el = q('[data-mtg-clock]'); if (!el) return;
    const d = new Date();
    el.textContent = [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
  }
  function drawn() {
    const charts = document.querySelectorAll('.st-key-mtg_canvas [data-testid="stPlotlyChart"]');
    if (charts.length < cfg.charts) return false;
    return Array.from(charts).every((c) => c.querySelector('.main-svg'));
  }
  function key(e) {
    const t = e.target && e.target.tagName;
    if (t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT') return;
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { show(st.i + 1); arm(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { show(st.i - 1); arm(); }
    else if (e.key === ' ' || e.code === 'Space') { st.playing = !st.playing; arm(); }
    else return;
    e.preventDefault(); e.stopPropagation();
  }
  // Scale only once every chart is drawn: Streamlit sizes a chart from its box as measured on screen, so a chart drawn
  // inside the scaled canvas would be scaled twice. Until then the canvas shows its header at 1920×1080, unscaled.
  const wait = setInterval(() => {
    clock();
    if (!drawn()) return;
    fit();
    clearInterval(wait);
    const c = q('.st-key-mtg_canvas'); show(st.i); c.setAttribute('data-ready', '1'); arm();
  }, 200);
  const tick = setInterval(clock, 1000);
  const refit = () => { if (q('.st-key-mtg_canvas[data-ready]')) fit(); };
  window.addEventListener('resize', refit);
  window.addEventListener('keydown', key, true);
  window.__mtg = {
    stop() {
      clearInterval(wait); clearInterval(tick); clearInterval(st.timer);
      window.removeEventListener('resize', refit); window.removeEventListener('keydown', key, true);
    },
    state: st,
  };
})();
</script>
"""


def _stat(s: Stat) -> str:
    note = f'<div class="n {escape(s.tone)}">{escape(s.note)}</div>' if s.note else '<div class="n">&nbsp;</div>'
    label, value = escape(s.label), escape(s.value)
    return f'<div class="mtg-stat"><div class="l">{label}</div><div class="v">{value}</div>{note}</div>'


def stats_html(stats: list[Stat], *, column: bool = False) -> str:
    return f'<div class="mtg-stats{" col" if column else ""}">{"".join(_stat(s) for s in stats)}</div>'


def head_html(slide: Slide) -> str:
    sub = f"<span>{escape(slide.subtitle)}</span>" if slide.subtitle else ""
    return f'<div class="mtg-head"><h2>{escape(slide.title)}</h2>{sub}</div>'


def rank_html(r: Rank) -> str:
    rows = "".join(f"<li><span>{i}. {escape(n)}</span><b>{escape(v)}</b></li>" for i, (n, v) in enumerate(r.rows, 1))
    return (
        f'<div class="mtg-rank"><div class="t">{escape(r.title)}</div>'
        f'<div class="w">单位：{escape(r.unit)}，{escape(r.worse)}</div><ol>{rows}</ol></div>'
    )


def sparkline(values: list[float], colour: str, *, w: int = 170, h: int = 64) -> str:
    """The monthly values as an inline SVG image (a data URI: st.html keeps <img>, not <svg>); no text in it."""
    vals = [float(v) for v in values if v == v]  # drop NaN
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    pts = " ".join(
        f"{4 + i * (w - 8) / (len(vals) - 1):.1f},{4 + (hi - v) * (h - 8) / span:.1f}" for i, v in enumerate(vals)
    )
    colour = colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else "#2f6db5"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
        f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="5" stroke-linejoin="round"/></svg>'
    )
    data = base64.b64encode(svg.encode()).decode()
    src = f"data:image/svg+xml;base64,{data}"
    return f'<img class="spark" alt="逐月剩余贫困人口走势" width="{w}" height="{h}" src="{src}">'


def card_html(c: CountyCard, colour: str) -> str:
    facts = "".join(f"<div><span>{escape(k)}</span><b>{escape(v)}</b></div>" for k, v in c.facts)
    return (
        f'<div class="mtg-card{" behind" if c.behind else ""}">'
        f'<div class="name"><span>{escape(c.name)}</span><span class="badge">{escape(c.status)}</span></div>'
        f'<div class="row"><div><div class="s">剩余贫困人口</div><div class="v">{escape(c.remaining)}</div></div>'
        f"{sparkline(c.trend, colour)}</div>"
        f'<div class="s">{escape(c.start)} · {escape(c.done_text)}</div>'
        f'<div class="bar"><i style="width:{c.done * 100:.0f}%"></i></div>'
        f'<div class="facts">{facts}</div>'
        f'<div class="out">{escape(c.outlook)}</div></div>'
    )


def cards_html(cards: list[CountyCard], summary: list[Stat], colour: str) -> str:
    items = [card_html(c, colour) for c in cards[:7]]
    rows = "".join(
        f'<div><div class="l">{escape(s.label)}</div><div class="v">{escape(s.value)}'
        + (f"<small>{escape(s.note)}</small>" if s.note else "")
        + "</div></div>"
        for s in summary
    )
    items.append(f'<div class="mtg-card sum">{rows}</div>')
    return f'<div class="mtg-cards">{"".join(items)}</div>'


def header_meta_html(mv: MeetingView) -> str:
    demo = '<span class="demo">演示数据</span>' if mv.demo else ""
    return (
        f'<div class="mtg-meta"><span class="asof">{escape(mv.as_of)}</span>'
        f'<span class="muted">{escape(mv.batch)}</span>{demo}'
        '<span class="clock" data-mtg-clock aria-label="当前时间">--:--:--</span></div>'
    )


def footer_html(mv: MeetingView) -> str:
    ticker = "".join(f"<span>{escape(t)}</span>" for t in mv.ticker)
    dots = "".join(
        f'<span class="dot" data-mtg-dot="{i}">{escape(meeting.NAV.get(s.key, s.title))}</span>'
        for i, s in enumerate(mv.slides)
    )
    return (
        f'<div class="mtg-ticker"><div class="track">{ticker}{ticker}</div></div>'
        f'<div class="mtg-nav">{dots}<span class="status" data-mtg-status>已暂停</span></div>'
    )


def _chart(fig: object, key: str) -> None:
    st.plotly_chart(fig, key=key, config=MEETING_PLOTLY, theme=None, width="content")


def _slide(i: int, s: Slide, p: Palette) -> None:
    with st.container(key=f"mtg_slide_{i}"):
        if s.key == "overview":
            st.html(head_html(s))
            left, mid, right = st.columns([420, 1000, 420], gap="small")
            with left:
                st.html(stats_html(s.stats, column=True))
            with mid:
                _chart(s.figures[0][1], f"mtg_{s.key}_0")
            with right:
                st.html(stats_html(s.stats_right, column=True) + (rank_html(s.rank) if s.rank else ""))
            return
        if s.cards:
            st.html(head_html(s) + cards_html(s.cards, s.stats, p.accent))
            return
        st.html(head_html(s) + stats_html(s.stats))
        cols = st.columns(len(s.figures), gap="medium") if len(s.figures) > 1 else [st.container()]
        for j, (col, (heading, fig)) in enumerate(zip(cols, s.figures, strict=True)):
            with col:
                if heading:
                    st.html(f'<div class="mtg-fig-h">{escape(heading)}</div>')
                _chart(fig, f"mtg_{s.key}_{j}")


def controls(seconds: int, theme: str) -> None:
    """Hover-only buttons outside the canvas (the projected picture shows none)."""
    qp = st.query_params
    with st.container(key="mtg_controls", horizontal=True):
        if seconds:
            if st.button("停止轮播", icon=":material/pause:", key="mtg_stop"):
                del qp["carousel"]
                st.rerun()
        elif st.button("开始轮播", icon=":material/play_arrow:", key="mtg_play", help="每20秒切换；空格键暂停"):
            qp["carousel"] = str(meeting.DEFAULT_SECONDS)
            st.rerun()
        other = "light" if theme == "dark" else "dark"
        if st.button("浅色" if other == "light" else "深色", key="mtg_theme", icon=":material/contrast:"):
            qp["theme"] = other
            st.rerun()


def meeting_screen(sel: Selection) -> None:
    qp = st.query_params
    theme = meeting.palette(qp.get("theme")).name
    seconds = meeting.carousel_seconds(qp.get("carousel"))
    mv = meeting.view(sel, theme=theme)
    start = meeting.start_slide(qp.get("slide"), len(mv.slides))
    st.html(css(mv.palette))
    controls(seconds, theme)
    with st.container(key="mtg_canvas"):
        with st.container(key="mtg_header", horizontal=True, vertical_alignment="center"):
            st.title(mv.title, anchor=False)
            st.html(header_meta_html(mv))
        with st.container(key="mtg_slides"):
            for i, s in enumerate(mv.slides):
                _slide(i, s, mv.palette)
        with st.container(key="mtg_footer"):
            st.html(footer_html(mv))
    charts = sum(len(s.figures) for s in mv.slides)
    cfg = json.dumps({"seconds": seconds, "start": start, "fallback": meeting.DEFAULT_SECONDS, "charts": charts})
    with st.container(key="mtg_js"):
        st.html(JS.replace("__CFG__", cfg), unsafe_allow_javascript=True)
