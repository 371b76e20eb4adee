"""Load test (not part of CI): N concurrent signed-in browser sessions cycle through their role's pages.

`python -m tools bench load --db WAREHOUSE --sessions 20 --minutes 5`

- One `streamlit run app.py` server on the warehouse, with an accounts file written for the run:
  county users of different counties, city users, analysts, administrators and one meeting screen.
- One headless chromium (Debian's), one browser context per session, driven concurrently with
  Playwright's async API. Each session signs in through the login form, then clicks through its pages
  in the sidebar (the way a person moves between pages: one Streamlit session per browser tab); the
  meeting screen reloads the meeting-mode overview.
- Page time: from the click (or reload) until the page's heading is drawn and the script has
  finished (Streamlit's running indicator gone) — what the person waits for. Server time: each script
  run's own duration inside the server (app.py writes it to FUPIN_TIMING_LOG) — what the server costs,
  apart from the browsers' drawing. Errors: an exception on the page or a page that
  does not finish within 60 s. Requests to any host other than this machine are counted too.
- The server's RSS is sampled every second (with its children). The browsers run on the same
  machine, so the figures are for server and clients sharing its cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fupin.access.auth import hash_password
from tools.harness import CHROMIUM, CHROMIUM_ARGS, DATA_PAGES, PAGE_HEADINGS, _is_external, streamlit_server

PASSWORD = "load-test-password"
# Counties of the 挂牌督战 list and other poverty counties, cities with many of them.
COUNTIES = [
    "341221",
    "341225",
    "341226",
    "341222",
    "341322",
    "341321",
    "341324",
    "341523",
    "341522",
    "341623",
    "341722",
    "340828",
    "340826",
    "341524",
    "340825",
]
CITIES = ["341200", "341300", "341500", "341600"]
DONE_JS = """h => {
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  return !!h1 && h1.innerText.includes(h) && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


@dataclass
class Sample:
    session: str
    role: str
    page: str
    seconds: float
    error: str = ""


@dataclass
class Plan:
    user: str
    role: str
    scope: str
    pages: list[str] = field(default_factory=list)


def plans(n: int) -> list[Plan]:
    """The sessions: one meeting screen, then county / city / analyst / admin in a 10:4:3:2 mix."""
    out = [Plan("meeting_room", "meeting", "340000", [""])]
    mix = ["county"] * 10 + ["city"] * 4 + ["analyst"] * 3 + ["province_admin"] * 2
    for i in range(n - 1):
        role = mix[i % len(mix)]
        if role == "county":
            out.append(Plan(f"county{i}", role, COUNTIES[i % len(COUNTIES)], DATA_PAGES))
        elif role == "city":
            out.append(Plan(f"city{i}", role, CITIES[i % len(CITIES)], DATA_PAGES))
        elif role == "analyst":
            out.append(Plan(f"analyst{i}", role, "340000", DATA_PAGES))
        else:
            out.append(Plan(f"admin{i}", role, "340000", [*DATA_PAGES, "audit_log"]))
    return out[:n]


def write_accounts(path: Path, sessions: list[Plan]) -> None:
    h = hash_password(PASSWORD)
    body = [
        f'[accounts.{p.user}]\nname = "压测{p.user}"\nrole = "{p.role}"\nscope = "{p.scope}"\npassword_hash = "{h}"\n'
        for p in sessions
    ]
    path.write_text("\n".join(body), encoding="utf-8")


async def _sign_in(page: object, url: str, user: str) -> None:
    await page.goto(url + "/")  # type: ignore[attr-defined]
    for attempt in range(3):
        await page.get_by_role("button", name="登录").wait_for(timeout=120_000)  # type: ignore[attr-defined]
        await page.wait_for_timeout(500)  # type: ignore[attr-defined]
        await page.get_by_label("账号").fill(user)  # type: ignore[attr-defined]
        await page.get_by_label("密码").fill(PASSWORD)  # type: ignore[attr-defined]
        await page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
        try:  # signed in: back from /_fupin/session (the HttpOnly cookie is set) with the sign-out button
            await page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)  # type: ignore[attr-defined]
            return
        except Exception:
            if attempt == 2:
                raise
            await page.goto(url + "/")  # type: ignore[attr-defined]


async def _session(
    browser: object, url: str, plan: Plan, until: float, samples: list[Sample], external: set[str], think_ms: int
) -> None:
    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
    ctx.on("request", lambda r: external.add(r.url) if _is_external(r.url) else None)
    page = await ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        await _sign_in(page, url, plan.user)
        i = 0
        while time.monotonic() < until:
            path = plan.pages[i % len(plan.pages)]
            i += 1
            t0 = time.perf_counter()
            error = ""
            try:
                if plan.role == "meeting":
                    await page.goto(url + "/?mode=present")
                    await page.wait_for_function(
                        "!!document.querySelector('[data-testid=\"stMetric\"]') && "
                        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
                    )
                else:
                    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first
                    if path == "":
                        link = page.locator('[data-testid="stSidebarNav"] a').first
                    await link.click()
                    await page.wait_for_function(DONE_JS, arg=PAGE_HEADINGS[path])
                if await page.locator('[data-testid="stException"]').count():
                    error = "exception: " + (await page.locator('[data-testid="stException"]').first.inner_text())[:200]
            except Exception as exc:  # a timeout: the page did not finish
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                await page.goto(url + "/")  # start again from the overview
            samples.append(Sample(plan.user, plan.role, path or "overview", time.perf_counter() - t0, error))
            await page.wait_for_timeout(think_ms)  # a person reads the page
    finally:
        await ctx.close()


def _cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            p = psutil.Process(pid)
            for q in [p, *p.children(recursive=True)]:
                t = q.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _chromium_pids() -> list[int]:
    import psutil

    return [
        p.pid
        for p in psutil.process_iter(["name"])
        if "chrom" in (p.info["name"] or "") or "headless" in (p.info["name"] or "")
    ]


def _watch_rss(pid: int, stop: threading.Event, out: list[float]) -> None:
    import psutil

    proc = psutil.Process(pid)
    while not stop.is_set():
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.Error:
            break
        out.append(rss / 2**20)
        stop.wait(1.0)


def run_load(*, db: Path, workdir: Path, sessions: int = 20, minutes: float = 5.0, think_s: float = 1.0) -> dict:
    from playwright.async_api import async_playwright

    workdir.mkdir(parents=True, exist_ok=True)
    session_plans = plans(sessions)
    accounts = workdir / "load-accounts.toml"
    write_accounts(accounts, session_plans)
    think_ms = int(think_s * 1000)
    samples: list[Sample] = []
    external: set[str] = set()
    rss: list[float] = []
    os.environ["FUPIN_ACCOUNTS"] = str(accounts)
    timing = workdir / "load-server-times.tsv"
    timing.unlink(missing_ok=True)
    os.environ["FUPIN_TIMING_LOG"] = str(timing)
    os.environ.setdefault("FUPIN_KEY_DIR", str(workdir / "keys"))
    with streamlit_server(db, log=workdir / "load-streamlit.log", timeout=300) as server:
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_rss, args=(server.proc.pid, stop, rss), daemon=True)
        watcher.start()

        cpu: dict[str, float] = {}

        async def main() -> None:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                cpu["server0"], cpu["browser0"] = _cpu_seconds([server.proc.pid]), _cpu_seconds(_chromium_pids())
                until = time.monotonic() + minutes * 60
                await asyncio.gather(
                    *(_session(browser, server.url, p, until, samples, external, think_ms) for p in session_plans)
                )
                cpu["server1"], cpu["browser1"] = _cpu_seconds([server.proc.pid]), _cpu_seconds(_chromium_pids())
                await browser.close()

        t0 = time.monotonic()
        asyncio.run(main())
        wall = time.monotonic() - t0
        stop.set()
        watcher.join(timeout=5)
    ok = [s.seconds for s in samples if not s.error]
    by_page: dict[str, list[float]] = {}
    for s in samples:
        if not s.error:
            by_page.setdefault(s.page, []).append(s.seconds)

    def pct(v: list[float], q: float) -> float:
        return round(statistics.quantiles(v, n=100)[int(q) - 1], 2) if len(v) >= 2 else (round(v[0], 2) if v else 0.0)

    server_times: dict[str, list[float]] = {}
    if timing.exists():
        for line in timing.read_text(encoding="utf-8").splitlines():
            _, page, _, seconds = line.split("\t")
            server_times.setdefault(page, []).append(float(seconds))
    every = [t for v in server_times.values() for t in v]
    result = {
        "sessions": sessions,
        "minutes": minutes,
        "think_s": think_s,
        "wall_s": round(wall, 1),
        "page_views": len(samples),
        "errors": len(samples) - len(ok),
        "error_examples": sorted({s.error for s in samples if s.error})[:5],
        "p50_s": pct(ok, 50),
        "p95_s": pct(ok, 95),
        "max_s": round(max(ok), 2) if ok else 0.0,
        "by_page": {p: {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95)} for p, v in sorted(by_page.items())},
        "server_script_runs": len(every),
        "server_p50_s": pct(every, 50),
        "server_p95_s": pct(every, 95),
        "server_by_page": {
            p: {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95)} for p, v in sorted(server_times.items())
        },
        "cpu_seconds_server": round(cpu.get("server1", 0) - cpu.get("server0", 0), 1),
        "cpu_seconds_browsers": round(cpu.get("browser1", 0) - cpu.get("browser0", 0), 1),
        "cpu_seconds_available": round(wall * (os.cpu_count() or 1), 1),
        "server_rss_mib_max": round(max(rss)) if rss else None,
        "server_rss_mib_end": round(rss[-1]) if rss else None,
        "external_requests": sorted(external),
        "machine": f"{os.cpu_count()} cores; server and {sessions} browser sessions on the same machine",
    }
    (workdir / "bench-load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result
