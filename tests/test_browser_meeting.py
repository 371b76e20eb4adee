"""The meeting screen (会议大屏) in headless chromium, as the meeting account: every slide at 1920×1080 and 1280×720,
light and dark, fails on a page taller or wider than the window, an element overflowing its box horizontally, visible
text smaller than 28 px (KPI values 48 px) at 1920×1080 — scaled with the canvas at other sizes —, raw values
(None, NaN, timestamps, English words, internal codes) in visible text, and a slide shown before its charts are drawn.
←/→ step and the space bar pauses. Screenshots of every slide go to test-artifacts/screenshots/ (git-ignored).
The browser is signed in by the server's session route (tools.harness.hand_over_session), not the form.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.harness import CHROMIUM, CHROMIUM_ARGS, Server, hand_over_session

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -r requirements-dev.txt)"
)

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 120_000  # a bound for a busy shared machine, not a timing
SLIDES = ["总览", "挂牌督战", "复工复产", "资金", "预警", "督办"]  # the order of fupin.views.meeting.view
MIN_TEXT, MIN_KPI = 28, 48  # px at 1920×1080

# Raw values a person must never read on the wall.
RAW = {
    "None": r"\bNone\b",
    "NaN": r"\b(?:NaN|nan|NaT)\b",
    "a timestamp": r"\d{4}-\d{2}-\d{2}",
    "an English word": r"[A-Za-z]{2,}",
    "an internal code": r"\b34\d{4}\b|[a-z]+_[a-z]+|province:",
}

# Measures the visible page: sizes in CSS px of the window; font sizes scaled by the canvas's scale.
MEASURE_JS = """
() => {
  const canvas = document.querySelector('.st-key-mtg_canvas');
  const cr = canvas.getBoundingClientRect();
  const scale = cr.width / 1920;
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;  // a 1-px clip is Streamlit's screen-reader skip link
  };
  const out = {scale, canvas: [cr.left, cr.top, cr.right, cr.bottom], texts: [], small: [], overflow: [],
               scrollers: [], outside: [], kpi: [], clipped: [],
               doc: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
               win: [innerWidth, innerHeight]};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, t = n.textContent.trim(), el = n.parentElement;
    if (!t || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || !shown(el)) continue;
    out.texts.push(t);
    // SVG text may be scaled to fit (plotly shrinks labels): rendered size = font size × drawn / laid-out height
    const fs = parseFloat(getComputedStyle(el).fontSize);
    let px = fs * scale;
    if (el instanceof SVGGraphicsElement && el.getBBox) {
      const bb = el.getBBox(), rr = el.getBoundingClientRect();
      if (bb.height > 0) px = fs * rr.height / bb.height;
    }
    if (px < __MIN__ * scale - 0.5) out.small.push([t.slice(0, 40), Math.round(px * 10) / 10]);
    const r = el.getBoundingClientRect();
    if (!el.closest('.mtg-ticker') && (r.left < cr.left - 1 || r.right > cr.right + 1 || r.top < cr.top - 1
        || r.bottom > cr.bottom + 1)) out.outside.push([t.slice(0, 40), Math.round(r.left), Math.round(r.right)]);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (el instanceof SVGElement || !shown(el) || el.closest('.mtg-ticker')) continue;
    if (el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0 && getComputedStyle(el).display !== 'inline')
      out.overflow.push([el.tagName + '.' + String(el.className).slice(0, 60), el.scrollWidth, el.clientWidth]);
    const oy = getComputedStyle(el).overflowY;
    if ((oy === 'hidden' || oy === 'clip') && el.scrollHeight > el.clientHeight + 2)
      out.clipped.push([el.tagName + '.' + String(el.className).slice(0, 60), el.scrollHeight, el.clientHeight]);
    if ((oy === 'auto' || oy === 'scroll') && el.scrollHeight > el.clientHeight + 2)
      out.scrollers.push([el.tagName + '.' + String(el.className).slice(0, 60), el.scrollHeight, el.clientHeight]);
  }
  for (const el of document.querySelectorAll('.mtg-stat .v, .mtg-card .v')) {
    if (shown(el)) out.kpi.push([el.textContent.trim(), parseFloat(getComputedStyle(el).fontSize) * scale]);
  }
  return out;
}
""".replace("__MIN__", str(MIN_TEXT))


def open_meeting(
    ctx: sync_api.BrowserContext, url: str, width: int, height: int, *, clock: bool = False
) -> sync_api.Page:
    """The meeting screen, waited for until the script has marked the canvas drawn (every chart rendered).

    clock: the page's timers run on Playwright's clock, installed before the page loads (time flows as usual until a
    test pauses it and moves it on by hand)."""
    page = ctx.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    if clock:
        page.clock.install()
    page.goto(url)
    page.wait_for_selector(".st-key-mtg_canvas[data-ready]", timeout=TIMEOUT_MS)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
    return page


def current(page: sync_api.Page) -> int:
    return int(page.get_attribute(".st-key-mtg_canvas", "data-slide") or -1)


# The slide on screen has finished its fade-in (a .35 s opacity transition): fully opaque, no transition running.
FADED_IN_JS = """() => {
  const on = document.querySelector('[class*="st-key-mtg_slide_"].on');
  return !!on && getComputedStyle(on).opacity === '1'
    && !on.getAnimations().some(a => a.playState === 'running');
}"""


def charts_drawn(page: sync_api.Page) -> bool:
    """Every chart of the slide on screen has its SVG (no empty grey box)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[class*="st-key-mtg_slide_"].on [data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg') && c.querySelectorAll('path, rect').length > 3)"""
    )


def problems(m: dict, width: int, height: int) -> list[str]:
    """What is wrong with one measured slide (empty when it passes)."""
    out = []
    if m["doc"][0] > width or m["doc"][1] > height:
        out.append(f"page {m['doc'][0]}×{m['doc'][1]} larger than the window {width}×{height}")
    out += [f"scrolls: {s}" for s in m["scrollers"]]
    out += [f"cut off at the bottom: {c}" for c in m["clipped"]]
    out += [f"overflows horizontally: {o}" for o in m["overflow"]]
    out += [f"outside the canvas: {o}" for o in m["outside"]]
    out += [f"text smaller than {MIN_TEXT} px at 1920×1080: {s}" for s in m["small"]]
    out += [f"KPI value smaller than {MIN_KPI} px: {k}" for k in m["kpi"] if k[1] < MIN_KPI * m["scale"] - 0.5]
    text = "\n".join(m["texts"])
    for what, pattern in RAW.items():
        hit = re.search(pattern, text)
        if hit:
            out.append(f"{what} in visible text: {hit.group(0)!r}")
    return out


def screenshot(page: sync_api.Page, folder: Path, name: str) -> Path:
    path = folder / name
    page.screenshot(path=path)
    assert path.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / name)
    return path


def walk(page: sync_api.Page, folder: Path, tag: str, width: int, height: int) -> dict[str, list[str]]:
    """Every slide in turn with → : its problems (by slide name), and a screenshot."""
    found: dict[str, list[str]] = {}
    for i, name in enumerate(SLIDES):
        assert current(page) == i
        page.wait_for_function(FADED_IN_JS, timeout=TIMEOUT_MS, polling="raf")
        assert charts_drawn(page), f"{name}: a chart is not drawn"
        assert name in page.locator('[class*="st-key-mtg_slide_"].on').inner_text()
        found[name] = problems(page.evaluate(MEASURE_JS), width, height)
        screenshot(page, folder, f"meeting-{tag}-{i + 1}.png")
        page.keyboard.press("ArrowRight")
    assert current(page) == 0  # wrapped round
    return found


@pytest.fixture(scope="module")
def server(app_server: Server) -> Server:
    return app_server  # the session's server (tests/conftest.py)


@pytest.fixture(scope="module")
def meeting(server: Server) -> Iterator[sync_api.BrowserContext]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
        hand_over_session(ctx, server.url, "meeting")
        yield ctx
        ctx.close()
        browser.close()


@pytest.mark.parametrize(
    ("width", "height", "theme"), [(1920, 1080, "light"), (1920, 1080, "dark"), (1280, 720, "light")]
)
def test_every_slide_fits_and_reads(
    server: Server, meeting: sync_api.BrowserContext, tmp_path: Path, width: int, height: int, theme: str
) -> None:
    page = open_meeting(meeting, f"{server.url}/?theme={theme}", width, height)
    try:
        found = walk(page, tmp_path, f"{theme}-{width}x{height}", width, height)
        assert not {k: v for k, v in found.items() if v}, found
        box = page.evaluate("() => document.querySelector('.st-key-mtg_canvas').getBoundingClientRect().toJSON()")
        assert round(box["width"]) == width and round(box["height"]) == height  # 16:9 fills the window
    finally:
        page.close()


def test_always_visible_and_no_controls(server: Server, meeting: sync_api.BrowserContext) -> None:
    page = open_meeting(meeting, server.url + "/?theme=dark&slide=4", 1920, 1080)
    try:
        assert current(page) == 3  # ?slide= is 1-based
        header = page.locator(".st-key-mtg_header").inner_text()
        assert "截至" in header and "数据导入于" in header and "演示数据" in header
        clock = page.locator("[data-mtg-clock]").inner_text()
        assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", clock), clock
        for label in ("退出登录", "开始轮播"):  # in the page (hover) but not on the projected picture
            button = page.get_by_role("button", name=label)
            assert button.count() == 1
            box = "b => getComputedStyle(b.closest('.st-key-mtg_controls, .st-key-mtg_exit')).opacity"
            assert button.evaluate(box) == "0"
        bg = page.evaluate("() => getComputedStyle(document.querySelector('.st-key-mtg_canvas')).backgroundColor")
        assert bg == "rgb(11, 20, 36)"  # the dark palette
    finally:
        page.close()


def test_keys_step_and_pause(server: Server, meeting: sync_api.BrowserContext) -> None:
    """The carousel's timer is the page's own setInterval; the page runs on Playwright's clock, stopped once the
    carousel is paused and then moved on by hand, so "still there a whole interval later" and "the next slide one
    interval after resuming" are seen without waiting the 5 s out (5 s is the shortest interval the app allows)."""
    page = open_meeting(meeting, server.url + "/?carousel=5", 1920, 1080, clock=True)
    try:
        status = page.locator("[data-mtg-status]")
        assert status.inner_text() == "轮播中 · 每5秒"
        page.keyboard.press("Space")
        assert status.inner_text() == "已暂停"
        page.clock.pause_at(page.evaluate("Date.now()") + 1)  # from here on the page's time moves only by hand
        page.keyboard.press("ArrowLeft")
        assert current(page) == len(SLIDES) - 1
        page.clock.run_for(5_500)  # paused: still there after more than one interval
        assert current(page) == len(SLIDES) - 1
        page.keyboard.press("ArrowRight")
        assert current(page) == 0
        dots = page.locator("[data-mtg-dot].on")
        assert dots.count() == 1 and dots.inner_text() == SLIDES[0]
        page.keyboard.press("Space")
        assert status.inner_text() == "轮播中 · 每5秒"
        page.clock.run_for(5_500)  # playing again: one interval on, the next slide
        assert current(page) == 1
    finally:
        page.close()
