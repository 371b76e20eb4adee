"""The audit log: every household-detail view and every export writes a row (who, when, scope,
filters, how many rows). SQLite next to the warehouse, because the warehouse is read-only."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from fupin.reference import PROJECT_ROOT
from fupin.scope import Viewer

DEFAULT_AUDIT = PROJECT_ROOT / "data" / "audit" / "audit.sqlite"

_SCHEMA = """create table if not exists audit (
    id integer primary key autoincrement,
    at text not null,
    viewer text not null,
    role text not null,
    scope text not null,
    action text not null,
    household_id text,
    filters text,
    row_count integer,
    unmasked integer not null default 0
)"""


def audit_path() -> Path:
    """FUPIN_AUDIT overrides data/audit/audit.sqlite."""
    return Path(os.environ.get("FUPIN_AUDIT", DEFAULT_AUDIT))


def _connect() -> sqlite3.Connection:
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(_SCHEMA)
    return con


def record(
    viewer: Viewer,
    action: str,
    *,
    household_id: str | None = None,
    filters: dict | None = None,
    row_count: int | None = None,
    unmasked: bool = False,
) -> None:
    """Append one audit row. Actions: 'household_detail', 'export_xlsx'."""
    with _connect() as con:
        con.execute(
            "insert into audit (at, viewer, role, scope, action, household_id, filters, row_count, unmasked) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                viewer.name, viewer.role, f"{viewer.scope_level}:{viewer.scope_code}", action, household_id,
                json.dumps(filters or {}, ensure_ascii=False, default=str), row_count, int(unmasked),
            ),
        )  # fmt: skip


def sign_in_event(username: str, action: str, viewer: Viewer | None = None) -> None:
    """'login', 'login_failed' (no viewer: the name typed), 'logout', 'login_locked'."""
    with _connect() as con:
        con.execute(
            "insert into audit (at, viewer, role, scope, action, filters) values (?, ?, ?, ?, ?, ?)",
            (
                dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                viewer.name if viewer else username[:64], viewer.role if viewer else "-",
                f"{viewer.scope_level}:{viewer.scope_code}" if viewer else "-", action,
                json.dumps({"username": username[:64]}, ensure_ascii=False),
            ),
        )  # fmt: skip


def rows(limit: int = 100) -> list[dict]:
    """The latest audit rows, newest first."""
    with _connect() as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("select * from audit order by id desc limit ?", (limit,))]


def search(
    *,
    viewer: str = "",
    actions: list[str] | None = None,
    household_id: str = "",
    since: str = "",
    until: str = "",
    limit: int = 1000,
) -> tuple[list[dict], dict[str, int]]:
    """Audit rows matching the filters (newest first, at most `limit`) and how many match per action.

    `since` / `until` are ISO dates (inclusive); `viewer` matches part of the name.
    """
    where, args = ["1=1"], []
    if viewer:
        where.append("instr(viewer, ?) > 0")
        args.append(viewer)
    if actions:
        where.append(f"action in ({','.join('?' * len(actions))})")
        args += actions
    if household_id:
        where.append("household_id = ?")
        args.append(household_id)
    if since:
        where.append("substr(at, 1, 10) >= ?")
        args.append(since)
    if until:
        where.append("substr(at, 1, 10) <= ?")
        args.append(until)
    cond = " and ".join(where)  # fixed fragments with ? placeholders; every value is bound
    with _connect() as con:
        con.row_factory = sqlite3.Row
        counts = dict(con.execute(f"select action, count(*) from audit where {cond} group by action", args).fetchall())
        found = con.execute(f"select * from audit where {cond} order by id desc limit ?", [*args, limit])
        return [dict(r) for r in found], counts
