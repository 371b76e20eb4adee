"""Province-scale benchmarks (not part of CI).

- `python -m tools bench ingest`: generate + ingest, wall time and peak RSS of each step. Each step runs in
  its own child process so its peak RSS is its own (ru_maxrss of the child).
- `python -m tools bench pages --db PATH`: server time of a warm rerun of each page (AppTest), time until
  the county map is drawn in headless chromium, and the RSS of the streamlit server after those loads.

Copy the tables to the README. `streamlit_server` and the chromium settings are shared with
tests/test_browser.py.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from fupin.core.reference import PROJECT_ROOT

if TYPE_CHECKING:
    pass

from tools.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNTIES_DRAWN_JS,
    N_COUNTIES,
    _is_external,
    sign_in,
    streamlit_server,
)

DEFAULT_PAGE = "app_pages/overview.py"
# Set window.__drawnAt (ms since navigation start) the first time `n` distinct counties are drawn.
_DRAWN_AT_JS = """(() => {
  window.__drawnAt = null;
  const obs = new MutationObserver(() => {
    if (window.__drawnAt === null && (%(count)s) >= %(n)d) { window.__drawnAt = performance.now(); obs.disconnect(); }
  });
  obs.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["d"]});
})();"""

_CHILD = (
    "import resource, sys; from fupin.__main__ import main; rc = main(sys.argv[1:]); "
    "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
)


def _run(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one `python -m fupin …` step in its own process."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    peak = next((int(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("PEAK_RSS_KB")), 0)
    return seconds, peak / 1024, proc.returncode


def bench_ingest(*, scale: str, workdir: Path) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    exports, db = workdir / f"exports-{scale}", workdir / f"warehouse-{scale}.duckdb"
    results = {"scale": scale, "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores", "steps": {}}
    steps = [
        ("generate", ["generate", "--scale", scale, "--seed", "2020", "--out", str(exports)]),
        ("ingest", ["ingest", str(exports), "--db", str(db), "--report", str(workdir / "ingest-report.json")]),
    ]
    for name, cmd in steps:
        seconds, rss, code = _run(cmd)
        results["steps"][name] = {"seconds": round(seconds, 1), "peak_rss_mib": round(rss), "exit": code}
        print(f"{name:<9} {seconds:8.1f} s   peak RSS {rss:8.0f} MiB   exit {code}", flush=True)
        if code:
            return code
    size = sum(p.stat().st_size for p in exports.rglob("*") if p.is_file())
    results["exports_mib"] = round(size / 2**20)
    results["warehouse_mib"] = round(db.stat().st_size / 2**20)
    (workdir / f"bench-ingest-{scale}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


def _view(src: Path, out: Path, *, months: list[str], feeds: bool) -> Path:
    """A folder of symlinks to `src`'s month folders (only `months`; without the department feeds unless `feeds`),
    so the four ingests below read the very same files without copying 2.7 GB."""
    from fupin.data import contract as C

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    feed_names = {t.cn for t in C.DEPARTMENT_TABLES}
    for m in months:
        (out / m).mkdir()
        for f in sorted((src / m).iterdir()):
            if feeds or C.table_for_file(f.stem) is None or C.table_for_file(f.stem).cn not in feed_names:
                (out / m / f.name).symlink_to(f.resolve())
    if (src / "_manifest.json").exists():
        (out / "_manifest.json").symlink_to((src / "_manifest.json").resolve())
    return out


FEED_BUILD_STEPS = ("dept_match", "dept_rules", "dept_compare")


def _feed_seconds(detail: dict[str, float], steps: dict[str, float]) -> dict[str, float]:
    """The feed part of an ingest report: what the feeds' side thread spent reading and validating them (alongside
    the register, so not added to the batch), what the batch then waited for that thread, the department build steps
    and the reuse, and what the last three add up to inside the run (the slowing of the register's side while both
    run is not in it: compare the runs with and without the feeds for that)."""
    from fupin.data import contract as C

    feeds = {t.cn for t in C.DEPARTMENT_TABLES}
    side = {
        "side_read": sum(v for k, v in detail.items() if k.startswith("read ") and k[5:] in feeds),
        "side_validate": sum(v for k, v in detail.items() if k.startswith("validate ") and k[9:] in feeds),
    }
    added = {
        "wait": steps.get("feeds wait", 0.0),
        "build": sum(detail.get(f"build {s}", 0.0) for s in FEED_BUILD_STEPS),
        "reuse": detail.get("reuse feeds", 0.0),  # copy the previous warehouse, hash the feed files, keep their rows
    }
    return {k: round(v, 1) for k, v in (side | added).items()} | {"added": round(sum(added.values()), 1)}


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def bench_feeds(*, exports: Path, workdir: Path, runs: set[int] | None = None) -> int:
    """Issue 15: what the ten department feeds add to the ingest. Four ingests of the same exports, each in its own
    process: (1) without the feeds, (2) with them, cold (no previous warehouse), (3) the batch without its last
    month, (4) the whole batch into (3)'s warehouse, which keeps the unchanged feed files' rows (reuse). The load
    average is recorded before and after each (the machine is shared). `runs` picks some of them (1-based)."""
    workdir.mkdir(parents=True, exist_ok=True)
    months = sorted(p.name for p in exports.iterdir() if p.is_dir() and p.name[:4].isdigit())
    no_feeds = _view(exports, workdir / "exports-nofeeds", months=months, feeds=False)
    earlier = _view(exports, workdir / "exports-earlier", months=months[:-1], feeds=True)
    for old in workdir.glob("warehouse-feeds-*.duckdb"):
        old.unlink()
    plan = [
        ("without feeds", no_feeds, "warehouse-feeds-none.duckdb", []),
        ("with feeds, cold", exports, "warehouse-feeds-cold.duckdb", ["--no-reuse"]),
        (f"earlier months ({months[0]}..{months[-2]}), cold", earlier, "warehouse-feeds-reuse.duckdb", []),
        (f"{months[-1]} added, unchanged feed files reused", exports, "warehouse-feeds-reuse.duckdb", []),
    ]
    results: dict = {"exports": str(exports), "machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": []}
    for i, (name, src, db, extra) in enumerate(plan):
        if runs is not None and i + 1 not in runs:
            continue
        report = workdir / f"ingest-feeds-{i + 1}.json"
        load_before = os.getloadavg()[0]
        cpu_before = _children_cpu()
        seconds, rss, code = _run(["ingest", str(src), "--db", str(workdir / db), "--report", str(report), *extra])
        cpu = _children_cpu() - cpu_before
        r = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
        run = {
            "run": name,
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1),  # user + sys: what compares on a shared machine
            "peak_rss_mib": round(rss),
            "exit": code,
            "steps": r.get("step_seconds", {}),
            # Inside the same run, so the machine's drift between runs does not enter (see `_feed_seconds`).
            "feed_seconds": _feed_seconds(r.get("detail_seconds", {}), r.get("step_seconds", {})),
            "files_reused": sum(1 for f in r.get("files", []) if f.get("reused")),
            "rows_read": r.get("rows_read"),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }
        results["runs"].append(run)
        print(json.dumps(run, ensure_ascii=False), flush=True)
        if code:
            return code
    by_run = {r["run"]: r for r in results["runs"]}
    if plan[0][0] in by_run and plan[3][0] in by_run:  # the same months and register files, with and without feeds
        results["monthly_batch_minus_without_feeds"] = {
            "seconds": round(by_run[plan[3][0]]["seconds"] - by_run[plan[0][0]]["seconds"], 1),
            "cpu_seconds": round(by_run[plan[3][0]]["cpu_seconds"] - by_run[plan[0][0]]["cpu_seconds"], 1),
        }
        print(json.dumps(results["monthly_batch_minus_without_feeds"]), flush=True)
    (workdir / "bench-feeds.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


# --- a running `streamlit run serve.py` --------------------------------------------------------------------


def drawn_at_script(n: int = N_COUNTIES) -> str:
    """Init script: window.__drawnAt = ms after navigation start when `n` distinct counties are drawn."""
    return _DRAWN_AT_JS % {"count": COUNTIES_DRAWN_JS, "n": n}


# --- bench pages -------------------------------------------------------------------------------------------


def _page_files(only: str | None = None) -> list[str]:
    """app_pages/*.py, the default page (reached without switching) first; `only`: comma-separated file stems."""
    wanted = set(only.split(",")) if only else None
    pages = (PROJECT_ROOT / "app_pages").glob("*.py")
    files = sorted(p.relative_to(PROJECT_ROOT).as_posix() for p in pages if wanted is None or p.stem in wanted)
    return sorted(files, key=lambda f: f != DEFAULT_PAGE)


def _bench_apptest(db: Path, reruns: int, only: str | None = None) -> dict[str, dict]:
    """Per page: seconds of the cold first run and of warm reruns (AppTest, in this process)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from fupin.core import memo

    connection_module = importlib.import_module("fupin.ui.connection")  # also a function's name in fupin.ui

    os.environ["FUPIN_DB"] = str(db)
    os.chdir(PROJECT_ROOT)
    out: dict[str, dict] = {}
    for page in _page_files(only):
        st.cache_data.clear()  # cold = a fresh server process (the OS file cache stays warm)
        st.cache_resource.clear()
        connection_module._aggregate_query.clear()
        memo.clear()
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
        at.session_state["auth_token"] = _admin_token()  # signed in as the demo 省级管理员 (synthetic warehouse)
        t0 = time.perf_counter()
        at.run()
        if page != DEFAULT_PAGE:  # the others are reached by switching
            at.switch_page(page).run()
        cold = time.perf_counter() - t0
        if at.exception:
            out[page] = {"error": "; ".join(e.message for e in at.exception)[:500]}
            print(f"  {page}: exception {out[page]['error']}", flush=True)
            continue
        times = []
        for _ in range(reruns):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        if at.exception:
            out[page] = {"error": "; ".join(e.message for e in at.exception)[:500]}
            continue
        out[page] = {
            "title": at.title[0].value if at.title else None,  # proves the rerun stayed on this page
            "cold_s": round(cold, 3),
            "warm_median_s": round(statistics.median(times), 3),
            "warm_min_s": round(min(times), 3),
            "warm_max_s": round(max(times), 3),
            "reruns": reruns,
        }
        print(f"  {page} ({out[page]['title']}): cold {cold:.2f} s, warm median {out[page]['warm_median_s']:.3f} s")
    return out


def _bench_browser(db: Path, loads: int, workdir: Path) -> dict:
    """Time until the county map is drawn in headless chromium (warm server), then the server's RSS."""
    import psutil
    from playwright.sync_api import sync_playwright

    result: dict = {}
    with (
        streamlit_server(db, log=workdir / "bench-pages-streamlit.log") as server,
        sync_playwright() as pw,
    ):
        rss_start = psutil.Process(server.proc.pid).memory_info().rss
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        sign_in(context, server.url)
        context.add_init_script(drawn_at_script())
        external: set[str] = set()
        context.on("request", lambda r: external.add(r.url) if _is_external(r.url) else None)
        for path in ["/map"]:
            drawn, wall = [], []
            for i in range(loads + 1):  # the first load warms the server (caches, first connection)
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(server.url + path)
                page.wait_for_function("window.__drawnAt !== null", timeout=300_000)
                ms = page.evaluate("window.__drawnAt")
                seconds = time.perf_counter() - t0
                n = page.evaluate(COUNTIES_DRAWN_JS)
                page.close()
                label = "warm-up" if i == 0 else f"load {i}"
                print(f"  {path} {label}: drawn after {ms / 1000:.2f} s ({n} counties)", flush=True)
                if i:
                    drawn.append(ms / 1000)
                    wall.append(seconds)
            result[path] = {
                "drawn_median_s": round(statistics.median(drawn), 2),
                "drawn_min_s": round(min(drawn), 2),
                "drawn_max_s": round(max(drawn), 2),
                "wall_median_s": round(statistics.median(wall), 2),
                "loads": loads,
            }
        browser.close()
        mem = psutil.Process(server.proc.pid).memory_info()
        result["server_rss_mib_start"] = round(rss_start / 2**20)
        result["server_rss_mib_after"] = round(mem.rss / 2**20)
        result["external_requests"] = sorted(external)
    return result


def _admin_token() -> str:
    """A signed session for the demo 省级管理员 (AppTest has no browser to sign in with)."""
    from fupin.access.auth import demo_accounts, make_token, session_secret

    return make_token(demo_accounts()["admin"], session_secret())


def bench_pages(*, db: Path, workdir: Path, reruns: int = 7, loads: int = 5, pages: str | None = None) -> int:
    db = db.resolve()
    if not db.exists():
        print(f"no warehouse at {db}: run `python -m tools bench ingest` first (or pass --db)", file=sys.stderr)
        return 2
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "db": str(db),
        "db_mib": round(db.stat().st_size / 2**20),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    print(f"AppTest: warm rerun of each page ({reruns} reruns after a cold run) on {db}", flush=True)
    results["apptest"] = _bench_apptest(db, reruns, pages)
    if loads:
        print(f"chromium: /map drawn, {loads} loads after a warm-up", flush=True)
        results["browser"] = _bench_browser(db, loads, workdir)

    print()
    print(f"{'page':<28} {'cold run':>9} {'warm rerun (median)':>20}")
    for page, r in results["apptest"].items():
        if "error" in r:
            print(f"{page:<28} {'error':>9}")
        else:
            print(f"{page:<28} {r['cold_s']:>7.2f} s {r['warm_median_s']:>18.3f} s")
    b = results.get("browser")
    for path in ("/map",) if b else ():
        r = b[path]
        print(
            f"{path} drawn in chromium: median {r['drawn_median_s']:.2f} s "
            f"(min {r['drawn_min_s']:.2f}, max {r['drawn_max_s']:.2f}; {r['loads']} loads, warm server)"
        )
    if b:
        print(
            f"streamlit server RSS: {b['server_rss_mib_start']} MiB at start, "
            f"{b['server_rss_mib_after']} MiB after loads"
        )
    if b and b["external_requests"]:
        print(f"WARNING: requests to other hosts: {b['external_requests']}")
    out = workdir / "bench-pages.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def bench_warnings(*, db: Path, workdir: Path, repeats: int = 7) -> int:
    """红色预警户 at province scale: a filter change, a household detail, a 10,000-row XLSX export.

    Server time measured on the same calls the page makes (queries + masking + table building),
    each timed `repeats` times with different filters so no result cache helps.
    """
    import pandas as pd

    from fupin.access.privacy import mask_frame
    from fupin.access.scope import Viewer
    from fupin.reports.exports import households_xlsx
    from fupin.views.warnings import red_flag_filters
    from fupin.warehouse import queries
    from fupin.warehouse.connection import open_read_only

    db = db.resolve()
    if not db.exists():
        print(f"no warehouse at {db}: run `python -m tools bench ingest` first (or pass --db)", file=sys.stderr)
        return 2
    con = open_read_only(db)
    viewer = Viewer.province()
    month = "2020-06-01"
    base = red_flag_filters(month, "34")  # the page's defaults: red flags of 脱贫监测户 and 边缘户
    variants = [
        {},
        {"rule": "R02"},
        {"rule": "R03"},
        {"area_prefix": "3412"},
        {"area_prefix": "341221"},
        {"red_only": False, "categories": []},
        {"only_new": True},
        {"guarantee": "饮水安全"},
        {"open_over": 60},
    ][:repeats]
    filter_times, total_matching = [], []
    for v in variants:
        f = base | v
        t0 = time.perf_counter()
        counts = queries.run(con, "red_flag_by_county", viewer, **f)
        page = queries.run(con, "red_flag_households", viewer, **f, sort="score", limit=50, offset=0)
        mask_frame(page)
        filter_times.append(time.perf_counter() - t0)
        total_matching.append(int(counts["households"].sum()))
    households = queries.run(con, "red_flag_households", viewer, **base, sort="score", limit=repeats, offset=0)
    detail_times = []
    for hid in households["household_id"]:
        t0 = time.perf_counter()
        for name in (
            "household_profile",
            "household_months",
            "household_rule_hits",
            "household_members",
            "household_measures",
            "household_visits",
        ):
            queries.run(con, name, viewer, household_id=hid)
        detail_times.append(time.perf_counter() - t0)
    everything = base | {"red_only": False, "categories": []}
    t0 = time.perf_counter()
    rows = queries.run(con, "red_flag_households", viewer, **everything, sort="score", limit=10_000, offset=0)
    table = mask_frame(rows)
    data = households_xlsx(
        pd.DataFrame(
            {
                "户编号": table["household_id"],
                "户主": table["head_name"],
                "证件号码": table["head_id_number"],
                "户类别": table["household_category"],
                "预估年人均纯收入": table["income_estimate"].astype(float),
                "触发规则": table["rules"].map("、".join),
                "销号阶段": table["clearance_stage"],
            }
        ),
        title="benchmark",
        synthetic=True,
    )
    export_s = time.perf_counter() - t0
    result = {
        "db": str(db),
        "filter_change_median_s": round(statistics.median(filter_times), 3),
        "filter_change_max_s": round(max(filter_times), 3),
        "matching_households": total_matching,
        "detail_median_s": round(statistics.median(detail_times), 3),
        "detail_max_s": round(max(detail_times), 3),
        "export_rows": len(rows),
        "export_s": round(export_s, 2),
        "export_bytes": len(data),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "bench-warnings.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def bench_scenarios(*, db: Path, workdir: Path) -> int:
    """情景推演 at province scale: server time of one parameter change for each scenario (median of 7)."""
    from fupin.access.scope import Viewer
    from fupin.warehouse import queries
    from fupin.warehouse.connection import open_read_only

    db = db.resolve()
    if not db.exists():
        print(f"no warehouse at {db}: run `python -m tools bench ingest` first (or pass --db)", file=sys.stderr)
        return 2
    con = open_read_only(db)
    viewer = Viewer.province()
    month = queries.run(con, "months_available", viewer)["month"].iloc[0]
    runs = {
        "line_and_thresholds": [
            (
                "scenario_line_by_area",
                {
                    "month": month,
                    "area_prefix": "34",
                    "group_by": "county",
                    "line": line,
                    "t02": 0.3,
                    "t09": 0.2,
                    "min_score": 3,
                    "d01": 5000.0,
                    "d05": 10000.0,
                },
            )
            for line in (4500.0, 5000.0, 5500.0, 6000.0, 6500.0, 7000.0, 8000.0)
        ],
        "department_thresholds": [
            (
                "scenario_dept_by_area",
                {"month": month, "area_prefix": "34", "group_by": "county", "d01": d01, "d02": 20000.0, "d05": 10000.0},
            )
            for d01 in (3000.0, 4000.0, 5000.0, 6000.0, 8000.0, 10000.0, 15000.0)
        ],
        "income_shock": [
            (
                "scenario_shock_by_county",
                {
                    "area_prefix": "34",
                    "counties": [],
                    "migrant_cut": cut,
                    "migrant_months": 3,
                    "farm_loss": 0.1,
                    "line": 5000.0,
                },
            )
            for cut in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
        ],
        "allocation_weights": [
            (
                "scenario_allocation",
                {"month": month, "w_poor": w, "w_epidemic": 0.3, "w_deep": 0.1, "w_supervised": 0.1},
            )
            for w in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
        ],
    }
    result: dict[str, object] = {"db": str(db)}
    for name, calls in runs.items():
        times = []
        for query, params in calls:
            t0 = time.perf_counter()
            queries.run(con, query, viewer, **params)
            times.append(time.perf_counter() - t0)
        result[f"{name}_median_s"] = round(statistics.median(times), 3)
        result[f"{name}_max_s"] = round(max(times), 3)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "bench-scenarios.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def bench_bulletin(*, db: Path) -> int:
    """How many counties each quarter's 季通报 names with data/reference/bulletin_rules.csv as it is now (the
    warehouse's own copy of the rules may predate an edit), and by which rule."""
    import json

    import pandas as pd

    from fupin.access.scope import Viewer
    from fupin.core.reference import REFERENCE_DIR
    from fupin.domain.progress import is_slow
    from fupin.reports import bulletin as B
    from fupin.warehouse import queries
    from fupin.warehouse.connection import batch_info, open_read_only

    con = open_read_only(db.resolve())
    viewer = Viewer.province()
    rules = pd.read_csv(REFERENCE_DIR / "bulletin_rules.csv", dtype={"threshold": float})
    out = {}
    months = batch_info(con).months
    for quarter in sorted({f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}" for m in months}):
        start, end = B.quarter_months(quarter)
        if end not in months:
            continue
        raw = queries.run(
            con, "quarter_county_measures", viewer, start_month=f"{start}-01", end_month=f"{end}-01", area_prefix="34"
        )
        area, measures = B.area_values(raw), B.county_measures(raw)
        named = B.flag_slow(measures, rules, area)
        per_rule = {
            r.measure: int(
                sum(
                    B.judged(r, county) and is_slow(r.rule, float(r.threshold), v, area.get(r.measure))
                    for v, (_, county) in zip(measures[r.measure], measures.iterrows(), strict=True)
                )
            )
            for r in rules.itertuples()
        }
        out[quarter] = {"counties": len(raw), "named": int((named["slow_reasons"] != "").sum()), "by_rule": per_rule}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
