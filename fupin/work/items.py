"""督办事项: states, who may move an item where, transitions, and reads — all scoped by the viewer.

    待核查 ─开始核查→ 核查中 ─反馈→ 已反馈 ─审核销号→ 已销号
       └──────────反馈──────────↗      └─退回→ 退回 ─反馈/开始核查→ …

- County users act on their county's items (开始核查, 反馈 with what was found on the spot and the measures
  taken); city users review their counties' responses (销号 or 退回 with the reason); the province reviews all,
  may close an item directly (e.g. the data show the risk eliminated) and sets deadlines. Analysts and the
  meeting screen read only (the meeting screen: aggregates only).
- Every change is one store transaction: the item's row (guarded by its `version`, so two people answering
  the same item cannot overwrite each other), an event row and an audit row.
- Overdue is derived, never stored: with the county (待核查/核查中/退回) and past the deadline on `today()`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from fupin.access import audit, store
from fupin.access.scope import Viewer, allows, scope_prefix
from fupin.work.rules import settings

STATES: dict[str, str] = {
    "open": "待核查",
    "verifying": "核查中",
    "returned": "退回",
    "responded": "已反馈",
    "closed": "已销号",
}
WITH_COUNTY = ("open", "verifying", "returned")  # the county must act; these can be overdue
NOTE_MAX = 2000


@dataclass(frozen=True)
class Action:
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    note: str = ""  # the note's label when the action needs one


ACTIONS: dict[str, Action] = {
    "start": Action("开始核查", ("open", "returned"), "verifying", ("county",)),
    "respond": Action("反馈办理情况", WITH_COUNTY, "responded", ("county",), "实地核查情况和已采取的措施"),
    "close": Action("审核销号", ("responded",), "closed", ("city", "province_admin")),
    "return": Action("退回", ("responded",), "returned", ("city", "province_admin"), "退回原因"),
    "close_direct": Action("直接销号", WITH_COUNTY, "closed", ("province_admin",), "销号依据"),
}


class WorkError(Exception):
    """A refused action (Chinese message for the page)."""


class Conflict(WorkError):
    """Someone else changed the item first (optimistic version check)."""


# ---------------------------------------------------------------------------------- the clock


def demo_clock() -> bool:
    """Is the loop on a demo calendar (a synthetic store seeded by fupin/work/demo.py)?"""
    return store.meta("work_today") is not None


def today() -> dt.date:
    """The loop's today: the real date, or the demo clock a synthetic store was seeded with (fupin/work/demo.py)."""
    demo = _store_state()[2]
    return dt.date.fromisoformat(demo) if demo else dt.date.today()


def raised_on(month: str) -> dt.date:
    """A month's data reach the province by the `data_lag_days`-th of the next month: items are raised then."""
    y, m = int(month[:4]), int(month[5:7])
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.date(y, m, settings().data_lag_days)


# ---------------------------------------------------------------------------------- reads


def _code_range(prefix: str) -> tuple[str, str]:
    """[lo, hi) holding exactly the digit codes that start with `prefix`: "3412" → ("3412", "3413"), "3419" →
    ("3419", "342"). A range lets SQLite and PostgreSQL use the county index; LIKE with a bound pattern scans every
    item (≈0.1 s a query on a province's 590 k). Digits sort before letters in every collation, hence "A"."""
    head = prefix.rstrip("9")
    return prefix, (head[:-1] + str(int(head[-1]) + 1)) if head else "A"


def _prefix_args(prefix: str, name: str = "prefix") -> dict:
    """The bound values of _in_scope(name=…): the LIKE pattern and the [lo, hi) range of the codes under `prefix`."""
    lo, hi = _code_range(prefix)
    return {name: prefix + "%", f"{name}_lo": lo, f"{name}_hi": hi}


def _scope_args(viewer: Viewer) -> dict:
    return _prefix_args(scope_prefix(viewer))


def _in_scope(col: str = "county_code", name: str = "prefix") -> str:
    """The scope (or, with name="area", an area) condition on `col`: the LIKE says what is meant, the range is what
    the index serves (values from _prefix_args)."""
    return f"({col} like :{name} and {col} >= :{name}_lo and {col} < :{name}_hi)"


def get(viewer: Viewer, item_id: int) -> dict | None:
    """One item, or None when it does not exist or lies outside the viewer's scope."""
    with store.read() as conn:
        row = conn.execute(sa.text("select * from work_item where id = :id"), {"id": int(item_id)}).first()
    if row is None or not allows(viewer, row.county_code):
        return None
    return dict(row._mapping)


def events(viewer: Viewer, item_id: int) -> list[dict]:
    if get(viewer, item_id) is None:
        return []
    with store.read() as conn:
        rows = conn.execute(sa.text("select * from work_event where item_id = :id order by id"), {"id": int(item_id)})
        return [dict(r._mapping) for r in rows]


def _filters(
    viewer: Viewer, area: str, states: tuple[str, ...], kinds: tuple[str, ...], town: str, overdue_only: bool
) -> tuple[str, dict]:
    where, args = [_in_scope()], _scope_args(viewer)
    if area:
        where.append(_in_scope(name="area"))
        args |= _prefix_args(area, "area")
    if town:
        where.append("township_code = :town")
        args["town"] = town
    for name, values in (("state", states), ("kind", kinds)):
        if values:
            keys = {f"{name}{i}": v for i, v in enumerate(values)}
            where.append(f"{name} in ({', '.join(':' + k for k in keys)})")
            args |= keys
    args["today"] = today().isoformat()
    if overdue_only:
        where.append(_OVERDUE)
    return " and ".join(where), args


_OVERDUE = "(state in ('open', 'verifying', 'returned') and deadline < :today)"


def items(
    viewer: Viewer,
    *,
    area: str = "",
    states: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    town: str = "",
    overdue_only: bool = False,
    limit: int = 2000,
) -> pd.DataFrame:
    """Items in scope (optionally under an area code prefix, of states, kinds, a township), overdue first, then
    by deadline; at most `limit` rows, with `overdue` and `days_left` on today() and `total`, how many match
    before the limit (one query); kept per store version (a change to any item shows on the next run)."""
    picked = (area, states, kinds, town, overdue_only, limit)
    return _aggregate(f"items:{picked!r}", viewer, lambda: _items(viewer, *picked))  # type: ignore[return-value]


def _items(
    viewer: Viewer, area: str, states: tuple, kinds: tuple, town: str, overdue_only: bool, limit: int
) -> pd.DataFrame:
    cond, args = _filters(viewer, area, states, kinds, town, overdue_only)
    sql = (  # cond: fixed fragments, every value bound
        f"select *, count(*) over () as total from work_item where {cond} "
        f"order by case when {_OVERDUE} then 0 else 1 end, deadline, id limit :limit"
    )
    with store.read() as conn:
        df = pd.read_sql_query(sa.text(sql), conn, params={**args, "limit": limit})
    return _with_clock(df, today())


def townships(viewer: Viewer, area: str) -> list[str]:
    """Township codes with items not yet closed, under an area code prefix, in scope; kept per store version."""
    return _aggregate(f"townships:{area}", viewer, lambda: _townships(viewer, area))  # type: ignore[return-value]


def _townships(viewer: Viewer, area: str) -> list[str]:
    cond, args = _filters(viewer, area, (), (), "", False)
    sql = f"select distinct township_code from work_item where {cond} and state <> 'closed' order by 1"
    with store.read() as conn:
        return [t for t in conn.execute(sa.text(sql), args).scalars() if t]


def open_counts(viewer: Viewer, *, area: str = "") -> dict[str, int]:
    """With the county, overdue, due within 7 days, and responded (awaiting review), in scope (and area); kept per
    store version like the aggregates below (总览's 督办 tile asks on every run)."""
    return _aggregate(f"open_counts:{area}", viewer, lambda: _open_counts(viewer, area))  # type: ignore[return-value]


def _open_counts(viewer: Viewer, area: str) -> dict[str, int]:
    cond, args = _filters(viewer, area, (), (), "", False)
    week = (today() + dt.timedelta(days=7)).isoformat()
    sql = f"""
        select
            sum(case when state in ('open', 'verifying', 'returned') then 1 else 0 end),
            sum(case when {_OVERDUE} then 1 else 0 end),
            sum(case when state in ('open', 'verifying', 'returned') and deadline >= :today and deadline <= :week
                then 1 else 0 end),
            sum(case when state = 'responded' then 1 else 0 end)
        from work_item where {cond} and state <> 'closed'
    """
    with store.read() as conn:
        row = conn.execute(sa.text(sql), {**args, "week": week}).one()
    return dict(zip(("with_county", "overdue", "due_week", "responded"), (int(x or 0) for x in row), strict=True))


def _with_clock(df: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    deadline = pd.to_datetime(df["deadline"])
    df["days_left"] = (deadline - pd.Timestamp(on)).dt.days
    df["overdue"] = df["state"].isin(WITH_COUNTY) & (df["days_left"] < 0)
    return df


# The scope-wide aggregates (督办总览, 月核查's 督办 section, the 季通报's loop) and the workbench's lists and
# counts scan items and events in scope — ≈1.2 s for a province's 590 k items and 2.6 M events on SQLite. They
# are kept per process, keyed by the store's version and the loop's today. The version is a counter in store_meta
# that every transaction changing an item increments (bump_version: each action, each sync, the demo's seeding) —
# a row every writer updates, so it is exact under PostgreSQL's concurrent commits too (a max(event id) is not: an
# older id can commit after a newer one). AGGREGATE_TTL_S only bounds what an edit made outside the app could
# leave unseen.
AGGREGATE_TTL_S = 600.0
_AGGREGATE_MAX = 1024
_aggregates: OrderedDict[tuple, tuple[float, pd.DataFrame | pd.Series | dict | list]] = OrderedDict()
_aggregates_lock = threading.Lock()


def bump_version(conn: sa.Connection) -> None:
    """Count a change to the items in the store's version (in the writer's transaction)."""
    forget_state()
    conn.execute(
        sa.text(
            "insert into store_meta (key, value) values ('work_sync_seq', '1') on conflict (key) do update "
            "set value = cast(cast(store_meta.value as integer) + 1 as text)"
        )
    )


STATE_TTL_S = 1.0  # how long a process trusts its last look at the store's version and demo clock
_state: dict[str, tuple[float, tuple[int, str, str | None]]] = {}


def forget_state() -> None:
    """The next look reads the store (after this process wrote to it)."""
    _state.clear()


def _store_state() -> tuple[int, str, str | None]:
    """(newest event id, change counter, demo clock) in one read, at most once a second per process and store:
    every 督办 aggregate and every page's today() asked for them, a store connection each. A change made in this
    process is seen at once (forget_state), one made in another process within a second."""
    url, now = store.store_url(), time.monotonic()
    hit = _state.get(url)
    if hit is not None and now - hit[0] < STATE_TTL_S:
        return hit[1]
    with store.read() as conn:
        event = conn.execute(sa.text("select coalesce(max(id), 0) from work_event")).scalar_one()
        rows = dict(
            conn.execute(
                sa.text("select key, value from store_meta where key in ('work_sync_seq', 'work_today')")
            ).all()
        )
    value = (int(event), rows.get("work_sync_seq") or "0", rows.get("work_today"))
    _state[url] = (now, value)
    return value


def store_version() -> tuple:
    """What changes whenever an item does: the change counter (and the newest event id; two index lookups)."""
    event, synced, _ = _store_state()
    return event, synced


def _aggregate(
    name: str, viewer: Viewer, compute: Callable[[], pd.DataFrame | pd.Series | dict | list]
) -> pd.DataFrame | pd.Series | dict | list:
    """compute(), or its copy from an earlier run on the same store version, scope and day."""
    key = (name, store.store_url(), tuple(sorted(_scope_args(viewer).items())), store_version(), today().isoformat())
    now = time.monotonic()
    with _aggregates_lock:
        hit = _aggregates.get(key)
        if hit is not None:
            _aggregates.move_to_end(key)
    if hit is not None and now - hit[0] < AGGREGATE_TTL_S:
        return hit[1].copy()
    value = compute()
    with _aggregates_lock:
        _aggregates[key] = (now, value)
        while len(_aggregates) > _AGGREGATE_MAX:
            _aggregates.popitem(last=False)  # the least recently read
    return value.copy()


def county_summary(viewer: Viewer) -> pd.DataFrame:
    """Per county in scope: raised, open, overdue (and escalated), responded, closed, closed on time, returned
    at least once, median days to close — computed in the store (no item rows leave it); kept per store version."""
    return _aggregate("county_summary", viewer, lambda: _county_summary(viewer))  # type: ignore[return-value]


def _county_summary(viewer: Viewer) -> pd.DataFrame:
    on = today()
    esc = (on - dt.timedelta(days=settings().escalate_overdue_days)).isoformat()
    sql = f"""
        select
            i.county_code,
            count(*) as raised,
            sum(case when i.state in ('open', 'verifying', 'returned') then 1 else 0 end) as with_county,
            sum(case when i.state in ('open', 'verifying', 'returned') and i.deadline < :today then 1 else 0 end)
                as overdue,
            sum(case when i.state in ('open', 'verifying', 'returned') and i.deadline < :esc then 1 else 0 end)
                as escalated,
            sum(case when i.state = 'responded' then 1 else 0 end) as responded,
            sum(case when i.state = 'closed' then 1 else 0 end) as closed,
            sum(case when i.state = 'closed' and i.responded_on <= i.deadline then 1 else 0 end) as closed_on_time,
            sum(case when r.item_id is not null then 1 else 0 end) as returned_ever,
            sum(case when i.data_cleared_month is not null and i.state <> 'closed' then 1 else 0 end)
                as cleared_by_data
        from work_item i
        left join (select distinct item_id from work_event where action = 'return') r on r.item_id = i.id
        where {_in_scope("i.county_code")}
        group by i.county_code
        order by i.county_code
    """
    with store.read() as conn:
        df = pd.read_sql_query(sa.text(sql), conn, params={**_scope_args(viewer), "today": on.isoformat(), "esc": esc})
    s = settings()
    df["interview"] = (df["overdue"] >= s.interview_overdue_items) | (
        (df["overdue"] >= s.interview_min_items)
        & (df["overdue"] >= s.interview_overdue_share * df["with_county"].clip(lower=1))
    )
    return df


def closure_days(viewer: Viewer) -> pd.Series:
    """How many closed items in scope took each number of days from raising to closure (index: days, sorted), for
    the distribution; kept per store version."""
    return _aggregate("closure_days", viewer, lambda: _closure_days(viewer))  # type: ignore[return-value]


def _closure_days(viewer: Viewer) -> pd.Series:
    # Counted per (raised, closed) pair in the store: a province has ≈ 10⁵–10⁶ closed items but a few thousand pairs
    # of dates, and fetching every row took 2 s.
    sql = f"""
        select raised_on, closed_on, count(*) as n from work_item
        where state = 'closed' and {_in_scope()}
        group by raised_on, closed_on
    """
    with store.read() as conn:
        df = pd.read_sql_query(sa.text(sql), conn, params=_scope_args(viewer))
    days = (pd.to_datetime(df["closed_on"]) - pd.to_datetime(df["raised_on"])).dt.days
    return df["n"].groupby(days.rename("days")).sum().sort_index().astype(int).rename("items")


def monthly(viewer: Viewer) -> pd.DataFrame:
    """Items raised (or re-opened) and closed per month in scope, from the events; kept per store version."""
    return _aggregate("monthly", viewer, lambda: _monthly(viewer))  # type: ignore[return-value]


def _monthly(viewer: Viewer) -> pd.DataFrame:
    # A city's or a county's items first, then their events by item (SQLite keeps a CROSS JOIN's order; PostgreSQL
    # plans it as an inner join): 0.36 → 0.12 s for a county of 33 k items. The province reads the events by action.
    tables = "work_item i cross join work_event e" if viewer.scope_level != "province" else "work_event e, work_item i"
    sql = f"""
        select substr(e.on_day, 1, 7) as month, e.action, count(*) as n
        from {tables}
        where e.item_id = i.id and {_in_scope("i.county_code")}
            and e.action in ('raise', 'reopen', 'close', 'close_direct')
        group by substr(e.on_day, 1, 7), e.action
        order by 1
    """
    with store.read() as conn:
        return pd.read_sql_query(sa.text(sql), conn, params=_scope_args(viewer))


# ---------------------------------------------------------------------------------- changes


def allowed_actions(viewer: Viewer, item: dict) -> list[str]:
    """What this viewer may do with this item now (empty when nothing)."""
    if not allows(viewer, item["county_code"]):
        return []
    return [name for name, a in ACTIONS.items() if viewer.role in a.roles and item["state"] in a.sources]


def act(
    viewer: Viewer,
    item_id: int,
    action: str,
    *,
    version: int,
    note: str = "",
    measures: tuple[str, ...] = (),
    attachment_id: int | None = None,
    on: dt.date | None = None,
) -> dict:
    """Apply `action` to the item if the viewer may, the state allows it and nobody changed it since `version`
    was read; record the event and an audit row in the same transaction. Returns the updated item."""
    a = ACTIONS.get(action)
    if a is None:
        raise WorkError("未知的操作。")
    note = (note or "").strip()
    if a.note and not note:
        raise WorkError(f"请填写{a.note}。")
    if len(note) > NOTE_MAX:
        raise WorkError(f"{a.note or '说明'}不能超过 {NOTE_MAX} 字。")
    day = on or today()
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    with store.tx() as conn:
        row = conn.execute(sa.text("select * from work_item where id = :id"), {"id": int(item_id)}).first()
        if row is None or not allows(viewer, row.county_code):
            raise WorkError("该督办事项不存在或不在您的管辖范围内。")
        if viewer.role not in a.roles:
            raise WorkError(f"您的角色不能执行「{a.label}」。")
        if row.version != version:
            raise Conflict(
                f"该事项已被 {row.updated_by} 于 {row.updated_at[:16].replace('T', ' ')} 更新"
                f"（当前状态：{STATES[row.state]}）。您填写的内容未提交，请核对后重试。"
            )
        if row.state not in a.sources:
            raise WorkError(f"事项当前为「{STATES[row.state]}」，不能执行「{a.label}」。")
        if attachment_id is not None:
            owner = conn.execute(
                sa.text("select item_id from work_attachment where id = :a"), {"a": attachment_id}
            ).scalar_one_or_none()
            if owner != row.id:
                raise WorkError("附件不属于该事项。")
        extra = ""
        if a.target == "responded":
            extra = ", responded_on = :day"
        elif a.target == "closed":
            extra = ", closed_on = :day"
        done = conn.execute(
            sa.text(
                f"update work_item set state = :to, version = version + 1, updated_at = :now, updated_by = :by{extra} "
                "where id = :id and version = :v"
            ),
            {"to": a.target, "now": now, "by": viewer.name, "day": day.isoformat(), "id": row.id, "v": version},
        )
        if done.rowcount != 1:
            raise Conflict("该事项刚被他人更新。您填写的内容未提交，请刷新后重试。")
        _event(conn, row.id, viewer, action, row.state, a.target, note, measures, attachment_id, day, now)
        audit.record(
            viewer,
            f"work_{action}",
            household_id=row.household_id,
            filters={"item": row.id, "from": row.state, "to": a.target, "kind": row.kind},
            conn=conn,
        )
        return dict(conn.execute(sa.text("select * from work_item where id = :id"), {"id": row.id}).first()._mapping)


def set_deadline(viewer: Viewer, item_id: int, deadline: dt.date, *, version: int, note: str = "") -> dict:
    """The province sets (extends or shortens) an open item's deadline."""
    if viewer.role != "province_admin":
        raise WorkError("只有省级可以调整督办期限。")
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    day = today()  # read before the write transaction (SQLite: one writer at a time)
    with store.tx() as conn:
        row = conn.execute(sa.text("select * from work_item where id = :id"), {"id": int(item_id)}).first()
        if row is None:
            raise WorkError("该督办事项不存在。")
        if row.state == "closed":
            raise WorkError("已销号的事项不能调整期限。")
        done = conn.execute(
            sa.text(
                "update work_item set deadline = :d, version = version + 1, updated_at = :now, updated_by = :by "
                "where id = :id and version = :v"
            ),
            {"d": deadline.isoformat(), "now": now, "by": viewer.name, "id": row.id, "v": version},
        )
        if done.rowcount != 1:
            raise Conflict("该事项刚被他人更新，请刷新后重试。")
        text = f"期限由 {row.deadline} 调整为 {deadline.isoformat()}" + (f"：{note.strip()}" if note.strip() else "")
        _event(conn, row.id, viewer, "set_deadline", row.state, row.state, text, (), None, day, now)
        audit.record(viewer, "work_set_deadline", filters={"item": row.id, "deadline": deadline.isoformat()}, conn=conn)
        return dict(conn.execute(sa.text("select * from work_item where id = :id"), {"id": row.id}).first()._mapping)


def _event(conn, item_id, viewer, action, from_state, to_state, note, measures, attachment_id, day, now) -> None:
    bump_version(conn)
    conn.execute(
        sa.text(
            "insert into work_event (item_id, at, on_day, actor, role, scope, action, from_state, to_state, note, "
            "measures, attachment_id) values (:item, :at, :day, :actor, :role, :scope, :action, :from_state, "
            ":to_state, :note, :measures, :att)"
        ),
        {
            "item": item_id,
            "at": now,
            "day": day.isoformat(),
            "actor": viewer.name,
            "role": viewer.role,
            "scope": f"{viewer.scope_level}:{viewer.scope_code}",
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "note": note or None,
            "measures": json.dumps(list(measures), ensure_ascii=False) if measures else None,
            "att": attachment_id,
        },
    )


# ---------------------------------------------------------------------------------- attachments

_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


def attachment_dir() -> Path:
    """Beside the SQLite store (outside the web root), or FUPIN_ATTACHMENTS (shared by the app processes)."""
    return Path(os.environ.get("FUPIN_ATTACHMENTS") or store.sqlite_path().parent / "attachments")


def save_attachment(viewer: Viewer, item_id: int, name: str, data: bytes) -> int:
    """Keep an evidence file (photo or PDF, by content, within the size limit) under a random name outside the
    web root; returns its id for `act(..., attachment_id=)`."""
    item = get(viewer, item_id)
    if item is None or "respond" not in allowed_actions(viewer, item):
        raise WorkError("您不能为该事项上传附件。")
    limit = settings().attachment_max_mb * 1024 * 1024
    if len(data) > limit:
        raise WorkError(f"附件超过 {settings().attachment_max_mb} MB。")
    mime = next((m for magic, m in _MAGIC.items() if data.startswith(magic)), None)
    if mime is None:
        raise WorkError("附件只能是照片（PNG、JPG）或 PDF 文件（按文件内容判断，不按扩展名）。")
    stored = secrets.token_hex(16)
    folder = attachment_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / stored
    with open(path, "xb") as f:
        f.write(data)
    path.chmod(0o600)
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    original = Path(name or "附件").name[:120]
    with store.tx() as conn:
        return int(
            conn.execute(
                sa.text(
                    "insert into work_attachment (item_id, stored_name, original_name, mime, size, sha256, at, actor) "
                    "values (:item, :stored, :orig, :mime, :size, :sha, :at, :actor) returning id"
                ),
                {
                    "item": int(item_id),
                    "stored": stored,
                    "orig": original,
                    "mime": mime,
                    "size": len(data),
                    "sha": hashlib.sha256(data).hexdigest(),
                    "at": now,
                    "actor": viewer.name,
                },
            ).scalar_one()
        )


def attachments(viewer: Viewer, item_id: int) -> list[dict]:
    """The item's evidence files (id, name, type, size, when, who) when the item is in scope."""
    if get(viewer, item_id) is None or not viewer.sees_households:
        return []
    with store.read() as conn:
        rows = conn.execute(
            sa.text(
                "select id, original_name, mime, size, at, actor from work_attachment where item_id = :i order by id"
            ),
            {"i": int(item_id)},
        )
        return [dict(r._mapping) for r in rows]


def read_attachment(viewer: Viewer, attachment_id: int) -> tuple[str, str, bytes] | None:
    """(original name, mime, bytes) when the attachment's item is in the viewer's scope, else None."""
    with store.read() as conn:
        row = conn.execute(sa.text("select * from work_attachment where id = :a"), {"a": int(attachment_id)}).first()
    if row is None or get(viewer, row.item_id) is None or not viewer.sees_households:
        return None
    return row.original_name, row.mime, (attachment_dir() / row.stored_name).read_bytes()
