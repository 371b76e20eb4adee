"""One full 督办 loop in headless chromium: the month's findings raise items (the province), 临泉县 answers one on
我的待办, 阜阳市 closes it; the store follows each step. Screenshots of the workbench at 1366×768 and on a 390-px
phone are kept in test-artifacts/screenshots/ (git-ignored). Each person's browser is signed in by the server's session
route (tools.harness.hand_over_session), not the form: the form has tests of its own (tests/test_browser.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tools.harness import CHROMIUM, CHROMIUM_ARGS, Server, hand_over_session, open_page, settle, streamlit_server

# One worker runs this module: its tests share one streamlit server (and module-level state).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_browser_work")]
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts" / "screenshots"
STORE_STATE = "select state from work_item where id = :id"
TIMEOUT_MS = 120_000  # a bound for a busy shared machine, not a timing


@pytest.fixture(scope="module")
def loop_store(tmp_path_factory: pytest.TempPathFactory, tiny_db: Path) -> Iterator[Path]:
    """A store where the province raised the tiny batch's findings (no demo history: all open)."""
    from fupin.access import store
    from fupin.work import sync

    path = tmp_path_factory.mktemp("work-store") / "store.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("FUPIN_STORE", str(path))
    store.reset()
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        sync.sync(con, con.execute("select batch_id from ingest_batch").fetchone()[0])
    yield path
    mp.undo()
    store.reset()


@pytest.fixture(scope="module")
def server(tiny_db: Path, loop_store: Path) -> Iterator[Server]:
    with streamlit_server(tiny_db, log=loop_store.parent / "streamlit.log", env={"FUPIN_STORE": str(loop_store)}) as s:
        yield s


def _state(item_id: int) -> str:
    import sqlalchemy as sa

    from fupin.access import store

    with store.tx() as conn:
        return conn.execute(sa.text(STORE_STATE), {"id": item_id}).scalar_one()


def _wait_for_state(item_id: int, state: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _state(item_id) != state:
        if time.monotonic() > deadline:
            raise AssertionError(f"item {item_id} is {_state(item_id)!r}, expected {state!r}")
        time.sleep(0.3)


def _act(page: sync_api.Page, url: str, label: str, note: str | None) -> None:
    page.goto(url)
    page.get_by_role("button", name="提交").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(label, exact=True).click()
    if note is not None:
        page.get_by_label("说明（反馈、退回、直接销号时必填）").fill(note)
    page.get_by_role("button", name="提交").click()


def test_province_raises_county_responds_city_closes(server: Server, loop_store: Path) -> None:
    from fupin.access.scope import Viewer
    from fupin.work import items as W

    county = Viewer(name="临泉", role="county", scope_level="county", scope_code="341221")
    target = int(W.items(county, states=("open",))["id"].iloc[0])
    assert _state(target) == "open"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            hand_over_session(ctx, server.url, "linquan")  # the store the server reads (loop_store) mints it
            page = ctx.new_page()
            _act(page, f"{server.url}/workbench?item={target}", "反馈办理情况", "到户核查：已落实临时救助")
            _wait_for_state(target, "responded")
            settle(page, TIMEOUT_MS)  # the rerun after 提交 has drawn the answered item
            page.screenshot(path=str(ARTIFACTS / "workbench-linquan-1366.png"))
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            hand_over_session(phone, server.url, "linquan")
            p2 = phone.new_page()
            open_page(p2, server.url, "workbench", TIMEOUT_MS)  # a new tab: by its URL; heading drawn, run ended
            p2.screenshot(path=str(ARTIFACTS / "workbench-linquan-390.png"), full_page=True)
            assert p2.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling

            city = browser.new_context(viewport={"width": 1366, "height": 768})
            hand_over_session(city, server.url, "fuyang")
            _act(city.new_page(), f"{server.url}/workbench?item={target}", "审核销号", None)
            _wait_for_state(target, "closed")
        finally:
            browser.close()
    events = [e["action"] for e in W.events(Viewer.province(), target)]
    assert events == ["raise", "respond", "close"]
