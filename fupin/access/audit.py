"""The audit log: every sign-in, household-detail view, unmasked list and export writes a row (which
account, when, scope, filters, how many rows). It lives in the transactional store (fupin/access/store.py).

Rows are chained: each row's ``chain`` is an HMAC (installation key ``audit.key``, kept outside
``data/``) over the previous row's chain and this row's values, and the newest chain with the row
count is kept in ``store_meta``. `verify()` recomputes the chain, so an edited, deleted or truncated
log — or a store that was deleted and came back empty — is reported to the administrator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import sqlalchemy as sa

from fupin.access import store
from fupin.access.keys import load_key
from fupin.access.scope import Viewer

GENESIS = "0" * 64
_FIELDS = (
    "at",
    "account",
    "viewer",
    "role",
    "scope",
    "action",
    "household_id",
    "filters",
    "row_count",
    "unmasked",
    "verified",
)


def audit_path():
    return store.describe()


def _chain(key: bytes, prev: str, row: dict) -> str:
    body = json.dumps([prev, *[row.get(f) for f in _FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _append(row: dict, conn: sa.Connection | None = None) -> None:
    """Append a row to the chain, in `conn`'s transaction when given (the row commits with the change it
    records), else in a transaction of its own."""
    if conn is None:
        with store.tx() as own:
            _append(row, own)
        return
    key = load_key("audit")
    head_sql = "select value from store_meta where key = 'audit_head'"
    if conn.dialect.name == "postgresql":
        head_sql += " for update"
    head = conn.execute(sa.text(head_sql)).scalar_one_or_none()
    n, prev = json.loads(head) if head else (0, GENESIS)
    row = {**row, "chain": _chain(key, prev, row)}
    cols = ", ".join([*_FIELDS, "chain"])
    conn.execute(sa.text(f"insert into audit ({cols}) values ({', '.join(':' + c for c in [*_FIELDS, 'chain'])})"), row)
    conn.execute(
        sa.text(
            "insert into store_meta (key, value) values ('audit_head', :v) "
            "on conflict (key) do update set value = excluded.value"
        ),
        {"v": json.dumps([n + 1, row["chain"]])},
    )


def _scope(viewer: Viewer) -> str:
    return f"{viewer.scope_level}:{viewer.scope_code}"


def record(
    viewer: Viewer,
    action: str,
    *,
    household_id: str | None = None,
    filters: dict | None = None,
    row_count: int | None = None,
    unmasked: bool = False,
    conn: sa.Connection | None = None,
) -> None:
    """Append one audit row for a signed-in viewer (the account is the viewer's username); with `conn`,
    inside that store transaction."""
    _append(
        {
            "at": _now(),
            "account": viewer.username or None,
            "viewer": viewer.name,
            "role": viewer.role,
            "scope": _scope(viewer),
            "action": action,
            "household_id": household_id,
            "filters": json.dumps(filters or {}, ensure_ascii=False, default=str),
            "row_count": row_count,
            "unmasked": int(unmasked),
            "verified": 1,
        },
        conn,
    )


def sign_in_event(username: str, action: str, viewer: Viewer | None = None, *, client: str = "") -> None:
    """'login', 'logout' (a verified account) or 'login_failed', 'login_locked' (a name someone typed:
    stored as unverified, never as an account)."""
    typed = username[:64]
    _append(
        {
            "at": _now(),
            "account": (viewer.username or typed) if viewer else None,
            "viewer": viewer.name if viewer else f"（未验证）{typed}",
            "role": viewer.role if viewer else "-",
            "scope": _scope(viewer) if viewer else "-",
            "action": action,
            "household_id": None,
            "filters": json.dumps({"username": typed, "client": client[:64]}, ensure_ascii=False),
            "row_count": None,
            "unmasked": 0,
            "verified": 1 if viewer else 0,
        }
    )


def rows(limit: int = 100) -> list[dict]:
    """The latest audit rows, newest first."""
    with store.read() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(sa.text("select * from audit order by id desc limit :n"), {"n": limit})
        ]


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

    `since` / `until` are ISO dates (inclusive); `viewer` matches part of the name or the account.
    """
    where, args = ["1=1"], {}
    if viewer:
        where.append("(strpos(viewer, :viewer) > 0 or strpos(coalesce(account, ''), :viewer) > 0)")
        args["viewer"] = viewer
    if actions:
        names = {f"a{i}": a for i, a in enumerate(actions)}
        where.append(f"action in ({', '.join(':' + k for k in names)})")
        args |= names
    if household_id:
        where.append("household_id = :hid")
        args["hid"] = household_id
    if since:
        where.append("substr(at, 1, 10) >= :since")
        args["since"] = since
    if until:
        where.append("substr(at, 1, 10) <= :until")
        args["until"] = until
    cond = " and ".join(where)  # fixed fragments with bound parameters; every value is bound
    with store.read() as conn:
        if conn.dialect.name == "sqlite":
            cond = cond.replace("strpos(", "instr(")
        counts = {
            a: int(n)
            for a, n in conn.execute(sa.text(f"select action, count(*) from audit where {cond} group by action"), args)
        }
        found = conn.execute(
            sa.text(f"select * from audit where {cond} order by id desc limit :limit"), {**args, "limit": limit}
        )
        return [dict(r._mapping) for r in found], counts


def verify() -> list[str]:
    """Problems with the log's integrity, in Chinese (empty: the chain and its head agree)."""
    problems = []
    key = load_key("audit")
    with store.read() as conn:
        alert = conn.execute(sa.text("select value from store_meta where key = 'integrity_alert'")).scalar_one_or_none()
        head = conn.execute(sa.text("select value from store_meta where key = 'audit_head'")).scalar_one_or_none()
        result = conn.execute(sa.text(f"select id, chain, {', '.join(_FIELDS)} from audit order by id"))
        prev, n, first_bad = GENESIS, 0, None
        for r in result:
            row = dict(r._mapping)
            n += 1
            if first_bad is None and not hmac.compare_digest(_chain(key, prev, row), row["chain"]):
                first_bad = row["id"]
            prev = row["chain"]
    if alert:
        info = json.loads(alert)
        problems.append(f"数据存储曾被删除或替换（{info.get('noticed_at', '')} 发现）：此前的审计记录已不在本库中。")
    if first_bad is not None:
        problems.append(f"审计记录第 {first_bad} 条起被修改或删除（校验链不一致）。")
    if head:
        count, last = json.loads(head)
        if count != n or last != prev:
            problems.append(f"审计记录条数与校验记录不符（应有 {count:,} 条，实有 {n:,} 条）：记录可能被截断或删除。")
    else:
        problems.append("审计校验记录缺失：记录可能被篡改。")
    return problems
