"""Serving: the websocket load client against a real `streamlit run serve.py`, the shared keys under concurrent
first starts, and several processes behind HAProxy (`python -m fupin serve`)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.harness import Server, streamlit_server
from tools.wsload import Plan, StreamlitSession, check_loopback, drive, sign_in, summarize

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("wsload") / "streamlit.log"
    with streamlit_server(tiny_db, log=log, timeout=90) as s:
        yield s


def test_wsload_refuses_other_hosts() -> None:
    assert check_loopback("http://127.0.0.1:8501/") == "http://127.0.0.1:8501"
    assert check_loopback("http://localhost:9") == "http://localhost:9"
    for url in ("http://10.0.0.1:8501", "http://example.org", "https://127.0.0.1:1", "ftp://127.0.0.1"):
        with pytest.raises(ValueError):
            check_loopback(url)


def test_wsload_signs_in_opens_pages_and_changes_a_widget(server: Server) -> None:
    """A county user signs in through the form (cookie hand-over), opens two pages by URL path and changes the
    month: every run finishes, on the right page, and the month the client picked is the one the page shows."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async def go() -> list[tuple[str, object]]:
        s = StreamlitSession(server.url)
        out = []
        r = await sign_in(s, "linquan", "demo-county")
        out.append(("signin", r))
        assert s.cookies.get("wanfu_session"), "no HttpOnly session cookie from /_fupin/session"
        await s.open("/")  # a new tab with the cookie: signed in without the form
        for page in ("", "warnings"):
            out.append((page, await s.rerun(page=page)))
        month = out[-1][1].widgets["截至月份"]
        picked = list(month.options)[1]
        out.append(("widget", await s.rerun(widgets=[WidgetState(id=month.id, string_value=picked)])))
        out.append(("picked", picked))
        await s.close()
        return out

    res = dict(asyncio.run(go()))
    for key in ("signin", "", "warnings", "widget"):
        assert res[key].error == "", (key, res[key].error)
        assert res[key].runs >= 1
    assert "账号" not in res[""].widgets  # no sign-in form once the cookie is sent
    assert any("总览" in t for t in res[""].texts)
    assert any("红色预警户" in t for t in res["warnings"].texts)
    assert any("临泉" in t for t in res["warnings"].texts)  # the county user's scope
    picked = res["picked"]
    assert picked != res["warnings"].widgets["截至月份"].options[0]
    assert any(picked in t for t in res["widget"].texts), "the page does not show the month the client chose"


def test_wsload_counts_a_wrong_password_as_an_error(server: Server) -> None:
    r = asyncio.run(sign_in(StreamlitSession(server.url), "fuyang", "not-the-password"))
    assert "hand-over" in r.error


def test_wsload_sessions_of_several_roles_finish_without_errors(server: Server) -> None:
    plans = [
        Plan("meeting", "demo-meeting", "meeting", [""]),
        Plan("fuyang", "demo-city", "city", ["", "map"]),
        Plan("analyst", "demo-analyst", "analyst", ["supervision", "funds"]),
    ]
    samples = asyncio.run(drive(server.url, plans, minutes=0.25, think_s=0.3, ramp_s=1.0, widget_every=2))
    summary = summarize(samples)
    assert summary["errors"] == 0, summary["error_examples"]
    assert {s.user for s in samples if s.kind == "signin"} == {"meeting", "fuyang", "analyst"}
    assert {s.page for s in samples if s.user == "analyst" and s.kind == "page"} == {"supervision", "funds"}
    assert any(s.kind == "widget" for s in samples)
    assert summary["requests"] >= 6


def test_wsload_refuses_too_many_sessions() -> None:
    with pytest.raises(ValueError):
        asyncio.run(drive("http://127.0.0.1:1", [Plan("a", "b", "analyst", [""])] * 401, minutes=0.1, think_s=1))


# ------------------------------------------------------------------------------- several processes


def test_shared_keys_are_created_once_under_concurrent_first_starts(tmp_path: Path) -> None:
    """Eight start commands racing on an empty key folder all end up with the same session key and the same
    Streamlit cookie secret (the file each wrote first wins; nobody reads a half-written key)."""
    import os
    import subprocess
    import sys

    keys = tmp_path / "keys"
    code = (
        "import sys; from fupin.serving import shared_secrets; from fupin.access.keys import load_key; "
        "s = shared_secrets(); print(load_key('session').hex(), s['STREAMLIT_SERVER_COOKIE_SECRET'])"
    )
    env = {**os.environ, "FUPIN_KEY_DIR": str(keys)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(8)
    ]
    outs = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(outs) == 1, outs
    session_hex, cookie_hex = outs.pop().split()
    assert (keys / "session.key").read_bytes().hex() == session_hex
    assert (keys / "streamlit-cookie.key").read_bytes().hex() == cookie_hex
    assert session_hex != cookie_hex and len(cookie_hex) == 64
    assert sorted(p.name for p in keys.iterdir()) == ["audit.key", "session.key", "streamlit-cookie.key"]


def test_plan_splits_the_machine_between_processes() -> None:
    import os

    from fupin import serving

    p = serving.plan(2, port=9100, duckdb_memory_mb=1000)
    assert p.ports == [9101, 9102]
    assert p.threads * 2 <= max(2, os.cpu_count() or 1)
    one = serving.plan(1, port=9100)
    four = serving.plan(4, port=9100)
    assert abs(one.memory_mb - 4 * four.memory_mb) <= 4  # the same total, split four ways
    assert one.memory_mb <= serving.total_memory_mb() * 0.4
    with pytest.raises(ValueError):
        serving.plan(0)


def test_haproxy_config_has_affinity_timeouts_and_every_process(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from fupin import serving

    cfg = serving.haproxy_config(serving.plan(3, host="0.0.0.0", port=9200))
    assert "bind 0.0.0.0:9200" in cfg
    for i, port in enumerate((9201, 9202, 9203)):
        assert f"server app{i} 127.0.0.1:{port} cookie app{i} check" in cfg
    assert "cookie FUPINSRV insert indirect nocache httponly" in cfg
    assert "timeout tunnel 8h" in cfg and "option forwardfor" in cfg
    assert "{{" not in cfg.split("backend")[1]
    if shutil.which("haproxy"):
        (tmp_path / "h.cfg").write_text(cfg, encoding="utf-8")
        check = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "h.cfg")], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.browser
def test_serve_two_processes_behind_haproxy(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m fupin serve --workers 2`: two browsers sign in through HAProxy and land on different processes
    (cookie affinity, leastconn); one navigates and uploads a file on 数据导入 (the upload reaches the process
    holding its session, which reads and refuses it); SIGTERM stops HAProxy and both processes. The browsers sign in
    by the session route (tools.harness.hand_over_session: this process makes the session in the store the processes
    share), which sets the session cookie and HAProxy's affinity cookie as the form's hand-over does."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    import psutil

    from fupin.access import store
    from tools.harness import CHROMIUM, CHROMIUM_ARGS, free_port, hand_over_session

    if not shutil.which("haproxy"):
        pytest.skip("haproxy not installed (apt-get install haproxy)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found")
    sync_api = pytest.importorskip("playwright.sync_api")
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_db, db)
    port = free_port()
    log = tmp_path / "serve.log"
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))  # the processes' store, and this one's
    store.reset()
    env = {**os.environ, "FUPIN_DB": str(db), "FUPIN_EXPORTS": str(tmp_path / "exports")}
    cmd = [sys.executable, "-m", "fupin", "serve", "--workers", "2", "--port", str(port), "--run-dir", str(tmp_path)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # both processes answer /_stcore/health (slow on a shared machine)
        while "ready:" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.5)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) == 3  # haproxy and two streamlit processes
        for worker in (port + 1, port + 2):  # each process's first run (督办 sync) before the browsers' timeouts
            r = asyncio.run(sign_in(StreamlitSession(f"http://127.0.0.1:{worker}"), "admin", "demo-admin"))
            assert r.error == "", r.error
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            first, second = (browser.new_context(viewport={"width": 1366, "height": 1200}) for _ in range(2))
            hand_over_session(first, url, "admin")
            page = first.new_page()
            page.set_default_timeout(60_000)
            page.goto(url + "/map")
            page.get_by_role("heading", name="剩余贫困人口地图").first.wait_for()
            hand_over_session(second, url, "fuyang")  # while the first's websocket is open: leastconn picks the other
            other_page = second.new_page()
            other_page.goto(url + "/map")  # the second process serves a page through HAProxy, and keeps the browser
            other_page.get_by_role("heading", name="剩余贫困人口地图").first.wait_for()
            servers = {c["value"] for ctx in (first, second) for c in ctx.cookies() if c["name"] == "FUPINSRV"}
            assert servers == {"app0", "app1"}
            page.goto(url + "/import_data")
            page.get_by_role("heading", name="数据导入").first.wait_for()
            photo = tmp_path / "户信息.jpg"
            photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2048)
            page.locator('input[type="file"]').set_input_files([photo])
            page.get_by_role("button", name="预检").click()
            page.get_by_text("1 个文件不能导入").wait_for()
            page.locator('[data-testid="stDataFrame"] td', has_text="不支持的文件类型「.jpg」").wait_for(
                state="attached"
            )
            assert "未做任何改动" in page.locator('[data-testid="stMain"]').inner_text()
            page.screenshot(path=str(tmp_path / "serve-import.png"))
            browser.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        time.sleep(1)
        assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
    finally:
        store.reset()  # the next test's store is its own (FUPIN_STORE is restored after this test)
        if proc.poll() is None:
            proc.terminate()  # the serve command stops its children; they also die with it if it is killed
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ------------------------------------------------------------------------------------- warm caches


def test_warm_computes_what_each_scope_first_page_reads(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After warm-up, a county user's, a city user's and the province's first-page queries are cache hits (the
    warehouse is not asked again), and one household's detail goes to its own cache."""
    from fupin.access.scope import Viewer, scope_prefix
    from fupin.core.month import Month
    from fupin.warehouse import queries
    from fupin.warehouse.connection import file_identity

    c = importlib.import_module("fupin.ui.connection")  # fupin.ui.connection is also a function's name
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_RESULTS", "off")  # this process's own caches only (the shared layer: test_results.py)
    c._aggregate_query.clear()
    c._household_query.clear()
    ran: list[str] = []
    real = queries.run
    monkeypatch.setattr(queries, "run", lambda con, name, viewer, **p: ran.append(name) or real(con, name, viewer, **p))
    n = c.warm(tiny_db, file_identity(tiny_db), budget_s=600)
    assert n == len(c.warm_scopes()) * len(c.FIRST_PAGE_QUERIES)
    assert len(c.warm_scopes()) == 2 + 16 + 104  # province (analyst, meeting), cities, counties
    assert len(ran) == n
    batch = c._batch(str(tiny_db), file_identity(tiny_db))
    month = Month.parse(batch.newest_first[0]).first_day
    ran.clear()
    for user in (
        Viewer("临泉县用户", "county", "county", "341221", username="linquan"),
        Viewer("阜阳市用户", "city", "city", "341200", username="fuyang"),
        Viewer("分析", "analyst", "province"),
    ):
        shared = c.cache_viewer(user)
        c.query("county_flags", shared, batch.batch_id)
        c.query("scope_totals_by_month", shared, batch.batch_id, month=month, area_prefix=scope_prefix(user))
        c.query("county_metrics_month", shared, batch.batch_id, month=month)
    assert ran == []  # all hits
    c.query(
        "county_metrics_month",
        c.cache_viewer(Viewer("分析", "analyst", "province")),
        batch.batch_id,
        month=Month.parse(batch.newest_first[-1]).first_day,
    )
    assert ran == ["county_metrics_month"]  # another month: computed
    assert "household_profile" in c.HOUSEHOLD_DETAIL and "county_flags" not in c.HOUSEHOLD_DETAIL
    assert c.HOUSEHOLD_DETAIL <= queries.HOUSEHOLD_ROWS
