"""A synthetic past for the work loop of a synthetic batch (演示数据), so the workbench and the 督办 overview
show a province in motion: counties that answer within days, a handful that let items run overdue, reviews
that close most responses and return some.

The replay runs month by month on a demo clock: sync the month's findings (fupin/work/sync.py), then play
each open item's synthetic timeline (开始核查 → 反馈 → 销号 or 退回 → 反馈 → 销号) up to the day the next
month's data arrive. The clock stops 10 days after the last month's items were raised, and is kept in
`store_meta.work_today`, so "overdue" is judged on the demo calendar, not on today's date. Every synthetic
event names its actor 「演示：…」; one audit row per month records the replay.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import numpy as np
import sqlalchemy as sa

from fupin.access import audit, store
from fupin.core.reference import area_names
from fupin.work import sync as S
from fupin.work.items import bump_version, raised_on
from fupin.work.rules import kinds

DEMO_TAIL_DAYS = 10


def _diligence(county: str) -> float:
    """How reliably a county answers in time: most counties well, about one in twelve poorly."""
    u = int(hashlib.sha256(county.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if u < 0.08:
        return 0.25 + 2.5 * u  # 0.25–0.45
    return 0.78 + 0.2 * (u - 0.08) / 0.92  # 0.78–0.98


def _timeline(rng: np.random.Generator, county: str, deadline_days: int) -> list[tuple[int, str]]:
    """(day offset from raising, action) for one item."""
    d = _diligence(county)
    on_time = rng.random() < d
    respond = (
        int(rng.integers(3, max(4, int(deadline_days * 0.9)))) if on_time else deadline_days + int(rng.integers(3, 60))
    )
    steps = [(max(1, respond // 3), "start"), (respond, "respond")]
    day = respond + int(rng.integers(2, 9))
    while rng.random() < (0.08 if d > 0.6 else 0.2):  # returned: not enough evidence, risk not eliminated
        steps.append((day, "return"))
        day += int(rng.integers(5, 13))
        steps.append((day, "respond"))
        day += int(rng.integers(2, 8))
    steps.append((day, "close"))
    return steps


_TARGET = {"start": "verifying", "respond": "responded", "return": "returned", "close": "closed"}
_NOTES = {
    "start": "已安排乡镇干部到户核查",
    "respond": "经实地核查，已落实帮扶措施，风险点已消除",
    "return": "佐证材料不足，请补充措施落实情况后重新反馈",
    "close": "经审核，同意销号",
}


def claim(batch_id: str) -> bool:
    """True for the one process that seeds a demo history: the store has no work items and nobody claimed it."""
    with store.tx() as conn:
        if conn.execute(sa.text("select count(*) from work_item")).scalar_one():
            return False
        done = conn.execute(
            sa.text("insert into store_meta (key, value) values ('work_demo_batch', :b) on conflict (key) do nothing"),
            {"b": batch_id},
        )
        return done.rowcount == 1


def replay(con: duckdb.DuckDBPyConnection, batch_id: str, *, seed: int = 2020) -> list[S.SyncResult]:
    """Sync every month of the batch with a synthetic history in between; sets the demo clock."""
    rng = np.random.default_rng(seed)
    names = area_names()
    rules = kinds()
    months = S.pending_months(con, batch_id)
    plans: dict[int, list[tuple[dt.date, str]]] = {}
    results = []
    for i, month in enumerate(months):
        results.append(S.sync_month(con, batch_id, month))
        start = raised_on(month)
        end = raised_on(months[i + 1]) if i + 1 < len(months) else start + dt.timedelta(days=DEMO_TAIL_DAYS)
        with store.tx() as conn:
            for r in conn.execute(
                sa.text("select id, kind, county_code, raised_on from work_item where raised_month = :m"), {"m": month}
            ):
                if r.raised_on == start.isoformat():
                    base = dt.date.fromisoformat(r.raised_on)
                    steps = _timeline(rng, r.county_code, rules[r.kind].deadline_days)
                    plans[r.id] = [(base + dt.timedelta(days=off), act) for off, act in steps]
            _play(conn, plans, end, names)
    with store.tx() as conn:
        end = raised_on(months[-1]) + dt.timedelta(days=DEMO_TAIL_DAYS) if months else dt.date.today()
        conn.execute(
            sa.text(
                "insert into store_meta (key, value) values ('work_today', :v) "
                "on conflict (key) do update set value = excluded.value"
            ),
            {"v": end.isoformat()},
        )
        audit.record(S.SYSTEM, "work_demo_history", filters={"months": months, "today": end.isoformat()}, conn=conn)
    return results


def _play(conn: sa.Connection, plans: dict[int, list[tuple[dt.date, str]]], until: dt.date, names: dict) -> None:
    """Apply every planned step due by `until` (in day order), dropping the steps that were played."""
    items = {
        r.id: r
        for r in conn.execute(sa.text("select id, state, county_code from work_item where state <> 'closed'"))
        if r.id in plans
    }
    events, updates = [], {}
    for item_id, row in items.items():
        state = row.state
        county = row.county_code
        due = [s for s in plans[item_id] if s[0] < until]
        plans[item_id] = [s for s in plans[item_id] if s[0] >= until]
        for day, action in due:
            target = _TARGET[action]
            if action in ("start",) and state not in ("open", "returned"):
                continue
            if action == "respond" and state not in ("open", "verifying", "returned"):
                continue
            if action in ("return", "close") and state != "responded":
                continue
            reviewer = county[:4] + "00" if action in ("return", "close") else county
            actor = f"演示：{names.get(reviewer, reviewer)}扶贫办"
            events.append(
                {
                    "item": item_id,
                    "at": f"{day.isoformat()}T10:00:00+08:00",
                    "day": day.isoformat(),
                    "actor": actor,
                    "role": "city" if action in ("return", "close") else "county",
                    "scope": f"{'city' if action in ('return', 'close') else 'county'}:{reviewer}",
                    "action": action,
                    "from_state": state,
                    "to_state": target,
                    "note": _NOTES[action],
                }
            )
            u = updates.setdefault(item_id, {"id": item_id, "responded_on": None, "closed_on": None})
            u.update(state=target, at=f"{day.isoformat()}T10:00:00+08:00", by=actor, steps=u.get("steps", 0) + 1)
            if action == "respond":
                u["responded_on"] = day.isoformat()
            if action == "close":
                u["closed_on"] = day.isoformat()
            state = target
        if state == "closed":
            plans.pop(item_id, None)
    bump_version(conn)
    for chunk in S._chunks(events):
        conn.execute(
            sa.text(
                "insert into work_event (item_id, at, on_day, actor, role, scope, action, from_state, to_state, note) "
                "values (:item, :at, :day, :actor, :role, :scope, :action, :from_state, :to_state, :note)"
            ),
            chunk,
        )
    for chunk in S._chunks(list(updates.values())):
        conn.execute(
            sa.text(
                "update work_item set state = :state, version = version + :steps, updated_at = :at, updated_by = :by, "
                "responded_on = coalesce(:responded_on, responded_on), closed_on = coalesce(:closed_on, closed_on) "
                "where id = :id"
            ),
            chunk,
        )
