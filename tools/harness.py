"""The harness tests and benchmarks share: Debian chromium settings, a running `streamlit run serve.py` on a free
localhost port, signing a browser in through the form (or, for tests about the pages, by the session route), reaching
a page through the navigation, page headings. Not product code."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fupin.access.auth import DEMO_ACCOUNTS
from fupin.core.reference import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")  # Debian's (apt-get install chromium fonts-noto-cjk); never downloaded
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COUNTY_PATH = "path.choroplethlocation"  # plotly draws one per location of each choropleth trace
N_COUNTIES = 104
# Counties drawn = distinct geometries: overlay outlines (挂牌督战 …) are extra choropleth traces that draw
# some counties a second time with the same path.
COUNTIES_DRAWN_JS = f"new Set([...document.querySelectorAll('{COUNTY_PATH}')].map(p => p.getAttribute('d'))).size"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT (no trailing slash)
    proc: subprocess.Popen
    log: Path


@contextmanager
def streamlit_server(
    db: Path, *, log: Path, port: int | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`streamlit run serve.py` on a free localhost port with FUPIN_DB=db, up once /_stcore/health answers.

    Stopped at exit: terminate, then kill. Its output goes to `log` (quoted when it fails to start)."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, **(env or {}), "FUPIN_DB": str(db)}
    env.setdefault("FUPIN_STORE", str(log.parent / "store.sqlite"))  # never the repo's data/store/
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


DEMO_PASSWORDS = {user: pw for user, pw, *_ in DEMO_ACCOUNTS}
# Each page's URL path ('' = the overview) and a word its heading holds: how a browser knows which page it is on.
PAGE_HEADINGS = {
    "": "总览",
    "map": "剩余贫困人口地图",
    "supervision": "挂牌督战",
    "spring": "春季攻势",
    "funds": "资金",
    "scenarios": "情景推演",
    "month_check": "月核查",
    "warnings": "红色预警户",
    "departments": "部门数据比对",
    "workbench": "我的待办",
    "work_overview": "督办总览",
    "import_data": "数据导入",
    "audit_log": "审计日志",
}
DATA_PAGES = [p for p in PAGE_HEADINGS if p not in ("import_data", "audit_log")]  # every role but 会议大屏


# Streamlit's app root says where the script run is: "initial" before the first run, "running", "notRunning" after.
SCRIPT_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]');
}"""


def settle(page: Page, timeout: int = 120_000, frame_ms: int = 250) -> None:
    """Wait until the page's script run has finished and stayed finished (a run may ask for a rerun), then give
    plotly `frame_ms` to finish the frame it is drawing. Polls Streamlit's own run state, so no fixed long waits."""
    for _ in range(2):
        page.wait_for_function(SCRIPT_DONE_JS, timeout=timeout, polling=50)
        page.wait_for_timeout(150)
    page.wait_for_function(SCRIPT_DONE_JS, timeout=timeout, polling=50)
    page.wait_for_timeout(frame_ms)


def sign_in(context: BrowserContext, url: str, user: str = "admin", password: str | None = None) -> None:
    """Sign a browser context in through the login form; its later pages carry the session cookie."""
    page = context.new_page()
    page.goto(url + "/")
    for attempt in range(3):  # a fresh server may rerun the first script run and redraw the form under us
        page.get_by_role("button", name="登录").wait_for(timeout=60_000)
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(500)
        page.get_by_label("账号").fill(user)
        page.get_by_label("密码").fill(password or DEMO_PASSWORDS[user])
        page.get_by_role("button", name="登录").click()
        try:  # signed in: the page went through /_fupin/session and came back with the sign-out button
            page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)
        except Exception:
            if has_session_cookie(context):  # a slow machine: the cookie came, the page is still drawing
                break
            if attempt == 2:
                raise
            with contextlib.suppress(Exception):  # the sign-in's own redirect may interrupt this navigation
                page.goto(url + "/")
            continue
        if has_session_cookie(context):
            break
        if attempt == 2:
            raise TimeoutError("no session cookie after signing in")
    page.close()


def hand_over_session(context: BrowserContext, url: str, user: str = "admin") -> None:
    """Sign a browser context in as a demo account without the form: this process makes the session and the one-time
    nonce the form would make (so it must share the server's store and key folder: FUPIN_STORE, FUPIN_KEY_DIR), and
    the context trades it at the server's /_fupin/session route, which sets the HttpOnly cookie as for a person.
    For tests that are about the pages, not the sign-in: one request instead of drawing the form and a page."""
    from fupin.access.auth import cookie_nonce, demo_accounts, make_token, session_secret
    from fupin.access.webauth import SESSION_PATH

    token = make_token(demo_accounts()[user], session_secret())
    resp = context.request.get(f"{url}{SESSION_PATH}?n={cookie_nonce(token)}&next=/", max_redirects=0)
    if resp.status != 303 or not has_session_cookie(context):
        raise RuntimeError(f"no session cookie from {SESSION_PATH} (HTTP {resp.status})")


# A page of the navigation, by its URL path; '' (the overview) is the navigation's first link.
NAV_LINK_JS = """path => {
  const links = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')];
  const a = links.find(a => new URL(a.href).pathname.replace(/^\\/+/, '') === path);
  if (!a) return false;
  a.click();  // Streamlit's own client-side navigation (also when the sidebar is collapsed on a phone)
  return true;
}"""


def open_page(page: Page, url: str, path: str, timeout: int = 120_000) -> None:
    """Go to a page the way a person does once signed in: through the sidebar's navigation, in the same tab (the
    session and its websocket stay; only the page's script runs), or by its URL when the navigation has no link to it
    (the first page, a page not in the role's navigation). Returns when the page's heading is drawn and its script
    run has finished."""
    heading = PAGE_HEADINGS[path]
    if page.url.startswith(url) and page.evaluate(NAV_LINK_JS, path):
        page.wait_for_url(lambda u: urlsplit(u).path.strip("/") == path, timeout=timeout)
    else:
        page.goto(f"{url}/{path}")
    page.locator('[data-testid="stMain"] h1').filter(has_text=heading).first.wait_for(timeout=timeout)
    settle(page, timeout)


def has_session_cookie(context: BrowserContext) -> bool:
    """The HttpOnly session cookie is set (not visible to page scripts: read from the browser context)."""
    return any(c["name"] == "wanfu_session" and c["value"] for c in context.cookies())


def _is_external(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme not in ("data", "blob", "about") and parts.hostname not in ("127.0.0.1", "localhost")
