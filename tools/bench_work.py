"""督办 at province scale: ≈30,000 open items (plus closed ones) in the store; 我的待办 of the busiest county warm,
督办总览 of the province, a transition, and 20 concurrent responders — on SQLite, and on PostgreSQL with --store-url.

    python -m tools bench work [--store-url postgresql+psycopg://…] [--open 30000] [--workdir bench/out]
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np


def _seed(n_open: int, n_closed: int, rng: np.random.Generator) -> list[str]:
    """Items over the 104 counties, lognormal (the busiest holds a few times the average); their county codes."""
    import sqlalchemy as sa

    from fupin.access import store
    from fupin.core.reference import REFERENCE_DIR, read_csv_text

    counties = read_csv_text(REFERENCE_DIR / "counties.csv")["county_code"].tolist()
    weight = rng.lognormal(0.0, 0.8, len(counties))
    weight /= weight.sum()
    kinds = ["red_flag", "edge_not_visited", "clearance_stuck", "overdue_project", "compliance"]
    states = ["open", "verifying", "returned", "responded"]
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = []
    for i in range(n_open + n_closed):
        county = counties[rng.choice(len(counties), p=weight)]
        raised = dt.date(2020, 2, 5) + dt.timedelta(days=int(rng.integers(0, 150)))
        closed = i >= n_open
        rows.append(
            {
                "key": f"B:{i}",
                "kind": kinds[i % len(kinds)],
                "county": county,
                "town": f"{county}{100 + i % 20:03d}",
                "village": f"{county}{100 + i % 20:03d}{200 + i % 15:03d}",
                "hid": f"{county}{100 + i % 20:03d}{200 + i % 15:03d}{i % 10000:04d}",
                "title": f"基准事项 {i}",
                "state": "closed" if closed else states[i % len(states)],
                "month": f"{raised:%Y-%m}",
                "day": raised.isoformat(),
                "verify": (raised + dt.timedelta(days=15)).isoformat(),
                "deadline": (raised + dt.timedelta(days=30)).isoformat(),
                "closed_on": (raised + dt.timedelta(days=int(rng.integers(5, 60)))).isoformat() if closed else None,
                "now": now,
            }
        )
    with store.tx() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(
                sa.text(
                    "insert into work_item (finding_key, kind, county_code, township_code, village_code, household_id, "
                    "title, state, raised_month, raised_on, verify_by, deadline, last_seen_month, responded_on, "
                    "closed_on, updated_at, updated_by) values (:key, :kind, :county, :town, :village, :hid, :title, "
                    ":state, :month, :day, :verify, :deadline, :month, :closed_on, :closed_on, :now, '基准')"
                ),
                rows[start : start + 5000],
            )
        conn.execute(
            sa.text(
                "insert into store_meta (key, value) values ('work_today', '2020-07-15') "
                "on conflict (key) do update set value = excluded.value"
            )
        )
    return [r["county"] for r in rows[:n_open]]


def _timed(fn, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4)}


def bench_work(*, workdir: Path, store_url: str | None, n_open: int = 30_000, n_closed: int = 60_000) -> int:
    from fupin.access import store
    from fupin.access.scope import Viewer
    from fupin.views import work as V
    from fupin.views.base import Selection
    from fupin.warehouse.connection import BatchInfo
    from fupin.work import items as W

    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FUPIN_KEY_DIR", str((workdir / "keys").resolve()))
    if store_url:
        os.environ["FUPIN_STORE_URL"] = store_url
    else:
        path = workdir / "work-bench.sqlite"
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        os.environ["FUPIN_STORE"] = str(path.resolve())
        os.environ.pop("FUPIN_STORE_URL", None)
    store.reset()
    with store.tx() as conn:  # a PostgreSQL store is reused: start from no items
        import sqlalchemy as sa

        for t in ("work_event", "work_attachment", "work_item"):
            conn.execute(sa.text(f"delete from {t}"))
    rng = np.random.default_rng(2020)
    t0 = time.perf_counter()
    counties = _seed(n_open, n_closed, rng)
    seeded = time.perf_counter() - t0
    busiest = max(set(counties), key=counties.count)
    batch = BatchInfo("bench", "", True, ["2020-06"], 0, 0)

    def sel(viewer: Viewer) -> Selection:
        county = viewer.scope_code if viewer.scope_level == "county" else None
        return Selection(viewer, batch, "2020-06", None, county, "", False, 0, lambda *a, **k: None)

    county_viewer = Viewer(name="基准县", role="county", scope_level="county", scope_code=busiest, username="bench")
    province = Viewer.province()
    result: dict = {
        "store": store.describe(),
        "items": {"open": n_open, "closed": n_closed, "busiest_county": busiest, "its_open": counties.count(busiest)},
        "seed_s": round(seeded, 2),
        "workbench_county_warm": _timed(lambda: V.workbench(sel(county_viewer)), 7),
        "overview_province": _timed(lambda: V.overview(sel(province)), 5),
    }
    open_ids = W.items(county_viewer, states=("open", "verifying", "returned"))["id"].tolist()
    times = []
    for item_id in open_ids[:50]:
        it = W.get(county_viewer, item_id)
        t = time.perf_counter()
        W.act(county_viewer, item_id, "respond", version=it["version"], note="基准反馈")
        times.append(time.perf_counter() - t)
    result["transition"] = {
        "n": len(times),
        "median_s": round(statistics.median(times), 4),
        "p95_s": round(sorted(times)[int(0.95 * (len(times) - 1))], 4),
    }
    # 20 responders on different items at once: no lost update
    pending = W.items(province, states=("open", "verifying", "returned"), limit=10_000)
    pending = pending[pending["county_code"] != busiest].head(200)
    groups = [pending.iloc[i::20] for i in range(20)]
    errors: list[str] = []

    def worker(frame) -> None:
        for r in frame.itertuples():
            v = Viewer(name="并发县", role="county", scope_level="county", scope_code=r.county_code, username="c")
            try:
                W.act(v, int(r.id), "respond", version=int(r.version), note="并发反馈")
            except Exception as exc:  # counted: a lost or refused update is a failure
                errors.append(repr(exc))

    t = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(g,)) for g in groups]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    after = W.items(province, states=("responded",), limit=10 * (n_open + n_closed))
    done = set(after["id"]) & set(pending["id"])
    result["concurrent"] = {
        "writers": 20,
        "items": len(pending),
        "responded": len(done),
        "errors": len(errors),
        "wall_s": round(wall, 2),
    }
    import json

    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if not errors and len(done) == len(pending) else 1


if __name__ == "__main__":
    sys.exit(bench_work(workdir=Path("bench/out"), store_url=None))
