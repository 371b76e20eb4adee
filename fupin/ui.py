"""Streamlit glue shared by app.py and the pages: the cached warehouse connection and labels.

Kept apart from the pure modules: only this file and pages/ import streamlit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import streamlit as st

from fupin.warehouse import BatchInfo, batch_info, build_demo, db_path, file_identity, open_read_only


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, identity: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    # `identity` is only part of the cache key: a swapped-in file gets a new connection.
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


def ensure_warehouse() -> Path:
    """The warehouse path; on first start with none, build the demo warehouse with visible progress."""
    path = db_path()
    if path.exists():
        return path
    build = _demo_build(str(path))
    build.start()
    st.info("首次启动：正在生成并导入演示数据（合成数据，约需半分钟）…", icon=":material/hourglass_top:")
    st.progress(build.fraction, text=build.message)
    if build.error:
        st.error(build.error)
        st.stop()
    time.sleep(0.5)
    st.rerun()


def connection() -> duckdb.DuckDBPyConnection:
    """The read-only connection for the current warehouse file (reopened after an ingest swap)."""
    path = ensure_warehouse()
    return _connect(str(path), file_identity(path))


def current_batch() -> BatchInfo:
    return batch_info(connection())
