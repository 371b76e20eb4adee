"""Ingest: read every export file → validate → quarantine bad rows with reasons → swap in atomically.

The warehouse is rebuilt from the whole export folder each time (all months), in a new file next
to the old one; only when everything succeeded is it renamed over the old file (`os.replace`, atomic
on one file system). A crash, a kill or a contract error at any moment leaves the previous
warehouse byte-identical. Row rules never stop the batch: a bad row lands in `quarantine` with
file, line, reason code and a readable Chinese message. Sheet furniture (合计行, 空行) is skipped and counted,
and values Excel or WPS mangled are normalised and counted (fupin.data.tidy): `read = loaded + quarantined +
skipped` per file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from fupin.core.reference import REFERENCE_DIR, read_csv_text
from fupin.data import contract as C
from fupin.data import provenance
from fupin.data.exportio import SUFFIXES, UNSUPPORTED_CN, ExportFile, read_export
from fupin.data.idcard import upgrade_legacy, valid_mask
from fupin.data.memory import looks_out_of_memory, out_of_memory_cn
from fupin.data.validate import (
    BAD_ENCODING_TABLE,
    BAD_IDS_TABLE,
    DATE_EXPR,
    table_checks,
    typed_select,
)
from fupin.warehouse import BUILD_STEPS, SQL_DIR
from fupin.warehouse.connection import LockBusy, warehouse_lock

MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
Progress = Callable[[float, str], None]


@dataclass
class FileReport:
    file: str
    table: str
    month: str
    format: str
    encoding: str
    header_line: int
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    rows_skipped: int = 0  # sheet furniture, neither loaded nor quarantined
    skipped_by_kind: dict[str, int] = field(default_factory=dict)  # "合计行" / "空行" → rows
    values_normalised: int = 0  # values changed before validation (each once)
    normalised_by_kind: dict[str, int] = field(default_factory=dict)  # "全角字符", "首尾空格", … → values
    examples: dict[str, str] = field(default_factory=dict)  # kind → "第N行「列」…" (one each)
    # A department feed file unchanged since the previous batch: its validated rows were copied from the previous
    # warehouse instead of being read again (see `_previous_feeds`).
    reused: bool = False


@dataclass
class IngestReport:
    ok: bool
    source: str
    db: str
    dry_run: bool
    batch_id: str = ""
    started_at: str = ""
    seconds: float = 0.0
    synthetic: bool = False
    months: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    error: dict | None = None
    step_seconds: dict[str, float] = field(default_factory=dict)
    # Months whose comparison with the department feeds was kept from the previous batch (比对按月冻结).
    months_kept: list[str] = field(default_factory=list)
    # Where the steps' time went: "read <table>" (waiting for its files and inserting their rows; the next file is read
    # meanwhile), "validate <table>", "build <step>" (each build SQL file), "reuse feeds" (with its parts "reuse
    # feeds: copy", ": hash" and ": keep"). The department feeds' "read" and "validate" times are their own thread's,
    # alongside the register's (`_feed_side`); what the batch waited for that thread is the step "feeds wait".
    detail_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_skipped(self) -> int:
        return sum(f.rows_skipped for f in self.files)

    @property
    def values_normalised(self) -> int:
        return sum(f.values_normalised for f in self.files)

    @classmethod
    def from_json(cls, text: str) -> IngestReport:
        """A report as `to_json` (or the CLI after a failure) wrote it."""
        d = json.loads(text)
        names = {f.name for f in fields(cls)}
        report = cls(**{k: v for k, v in d.items() if k in names and k != "files"})
        names = {f.name for f in fields(FileReport)}
        report.files = [FileReport(**{k: v for k, v in f.items() if k in names}) for f in d.get("files", [])]
        return report

    def to_json(self) -> str:
        d = asdict(self)
        d.update(
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
            rows_skipped=self.rows_skipped,
            values_normalised=self.values_normalised,
        )
        return json.dumps(d, ensure_ascii=False, indent=2)

    def summary(self) -> str:
        """The printed summary (English, for the CLI)."""
        if not self.ok:
            return f"INGEST FAILED — nothing changed. {self.error['message'] if self.error else ''}"
        lines = [
            f"batch {self.batch_id}: {len(self.files)} files, months {', '.join(self.months)}",
            f"rows read {self.rows_read:,} = loaded {self.rows_loaded:,} + quarantined {self.rows_quarantined:,}"
            f" + skipped {self.rows_skipped:,} (total and blank rows); values normalised {self.values_normalised:,}",
        ]
        by_table: dict[str, list[int]] = {}
        for f in self.files:
            t = by_table.setdefault(f.table, [0, 0, 0])
            t[0] += f.rows_read
            t[1] += f.rows_loaded
            t[2] += f.rows_quarantined
        lines += [
            f"  {t:<8} read {r:>10,}  loaded {lo:>10,}  quarantined {q:>7,}" for t, (r, lo, q) in by_table.items()
        ]
        if self.quarantined_by_reason:
            lines.append("quarantined by reason:")
            lines += [
                f"  {k:<28} {v:>8,}" for k, v in sorted(self.quarantined_by_reason.items(), key=lambda kv: -kv[1])
            ]
        lines.append(
            ("dry run: warehouse not written" if self.dry_run else f"warehouse: {self.db}") + f" ({self.seconds:.1f} s)"
        )
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _alive(pid: str) -> bool:
    """Is the ingest process that owns a half-built file still running?"""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _read_one(path: Path, table: C.Table, sha: str | None = None) -> tuple[ExportFile, str]:
    return read_export(path, table), sha or _sha256(path)


def read_manifest(path: Path) -> dict:
    """The export folder's `_manifest.json` ({} when absent); one that cannot be read is a contract error."""
    if not path.exists():
        return {}
    where = ""
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        manifest = None
    except json.JSONDecodeError as exc:
        manifest, where = None, f"（第{exc.lineno}行第{exc.colno}列）"
    if not isinstance(manifest, dict):
        raise C.ContractError(
            str(path),
            "_manifest.json is not a JSON object in UTF-8" + (f" ({where[1:-1]})" if where else ""),
            cn=f"_manifest.json 无法解析{where}：不是有效的 JSON",
        )
    return manifest


def discover(src: Path) -> tuple[list[tuple[str, Path, C.Table]], dict]:
    """Every export file under `src` (a folder of month folders, or one month folder).

    Raises ContractError for a file that matches no table or has an unsupported type.
    """
    if not src.is_dir():
        raise C.ContractError(str(src), "export folder does not exist", cn="导出文件夹不存在")
    month_dirs = (
        [src]
        if MONTH_DIR.match(src.name)
        else sorted(p for p in src.iterdir() if p.is_dir() and MONTH_DIR.match(p.name))
    )
    if not month_dirs:
        raise C.ContractError(str(src), "no month folders (YYYY-MM) found", cn="没有找到月份文件夹（YYYY-MM）")
    manifest = read_manifest((src.parent if MONTH_DIR.match(src.name) else src) / "_manifest.json")
    files = []
    for md in month_dirs:
        for p in sorted(md.iterdir()):
            if p.name.startswith((".", "_", "~$")):
                continue
            table = C.table_for_file(p.stem)
            if table is None:
                raise C.ContractError(
                    str(p),
                    f"unknown table 「{p.stem.split('_', 1)[0]}」 (expected one of: {', '.join(C.TABLES_BY_CN)})",
                    cn=f"文件名「{p.name}」不对应任何导出表：文件名应以表名开头（{'、'.join(C.TABLES_BY_CN)}）",
                )
            if p.suffix.lower() not in SUFFIXES:
                raise C.ContractError(
                    str(p),
                    f"unsupported file type {p.suffix!r} (CSV, XLSX or XLS expected)",
                    cn=f"不支持的文件类型 {p.suffix}：{UNSUPPORTED_CN}",
                )
            files.append((md.name, p, table))
    return files, manifest


def _load_reference(con: duckdb.DuckDBPyConnection, ref_dir: Path) -> None:
    for fname, tname in C.REFERENCE_FILES.items():
        df = read_csv_text(ref_dir / fname)  # noqa: F841 — read by DuckDB's replacement scan
        con.execute(f"create table {tname} as select * from df")


def _create_raw(con: duckdb.DuckDBPyConnection, t: C.Table) -> None:
    """raw_<table>: the rows as read, all text. A department feed's raw rows are a temporary table: they are only
    validated, then typed into stg_<table> with their file and line (storing 17 M rows of text a batch at province
    scale cost as much as reading them); the register's stay in the warehouse."""
    cols = ", ".join(f'"{c.cn}" varchar' for c in t.columns)
    kind = "temp table" if t.cn in FEED_TABLES else "table"
    con.execute(f"create {kind} raw_{t.en} (_row_id bigint, _month varchar, _file varchar, _line bigint, {cols})")


class _RawWriter:
    """Appends read files to raw_<table>, several files a statement, since each has a fixed cost (≈4 ms: 526 files at
    tiny scale spent 2 s there). Every contract column is text; one the file lacks is '' (as an empty cell).

    An insert of fewer rows than a row group (DuckDB's 122,880) into a table that has rows is written to the
    write-ahead log, and copied into the file again at a checkpoint; a larger one is written to the file once. The
    register's tables come month by month, a month's county files of a table together: inserting each such run put
    426 MB of a province batch's raw rows through the log, and the 26 checkpoints that followed stalled the reading
    6–8 s. So a table's rows are inserted once there are two row groups of them, less the last row group's worth,
    which waits for the table's next rows: every insert into a table that has rows is at least a row group. A table
    holds at most two row groups of rows in memory between its runs of files."""

    FLUSH_ROWS = 500_000
    MERGE_ROWS = 122_880  # DuckDB's row group size: an insert of at least this many rows is not logged

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.table: C.Table | None = None  # the table of the last file added
        self.parts: dict[str, list[pa.Table]] = {}  # by table (Table.cn): rows read, not inserted yet
        self.rows: dict[str, int] = {}
        self.bad: dict[str, list[int]] = {}  # row ids of lines in another encoding (flagged for validation)
        self.tables: dict[str, C.Table] = {}

    def add(self, ef: ExportFile, month: str, rel: str, first_row_id: int) -> None:
        t = ef.table
        if self.table is not None and t is not self.table:
            self.flush(self.table, keep=self.MERGE_ROWS)  # a run of the previous table's files ended
        self.table = t
        n = ef.data.num_rows
        present = set(ef.data.column_names)
        text = pa.string()
        blank: pa.Array | None = None
        cols = {
            "_row_id": pa.array(np.arange(first_row_id, first_row_id + n)),
            "_month": pa.repeat(pa.scalar(month, text), n),  # not from a list of n: Python's lock, 0.1 s a 1 M rows
            "_file": pa.repeat(pa.scalar(rel, text), n),
            "_line": ef.data.column("_line").cast(pa.int64()),
        }
        for c in t.columns:
            if c.cn in present:
                cols[c.cn] = ef.data.column(c.cn).cast(text)
            else:
                blank = blank if blank is not None else pa.repeat(pa.scalar("", text), n)
                cols[c.cn] = blank
        self.tables[t.cn] = t
        self.parts.setdefault(t.cn, []).append(pa.table(cols))
        self.rows[t.cn] = self.rows.get(t.cn, 0) + n
        if ef.bad_encoding_lines:
            lines = ef.data.column("_line").to_numpy()
            bad = (first_row_id + np.flatnonzero(np.isin(lines, ef.bad_encoding_lines))).tolist()
            self.bad.setdefault(t.cn, []).extend(bad)
        if self.rows[t.cn] >= self.FLUSH_ROWS:
            self.flush(t, keep=self.MERGE_ROWS)

    def flush(self, t: C.Table | None = None, keep: int = 0) -> None:
        """Insert the rows waiting for `t` (every table's without it). With `keep`, only when there are twice as many,
        and the last `keep` rows wait."""
        for cn in [t.cn] if t is not None else list(self.parts):
            n = self.rows.get(cn, 0)
            if not n or (keep and n < 2 * keep):
                continue
            data = pa.concat_tables(self.parts.pop(cn))
            rest = data.slice(n - keep) if keep else None
            data = data.slice(0, n - keep)  # read by DuckDB's replacement scan below
            self.con.execute(f"insert into raw_{self.tables[cn].en} select * from data")
            self.rows[cn] = keep
            if rest is not None:
                self.parts[cn] = [rest]
            bad_ids = self.bad.pop(cn, [])  # read by validation, once every row of the table is in
            if bad_ids:
                bad = pa.table({"_row_id": pa.array(bad_ids, pa.int64())})  # noqa: F841 — scanned below
                self.con.execute(f"insert into {BAD_ENCODING_TABLE} select $t, _row_id from bad", {"t": cn})


def _flag_bad_ids(con: duckdb.DuckDBPyConnection, t: C.Table) -> None:
    """Fill _bad_ids for the table's ID-number columns (checked in numpy: fast at 5 million rows)."""
    con.execute(f"create or replace temp table {BAD_IDS_TABLE} (_row_id bigint, col varchar)")
    for col in (c for c in t.columns if c.type == "id_number"):
        data = con.sql(
            f'select _row_id, "{col.cn}" as v from raw_{t.en} where nullif(trim("{col.cn}"), \'\') is not null'
        ).to_arrow_table()
        values = data.column("v")
        bad = ~valid_mask(upgrade_legacy(values) if col.legacy_id else values)
        ids = pa.table({"_row_id": data.column("_row_id").filter(pa.array(bad))})  # noqa: F841 — scanned below
        con.execute(f"insert into {BAD_IDS_TABLE} select _row_id, $col from ids", {"col": col.cn})


def _validate_table(con: duckdb.DuckDBPyConnection, t: C.Table, batch_id: str, append: bool = False) -> None:
    """Quarantine the rows of raw_<t> that break a rule; type the rest into stg_<t> (appended to it with `append`: a
    feed's typed rows kept from the previous warehouse, see `_keep_reused`)."""
    _flag_bad_ids(con, t)
    for check in table_checks(t):
        # Each check sees only rows not yet quarantined, so a row carries its first failure.
        con.execute(
            f"""
            insert into quarantine
            select $batch, '{t.cn}', r._file, r._line, r._month, r._row_id, q.reason_code, q.message, to_json(r)
            from raw_{t.en} r join ({check}) as q(_row_id, reason_code, message) using (_row_id)
            where r._row_id not in (select row_id from quarantine where table_name = '{t.cn}')
            """,
            {"batch": batch_id},
        )
    target = f"stg_{t.en}_version" if t.mode == "register" else f"stg_{t.en}"
    con.execute(
        f"""
        {f"insert into {target} by name" if append else f"create table {target} as"}
        select {typed_select(t)}
        from raw_{t.en} r
        where r._row_id not in (select row_id from quarantine where table_name = '{t.cn}')
        """
    )
    if t.mode == "register":  # the latest version of each key is the current record
        key = ", ".join(t.key)
        con.execute(
            f"""
            create table stg_{t.en} as
            select * exclude (_rn) from (
                select *, row_number() over (partition by {key} order by month desc, _row_id desc) as _rn
                from stg_{t.en}_version
            ) where _rn = 1 order by {key}
            """
        )


# A batch's department feed rows are numbered from this far above its first row id: they are read in a thread of
# their own while the register is read (`_feed_side`), so neither side knows how many rows the other has. A register
# of fewer than 2^40 rows (200,000 files at Limits.max_rows) stays below; the next batch numbers from the last id.
FEED_ROW_IDS = 1 << 40
# How much of the register is read ahead while the previous warehouse is copied and the feed files are hashed (a
# monthly batch at province scale: 2.6–6 s, in which ≈ 45 MB of CSV a second are read).
PREFETCH_BYTES = 256 << 20


# The feeds' threads run at a lower priority than the register's: the register's reading is what the batch waits
# for, and the feeds' work fills the time the register leaves a core idle (Linux: a thread's own nice value).
FEED_NICE = 10


def _nice(value: int) -> None:
    """Lower the calling thread's priority by `value` (where the system lets a thread have its own)."""
    if value and sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, min(os.getpriority(os.PRIO_PROCESS, tid) + value, 19))


@dataclass
class _Run:
    """What reading a run of files gave: a report per file (by the file's place in the batch), the seconds spent per
    "read <table>" and "validate <table>", and the number of rows."""

    reports: dict[int, FileReport] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rows: int = 0


class _Ahead:
    """Reads files (`_read_one`) in a thread of its own ahead of their use, in order: at least one file is read or
    being read while the caller inserts the one before; `prefetch` reads the first files up to a number of bytes
    before the caller needs any (the register's first files, while the previous warehouse is copied)."""

    def __init__(self, jobs: list[tuple[int, str, Path, C.Table]], shas: dict[Path, str], nice: int = 0) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read", initializer=_nice, initargs=(nice,))
        self.jobs = iter(jobs)
        self.shas = shas
        self.pending: deque[tuple[tuple[int, str, Path, C.Table], Future]] = deque()

    def _submit(self) -> bool:
        job = next(self.jobs, None)
        if job is not None:
            self.pending.append((job, self.pool.submit(_read_one, job[2], job[3], self.shas.get(job[2]))))
        return job is not None

    def prefetch(self, max_bytes: int) -> None:
        size = 0
        while size < max_bytes and self._submit():
            size += self.pending[-1][0][2].stat().st_size

    def __iter__(self) -> Iterator[tuple[tuple[int, str, Path, C.Table], Future]]:
        while self.pending or self._submit():
            job, future = self.pending.popleft()
            if not self.pending:
                self._submit()  # the next file is read while this one is inserted
            yield job, future

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _read_run(
    con: duckdb.DuckDBPyConnection,
    ahead: _Ahead,
    base: Path,
    first_row_id: int,
    halt: Callable[[], None] | None = None,
    note: Progress | None = None,
    total: int = 1,
    table_done: Callable[[C.Table], None] | None = None,
) -> _Run:
    """Read the files `ahead` reads ((place, month, path, table), in order) into raw_<table> on `con`, numbering their
    rows from `first_row_id`. The next file is read (pyarrow: Python's lock released) while DuckDB inserts the
    current one. `halt` is called before each file (it raises to stop); `table_done` once a table's
    files are all in (the jobs of a table together), while the next table's first file is read."""
    run = _Run()
    raw = _RawWriter(con)
    row_id = first_row_id

    def add(key: str, since: float) -> None:
        run.seconds[key] = run.seconds.get(key, 0.0) + time.perf_counter() - since

    try:
        for (place, month, path, table), pending in ahead:
            if halt is not None:
                halt()
            if table_done is not None and raw.table is not None and table is not raw.table:
                done, tick = raw.table, time.perf_counter()
                raw.flush(done)
                add(f"read {done.cn}", tick)
                table_done(done)
            tick = time.perf_counter()
            if note is not None:
                note(0.6 * place / total, f"读取 {month}/{path.name}")
            ef, sha = pending.result()
            rel = str(path.relative_to(base))
            run.reports[place] = FileReport(
                rel,
                table.cn,
                month,
                ef.format,
                ef.encoding,
                ef.header_line,
                sha,
                rows_read=ef.data.num_rows + sum(ef.skipped.values()),
                unknown_columns=ef.unknown_columns,
                rows_skipped=sum(ef.skipped.values()),
                skipped_by_kind=ef.skipped,
                values_normalised=ef.values_normalised,
                normalised_by_kind=ef.normalised,
                examples=ef.examples,
            )
            raw.add(ef, month, rel, row_id)
            row_id += ef.data.num_rows
            add(f"read {table.cn}", tick)
    finally:
        ahead.close()
    tick = time.perf_counter()
    last = raw.table
    raw.flush()
    if last is not None:
        add(f"read {last.cn}", tick)
        if table_done is not None:
            table_done(last)
    run.rows = row_id - first_row_id
    return run


def _feed_side(
    con: duckdb.DuckDBPyConnection,
    jobs: list[tuple[int, str, Path, C.Table]],
    base: Path,
    first_row_id: int,
    shas: dict[Path, str],
    append: bool,
    stop: threading.Event,
) -> _Run:
    """The department feeds' side of a batch, in a thread of its own on `con` (a cursor of the batch's connection:
    its own temporary tables): read the feed files `jobs` and validate each feed (`_validate_table`; appended to the
    kept rows with `append`). Stops between two steps once `stop` is set."""
    _nice(FEED_NICE)
    con.execute("set enable_progress_bar = false")
    con.execute(f"create temp table {BAD_ENCODING_TABLE} (table_name varchar, _row_id bigint)")
    for t in C.DEPARTMENT_TABLES:
        _create_raw(con, t)

    def halt() -> None:
        if stop.is_set():
            raise InterruptedError("the batch stopped")

    validated: dict[str, float] = {}

    def validate(t: C.Table) -> None:
        halt()
        tick = time.perf_counter()
        _validate_table(con, t, "", append=append)
        con.execute(f"drop table raw_{t.en}")  # temporary (see `_create_raw`): its memory is free again
        validated[f"validate {t.cn}"] = time.perf_counter() - tick

    # A feed's files of every month are read, then validated while the next feed's first file is read: a cold batch
    # holds one feed's raw rows at a time (the province's six months: 6.7 M of 医保 at most, not 17 M).
    order = {t.cn: i for i, t in enumerate(C.DEPARTMENT_TABLES)}
    by_table = sorted(jobs, key=lambda j: (order[j[3].cn], j[0]))
    run = _read_run(con, _Ahead(by_table, shas, FEED_NICE), base, first_row_id, halt, table_done=validate)
    for t in C.DEPARTMENT_TABLES:  # a feed without files this batch: its empty typed table
        if f"validate {t.cn}" not in validated:
            validate(t)
    run.seconds.update(validated)
    return run


# ---------------------------------------------------------------------------------- reusing unchanged feeds
# A monthly batch carries the earlier months' department feed files unchanged (≈2.9 M rows a month at province
# scale). A feed file whose bytes (SHA-256) and reading rules are the same as in the previous batch gives the same
# raw rows, the same quarantine and the same typed rows, so they are kept from the previous warehouse instead of
# being parsed and validated again. The rules are the "reuse version": the source of the reading and validation
# code, the file caps and every reference file. Reuse is by table and month folder (duplicates are judged per
# month): a group is kept only when every file of it, and no other, was in the previous batch. Register tables are
# always read: they validate against each other.
#
# The new warehouse then starts as a copy of the previous file (a file copy: 1.9 GB in ≈ 2 s) from which everything
# but the kept feed rows is dropped (`_keep_reused`), instead of an empty file into which 14.5 M typed rows were
# inserted again (≈ 23–40 s at province scale). A kept row keeps its row id; the rows read in this batch are
# numbered after the previous warehouse's last id, so ids stay unique. A row's identity across batches is its file
# and line, not its row id.
FEED_TABLES = frozenset(t.cn for t in C.DEPARTMENT_TABLES)
_READER_SOURCES = ("ingest.py", "exportio.py", "tidy.py", "validate.py", "idcard.py", "contract.py")


def reuse_version(ref_shas: dict[str, str]) -> str:
    """What a feed file's validated rows depend on besides its bytes."""
    from fupin.data.exportio import limits

    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _READER_SOURCES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    h.update(repr(limits()).encode())
    for fname in sorted(ref_shas):
        h.update(f"reference/{fname}:{ref_shas[fname]}\n".encode())
    return h.hexdigest()


def _stat_key(path: Path) -> str:
    """What the file system says of a file (size, modification and change times, inode): a feed file whose stat key
    is the one recorded with its SHA-256 in the previous batch is not hashed again (git's index does the same). A
    write changes the change time, which no tool can set back, so changed bytes are always hashed; a copied or
    touched file is merely hashed again. Taken before the file is read: a file written while it is read gets
    another key next time. (A monthly batch carries ≈ 1.1 GB of unchanged feed files: ≈ 1 s of hashing.)"""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _feed_shas(paths: list[Path], base: Path, stats: dict[Path, str], prev: dict[str, dict]) -> dict[Path, str]:
    """The SHA-256 of the feed files the previous batch had (the only ones that can be kept): the recorded one where
    the stat key is unchanged, else hashed (two at a time: hashlib releases Python's lock). A new file is hashed as
    it is read, in the feeds' thread."""
    out: dict[Path, str] = {}
    todo = []
    for p in paths:
        rec = prev.get(str(p.relative_to(base)))
        if rec is None:
            continue
        if rec.get("file_stat") and rec["file_stat"] == stats[p]:
            out[p] = rec["sha256"]
        else:
            todo.append(p)
    with ThreadPoolExecutor(max_workers=2) as pool:
        out.update(zip(todo, pool.map(_sha256, todo), strict=True))
    return out


def reuse_key(sha: str, version: str) -> str:
    return hashlib.sha256(f"{sha}:{version}".encode()).hexdigest()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    sql = "select column_name from duckdb_columns() where database_name = current_database() and table_name = $t"
    return {r[0] for r in con.execute(sql, {"t": table}).fetchall()}


def _previous_feeds(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The feed files of the previous warehouse (`con`: a copy of it) that can be reused ({} when it is not a
    warehouse that says enough): file → its ingest_file row plus `first` (its first row id) and `n` (its typed and
    quarantined rows)."""
    try:
        if not {"reuse_key", "detail"} <= _columns(con, "ingest_file"):
            return {}  # written before reuse existed
        if not {"_file", "_line"} <= _columns(con, "stg_dept_medical"):
            return {}  # its typed feed rows do not say where they were read
        rows = con.execute(
            "select * from ingest_file where reuse_key is not null and list_contains($t, table_name)",
            {"t": sorted(FEED_TABLES)},
        ).fetchall()
        names = [d[0] for d in con.description]
        out: dict[str, dict] = {}
        for row in rows:
            rec = dict(zip(names, row, strict=True))
            out[rec["file"]] = rec
        for t in C.DEPARTMENT_TABLES:
            wanted = [f for f, r in out.items() if r["table_name"] == t.cn]
            if not wanted:
                continue
            ranges = con.execute(  # a file's rows were typed (stg) or quarantined, one or the other
                f"""select f, min(r), count(*), max(r) from (
                        select _file as f, _row_id as r from stg_{t.en} where list_contains($f, _file)
                        union all
                        select file, row_id from quarantine where table_name = $t and list_contains($f, file)
                    ) group by f""",
                {"f": wanted, "t": t.cn},
            ).fetchall()
            spans = {f: (lo, n, hi) for f, lo, n, hi in ranges}
            for f in wanted:
                lo, n, hi = spans.get(f, (0, 0, -1))
                rec = out[f]
                if n != rec["rows_read"] - rec["rows_skipped"] or (n and hi - lo + 1 != n):
                    del out[f]  # not the shape this code writes: read it again
                else:
                    rec["first"], rec["n"] = lo, n
        return out
    except duckdb.Error:
        return {}


def _open_previous(prev_db: Path, tmp: Path) -> tuple[duckdb.DuckDBPyConnection | None, dict[str, dict]]:
    """Copy the previous warehouse to `tmp` and open it, with its reusable feed files; (None, {}) when there is none,
    it cannot be read (locked by a writer, damaged, not a warehouse) or it has nothing to reuse. The copy, not the
    file itself, is read, so that a batch swapped in meanwhile cannot change what is kept."""
    if not prev_db.exists():
        return None, {}
    con = None
    try:
        shutil.copyfile(prev_db, tmp)
        con = duckdb.connect(str(tmp))
        prev = _previous_feeds(con)
    except (OSError, duckdb.Error):
        prev = {}
    if not prev:
        _discard(con, tmp)
        return None, {}
    return con, prev


def _discard(con: duckdb.DuckDBPyConnection | None, tmp: Path) -> None:
    """Close and delete a copy of the previous warehouse that is not used after all."""
    if con is not None:
        con.close()
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)


def _next_row_id(con: duckdb.DuckDBPyConnection) -> int:
    """One past the previous warehouse's last row id (raw register rows, typed feed rows, quarantine)."""
    parts = ["select max(row_id) as m from quarantine"]
    parts += [f"select max(_row_id) from raw_{t.en}" for t in C.ALL_TABLES if t.cn not in FEED_TABLES]
    parts += [f"select max(_row_id) from stg_{t.en}" for t in C.DEPARTMENT_TABLES]
    (last,) = con.execute(f"select max(m) from ({' union all '.join(parts)})").fetchone()
    return 0 if last is None else int(last) + 1


def _keep_reused(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """In the copy of the previous warehouse: drop every view, macro and table but the feeds' typed rows (stg_dept_*)
    and the quarantine, and of those keep only the rows of the files in `keep`; the month-by-month comparison
    (FROZEN_TABLES) is renamed to dept_kept_*, whose months `_freeze_months` picks once the register has been read. A
    checkpoint then frees the dropped tables' blocks for this batch's tables, so the file does not grow by a batch
    each month."""
    db = "database_name = current_database() and schema_name = 'main'"
    for (name,) in con.execute(f"select view_name from duckdb_views() where not internal and {db}").fetchall():
        con.execute(f'drop view "{name}"')
    macros = con.execute(
        f"select distinct function_name, function_type from duckdb_functions() where not internal and {db} "
        "and function_type in ('macro', 'table_macro')"
    ).fetchall()
    for name, kind in macros:
        con.execute(f'drop {"macro table" if kind == "table_macro" else "macro"} "{name}"')
    kept_tables = {f"stg_{t.en}" for t in C.DEPARTMENT_TABLES} | {"quarantine"}
    tables = {name for (name,) in con.execute(f"select table_name from duckdb_tables() where {db}").fetchall()}
    frozen = set(FROZEN_TABLES) if "dept_month_key" in tables else set()  # else written before months were kept
    for name in sorted(tables - kept_tables):
        if name in frozen:  # its rows of the months that stay as they were are picked in `_freeze_months`
            con.execute(f'alter table "{name}" rename to "{_kept(name)}"')
        else:
            con.execute(f'drop table "{name}"')
    files = sorted(keep)
    for t in C.DEPARTMENT_TABLES:
        con.execute(f"delete from stg_{t.en} where not list_contains($f, _file)", {"f": files})
    con.execute(
        "delete from quarantine where not (list_contains($t, table_name) and list_contains($f, file))",
        {"t": sorted(FEED_TABLES), "f": files},
    )
    con.execute("checkpoint")


# 比对按月冻结 (see dept_match.sql): a month's comparison with the register (its department records' counts, matches
# and fired rules) is made against the register as it stood at that month's end and kept as made while its inputs
# are unchanged: the month's feed files, every export file of that month and the months before it (the register as
# it stood then, and its monitoring records), the reference data, the reading code and the build SQL — its "month
# key". A monthly batch then matches one month instead of all of them.
FROZEN_TABLES = ("dept_feed_count", "dept_record", "dept_fired", "dept_feed_month", "dept_month_key")


def _kept(table: str) -> str:
    """dept_record → dept_kept_record: a frozen table of the previous warehouse while this batch is built."""
    return "dept_kept_" + table.removeprefix("dept_")


def compare_version(version: str) -> str:
    """What a month's comparison depends on besides the export files: the reading rules and the build SQL."""
    h = hashlib.sha256(version.encode())
    for build_step in BUILD_STEPS:
        h.update(build_step.encode() + b"\0" + (SQL_DIR / f"{build_step}.sql").read_bytes() + b"\0")
    return h.hexdigest()


def month_keys(files: list[FileReport], version: str) -> dict[str, str]:
    """Each month's key: what its comparison depends on (the files of that month and the months before it, but of
    the department feeds only that month's own)."""
    base = compare_version(version)
    out: dict[str, str] = {}
    for month in sorted({f.month for f in files}):
        h = hashlib.sha256(base.encode())
        for f in sorted(files, key=lambda f: f.file):
            if f.month == month or (f.month < month and f.table not in FEED_TABLES):
                h.update(f"{f.file}:{f.sha256}\n".encode())
        out[month] = h.hexdigest()
    return out


def _freeze_months(con: duckdb.DuckDBPyConnection, keys: dict[str, str], register_last: str) -> list[str]:
    """dept_kept_month: the months whose key equals the previous batch's; the kept tables keep only their rows (the
    build adds the other months'). Returns those months."""
    con.execute("create temp table dept_kept_month (month date)")
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    frozen: list[str] = []
    if _kept("dept_month_key") in tables:
        previous = dict(con.execute("select strftime(month, '%Y-%m'), key from dept_kept_month_key").fetchall())
        # A warehouse that lacks one of the tables (written by a version that froze fewer) keeps no month; its build
        # SQL differed, so no key matches anyway.
        if all(_kept(t) in tables for t in FROZEN_TABLES):
            frozen = sorted(m for m, k in keys.items() if previous.get(m) == k)
        if frozen:
            con.executemany(
                "insert into dept_kept_month values ($1)", [(dt.date.fromisoformat(f"{m}-01"),) for m in frozen]
            )
        for table in FROZEN_TABLES[:-1]:
            if _kept(table) in tables:
                con.execute(f"delete from {_kept(table)} where month not in (select month from dept_kept_month)")
        con.execute(f"drop table {_kept('dept_month_key')}")
    # Constants the build's filters push down to the scans (dept_match.sql): the first month compared, and the last
    # month compared before the register's last (its records need the register's earlier versions; none in a
    # monthly batch, which compares the register's last month only).
    new = [m for m in sorted(keys) if m not in frozen]
    first, versions_to = (new or ["9999-12"])[0], max((m for m in new if m < register_last), default="1900-01")
    # A macro cannot take a bound parameter (DuckDB: "Parameter expressions within macro's are not supported"), so
    # the literal is spliced: a date parsed from a month folder name (MONTH_DIR) and printed by Python, digits only.
    for name, month in (("dept_new_from", first), ("dept_versions_to", versions_to)):
        con.execute(f"create temp macro {name}() as date '{dt.date.fromisoformat(month + '-01').isoformat()}'")
    return frozen


def _plan_reuse(
    files: list[tuple[str, Path, C.Table]], base: Path, shas: dict[Path, str], prev: dict[str, dict], version: str
) -> set[str]:
    """The files to copy: whole (table, month) groups whose files all match the previous batch's, and no more."""
    groups: dict[tuple[str, str], list[str]] = {}
    for month, path, table in files:
        if table.cn in FEED_TABLES:
            groups.setdefault((table.cn, month), []).append(str(path.relative_to(base)))
    prev_groups: dict[tuple[str, str], set[str]] = {}
    for f, rec in prev.items():
        prev_groups.setdefault((rec["table_name"], rec["month"]), set()).add(f)
    by_rel = {str(p.relative_to(base)): p for _, p, _ in files}
    out: set[str] = set()
    for key, rels in groups.items():
        if set(rels) == prev_groups.get(key) and all(
            prev[r]["reuse_key"] == reuse_key(shas[by_rel[r]], version) for r in rels
        ):
            out.update(rels)
    return out


def _report_from_previous(rec: dict, rel: str, table: C.Table, month: str, sha: str) -> FileReport:
    detail = json.loads(rec["detail"]) if rec["detail"] else {}
    return FileReport(
        rel,
        table.cn,
        month,
        rec["format"],
        rec["encoding"],
        rec["header_line"],
        sha,
        rows_read=rec["rows_read"],
        unknown_columns=detail.get("unknown_columns", []),
        rows_skipped=rec["rows_skipped"],
        skipped_by_kind=detail.get("skipped_by_kind", {}),
        values_normalised=rec["values_normalised"],
        normalised_by_kind=detail.get("normalised_by_kind", {}),
        examples=detail.get("examples", {}),
        reused=True,
    )


def _run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Each statement of a build file, split by DuckDB's own parser (strings and comments may hold ';')."""
    for stmt in con.extract_statements(path.read_text(encoding="utf-8")):
        con.execute(stmt)


def ingest(
    src: Path,
    db: Path,
    *,
    dry_run: bool = False,
    report_path: Path | None = None,
    ref_dir: Path = REFERENCE_DIR,
    progress: Progress | None = None,
    lock_wait: float = 0.0,
    memory_mb: int | None = None,
    reuse: bool = True,
    reuse_from: Path | None = None,
) -> IngestReport:
    """Build a new warehouse from the exports in `src` and swap it in over `db`.

    Returns the report; on a contract error the report has ok=False and `db` is untouched. Unless it is a dry
    run, it holds the warehouse's lock from reading to the swap: when another ingest holds it for longer than
    `lock_wait` seconds, nothing is read and the report's error has code 'locked'. With `memory_mb`, DuckDB
    keeps to half of it (`memory_limit`, spilling to disk beyond); running out of memory anyway (the process's
    RLIMIT_AS, see `python -m fupin ingest --memory-mb`) is reported with code 'out_of_memory', nothing changed.
    With `reuse`, department feed files unchanged since the warehouse at `db` was built are copied from it instead
    of being read again (see `_previous_feeds`) — or from the warehouse at `reuse_from` when the new one is built
    elsewhere (the import page's candidate); `reuse=False` reads everything.
    """
    kw = {
        "report_path": report_path,
        "ref_dir": ref_dir,
        "progress": progress,
        "memory_mb": memory_mb,
        "reuse": reuse,
        "reuse_from": reuse_from,
    }
    if dry_run:
        return _ingest(src, db, dry_run=True, **kw)
    try:
        with warehouse_lock(db, wait=lock_wait, on_wait=lambda holder: _waiting(db, holder)):
            return _ingest(src, db, dry_run=False, **kw)
    except LockBusy as exc:
        report = IngestReport(ok=False, source=str(src), db=str(db), dry_run=False)
        report.started_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        holder = f" ({exc.holder})" if exc.holder else ""
        report.error = {
            "code": "locked",
            "file": None,
            "message": f"another ingest into {db} is running{holder}; nothing changed — try again later",
            "message_cn": f"另一个导入正在写入数据仓库{exc.holder_cn}，未做任何改动，请稍后再试",
        }
        if report_path:
            report_path.write_text(report.to_json(), encoding="utf-8")
        return report


def _add_seconds(report: IngestReport, key: str, since: float) -> None:
    report.detail_seconds[key] = round(report.detail_seconds.get(key, 0.0) + time.perf_counter() - since, 2)


def _waiting(db: Path, holder: str) -> None:
    print(f"waiting for the ingest lock on {db} ({holder or 'held by another process'})", file=sys.stderr)


def _ingest(
    src: Path,
    db: Path,
    *,
    dry_run: bool,
    report_path: Path | None,
    ref_dir: Path,
    progress: Progress | None,
    memory_mb: int | None,
    reuse: bool = True,
    reuse_from: Path | None = None,
) -> IngestReport:
    t0 = time.perf_counter()
    step = t0
    report = IngestReport(ok=False, source=str(src), db=str(db), dry_run=dry_run)
    report.started_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    note = progress or (lambda _f, _m: None)
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.parent / f".{db.name}.building-{os.getpid()}"

    def mark(name: str) -> None:
        nonlocal step
        now = time.perf_counter()
        report.step_seconds[name] = round(now - step, 2)
        step = now

    con: duckdb.DuckDBPyConnection | None = None
    ahead: _Ahead | None = None
    try:
        files, manifest = discover(src)
        if not files:
            raise C.ContractError(str(src), "no export files found", cn="文件夹中没有任何导出文件")
        report.months = sorted({m for m, _, _ in files})
        for stale in db.parent.glob(f".{db.name}.building-*"):
            if not _alive(stale.name.rsplit("-", 1)[-1].split(".")[0]):  # left by a killed run
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)  # a spill folder too
        digest = hashlib.sha256()
        base = src.parent if MONTH_DIR.match(src.name) else src
        ref_shas = {fname: _sha256(ref_dir / fname) for fname in C.REFERENCE_FILES}
        version = reuse_version(ref_shas)
        # The register is always read: its first files are read while the previous warehouse is copied.
        ahead = _Ahead([(i, m, p, t) for i, (m, p, t) in enumerate(files) if t.cn not in FEED_TABLES], {})
        if reuse and (reuse_from or db).exists():
            ahead.prefetch(PREFETCH_BYTES)
        tick = time.perf_counter()  # the feeds' reuse: copy, hash the feed files, plan, keep
        feed_paths = [p for _, p, t in files if t.cn in FEED_TABLES]
        stats = {p: _stat_key(p) for p in feed_paths}  # before any is read (see `_stat_key`)
        con, prev = _open_previous(reuse_from or db, tmp) if reuse else (None, {})
        _add_seconds(report, "reuse feeds: copy", tick)
        tick_hash = time.perf_counter()
        shas = _feed_shas(feed_paths, base, stats, prev) if prev else {}
        _add_seconds(report, "reuse feeds: hash", tick_hash)
        reuse_files = _plan_reuse(files, base, shas, prev, version) if prev else set()
        if con is not None and not reuse_files:  # nothing to keep: an empty file instead of the copy
            _discard(con, tmp)
            con = None
        row_id = 0  # the rows read are numbered from here, in file order
        if con is None:
            con = duckdb.connect(str(tmp))
        if memory_mb:
            con.execute(f"set memory_limit = '{max(memory_mb // 2, 128)}MB'")
        con.execute("set preserve_insertion_order = true")
        con.execute("set enable_progress_bar = false")
        if reuse_files:
            tick_keep = time.perf_counter()
            row_id = _next_row_id(con)
            _keep_reused(con, reuse_files)
            _add_seconds(report, "reuse feeds: keep", tick_keep)
        if prev:
            _add_seconds(report, "reuse feeds", tick)
        _load_reference(con, ref_dir)
        for t in C.TABLES:  # the feeds' raw tables are the side connection's (`_feed_side`)
            _create_raw(con, t)
        con.execute(f"create temp table {BAD_ENCODING_TABLE} (table_name varchar, _row_id bigint)")
        if not reuse_files:  # else the kept feed rows' quarantine is there already
            con.execute(
                """create table quarantine (batch_id varchar, table_name varchar, file varchar, line bigint,
                   month varchar, row_id bigint, reason_code varchar, message varchar, record json)"""
            )
        jobs = [(i, m, p, t) for i, (m, p, t) in enumerate(files) if str(p.relative_to(base)) not in reuse_files]
        mark("reuse check")
        # The department feeds are read and validated in a thread of their own, on a connection of their own, while
        # this one reads and validates the register: reading the register keeps about one core busy (a monthly batch
        # at province scale: 1.1 cores over its 50 s), and the feeds' work, DuckDB's and pyarrow's, runs without
        # Python's lock. Each side numbers its rows from its own start (FEED_ROW_IDS) and quarantines them under a
        # blank batch id, filled in once both are done and the batch's files are known.
        stop = threading.Event()
        side_con = con.cursor()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feeds") as side:
            feeding = side.submit(
                _feed_side,
                side_con,
                [j for j in jobs if j[3].cn in FEED_TABLES],
                base,
                row_id + FEED_ROW_IDS,
                shas,
                bool(reuse_files),
                stop,
            )

            def halt() -> None:  # between two register files: a feed file that failed stops the batch now
                if feeding.done() and feeding.exception() is not None:
                    feeding.result()

            try:
                register = _read_run(con, ahead, base, row_id, halt, note, len(files))
                if register.rows >= FEED_ROW_IDS:  # cannot happen below 200,000 files of Limits.max_rows rows
                    raise RuntimeError(f"{register.rows} register rows overlap the feeds' row ids")
                mark("read")
                for i, t in enumerate(C.TABLES):
                    halt()
                    note(0.6 + 0.25 * i / len(C.TABLES), f"校验 {t.cn}")
                    tick = time.perf_counter()
                    _validate_table(con, t, "")
                    register.seconds[f"validate {t.cn}"] = time.perf_counter() - tick
                mark("validate")
                note(0.85, "校验部门数据")
                feeds = feeding.result()
                mark("feeds wait")
            except BaseException:
                stop.set()
                side_con.interrupt()
                wait([feeding])
                raise
            finally:
                side_con.close()
        for part in (register, feeds):
            for key, seconds in part.seconds.items():
                report.detail_seconds[key] = round(report.detail_seconds.get(key, 0.0) + seconds, 2)
        read = {**register.reports, **feeds.reports}
        feed_keys: dict[str, str] = {}  # file → reuse key, kept in ingest_file for the next batch
        for i, (month, path, table) in enumerate(files):
            rel = str(path.relative_to(base))
            if rel in reuse_files:  # its rows are in the copy, under their row ids
                fr = _report_from_previous(prev[rel], rel, table, month, shas[path])
                feed_keys[rel] = prev[rel]["reuse_key"]
            else:
                fr = read[i]
                if table.cn in FEED_TABLES:
                    feed_keys[rel] = reuse_key(fr.sha256, version)
            digest.update(f"{rel}:{fr.sha256}\n".encode())
            report.files.append(fr)
        for fname in C.REFERENCE_FILES:  # reference data shapes the warehouse too (lists, thresholds)
            digest.update(f"reference/{fname}:{ref_shas[fname]}\n".encode())
        report.batch_id = digest.hexdigest()[:16]
        report.synthetic = provenance.is_synthetic(manifest, {f.file: f.sha256 for f in report.files})
        con.execute("update quarantine set batch_id = $b", {"b": report.batch_id})  # the kept rows' too
        keys = month_keys(report.files, version)
        tick = time.perf_counter()
        register_last = max((f.month for f in report.files if f.table == C.MEMBER.cn), default="1900-01")
        report.months_kept = _freeze_months(con, keys, register_last)
        _add_seconds(report, "reuse feeds", tick)
        note(0.87, "生成汇总表")
        for build_step in BUILD_STEPS:
            tick = time.perf_counter()
            _run_sql_file(con, SQL_DIR / f"{build_step}.sql")
            _add_seconds(report, f"build {build_step}", tick)
        mark("summaries")
        _count(con, report)
        _record_batch(con, report, manifest, feed_keys, keys, {str(p.relative_to(base)): k for p, k in stats.items()})
        con.execute("checkpoint")
        con.close()
        mark("finish")
        if dry_run:
            tmp.unlink(missing_ok=True)
        else:
            fd = os.open(tmp, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
            os.replace(tmp, db)  # the atomic swap
        report.ok = True
        note(1.0, "完成")
    except C.ContractError as exc:
        report.error = {
            "code": "contract",
            "file": exc.file,
            "column": exc.column,
            "line": exc.extra.get("line"),
            "message": str(exc),
            "message_cn": exc.cn or str(exc),
        }
    except Exception as exc:
        if not (
            isinstance(exc, MemoryError | duckdb.OutOfMemoryException)
            or looks_out_of_memory(str(exc), capped=bool(memory_mb))
        ):
            raise
        report.error = {
            "code": "out_of_memory",
            "file": None,
            "message": f"out of memory{f' (limit {memory_mb} MB)' if memory_mb else ''}: {type(exc).__name__}: "
            f"{exc}; nothing changed",
            "message_cn": out_of_memory_cn(memory_mb),
        }
    finally:
        if ahead is not None:
            ahead.close()  # idempotent: files still being read ahead when the batch stopped
        if con is not None:
            con.close()  # idempotent; frees DuckDB's memory before the report is written
        for leftover in (tmp, Path(f"{tmp}.wal")):
            if leftover.exists():
                leftover.unlink()
    report.seconds = round(time.perf_counter() - t0, 2)
    if report_path:
        report_path.write_text(report.to_json(), encoding="utf-8")
    return report


def _count(con: duckdb.DuckDBPyConnection, report: IngestReport) -> None:
    q = con.execute("select file, reason_code, count(*) from quarantine group by all order by all").fetchall()
    by_file: dict[str, dict[str, int]] = {}
    for f, reason, n in q:
        by_file.setdefault(f, {})[reason] = n
        report.quarantined_by_reason[reason] = report.quarantined_by_reason.get(reason, 0) + n
    for fr in report.files:
        fr.quarantined_by_reason = by_file.get(fr.file, {})
        fr.rows_quarantined = sum(fr.quarantined_by_reason.values())
        fr.rows_loaded = fr.rows_read - fr.rows_quarantined - fr.rows_skipped


def _record_batch(
    con: duckdb.DuckDBPyConnection,
    report: IngestReport,
    manifest: dict,
    feed_keys: dict[str, str] | None = None,
    month_keys: dict[str, str] | None = None,
    file_stats: dict[str, str] | None = None,
) -> None:
    pairs = sorted((month_keys or {}).items())
    con.execute("create table dept_month_key (month date, key varchar)")  # the next batch's `_freeze_months` reads it
    if pairs:
        con.executemany("insert into dept_month_key values (cast($1 || '-01' as date), $2)", pairs)
    con.execute(
        """create table ingest_batch as select $batch_id as batch_id, $source as source,
           cast($started as timestamptz) as started_at, $synthetic as synthetic, $months as months,
           $n_files as n_files, $read as rows_read, $loaded as rows_loaded, $quarantined as rows_quarantined,
           $skipped as rows_skipped, $manifest as manifest""",
        {
            "batch_id": report.batch_id,
            "source": report.source,
            "started": report.started_at,
            "synthetic": report.synthetic,
            "months": report.months,
            "n_files": len(report.files),
            "read": report.rows_read,
            "loaded": report.rows_loaded,
            "quarantined": report.rows_quarantined,
            "skipped": report.rows_skipped,
            "manifest": json.dumps(manifest, ensure_ascii=False),
        },
    )
    con.execute(
        """create table ingest_file (batch_id varchar, file varchar, table_name varchar, month varchar,
           format varchar, encoding varchar, header_line integer, sha256 varchar, rows_read bigint,
           rows_loaded bigint, rows_quarantined bigint, rows_skipped bigint, values_normalised bigint,
           reused boolean, reuse_key varchar, file_stat varchar, detail json)"""
    )
    keys = feed_keys or {}
    rows = [
        {
            "batch_id": report.batch_id,
            "file": f.file,
            "table_name": f.table,
            "month": f.month,
            "format": f.format,
            "encoding": f.encoding,
            "header_line": f.header_line,
            "sha256": f.sha256,
            "rows_read": f.rows_read,
            "rows_loaded": f.rows_loaded,
            "rows_quarantined": f.rows_quarantined,
            "rows_skipped": f.rows_skipped,
            "values_normalised": f.values_normalised,
            "reused": f.reused,
            "reuse_key": keys.get(f.file),
            "file_stat": (file_stats or {}).get(f.file),
            "detail": json.dumps(
                {
                    "unknown_columns": f.unknown_columns,
                    "skipped_by_kind": f.skipped_by_kind,
                    "normalised_by_kind": f.normalised_by_kind,
                    "examples": f.examples,
                },
                ensure_ascii=False,
            ),
        }
        for f in report.files
    ]
    # One statement (executemany spent ≈2 ms a row: 1 s for a batch's 526 files)
    files = pa.Table.from_pylist(rows, schema=_INGEST_FILE_SCHEMA)  # noqa: F841 — scanned below
    con.execute("insert into ingest_file by name select * replace (cast(detail as json) as detail) from files")


_INGEST_FILE_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("file", pa.string()),
        ("table_name", pa.string()),
        ("month", pa.string()),
        ("format", pa.string()),
        ("encoding", pa.string()),
        ("header_line", pa.int32()),
        ("sha256", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("rows_skipped", pa.int64()),
        ("values_normalised", pa.int64()),
        ("reused", pa.bool_()),
        ("reuse_key", pa.string()),
        ("file_stat", pa.string()),
        ("detail", pa.string()),
    ]
)


__all__ = ["DATE_EXPR", "FileReport", "IngestReport", "discover", "ingest"]
