"""The warehouse's findings → work items, month by month (idempotent; a new ingest never deletes an item).

For each month of the batch not yet synced (table `work_sync`), in one store transaction:
- a finding with no item raises one (待核查), on the day the month's data reach the province, with the
  deadlines of its kind (reference data);
- a finding whose item was closed before this month's data arrived re-opens it (new deadlines, 重新督办);
- an item with the county whose finding is absent this month is marked 风险已消除 (by data) — kept, for the
  reviewer to close; a finding that comes back clears the mark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import sqlalchemy as sa

from fupin.access import audit, store
from fupin.access.scope import Viewer
from fupin.warehouse.connection import cursor
from fupin.work.items import bump_version, raised_on
from fupin.work.rules import kinds

SYSTEM = Viewer(name="系统（月核查数据同步）", role="province_admin", scope_level="province", username="system")
_CHUNK = 5000


@dataclass(frozen=True)
class SyncResult:
    month: str
    raised: int
    reopened: int
    cleared: int


def pending_months(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[str]:
    """The batch's months whose findings have not been synced from this batch yet."""
    months = [
        r[0]
        for r in cursor(con).execute("select distinct strftime(month, '%Y-%m') from work_finding order by 1").fetchall()
    ]
    with store.tx() as conn:
        done = {r.month for r in conn.execute(sa.text("select month, batch from work_sync")) if r.batch == batch_id}
    return [m for m in months if m not in done]


def sync(con: duckdb.DuckDBPyConnection, batch_id: str, months: list[str] | None = None) -> list[SyncResult]:
    """Sync the given months (default: every pending month, oldest first)."""
    return [sync_month(con, batch_id, m) for m in (months if months is not None else pending_months(con, batch_id))]


def _deadlines(kind: str, day: dt.date) -> dict[str, str]:
    """The day an item is raised and its two deadlines (verify, eliminate), from its kind's reference row."""
    k = kinds()[kind]
    return {
        "day": day.isoformat(),
        "verify": (day + dt.timedelta(days=k.verify_days)).isoformat(),
        "deadline": (day + dt.timedelta(days=k.deadline_days)).isoformat(),
    }


def sync_month(con: duckdb.DuckDBPyConnection, batch_id: str, month: str) -> SyncResult:
    found = (
        cursor(con)
        .execute(
            "select finding_key, kind, county_code, township_code, village_code, household_id, record_id, title, "
            "detail from work_finding where month = cast($m as date)",
            {"m": f"{month}-01"},
        )
        .fetchall()
    )
    day = raised_on(month)
    rules = kinds()
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    with store.tx() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("select pg_advisory_xact_lock(20200306)"))  # one sync at a time across processes
        already = conn.execute(sa.text("select batch from work_sync where month = :m"), {"m": month}).scalar()
        if already == batch_id:
            return SyncResult(month, 0, 0, 0)
        existing = {
            r.finding_key: r
            for r in conn.execute(
                sa.text(
                    "select id, finding_key, kind, state, closed_on, data_cleared_month, last_seen_month from work_item"
                )
            )
        }
        new_rows, seen, reopen, uncleared = [], [], [], []
        for key, kind, county, town, village, hid, rec, title, detail in found:
            item = existing.get(key)
            if item is None:
                new_rows.append(
                    {
                        "key": key,
                        "kind": kind,
                        "county": county,
                        "town": town,
                        "village": village,
                        "hid": hid,
                        "rec": rec,
                        "title": title,
                        "detail": detail,
                        "month": month,
                        **_deadlines(kind, day),
                        "now": now,
                    }
                )
            elif (
                item.state == "closed"
                and rules[kind].recurs
                and (item.closed_on or "") < day.isoformat()
                and item.last_seen_month < month
            ):
                reopen.append((item.id, kind, title, detail))
            else:
                seen.append({"id": item.id, "month": month, "title": title, "detail": detail})
                if item.data_cleared_month:
                    uncleared.append(item.id)
        present = {f[0] for f in found}
        cleared = [
            {"id": r.id, "month": month}
            for key, r in existing.items()
            if key not in present
            and rules[r.kind].recurs
            and r.state != "closed"
            and not r.data_cleared_month
            and r.last_seen_month < month
        ]
        for chunk in _chunks(new_rows):
            conn.execute(
                sa.text(
                    "insert into work_item (finding_key, kind, county_code, township_code, village_code, household_id, "
                    "record_id, title, detail, state, raised_month, raised_on, verify_by, deadline, last_seen_month, "
                    "updated_at, updated_by) values (:key, :kind, :county, :town, :village, :hid, :rec, :title, "
                    ":detail, 'open', :month, :day, :verify, :deadline, :month, :now, '系统')"
                ),
                chunk,
            )
        if new_rows:
            fresh = {r["key"] for r in new_rows}
            ids = [
                r.id
                for r in conn.execute(
                    sa.text("select id, finding_key from work_item where raised_month = :m"), {"m": month}
                )
                if r.finding_key in fresh
            ]
            _events(conn, [(i, "raise", None, "open", "月核查发现") for i in ids], day, now)
        for chunk in _chunks(seen):
            conn.execute(
                sa.text(
                    "update work_item set last_seen_month = :month, title = :title, detail = :detail, "
                    "data_cleared_month = null where id = :id"
                ),
                chunk,
            )
        for item_id, kind, title, detail in reopen:
            conn.execute(
                sa.text(
                    "update work_item set state = 'open', reopen_count = reopen_count + 1, raised_month = :month, "
                    "raised_on = :day, verify_by = :verify, deadline = :deadline, last_seen_month = :month, "
                    "data_cleared_month = null, responded_on = null, closed_on = null, title = :title, "
                    "detail = :detail, version = version + 1, updated_at = :now, updated_by = '系统' where id = :id"
                ),
                {
                    "id": item_id,
                    "month": month,
                    **_deadlines(kind, day),
                    "title": title,
                    "detail": detail,
                    "now": now,
                },
            )
        _events(conn, [(i, "reopen", "closed", "open", "销号后问题再次出现") for i, *_ in reopen], day, now)
        for chunk in _chunks(cleared):
            conn.execute(sa.text("update work_item set data_cleared_month = :month where id = :id"), chunk)
        conn.execute(
            sa.text(
                "insert into work_sync (month, batch, at, raised, reopened, cleared) values (:m, :b, :at, :r, :o, :c) "
                "on conflict (month) do update set batch = excluded.batch, at = excluded.at, raised = excluded.raised, "
                "reopened = excluded.reopened, cleared = excluded.cleared"
            ),
            {"m": month, "b": batch_id, "at": now, "r": len(new_rows), "o": len(reopen), "c": len(cleared)},
        )
        bump_version(conn)  # the store's version for the cached 督办 aggregates (items.store_version)
        result = SyncResult(month, len(new_rows), len(reopen), len(cleared))
        audit.record(SYSTEM, "work_sync", filters={"month": month, **result.__dict__}, conn=conn)
    return result


def _events(conn: sa.Connection, rows: list[tuple], day: dt.date, now: str) -> None:
    params = [
        {
            "item": i,
            "at": now,
            "day": day.isoformat(),
            "action": action,
            "from_state": src,
            "to_state": dst,
            "note": note,
        }
        for i, action, src, dst, note in rows
    ]
    for chunk in _chunks(params):
        conn.execute(
            sa.text(
                "insert into work_event (item_id, at, on_day, actor, role, scope, action, from_state, to_state, note) "
                "values (:item, :at, :day, '系统', 'system', 'province:340000', :action, :from_state, :to_state, :note)"
            ),
            chunk,
        )


def _chunks(rows: list) -> list[list]:
    return [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)]
