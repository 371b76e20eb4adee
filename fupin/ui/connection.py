"""The warehouse as the pages see it: the cached read-only connection (reopened when ingest swaps the file),
the first-start demo build with its progress, the batch, and the query cache shared by viewers of a scope."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from fupin.access.scope import Viewer
from fupin.data.demo import build_demo
from fupin.warehouse import queries
from fupin.warehouse.connection import DEFAULT_DB, BatchInfo, batch_info, db_path, file_identity, open_read_only

_LOG = logging.getLogger("fupin")


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, identity: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    # `identity` is only part of the cache key: a swapped-in file gets a new connection, and a
    # connection keeps reading the file it opened, so a query never sees half a batch.
    return open_read_only(Path(path))


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
        return _connect(str(path), file_identity(path))
    except (duckdb.Error, OSError) as exc:
        _LOG.error("cannot open warehouse %s: %r", path, exc)
        raise WarehouseUnavailable(
            "数据仓库文件无法读取（文件可能已损坏或不是数据仓库）。请由管理员重新导入数据（python -m fupin ingest）；"
            "详细原因已写入服务器日志。"
        ) from exc


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


@st.cache_data(max_entries=512, show_spinner=False)
def query(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
    """A named query, cached per viewer, batch and parameters (a new batch never hits old entries)."""
    del batch_id  # part of the cache key only
    return queries.run(connection(), name, viewer, **params)
