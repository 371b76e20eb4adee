"""Browser checks: the real app (`streamlit run app.py` on the tiny warehouse) in headless Debian chromium.

The overview and the county map are drawn (plotly choropleth, one `path.choroplethlocation` per county),
meeting mode hides the sidebar, and no page ever asks a host other than this machine for anything.
Skipped when /usr/bin/chromium or playwright is absent (apt-get install chromium fonts-noto-cjk).
Each role's browser is signed in by the server's session route (tools.harness.hand_over_session: the cookie as the
form sets it, without drawing the form); the form and the cookie themselves are the subject of the sign-in tests
below, which go through the form. Pages that are only looked at share one tab per role and are reached through the
sidebar's navigation (tools.harness.open_page); pages whose URL is the point (a forbidden page, ?mode=present, a
county in the query) are loaded by their URL. Screenshots are kept in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest

from fupin.access import audit
from tools.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNTIES_DRAWN_JS,
    N_COUNTIES,
    PAGE_HEADINGS,
    Server,
    hand_over_session,
    open_page,
    settle,
    sign_in,
    streamlit_server,
)
from tools.harness import DATA_PAGES as BENCH_DATA_PAGES

# One worker runs this module: its tests share one streamlit server (and module-level state).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_browser")]
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -r requirements-dev.txt)"
)

ROOT = Path(__file__).parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 90_000  # a bound for a busy shared machine (load average 30–46 timed out at 30 s), not a timing
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"

# Every URL any page of this module asked for (the offline check runs over all of them).
REQUESTED: list[str] = []


@pytest.fixture(scope="module")
def server(app_server: Server) -> Server:
    return app_server  # the session's server (tests/conftest.py)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def signed_in(server: Server, browser: sync_api.Browser) -> Iterator[dict[str, sync_api.BrowserContext]]:
    """One browser context per demo account, signed in on first use by the server's session route."""
    contexts: dict[str, sync_api.BrowserContext] = {}

    class Contexts(dict):
        def __missing__(self, user: str) -> sync_api.BrowserContext:
            ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            ctx.on("request", lambda r: REQUESTED.append(r.url))
            hand_over_session(ctx, server.url, user)
            contexts[user] = self[user] = ctx
            return ctx

    yield Contexts()
    for ctx in contexts.values():
        ctx.close()


@pytest.fixture(scope="module")
def admin(signed_in: dict[str, sync_api.BrowserContext]) -> sync_api.BrowserContext:
    return signed_in["admin"]


@pytest.fixture(scope="module")
def tabs(signed_in: dict[str, sync_api.BrowserContext]) -> dict[str, sync_api.Page]:
    """One tab per demo account, opened on first use and kept: the pages a test only looks at are reached in it
    through the navigation (open_page), as a person moves between pages (a blank tab loads the page by its URL)."""

    class Tabs(dict):
        def __missing__(self, user: str) -> sync_api.Page:
            self[user] = _tab(signed_in[user])
            return self[user]

    return Tabs()


def _tab(context: sync_api.BrowserContext, width: int = 1600, height: int = 1000) -> sync_api.Page:
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", lambda r: REQUESTED.append(r.url))
    page.on("websocket", lambda ws: REQUESTED.append(ws.url))
    return page


def _open(context: sync_api.BrowserContext, url: str, width: int = 1600, height: int = 1000) -> sync_api.Page:
    """A new tab on `url`, loaded by its URL (a new Streamlit session)."""
    page = _tab(context, width, height)
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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # kept after the run (git-ignored): CI's test artifacts
    shutil.copy(path, ARTIFACTS / name)
    return path


def _go(page: sync_api.Page, url: str, path: str, width: int = 1600, height: int = 1000) -> sync_api.Page:
    """`path` in the role's tab, at width × height: through the navigation (by its URL in a blank tab)."""
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, url, path, TIMEOUT_MS)
    return page


def test_overview_renders(server: Server, tabs: dict[str, sync_api.Page], shots: Path) -> None:
    page = _go(tabs["admin"], server.url, "")
    assert _wait_for_counties(page, 100) >= 100
    assert "总览" in page.locator('[data-testid="stMain"]').inner_text()
    assert _sidebar_shown(page)  # outside meeting mode it is there
    _screenshot(page, shots, "overview-1600x1000.png")


def test_map_draws_every_county(server: Server, tabs: dict[str, sync_api.Page], shots: Path) -> None:
    page = _go(tabs["admin"], server.url, "map")
    assert _wait_for_counties(page, N_COUNTIES) == N_COUNTIES
    assert "剩余贫困人口地图" in page.locator('[data-testid="stMain"]').inner_text()
    _screenshot(page, shots, "map-1600x1000.png")


def test_meeting_mode_hides_sidebar(server: Server, admin: sync_api.BrowserContext, shots: Path) -> None:
    page = _open(admin, server.url + "/?mode=present", width=1920, height=1080)
    try:
        page.wait_for_selector(".st-key-mtg_canvas[data-ready]", timeout=90_000)  # the whole deck is drawn first
        assert _wait_for_counties(page, 100) >= 100
        assert not _sidebar_shown(page), "sidebar visible in meeting mode"
        assert not page.locator('[data-testid="stExpandSidebarButton"]').is_visible(), "sidebar can be opened"
        _screenshot(page, shots, "present-1920x1080.png")
    finally:
        page.close()


def test_red_flags_table_and_detail(server: Server, admin: sync_api.BrowserContext, shots: Path) -> None:
    page = _open(admin, server.url + "/warnings?county=341221", height=1600)
    try:
        listing = '[data-testid="stDataFrame"] >> visible=true'  # the list (expanders hold other tables, closed)
        page.wait_for_selector(listing)
        # The run has ended and no rerun follows: a download registered by a run that a rerun replaces is gone
        # before the browser asks for it (no download event; seen once on a 3-worker run).
        settle(page, TIMEOUT_MS, frame_ms=0)
        main = page.locator('[data-testid="stMain"]')
        assert "红色预警户" in main.inner_text()
        # Lists leave only through the audited exports: the table's toolbar is drawn without a CSV download,
        # the control is not in the page at all (before, CSS only hid it).
        page.locator(listing).first.hover()
        page.locator('[data-testid="stElementToolbar"] button[aria-label="Search"]').first.wait_for(state="attached")
        assert page.locator('button[aria-label="Download as CSV"]').count() == 0
        # The work order is built when its button is clicked (st.download_button(data=callable)) and audited then.
        with page.expect_download() as download:
            page.get_by_role("button", name=re.compile("下载工作单")).click()
        assert download.value.suggested_filename == "红色预警户_2020-06.xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))["红色预警户工作单"]
        assert sheet["A1"].value.startswith("红色预警户工作单 · 临泉县") and sheet["A3"].value == "户编号"
        last = audit.rows(1)[0]  # the server writes the log this test process names (FUPIN_STORE)
        assert (last["action"], last["row_count"], last["viewer"]) == (
            "export_xlsx",
            sheet.max_row - 3,
            "省扶贫办管理员（演示）",
        )
        box = page.locator(listing).first.bounding_box()
        page.mouse.click(box["x"] + 14, box["y"] + 53)  # the first row's selection box
        page.wait_for_selector('[data-testid="stTab"]')
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert " 户 · " in page.locator('[role="dialog"]').inner_text()  # the detail opens in a dialog
        _screenshot(page, shots, "warnings-detail-1600x1600.png")
    finally:
        page.close()


@pytest.mark.parametrize(("path", "heading"), [("/supervision", "挂牌督战"), ("/spring", "春季攻势")])
def test_supervision_and_spring_render(
    server: Server, tabs: dict[str, sync_api.Page], shots: Path, path: str, heading: str
) -> None:
    page = _go(tabs["admin"], server.url, path.strip("/"), height=1400)
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert heading in page.locator("h1").first.inner_text()
    _screenshot(page, shots, f"{path.strip('/')}-1600x1400.png")


def _sidebar_shown(page: sync_api.Page) -> bool:
    sidebar = page.locator('[data-testid="stSidebar"]')
    if not sidebar.count() or not sidebar.is_visible():
        return False
    box = sidebar.bounding_box()
    return box is not None and box["x"] + box["width"] > 0  # a collapsed sidebar is moved off-screen


HEADINGS = {"/" + path: heading for path, heading in PAGE_HEADINGS.items()}
DATA_PAGES = ["/" + path for path in BENCH_DATA_PAGES]
ROLE_PAGES = {
    "admin": [*DATA_PAGES, "/import_data", "/audit_log"],
    "fuyang": DATA_PAGES,
    "linquan": [p for p in DATA_PAGES if p != "/work_overview"],  # a county answers; it does not review
    "analyst": DATA_PAGES,
    "meeting": ["/"],
}
# The list's grid has drawn its first row (glide-data-grid keeps an accessible copy of the drawn cells in the DOM).
GRID_ROW_DRAWN = '[data-testid="stDataFrame"]:visible tbody tr >> nth=0'
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dX](?![0-9A-Za-z])")  # not inside a float or a hex hash


def _settle(page: sync_api.Page) -> str:
    """Wait until the page's script has finished; the main area's text (no exception allowed)."""
    page.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stMetric"]')
    settle(page, TIMEOUT_MS, frame_ms=0)  # the run has ended and stayed ended (no rerun follows)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
    return page.locator('[data-testid="stMain"]').inner_text()


NAV_LINKS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stSidebarNav"] a'))
    .map(a => new URL(a.href).pathname)"""


@pytest.mark.parametrize("user", list(ROLE_PAGES))
def test_each_role_sees_its_pages_and_reaches_no_others(
    server: Server,
    signed_in: dict[str, sync_api.BrowserContext],
    tabs: dict[str, sync_api.Page],
    shots: Path,
    user: str,
) -> None:
    """The role's landing page and its navigation as the browser draws them, and the other pages' URLs
    refused. AppTest (tests/test_access.py) holds the whole role × page matrix and renders every page of
    each role; the pages drawn in chromium are the ones the tests above open."""
    ctx = signed_in[user]
    page = tabs[user]  # the role's tab: the landing page by its URL (a new session in it)
    page.set_viewport_size({"width": 1600, "height": 1200})
    page.goto(server.url + "/")
    forbidden = sorted(set(HEADINGS) - set(ROLE_PAGES[user]))
    if user == "meeting":  # the household and administration pages; AppTest checks the other six too
        forbidden = ["/audit_log", "/import_data", "/warnings"]
    # Each forbidden page by its URL in a tab of its own, all at once beside the landing page: the server runs them
    # together.
    refused = [_open(ctx, server.url + path) for path in forbidden]
    try:
        text = _settle(page)
        if user == "meeting":  # always meeting mode: no sidebar, no way into household pages
            assert not _sidebar_shown(page)
            page.get_by_role("button", name="退出登录").wait_for()  # the only control: top corner
        else:
            assert HEADINGS["/"] in page.locator("h1").first.inner_text()
            assert _sidebar_shown(page)
            assert sorted(page.evaluate(NAV_LINKS_JS)) == sorted(ROLE_PAGES[user]), user
        assert not ID_NUMBER.search(text), f"{user}: an ID number is shown unmasked"
        _screenshot(page, shots, f"role-{user}-overview.png")
        for path, tab in zip(forbidden, refused, strict=True):
            _settle(tab)
            heading = tab.locator("h1").first.inner_text()
            assert HEADINGS[path] not in heading, f"{user} reached {path}"
            if user != "meeting":  # refused means: the role's own landing page, not an error or a blank page
                assert HEADINGS["/"] in heading, f"{user} at {path}: {heading!r}"
    finally:
        for tab in refused:
            tab.close()


@pytest.mark.parametrize("user", ["linquan", "analyst"])
def test_household_detail_is_masked_for_county_and_analyst(
    server: Server, tabs: dict[str, sync_api.Page], shots: Path, user: str
) -> None:
    page = _go(tabs[user], server.url, "warnings", height=1600)  # from the role's landing page, by the navigation
    _settle(page)
    for attempt in range(4):  # the grid draws its canvas a moment after the script ends
        page.wait_for_selector(GRID_ROW_DRAWN, state="attached")
        box = page.locator('[data-testid="stDataFrame"]:visible').first.bounding_box()
        page.mouse.click(box["x"] + 14, box["y"] + 53)  # the first row's selection box
        try:
            page.wait_for_selector('[data-testid="stTab"]', timeout=8000)
            break
        except sync_api.TimeoutError:
            if attempt == 3:
                raise
    _settle(page)
    text = page.locator('[role="dialog"]').inner_text()  # the detail opens in a dialog
    assert " 户 · " in text
    assert re.search(r"[\u4e00-\u9fff]\*+", text), "no masked name in the household detail"
    assert not ID_NUMBER.search(text)
    assert "显示完整信息" not in text  # only 省级管理员 may unmask
    _screenshot(page, shots, f"detail-masked-{user}.png")


def test_session_cookie_is_http_only_and_dies_at_sign_out(server: Server, browser: sync_api.Browser) -> None:
    """The cookie is HttpOnly + SameSite=Strict (set by the server route, not a page script); a copy of
    it in another browser stops working the moment the owner signs out."""
    owner = browser.new_context(viewport={"width": 1600, "height": 1000})
    thief = browser.new_context(viewport={"width": 1600, "height": 1000})
    owner.on("request", lambda r: REQUESTED.append(r.url))  # the form's round trip, for the offline check
    try:
        sign_in(owner, server.url, "linquan")
        (cookie,) = [c for c in owner.cookies() if c["name"] == "wanfu_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        page = _open(owner, server.url + "/")
        page.get_by_role("button", name="退出登录").wait_for()
        assert page.evaluate("document.cookie").find("wanfu_session") < 0  # invisible to page scripts
        thief.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
        stolen = _open(thief, server.url + "/")
        stolen.get_by_role("button", name="退出登录").wait_for()  # the copy works while the session lives
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="登录").wait_for()  # /_fupin/signout deleted the cookie and sent us back
        for _ in range(50):  # the form shows first; then the page goes through /_fupin/signout
            page.wait_for_timeout(300)
            if not [c for c in owner.cookies() if c["name"] == "wanfu_session" and c["value"]]:
                break
        else:
            raise AssertionError("the session cookie was not deleted")
        stolen.reload()
        stolen.get_by_role("button", name="登录").wait_for()  # revoked server-side: the copy is dead
        assert not stolen.get_by_role("button", name="退出登录").count()
    finally:
        owner.close()
        thief.close()


def test_signed_out_sees_only_the_login_form(server: Server, browser: sync_api.Browser, shots: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    ctx.on("request", lambda r: REQUESTED.append(r.url))  # the login form, for the offline check
    try:
        paths = ["/", "/warnings?county=341221", "/audit_log"]
        pages = [_open(ctx, server.url + path) for path in paths]  # each by its URL, all at once
        for page in pages:
            page.get_by_role("button", name="登录").wait_for()
            settle(page, TIMEOUT_MS, frame_ms=0)  # the run has ended: nothing more will be drawn
            text = page.locator('[data-testid="stMain"]').inner_text()
            assert "红色预警户" not in text and "户编号" not in text
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
        page = pages[0]  # "/": the form, signed out
        page.get_by_label("账号").fill("admin")
        page.get_by_label("密码").fill("wrong")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("账号或密码错误").wait_for()
        _screenshot(page, shots, "login-wrong-password.png")
    finally:
        ctx.close()


IMPORT_PW = "import-Test-pw-1"


@pytest.fixture(scope="module")
def import_site(site_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A server of its own (the import swaps its warehouse): every month but June in the store."""
    from fupin.access.auth import hash_password

    root = tmp_path_factory.mktemp("import-site")
    shutil.copytree(site_template / "data", root / "data")
    store, db = root / "data" / "exports" / "demo", root / "data" / "warehouse.duckdb"
    # An uploaded month makes the data real, and real data signs in with an accounts file only.
    accounts = root / "accounts.toml"
    accounts.write_text(
        f'[accounts.admin]\nname = "省扶贫办"\nrole = "province_admin"\npassword_hash = "{hash_password(IMPORT_PW)}"\n',
        encoding="utf-8",
    )
    env = {"FUPIN_EXPORTS": str(store), "FUPIN_ACCOUNTS": str(accounts)}
    with streamlit_server(db, log=root / "streamlit.log", timeout=60, env=env) as s:
        yield s, store


def _upload(page: sync_api.Page, files: list[Path], timeout: float = TIMEOUT_MS) -> None:
    """Choose `files` in the page's uploader and wait until the browser has sent every one to the server and the
    rerun that follows has ended."""
    sent: list[str] = []

    def on_response(r: sync_api.Response) -> None:
        if r.request.method == "PUT" and "/_stcore/upload_file/" in r.url and r.ok:
            sent.append(r.url)

    page.on("response", on_response)
    try:
        page.locator('input[type="file"]').set_input_files(files)
        deadline = time.monotonic() + timeout / 1000
        while len(sent) < len(files):
            assert time.monotonic() < deadline, f"{len(sent)} of {len(files)} files uploaded"
            page.wait_for_timeout(100)  # lets playwright deliver the responses
    finally:
        page.remove_listener("response", on_response)
    settle(page, int(timeout), frame_ms=0)


def test_import_page_dry_run_then_commit(
    import_site: tuple[Server, Path], browser: sync_api.Browser, tiny_exports: Path, shots: Path, tmp_path: Path
) -> None:
    server, store = import_site
    ctx = browser.new_context(viewport={"width": 1600, "height": 1400})
    try:
        sign_in(ctx, server.url, "admin", IMPORT_PW)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.goto(server.url + "/import_data")
        _settle(page)
        assert "数据截至2020年5月" in page.locator('[data-testid="stSidebar"]').inner_text()
        # Not an export: refused with the reason, nothing staged.
        photo = tmp_path / "户信息.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2048)
        _upload(page, [photo])
        page.get_by_role("button", name="预检").click()
        page.get_by_text("1 个文件不能导入").wait_for()
        page.locator('[data-testid="stDataFrame"] td', has_text="不支持的文件类型「.jpg」").wait_for(state="attached")
        assert "未做任何改动" in page.locator('[data-testid="stMain"]').inner_text()
        _screenshot(page, shots, "import-refused.png")
        # June's real files: 预检 → report → 确认提交 → the sidebar shows the new month.
        page.goto(server.url + "/import_data")
        _settle(page)
        _upload(page, sorted((tiny_exports / "2020-06").iterdir()))
        page.get_by_role("button", name="预检").click()
        page.get_by_text("预检结果").wait_for()
        text = _settle(page)
        assert "2020年6月" in text and "读取行数" in text
        _screenshot(page, shots, "import-dry-run.png")
        assert not (store / "2020-06").exists()  # nothing committed yet
        page.get_by_role("button", name="确认提交").click()
        page.get_by_text("已提交").wait_for()
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "数据截至2020年6月" in sidebar  # the batch caption
        assert "month=2020-06" in page.url  # and the month selected (the sidebar writes it to the URL)
        assert (store / "2020-06").is_dir()
        assert "演示数据" not in sidebar  # uploaded files: the batch is real, never labelled synthetic
        _screenshot(page, shots, "import-committed.png")
    finally:
        ctx.close()


def test_no_request_leaves_this_machine(server: Server, admin: sync_api.BrowserContext) -> None:
    if not any(urlsplit(u).path.startswith("/_stcore") for u in REQUESTED):  # run on its own: load the pages here
        for path in ["/", "/map", "/?mode=present", "/warnings?county=341221", "/supervision", "/spring"]:
            page = _open(admin, server.url + path)
            settle(page, TIMEOUT_MS)
            page.close()
    assert REQUESTED
    assert len(REQUESTED) > 100  # every role's pages and the sign-in form were recorded (this test runs last)
    external = sorted(
        {u for u in REQUESTED if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS}
    )
    assert not external, f"requests to other hosts: {external}"
