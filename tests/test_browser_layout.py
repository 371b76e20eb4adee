"""Layout checks in headless Debian chromium at two viewports (1366×768 desktop, 390×844 phone), over the normal
pages (not meeting mode), as the province admin and as a county user (linquan); RUNS says which pages each checks:

- nothing in the page's main area overflows its container sideways, no text is cut off with "…", and the page
  itself never scrolls sideways;
- no raw value a person should not read appears in the visible text of the main area: timestamps
  ("2020-06-01 00:00:00"), None / NaN / empty, English words (Streamlit's "Browse files", "Drag and drop"),
  file paths, internal codes ("province:340000", snake_case names), raw JSON.

Every page checked is screenshotted (test-artifacts/screenshots/layout-*.png, git-ignored): what fits on the first
screen, and with FUPIN_FULL_PAGE_SHOTS=1 the full page too (a tall viewport, since Streamlit scrolls inside a
container). A run's pages share one tab: the first opened by its URL, the others through the sidebar's navigation.
Skipped when /usr/bin/chromium or playwright is absent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.harness import CHROMIUM, CHROMIUM_ARGS, PAGE_HEADINGS, Server, hand_over_session, open_page

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -r requirements-dev.txt)"
)

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 120_000  # a page on a machine at load 30 (2 cores shared) took over 60 s to finish its run
VIEWPORTS = {"1366x768": (1366, 768), "390x844": (390, 844)}
# Full-page screenshots as well as the first screen: FUPIN_FULL_PAGE_SHOTS=1 (each costs a redraw at a tall size).
FULL_PAGE_SHOTS = os.environ.get("FUPIN_FULL_PAGE_SHOTS") == "1"
NOT_FOR_A_COUNTY = {"import_data", "audit_log", "work_overview"}  # not in a county user's navigation
COUNTY_PAGES = [p for p in PAGE_HEADINGS if p not in NOT_FOR_A_COUNTY]
# Who is checked where: every page at the desk as the province and as a county; on a phone (county leaders browsing
# their own county) every county page, and as the province only the pages a county never sees, since the others are
# the same layout with more rows. One test per run, so the pytest-xdist workers share them.
RUNS = {
    ("1366x768", "admin"): list(PAGE_HEADINGS),
    ("1366x768", "linquan"): COUNTY_PAGES,
    ("390x844", "linquan"): COUNTY_PAGES,
    ("390x844", "admin"): ["", *NOT_FOR_A_COUNTY],
}

# Raw values a person should never read: (what it is, pattern over the visible text).
RAW = [
    ("timestamp", re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")),
    ("ISO date", re.compile(r"(?<![\d-])20\d{2}-\d{2}-\d{2}(?![\d-])")),
    ("None/NaN/empty", re.compile(r"\b(None|NaN|nan|NaT|null|empty|True|False|undefined)\b")),
    ("internal code", re.compile(r"\b(province|city|county|township|village):\d{2,12}\b")),
    ("snake_case name", re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")),
    ("file path", re.compile(r"(?:[\w.-]+/)+[\w.-]+\.(?:csv|py|json|sql|toml|duckdb|xlsx|md)\b|/(?:work|tmp|app)/")),
    ("raw JSON", re.compile(r"[{\[]\s*\"\w+\"\s*:")),
    ("English word", re.compile(r"\b(?!(?:csv|xlsx|xls|pdf|png|jpg|jpeg|html)\b)[A-Za-z]{4,}\b", re.IGNORECASE)),
]

# The visible text of the main area, Material icons left out (their ligature names, "arrow_forward", are drawn as
# glyphs, not read), hidden elements left out (Streamlit's English uploader words hidden by the page CSS).
VISIBLE_TEXT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('[data-testid="stIconMaterial"], style, script')) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;  // an icon's ligature name
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  return out.join('\\n');
}
"""

# Elements that overflow their container sideways, text cut off with an ellipsis, a page that scrolls sideways.
OVERFLOW_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const inside = 'svg, canvas, .js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stIconMaterial"], '
    + '[data-baseweb="popover"], [role="tooltip"], [data-testid="stProgress"], input[type="checkbox"], '
    + 'input[type="radio"], [data-testid="hidden-dateinput-container"]';  // the date field's screen-reader input
  const name = (el) => (el.getAttribute('data-testid') || el.tagName.toLowerCase())
    + ' "' + (el.innerText || '').trim().slice(0, 30).replace(/\\n/g, ' ') + '"';
  const bad = [];
  for (const el of main.querySelectorAll('*')) {
    if (el.closest(inside) || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const cs = getComputedStyle(el);
    if (cs.position === 'fixed' || (el.tagName === 'INPUT' && cs.position === 'absolute')) continue;  // overlays
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (['hidden', 'clip'].includes(cs.overflowX) && cs.textOverflow === 'ellipsis'
        && el.scrollWidth > el.clientWidth + 1) {
      bad.push('cut off: ' + name(el));
      continue;
    }
    let p = el.parentElement;
    while (p && p !== main && p.getBoundingClientRect().width < 4) p = p.parentElement;  // visually hidden
    if (!p) continue;
    const pr = p.getBoundingClientRect();
    if (r.right > pr.right + 2 || r.left < pr.left - 2) {
      bad.push(`overflows: ${name(el)} [${Math.round(r.left)}–${Math.round(r.right)} in `
        + `${Math.round(pr.left)}–${Math.round(pr.right)}]`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push('the page scrolls sideways');
  return bad;
}
"""


@pytest.fixture(scope="module")
def server(app_server: Server) -> Server:
    return app_server  # the session's server (tests/conftest.py)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def raw_values(text: str) -> list[str]:
    """The raw-value findings in a page's visible text: 'what: the text around it'."""
    found = []
    for what, pattern in RAW:
        for m in pattern.finditer(text):
            found.append(f"{what}: …{text[max(0, m.start() - 15) : m.end() + 15]}…".replace("\n", " "))
    return found


def check_viewport(server: Server, browser: sync_api.Browser, viewport: str, user: str, pages: list[str]) -> None:
    """Every page of the run in one tab, reached as a person reaches it: the first by its URL, the others through the
    sidebar's navigation (the session stays; the page's script runs)."""
    width, height = VIEWPORTS[viewport]
    problems: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": height})
    ctx.set_default_timeout(TIMEOUT_MS)  # a page on a busy machine
    try:
        hand_over_session(ctx, server.url, user)
        page = ctx.new_page()
        for path in pages:
            where = f"{viewport} {user} /{path}"
            try:
                open_page(page, server.url, path, TIMEOUT_MS)
            except sync_api.TimeoutError:
                problems.append(f"{where}: not the page asked for")
                page.goto(f"{server.url}/")  # start the next page from a known place
                continue
            if page.locator('[data-testid="stException"]').count():
                problems.append(f"{where}: an error on the page")
            stem = f"layout-{path or 'overview'}-{user}-{viewport}"
            page.screenshot(path=ARTIFACTS / f"{stem}-first-screen.png")
            problems += [f"{where}: {p}" for p in raw_values(page.evaluate(VISIBLE_TEXT_JS))]
            problems += [f"{where}: {p}" for p in page.evaluate(OVERFLOW_JS)]
            if viewport == "390x844":  # narrow screens open with the sidebar collapsed, and keep it so
                sidebar = page.locator('[data-testid="stSidebar"]')
                if sidebar.count() and sidebar.first.get_attribute("aria-expanded") == "true":
                    problems.append(f"{where}: the sidebar is open on a phone")
            if FULL_PAGE_SHOTS:  # the whole page, to look at (Streamlit scrolls inside a container)
                full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": width, "height": min(max(height, full + 40), 8000)})
                page.wait_for_timeout(300)  # plotly redraws at the new size
                page.screenshot(path=ARTIFACTS / f"{stem}.png")
                page.set_viewport_size({"width": width, "height": height})
    finally:
        ctx.close()
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems[:80])


def test_raw_values_are_caught() -> None:
    """The raw-value patterns catch what they are for and pass ordinary Chinese text."""
    assert (
        raw_values("截至2020年6月 · 961人 · 下载数据 CSV · 进度要求60% · R02 收入大幅下降 · 监测记录_341221.xlsx") == []
    )
    for text in (
        "导入于 2020-06-01 00:00:00",
        "户主 None",
        "scope province:340000",
        "poor_reduction",
        "见 data/reference/warning_rules.csv",
        '{"month": "2020-06"}',
        "Drag and drop files here",
        "Browse files",
        "Upload",
    ):
        assert raw_values(text), text


@pytest.mark.parametrize(("viewport", "user"), list(RUNS), ids=[f"{v}-{u}" for v, u in RUNS])
def test_layout(server: Server, browser: sync_api.Browser, viewport: str, user: str) -> None:
    check_viewport(server, browser, viewport, user, RUNS[viewport, user])
