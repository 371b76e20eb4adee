"""Where the warehouse lives, opening it read-only, and noticing when ingest swapped in a new one."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fupin.core.reference import PROJECT_ROOT

DEFAULT_DB = PROJECT_ROOT / "data" / "warehouse.duckdb"


def db_path() -> Path:
    """FUPIN_DB overrides the default data/warehouse.duckdb."""
    return Path(os.environ.get("FUPIN_DB", DEFAULT_DB))


def file_identity(path: Path) -> tuple[int, int]:
    """(inode, mtime_ns): changes when ingest replaces the file, so a cache keyed on it reopens."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


class LockBusy(Exception):
    """Another process (or session) holds the warehouse's ingest lock."""

    def __init__(self, lock: Path, holder: str) -> None:
        super().__init__(f"{lock} is held by {holder or 'another process'}")
        self.lock, self.holder = lock, holder  # "pid 123 since 2020-06-01 10:00:00", as the holder wrote it

    @property
    def holder_cn(self) -> str:
        m = re.fullmatch(r"pid (\d+) since (.+)", self.holder)
        return f"（进程 {m.group(1)}，开始于 {m.group(2)}）" if m else ""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def warehouse_lock(db: Path, *, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """One writer per warehouse: an exclusive `flock` on `<warehouse>.lock` beside it, across processes (and
    across sessions of one server: each call opens the file anew). Waits up to `wait` seconds, then raises
    LockBusy naming the holder. Ingest holds it from reading the exports to the swap; a 数据导入 commit holds it
    while it checks that the warehouse is still the one of its dry run and swaps. The file stays (removing a
    lock file races with the next locker); the lock goes with the process."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", errors="replace").strip()
                if time.monotonic() >= deadline:
                    raise LockBusy(path, holder) from None
                if not waited and on_wait:
                    on_wait(holder)
                waited = True
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {dt.datetime.now():%Y-%m-%d %H:%M:%S}".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


WAREHOUSE_ALIAS = "wh"


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: many app processes can share the file; ingest never blocks on it.

    The file is ATTACHed to a private in-memory database rather than opened with connect(path):
    DuckDB reuses an open database instance for the same path within a process, so after ingest
    swaps in a new file, connect(path) would keep reading the old (unlinked) one. Each attach opens
    the file that is at the path now; connections already open keep their own complete batch.
    """
    con = duckdb.connect(":memory:")
    con.execute(f"attach $path as {WAREHOUSE_ALIAS} (read_only)", {"path": str(path)})
    con.execute(f"use {WAREHOUSE_ALIAS}")
    con.execute("set TimeZone = 'Asia/Shanghai'")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor per query or thread (one connection shared by threads is 'busy'), pointed at the warehouse."""
    cur = con.cursor()
    if cur.execute(
        "select count(*) from duckdb_databases() where database_name = $a", {"a": WAREHOUSE_ALIAS}
    ).fetchone()[0]:
        cur.execute(f"use {WAREHOUSE_ALIAS}")
    return cur


@dataclass(frozen=True)
class BatchInfo:
    """The warehouse's ingest batch, read once per warehouse file: its `months` are the one list of months
    every page offers (no per-run query for them)."""

    batch_id: str
    started_at: str
    synthetic: bool
    months: list[str]  # 'YYYY-MM', oldest first
    rows_read: int
    rows_quarantined: int

    @property
    def newest_first(self) -> list[str]:
        return sorted(self.months, reverse=True)


def batch_info(con: duckdb.DuckDBPyConnection) -> BatchInfo:
    row = (
        cursor(con)
        .execute(
            "select batch_id, strftime(started_at, '%Y-%m-%d %H:%M'), synthetic, months, rows_read, rows_quarantined "
            "from ingest_batch"
        )
        .fetchone()
    )
    return BatchInfo(row[0], row[1], bool(row[2]), sorted(row[3]), int(row[4]), int(row[5]))
