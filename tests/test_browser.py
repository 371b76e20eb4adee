"""Browser checks: the real app (`streamlit run app.py` on the tiny warehouse) in headless Debian chromium.

The overview and the county map are drawn (plotly choropleth, one `path.choroplethlocation` per county),
meeting mode hides the sidebar, and no page ever asks a host other than this machine for anything.
Skipped when /usr/bin/chromium or playwright is absent (apt-get install chromium fonts-noto-cjk).
Screenshots go to a tmp dir, and also to bench/out/screenshots/ with SAVE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fupin.bench import CHROMIUM, CHROMIUM_ARGS, COUNTIES_DRAWN_JS, N_COUNTIES, Server, streamlit_server

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -r requirements-dev.txt)"
)

ROOT = Path(__file__).parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 30_000

# Every URL any page of this module asked for (the offline check runs over all of them).
REQUESTED: list[str] = []


@pytest.fixture(scope="module")
def server(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with streamlit_server(tiny_db, log=log, timeout=60) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _open(browser: sync_api.Browser, url: str, width: int = 1600, height: int = 1000) -> sync_api.Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", lambda r: REQUESTED.append(r.url))
    page.on("websocket", lambda ws: REQUESTED.append(ws.url))
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]')
    return page


def _wait_for_counties(page: sync_api.Page, at_least: int) -> int:
    """Wait (through Streamlit's reruns) until `at_least` counties are drawn and the script has finished.

    Returns the number of counties drawn: distinct `path.choroplethlocation` geometries (overlay outlines
    draw some counties twice)."""
    page.wait_for_function(f"n => ({COUNTIES_DRAWN_JS}) >= n", arg=at_least, timeout=TIMEOUT_MS)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)  # let plotly finish the frame it is drawing
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
    return page.evaluate(COUNTIES_DRAWN_JS)


def _screenshot(page: sync_api.Page, shots: Path, name: str) -> Path:
    path = shots / name
    page.screenshot(path=path)
    assert path.stat().st_size > 10_000  # a real page, not a blank one
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        keep = ROOT / "bench" / "out" / "screenshots"
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, keep / name)
    return path


def test_overview_renders(server: Server, browser: sync_api.Browser, shots: Path) -> None:
    page = _open(browser, server.url + "/")
    try:
        assert _wait_for_counties(page, 100) >= 100
        assert "总览" in page.locator('[data-testid="stMain"]').inner_text()
        assert _sidebar_shown(page)  # outside meeting mode it is there
        _screenshot(page, shots, "overview-1600x1000.png")
    finally:
        page.close()


def test_map_draws_every_county(server: Server, browser: sync_api.Browser, shots: Path) -> None:
    page = _open(browser, server.url + "/map")
    try:
        assert _wait_for_counties(page, N_COUNTIES) == N_COUNTIES
        assert "剩余贫困人口地图" in page.locator('[data-testid="stMain"]').inner_text()
        _screenshot(page, shots, "map-1600x1000.png")
    finally:
        page.close()


def test_meeting_mode_hides_sidebar(server: Server, browser: sync_api.Browser, shots: Path) -> None:
    page = _open(browser, server.url + "/?mode=present", width=1920, height=1080)
    try:
        assert _wait_for_counties(page, 100) >= 100
        assert not _sidebar_shown(page), "sidebar visible in meeting mode"
        assert not page.locator('[data-testid="stExpandSidebarButton"]').is_visible(), "sidebar can be opened"
        _screenshot(page, shots, "present-1920x1080.png")
    finally:
        page.close()


def test_red_flags_table_and_detail(server: Server, browser: sync_api.Browser, shots: Path) -> None:
    page = _open(browser, server.url + "/warnings?county=341221", height=1600)
    try:
        page.wait_for_selector('[data-testid="stDataFrame"]')
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        main = page.locator('[data-testid="stMain"]')
        assert "红色预警户" in main.inner_text()
        assert not page.locator('button[aria-label="Download as CSV"]').is_visible()  # lists leave only audited
        box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
        page.mouse.click(box["x"] + 14, box["y"] + 53)  # the first row's selection box
        page.wait_for_selector('[data-testid="stTab"]')
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert " 户 · " in main.inner_text()
        _screenshot(page, shots, "warnings-detail-1600x1600.png")
    finally:
        page.close()


@pytest.mark.parametrize(("path", "heading"), [("/supervision", "挂牌督战"), ("/spring", "春季攻势")])
def test_supervision_and_spring_render(server: Server, browser: sync_api.Browser, shots: Path, path: str,
                                       heading: str) -> None:  # fmt: skip
    page = _open(browser, server.url + path, height=1400)
    try:
        page.wait_for_selector("h1")
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        page.wait_for_selector(".js-plotly-plot")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert heading in page.locator("h1").first.inner_text()
        _screenshot(page, shots, f"{path.strip('/')}-1600x1400.png")
    finally:
        page.close()


def _sidebar_shown(page: sync_api.Page) -> bool:
    sidebar = page.locator('[data-testid="stSidebar"]')
    if not sidebar.count() or not sidebar.is_visible():
        return False
    box = sidebar.bounding_box()
    return box is not None and box["x"] + box["width"] > 0  # a collapsed sidebar is moved off-screen


def test_no_request_leaves_this_machine(server: Server, browser: sync_api.Browser) -> None:
    if not any(urlsplit(u).path.startswith("/_stcore") for u in REQUESTED):  # run on its own: load the pages here
        for path in ["/", "/map", "/?mode=present", "/warnings?county=341221", "/supervision", "/spring"]:
            page = _open(browser, server.url + path)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            page.wait_for_timeout(1000)
            page.close()
    assert REQUESTED
    external = sorted(
        {u for u in REQUESTED if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS}
    )
    assert not external, f"requests to other hosts: {external}"
