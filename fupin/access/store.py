"""The transactional store: what people write — the audit log, sign-in attempts and lockouts, sessions
and their revocation, and the work loop (督办事项, fupin/work). The warehouse stays read-only DuckDB.

- **SQLite (WAL)** at ``data/store/store.sqlite`` is the embedded default (``FUPIN_STORE`` names another
  file). **PostgreSQL** when ``FUPIN_STORE_URL`` is set
  (``postgresql+psycopg://user@host/db``) — for several app processes or hosts.
- One code path: SQLAlchemy Core with ``text()`` statements written for both dialects; the schema is a
  list of versioned migrations applied once, under a lock (PostgreSQL advisory lock / SQLite write lock).
- SQLite write transactions (``tx()``) begin ``IMMEDIATE`` (a writer waits for the lock instead of failing on
  upgrade); page reads use ``read()`` (deferred, ``query_only``; PostgreSQL ``READ ONLY``) and never queue behind it;
  the file and its WAL are created owner-only (0600).
- A store that disappeared and came back empty is noticed: its id is anchored in the key folder
  (outside ``data/``), and a new store where an anchor names another id records ``store_recreated``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fupin.core.reference import PROJECT_ROOT

DEFAULT_STORE = PROJECT_ROOT / "data" / "store" / "store.sqlite"


class StoreError(Exception):
    """The store cannot be opened or written (Chinese message, shown in the UI)."""


def store_url() -> str:
    if url := os.environ.get("FUPIN_STORE_URL"):
        return url
    return f"sqlite:///{sqlite_path()}"


def sqlite_path() -> Path:
    return Path(os.environ.get("FUPIN_STORE") or DEFAULT_STORE)


def describe() -> str:
    """Where the store is, for people (no password)."""
    url = sa.engine.make_url(store_url())
    return (
        f"SQLite {url.database}"
        if url.get_backend_name() == "sqlite"
        else f"PostgreSQL {url.host or ''}/{url.database}"
    )


# ------------------------------------------------------------------------------------ schema

# (version, statements). `{id}` is the dialect's auto-increment primary key.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """create table audit (
                id {id},
                at text not null,
                account text,
                viewer text not null,
                role text not null,
                scope text not null,
                action text not null,
                household_id text,
                filters text,
                row_count integer,
                unmasked integer not null default 0,
                verified integer not null default 1,
                chain text not null
            )""",
            "create index audit_action on audit (action)",
            "create index audit_at on audit (at)",
            """create table login_attempt (
                id {id},
                at double precision not null,
                username text not null,
                client text not null,
                ok integer not null
            )""",
            "create index login_attempt_user on login_attempt (username, at)",
            "create index login_attempt_client on login_attempt (client, at)",
            """create table auth_session (
                sid text primary key,
                username text not null,
                created_at double precision not null,
                expires_at double precision not null,
                revoked_at double precision
            )""",
            "create index auth_session_user on auth_session (username)",
            """create table cookie_nonce (
                nonce text primary key,
                token text not null,
                expires_at double precision not null
            )""",
            "create table store_meta (key text primary key, value text not null)",
        ],
    ),
    (
        2,  # the work loop (督办事项): fupin/work
        [
            """create table work_item (
                id {id},
                finding_key text not null unique,
                kind text not null,
                county_code text not null,
                township_code text,
                village_code text,
                household_id text,
                record_id text,
                title text not null,
                detail text,
                state text not null,
                raised_month text not null,
                raised_on text not null,
                verify_by text not null,
                deadline text not null,
                last_seen_month text not null,
                data_cleared_month text,
                responded_on text,
                closed_on text,
                reopen_count integer not null default 0,
                updated_at text not null,
                updated_by text not null,
                version integer not null default 1
            )""",
            "create index work_item_county on work_item (county_code, state)",
            "create index work_item_state on work_item (state, deadline)",
            """create table work_event (
                id {id},
                item_id bigint not null,
                at text not null,
                on_day text not null,
                actor text not null,
                role text not null,
                scope text not null,
                action text not null,
                from_state text,
                to_state text not null,
                note text,
                measures text,
                attachment_id bigint
            )""",
            "create index work_event_item on work_event (item_id, id)",
            """create table work_attachment (
                id {id},
                item_id bigint not null,
                stored_name text not null unique,
                original_name text not null,
                mime text not null,
                size integer not null,
                sha256 text not null,
                at text not null,
                actor text not null
            )""",
            """create table work_sync (
                month text primary key,
                batch text not null,
                at text not null,
                raised integer not null,
                reopened integer not null,
                cleared integer not null
            )""",
        ],
    ),
    # 督办 aggregates look up the items ever returned (action = 'return') without scanning every event
    (3, ["create index work_event_action on work_event (action, item_id)"]),
    # A state and a county range in one index: without it SQLite answers "closed items of one county" from the state
    # index alone (every closed item of the province, 0.2 s; the county index serves the range, not the state)
    (4, ["create index work_item_state_county on work_item (state, county_code)"]),
]


def _ddl(stmt: str, dialect: str) -> str:
    pk = (
        "integer primary key autoincrement"
        if dialect == "sqlite"
        else "bigint generated by default as identity primary key"
    )
    return stmt.replace("{id}", pk)


# ------------------------------------------------------------------------------------ engine

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_engine(url: str) -> Engine:
    path = Path(sa.engine.make_url(url).database or "")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # SQLite's WAL and SHM follow this mode
        if not path.is_file():
            raise StoreError(f"存储路径不是文件：{path}")
    except OSError as exc:
        raise StoreError(f"无法创建存储文件 {path}（{exc.strerror or exc}）") from exc
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_con, _record) -> None:
        dbapi_con.isolation_level = None  # we issue BEGIN ourselves
        dbapi_con.execute("pragma journal_mode = wal")
        dbapi_con.execute("pragma busy_timeout = 30000")
        dbapi_con.execute("pragma synchronous = normal")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:  # readers (read()) never take the write lock: WAL lets them run beside it
        conn.exec_driver_sql("begin" if conn.get_execution_options().get("fupin_read") else "begin immediate")

    return engine


def engine() -> Engine:
    """The engine for the configured store, migrated (one per URL per process)."""
    url = store_url()
    with _engines_lock:
        eng = _engines.get(url)
        if eng is None:
            try:
                if url.startswith("sqlite"):
                    eng = _sqlite_engine(url)
                else:
                    eng = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
                _migrate(eng)
            except StoreError:
                raise
            except (sa.exc.SQLAlchemyError, OSError) as exc:
                raise StoreError(f"无法打开数据存储（{describe()}）：{type(exc).__name__}") from exc
            _engines[url] = eng
    return eng


def reset() -> None:
    """Forget cached engines (tests switch stores between cases)."""
    with _engines_lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


@contextmanager
def tx() -> Iterator[Connection]:
    """One transaction (commit on success, rollback on error); SQLite: BEGIN IMMEDIATE."""
    try:
        with engine().begin() as conn:
            yield conn
    except sa.exc.OperationalError as exc:
        raise StoreError(f"数据存储暂时无法写入（{describe()}）：{exc.orig}") from exc


@contextmanager
def read() -> Iterator[Connection]:
    """A read-only transaction: SQLite BEGIN DEFERRED (with WAL a reader neither waits for nor blocks the one
    writer — BEGIN IMMEDIATE on every page's reads queued them all behind each sign-in and transition at province
    scale), PostgreSQL READ ONLY. A write inside it fails."""
    try:
        with engine().connect() as conn:
            conn.execution_options(fupin_read=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("set transaction read only")
                else:
                    conn.exec_driver_sql("pragma query_only = on")
                try:
                    yield conn
                finally:
                    if conn.dialect.name == "sqlite":
                        conn.exec_driver_sql("pragma query_only = off")
    except sa.exc.OperationalError as exc:
        raise StoreError(f"数据存储暂时无法读取（{describe()}）：{exc.orig}") from exc


def _migrate(eng: Engine) -> None:
    dialect = eng.dialect.name
    with eng.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text("select pg_advisory_xact_lock(20200305)"))
        conn.execute(
            sa.text("create table if not exists schema_version (version integer primary key, applied_at text)")
        )
        done = {r[0] for r in conn.execute(sa.text("select version from schema_version"))}
        fresh = not done
        for version, stmts in MIGRATIONS:
            if version in done:
                continue
            for stmt in stmts:
                conn.execute(sa.text(_ddl(stmt, dialect)))
            conn.execute(
                sa.text("insert into schema_version (version, applied_at) values (:v, :at)"),
                {"v": version, "at": time.strftime("%Y-%m-%dT%H:%M:%S")},
            )
        if fresh:  # the audit head exists from the start, so the first writers already lock it
            conn.execute(
                sa.text("insert into store_meta (key, value) values ('store_id', :v), ('audit_head', :h)"),
                {"v": secrets.token_hex(8), "h": json.dumps([0, "0" * 64])},
            )
    _check_anchor(eng)


# ------------------------------------------------------------------------------------ anchor


def _anchor_path() -> Path:
    from fupin.access.keys import key_dir

    digest = hashlib.sha256(store_url().encode()).hexdigest()[:12]
    return key_dir() / f"store-anchor-{digest}.json"


def _check_anchor(eng: Engine) -> None:
    """Compare the store's id with the one anchored outside data/; note a store that was replaced."""
    with eng.begin() as conn:
        store_id = conn.execute(sa.text("select value from store_meta where key = 'store_id'")).scalar_one()
    path = _anchor_path()
    try:
        known = json.loads(path.read_text(encoding="utf-8")).get("store_id") if path.exists() else None
    except (OSError, ValueError):
        known = "unreadable"
    if known == store_id:
        return
    if known is not None:
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "insert into store_meta (key, value) values ('integrity_alert', :v) "
                    "on conflict (key) do update set value = excluded.value"
                ),
                {"v": json.dumps({"previous_store_id": known, "noticed_at": time.strftime("%Y-%m-%d %H:%M:%S")})},
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"store_id": store_id, "url": describe()}), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        pass  # the anchor is a tripwire, not a requirement


def meta(key: str) -> str | None:
    with read() as conn:
        return conn.execute(sa.text("select value from store_meta where key = :k"), {"k": key}).scalar_one_or_none()
