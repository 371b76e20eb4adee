"""Where the warehouse lives, opening it read-only, and noticing when ingest swapped in a new one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fupin.reference import PROJECT_ROOT

DEFAULT_DB = PROJECT_ROOT / "data" / "warehouse.duckdb"


def db_path() -> Path:
    """FUPIN_DB overrides the default data/warehouse.duckdb."""
    return Path(os.environ.get("FUPIN_DB", DEFAULT_DB))


def file_identity(path: Path) -> tuple[int, int]:
    """(inode, mtime_ns): changes when ingest replaces the file, so a cache keyed on it reopens."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


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
    batch_id: str
    started_at: str
    synthetic: bool
    months: list[str]
    rows_read: int
    rows_quarantined: int


def batch_info(con: duckdb.DuckDBPyConnection) -> BatchInfo:
    row = (
        cursor(con)
        .execute(
            "select batch_id, strftime(started_at, '%Y-%m-%d %H:%M'), synthetic, months, rows_read, rows_quarantined "
            "from ingest_batch"
        )
        .fetchone()
    )
    return BatchInfo(row[0], row[1], bool(row[2]), list(row[3]), int(row[4]), int(row[5]))


def build_demo(*, db: Path, exports: Path | None = None, progress: Callable[[float, str], None] | None = None) -> None:
    """Generate the demo exports (if absent) and ingest them: the app's first start.

    The exports go next to the warehouse (data/exports/demo for the default data/warehouse.duckdb).
    """
    exports = exports or db.parent / "exports" / "demo"
    from fupin.generate import generate
    from fupin.ingest import ingest
    from fupin.provenance import signed

    note = progress or (lambda _f, _m: None)
    manifest = exports / "_manifest.json"
    try:
        valid = signed(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        valid = False
    if not valid:  # absent, or made elsewhere / by an older version: generate afresh
        note(0.0, "生成演示数据（全省104个县，约2%的户）…")
        generate(scale="demo", seed=2020, out=exports)
    report = ingest(exports, db, progress=lambda f, m: note(0.3 + 0.7 * f, m))
    if not report.ok:
        raise RuntimeError(report.summary())
