"""The warehouse as the pages see it: the cached read-only connection (reopened when ingest swaps the file),
the first-start demo build with its progress, the batch, and the query caches shared by viewers of a scope:
one for aggregates, warmed in the background after start and after each swap, and a separate one for one
household's detail so clicking through households never evicts the aggregates."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from fupin.access.scope import Viewer
from fupin.data.demo import build_demo
from fupin.warehouse import queries, results
from fupin.warehouse.connection import DEFAULT_DB, BatchInfo, batch_info, db_path, file_identity, open_read_only

_LOG = logging.getLogger("fupin")


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, identity: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    # `identity` is only part of the cache key: a swapped-in file gets a new connection, and a
    # connection keeps reading the file it opened, so a query never sees half a batch.
    con = open_read_only(Path(path))
    for setting, env in (("threads", "FUPIN_DUCKDB_THREADS"), ("memory_limit", "FUPIN_DUCKDB_MEMORY_MB")):
        value = os.environ.get(env, "")
        if value.isdigit() and int(value) > 0:  # set per process by `python -m fupin serve` (total ≤ the machine)
            con.execute(f"set {setting} = '{int(value)}{'MB' if setting == 'memory_limit' else ''}'")
    return con


@dataclass
class DemoBuild:
    """The first-start build, in a background thread so a closed browser tab cannot cut it short
    and several first visitors share one build."""

    path: Path
    fraction: float = 0.0
    message: str = "准备中…"
    error: str | None = None
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        with self.lock:
            if self.thread is None or (not self.thread.is_alive() and self.error is None and not self.path.exists()):
                self.thread = threading.Thread(target=self._run, name="demo-build", daemon=True)
                self.thread.start()

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message

    def _run(self) -> None:
        try:
            build_demo(db=self.path, progress=self._progress)
        except Exception as exc:  # shown on the page, in Chinese
            self.error = f"演示数据生成失败：{exc}"


@st.cache_resource(show_spinner=False)
def _demo_build(path: str) -> DemoBuild:
    return DemoBuild(Path(path))


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read (Chinese message for the page; details in the server log)."""


def ensure_warehouse() -> Path:
    """The warehouse path; on first start with none, build the demo warehouse with visible progress.

    Only the default path is ever built: a configured FUPIN_DB that does not exist is an error, never
    silently replaced by synthetic data."""
    path = db_path()
    if path.exists():
        return path
    if path.resolve() != DEFAULT_DB.resolve():
        raise WarehouseUnavailable(
            f"数据仓库文件不存在：{path}（由 FUPIN_DB 指定）。请检查路径，或先运行 python -m fupin ingest "
            "生成数据仓库。"
        )
    build = _demo_build(str(path))
    build.start()
    st.info("首次启动：正在生成并导入演示数据（合成数据，约需半分钟到一分钟）…", icon=":material/hourglass_top:")
    st.progress(build.fraction, text=build.message)
    if build.error:
        st.error(build.error)
        st.stop()
    time.sleep(0.5)
    st.rerun()
    raise AssertionError("unreachable")


def connection() -> duckdb.DuckDBPyConnection:
    """The read-only connection for the current warehouse file (reopened after an ingest swap)."""
    path = ensure_warehouse()
    try:
        identity = file_identity(path)
        con = _connect(str(path), identity)
    except (duckdb.Error, OSError) as exc:
        _LOG.error("cannot open warehouse %s: %r", path, exc)
        raise WarehouseUnavailable(
            "数据仓库文件无法读取（文件可能已损坏或不是数据仓库）。请由管理员重新导入数据（python -m fupin ingest）；"
            "详细原因已写入服务器日志。"
        ) from exc
    _WARMER.notice(path, identity)  # a file this process has not warmed yet (first use, or swapped in)
    return con


@st.cache_resource(max_entries=2, show_spinner=False)
def _batch(path: str, identity: tuple[int, int]) -> BatchInfo:
    return batch_info(_connect(path, identity))


def current_batch() -> BatchInfo:
    """The batch of the current warehouse file (read once per file, not on every rerun)."""
    path = ensure_warehouse()
    try:
        return _batch(str(path), file_identity(path))
    except (duckdb.Error, OSError, TypeError) as exc:
        _LOG.error("cannot read the batch of %s: %r", path, exc)
        raise WarehouseUnavailable(
            "数据仓库不完整（缺少导入批次信息），无法显示。请由管理员重新导入数据；详细原因已写入服务器日志。"
        ) from exc


@st.cache_resource(max_entries=4, show_spinner=False)
def _work_synced(path: str, identity: tuple[int, int], store: str) -> int:
    del store  # part of the cache key only: another store is synced on its own
    from fupin.work import demo, sync

    con, batch = _connect(path, identity), _batch(path, identity)
    if batch.synthetic and demo.claim(batch.batch_id):
        return len(demo.replay(con, batch.batch_id))
    return len(sync.sync(con, batch.batch_id))


def work_ready(batch: BatchInfo) -> None:
    """Bring the batch's findings into the store as 督办事项 (once per process, batch and store; idempotent
    across processes). A synthetic batch on an empty store gets its demo history."""
    del batch  # the warehouse file identifies the batch
    from fupin.access.store import store_url

    path = ensure_warehouse()
    _work_synced(str(path), file_identity(path), store_url())


# ---------------------------------------------------------------------------------- cached queries


def cache_viewer(viewer: Viewer) -> Viewer:
    """What a query's rows depend on: the scope, and whether household rows may be read. Everyone with
    the same scope shares one cache entry (the province's administrators and analysts, a county's users)."""
    role = "analyst" if viewer.sees_households else "meeting"
    return Viewer(name="", role=role, scope_level=viewer.scope_level, scope_code=viewer.scope_code)


# One household's detail (its profile, members, months, visits …): many small entries, read once or twice each.
HOUSEHOLD_DETAIL = frozenset(n for n in queries.HOUSEHOLD_ROWS if n.startswith("household_"))


AGGREGATES_MAX = 2048  # query results kept in this process (a county's are a few kB, the province's lists more)
AGGREGATES_MB = int(os.environ.get("FUPIN_QUERY_CACHE_MB", "384"))  # and at most this much of them


class _Aggregates:
    """Aggregate query results in this process's memory, by name, scope, batch and parameters; below that, shared
    with the host's other app processes (warehouse/results.py), except household rows.

    Not st.cache_data: that unpickles a new copy of the result on every read (a tenth of a warm page run). A reader
    gets a shallow copy here instead, which pandas' copy-on-write keeps apart from the cached frame: a column the
    page adds or a cell it sets stays in its copy."""

    def __init__(self) -> None:
        self._frames: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()  # key → (frame, its bytes)
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
        key = (name, repr(viewer), batch_id, repr(sorted(params.items())))
        with self._lock:
            hit = self._frames.get(key)
            if hit is not None:
                self._frames.move_to_end(key)
                return hit[0].copy(deep=False)
        frame = self._compute(name, viewer, batch_id, **params)
        size = int(frame.memory_usage(index=True, deep=False).sum())  # Arrow strings: their buffers' size
        with self._lock:
            if key not in self._frames:
                self._frames[key] = (frame, size)
                self._bytes += size
            while self._frames and (len(self._frames) > AGGREGATES_MAX or self._bytes > AGGREGATES_MB * 2**20):
                self._bytes -= self._frames.popitem(last=False)[1][1]  # the least recently read first
        return frame.copy(deep=False)

    @staticmethod
    def _compute(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
        started = time.perf_counter()
        try:
            return _Aggregates._run(name, viewer, batch_id, **params)
        finally:
            log = os.environ.get("FUPIN_QUERY_LOG")  # the serving benchmark's record of what was not in memory
            if log:
                with open(log, "a", encoding="utf-8") as f:
                    f.write(f"{time.time():.3f}\t{name}\t{viewer.scope_code}\t{time.perf_counter() - started:.4f}\n")

    @staticmethod
    def _run(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
        con = connection()
        if name in queries.HOUSEHOLD_ROWS:
            return queries.run(con, name, viewer, **params)
        path = ensure_warehouse()
        gen = results.generation(batch_id, file_identity(path))
        key = results.key_of(name, queries.load(name).sql, viewer.role, viewer.scope_code, sorted(params.items()))
        return results.cached(path, gen, key, lambda: queries.run(con, name, viewer, **params))

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    def size(self) -> tuple[int, int]:
        """(entries, bytes) held."""
        with self._lock:
            return len(self._frames), self._bytes


_aggregate_query = _Aggregates()


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _household_query(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
    del batch_id  # part of the cache key only
    return queries.run(connection(), name, viewer, **params)


def query(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
    """A named query, cached per viewer, batch and parameters (a new batch never hits old entries). One
    household's detail goes to its own cache: clicking through households does not evict the aggregates."""
    cached = _household_query if name in HOUSEHOLD_DETAIL else _aggregate_query
    return cached(name, viewer, batch_id, **params)


# ---------------------------------------------------------------------------------- warm caches

# What the sidebar and the overview (every scope's first page) read for the newest month: fupin/ui/selection.py
# (county_flags) and fupin/views/overview.py. Each scope's first user then finds them computed.
FIRST_PAGE_QUERIES = (
    ("county_flags", False),
    ("scope_totals_by_month", True),
    ("supervision_progress_by_month", True),
    ("county_metrics_month", False),
)


def warm_scopes() -> list[Viewer]:
    """The cache viewers of every scope: the province (analysts and the meeting screen), 16 cities, the counties."""
    from fupin.core.reference import area_names, county_codes

    names = area_names()
    cities = sorted({c[:4] + "00" for c in county_codes()} & set(names))
    out = [Viewer(name="", role="analyst", scope_level="province", scope_code="340000")]
    out.append(Viewer(name="", role="meeting", scope_level="province", scope_code="340000"))
    out += [Viewer(name="", role="analyst", scope_level="city", scope_code=c) for c in cities]
    out += [Viewer(name="", role="analyst", scope_level="county", scope_code=c) for c in sorted(county_codes())]
    return out


def _my_share_first(scopes: list[Viewer]) -> list[Viewer]:
    """The scopes rotated so that worker i of n (FUPIN_WORKER / FUPIN_WORKERS, set by `fupin serve`) starts at the
    i-th n-th: the workers compute different scopes at the same time and read each other's results
    (warehouse/results.py) when they reach them, instead of all computing the province first."""
    try:
        i, n = int(os.environ.get("FUPIN_WORKER", "0")), max(int(os.environ.get("FUPIN_WORKERS", "1")), 1)
    except ValueError:
        return scopes
    at = (i % n) * len(scopes) // n
    return scopes[at:] + scopes[:at]


def warm(path: Path, identity: tuple[int, int], *, budget_s: float, stop: threading.Event | None = None) -> int:
    """Compute the first-page aggregates of every scope for this warehouse file, province first, until
    `budget_s` is spent. Returns how many queries ran (or were already cached)."""
    from fupin.access.scope import scope_prefix
    from fupin.core.month import Month

    started = time.monotonic()
    batch = _batch(str(path), identity)
    month = Month.parse(batch.newest_first[0]).first_day
    done = 0
    for viewer in _my_share_first(warm_scopes()):
        for name, with_prefix in FIRST_PAGE_QUERIES:
            if time.monotonic() - started > budget_s or (stop is not None and stop.is_set()):
                return done
            if file_identity(path) != identity:  # swapped again meanwhile: the next warm-up takes over
                return done
            params: dict[str, object] = {} if name == "county_flags" else {"month": month}
            if with_prefix:
                params["area_prefix"] = scope_prefix(viewer)
            query(name, viewer, batch.batch_id, **params)
            done += 1
            time.sleep(0.01)  # let the users' runs have the GIL between queries
    return done


class Warmer:
    """Warms the caches once per warehouse file and process, in one background thread (bounded in time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: tuple[str, tuple[int, int]] | None = None
        self.thread: threading.Thread | None = None
        self.last: dict[str, object] = {}
        self.stop = threading.Event()
        atexit.register(self.close)

    def close(self) -> None:
        """Stop warming and wait for the query in flight: a DuckDB query still running in a thread while the
        interpreter shuts down aborts the process."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(30)

    def notice(self, path: Path, identity: tuple[int, int]) -> None:
        if os.environ.get("FUPIN_WARM", "1") == "0" or self.stop.is_set():
            return
        key = (str(path), identity)
        with self.lock:
            if self.seen == key or (self.thread is not None and self.thread.is_alive()):
                return
            self.seen = key
            self.thread = threading.Thread(target=self._run, args=(path, identity), name="fupin-warm", daemon=True)
            self.thread.start()

    def _run(self, path: Path, identity: tuple[int, int]) -> None:
        budget = float(os.environ.get("FUPIN_WARM_SECONDS", "300"))
        t0 = time.monotonic()
        try:
            batch = _batch(str(path), identity)
            # the shared results of the files swapped out
            if pruned := results.prune(path, results.generation(batch.batch_id, identity)):
                _LOG.info("removed the shared results of %d earlier warehouse files", pruned)
            n = warm(path, identity, budget_s=budget, stop=self.stop)
            self.last = {"queries": n, "seconds": round(time.monotonic() - t0, 1), "file": str(path)}
            print(f"fupin: warmed {n} first-page queries in {self.last['seconds']} s", file=sys.stderr, flush=True)
            # What the process holds now (modules, the warehouse's caches, boundaries) lives as long as it does:
            # out of the collector's full passes, which otherwise walk it every few page runs (≈0.25 s each at
            # province scale: a third of a warm run's CPU, measured on 资金).
            gc.collect()
            gc.freeze()
        except Exception as exc:  # warming is an optimisation: a failure only shows in the log
            _LOG.warning("cache warm-up of %s failed: %r", path, exc)
        if file_identity_or_none(path) not in (None, identity):  # swapped while warming: warm the new file
            with self.lock:
                self.seen = None


def file_identity_or_none(path: Path) -> tuple[int, int] | None:
    try:
        return file_identity(path)
    except OSError:
        return None


_WARMER = Warmer()


def warm_current() -> None:
    """Warm the current warehouse in the background (serve.py calls this once Streamlit's runtime is up, so
    the caches filled are the server's)."""
    path = db_path()
    if (identity := file_identity_or_none(path)) is not None:
        _WARMER.notice(path, identity)
