"""督办事项 (fupin/work) on SQLite and on a real PostgreSQL server: sync from findings (one item per finding,
re-open on recurrence, 风险已消除 marks), the state machine per role, scope on every action, the version check
under concurrent writers, deadlines and overdue, attachments, audit rows, and the views' numbers."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from fupin.access import audit, store
from fupin.access.scope import Viewer
from fupin.views import work as V
from fupin.work import demo, sync
from fupin.work import items as W
from fupin.work.rules import kinds
from tests.support.views import selection

COUNTY = Viewer(name="临泉县扶贫局", role="county", scope_level="county", scope_code="341221", username="linquan")
OTHER = Viewer(name="阜南县扶贫局", role="county", scope_level="county", scope_code="341225", username="funan")
CITY = Viewer(name="阜阳市扶贫局", role="city", scope_level="city", scope_code="341200", username="fuyang")
OTHER_CITY = Viewer(name="合肥市扶贫局", role="city", scope_level="city", scope_code="340100", username="hefei")
PROVINCE = Viewer(name="省扶贫办", role="province_admin", scope_level="province", username="admin")
ANALYST = Viewer(name="分析员", role="analyst", scope_level="province", username="analyst")


def findings(rows: list[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    """A warehouse stand-in holding only `work_finding`: (month, kind, key) rows in 临泉县 (341221)."""
    con = duckdb.connect()
    con.execute(
        "create table work_finding (finding_key varchar, kind varchar, month date, county_code varchar, "
        "township_code varchar, village_code varchar, household_id varchar, record_id varchar, title varchar, "
        "detail varchar)"
    )
    for month, kind, key in rows:
        con.execute(
            "insert into work_finding values ($k, $kind, cast($m as date), '341221', '341221100', '341221100201', "
            "$hid, null, $t, '测试')",
            {"k": key, "kind": kind, "m": f"{month}-01", "hid": "3412211002010001", "t": f"测试事项 {key}"},
        )
    return con


def item(key: str) -> dict:
    with store.tx() as conn:
        return dict(conn.execute(sa.text("select * from work_item where finding_key = :k"), {"k": key}).one()._mapping)


def test_one_item_per_finding_with_deadlines_from_reference(any_store: str) -> None:
    con = findings(
        [("2020-01", "red_flag", "RF:a"), ("2020-01", "compliance", "CF:F3:x"), ("2020-02", "red_flag", "RF:a")]
    )
    res = sync.sync(con, "b1")
    assert [(r.month, r.raised) for r in res] == [("2020-01", 2), ("2020-02", 0)]
    assert sync.sync(con, "b1") == []  # nothing pending for this batch
    assert [r.raised for r in sync.sync(con, "b2")] == [0, 0]  # a new batch with the same findings: no duplicates
    rf = item("RF:a")
    red = kinds()["red_flag"]
    assert rf["raised_on"] == "2020-02-05"  # January's data reach the province by the 5th of February
    assert rf["deadline"] == (dt.date(2020, 2, 5) + dt.timedelta(days=red.deadline_days)).isoformat()
    assert rf["verify_by"] == (dt.date(2020, 2, 5) + dt.timedelta(days=red.verify_days)).isoformat()
    assert rf["state"] == "open" and rf["last_seen_month"] == "2020-02"
    with store.tx() as conn:
        assert conn.execute(sa.text("select count(*) from work_event where action = 'raise'")).scalar_one() == 2


def test_absent_finding_is_marked_and_recurring_finding_reopens(any_store: str) -> None:
    con = findings(
        [
            ("2020-01", "red_flag", "RF:a"),
            ("2020-01", "compliance", "CF:F3:x"),
            ("2020-03", "red_flag", "RF:a"),
            ("2020-03", "compliance", "CF:F3:x"),
            ("2020-02", "edge_not_visited", "EV:z"),  # keeps February in the batch
        ]
    )
    sync.sync(con, "b", ["2020-01", "2020-02"])
    assert item("RF:a")["data_cleared_month"] == "2020-02"  # gone in February: 风险已消除 by data, kept
    assert item("CF:F3:x")["data_cleared_month"] is None  # a compliance record does not "clear" by absence
    closed_on = dt.date(2020, 3, 10)  # before March's data arrive (5 April)
    a = item("RF:a")
    W.act(COUNTY, a["id"], "respond", version=a["version"], note="已落实低保，风险消除", on=closed_on)
    a = item("RF:a")
    W.act(CITY, a["id"], "close", version=a["version"], on=closed_on)
    c = item("CF:F3:x")
    W.act(PROVINCE, c["id"], "close_direct", version=c["version"], note="已整改", on=closed_on)
    took = (closed_on - dt.date.fromisoformat(c["raised_on"])).days
    assert W.closure_days(PROVINCE).to_dict() == {took: 2}  # both closed the same day, raised by the same sync
    sync.sync(con, "b", ["2020-03"])
    a, c = item("RF:a"), item("CF:F3:x")
    assert (a["state"], a["reopen_count"], a["raised_month"]) == ("open", 1, "2020-03")  # the risk came back
    assert a["deadline"] == (dt.date(2020, 4, 5) + dt.timedelta(days=kinds()["red_flag"].deadline_days)).isoformat()
    assert (c["state"], c["reopen_count"]) == ("closed", 0)


def test_aggregates_follow_every_change(any_store: str) -> None:
    """督办 aggregates are kept per store version: an action (an event) and a sync that writes no event (an item
    marked 风险已消除 by data) both show on the next read, within the same second."""
    con = findings(
        [
            ("2020-01", "red_flag", "RF:a"),
            ("2020-01", "edge_not_visited", "EV:z"),
            ("2020-02", "edge_not_visited", "EV:z"),
        ]
    )
    sync.sync(con, "b", ["2020-01"])
    row = lambda: W.county_summary(PROVINCE).set_index("county_code").loc["341221"]  # noqa: E731
    assert (row()["raised"], row()["cleared_by_data"], row()["responded"]) == (2, 0, 0)
    version = W.store_version()
    sync.sync(con, "b", ["2020-02"])  # RF:a is gone in February: marked, no event written
    assert W.store_version() != version
    assert row()["cleared_by_data"] == 1
    a = item("EV:z")
    W.act(COUNTY, a["id"], "respond", version=a["version"], note="已走访")
    assert row()["responded"] == 1
    assert len(W.monthly(PROVINCE)) and list(W.closure_days(PROVINCE)) == []
    assert W.monthly(COUNTY)["n"].sum() == W.monthly(PROVINCE)["n"].sum() > 0  # all in 临泉: the county's own plan
    assert W.monthly(OTHER).empty
    # the workbench's list, counts and townships are kept the same way: the response shows at once
    assert W.items(COUNTY, states=("responded",))["finding_key"].tolist() == ["EV:z"]
    assert W.open_counts(COUNTY)["responded"] == 1
    W.act(PROVINCE, a["id"], "return", version=item("EV:z")["version"], note="证据不足")
    assert W.items(COUNTY, states=("responded",)).empty and W.open_counts(COUNTY)["responded"] == 0


def test_scope_ranges_hold_exactly_the_codes_under_a_prefix() -> None:
    """The [lo, hi) range beside the LIKE (what lets the store's county index serve a scope) holds the codes that
    start with the prefix and no others, across a 9 at the end."""
    codes = ["340000", "341199", "341200", "341221", "341299", "341300", "349999", "350000"]
    for prefix in ("", "34", "3412", "3419", "341299", "3499"):
        lo, hi = W._code_range(prefix)
        assert [c for c in codes if lo <= c < hi] == [c for c in codes if c.startswith(prefix)], prefix


def test_the_loop_by_role_and_scope(any_store: str) -> None:
    sync.sync(findings([("2020-01", "red_flag", "RF:a")]), "b")
    a = item("RF:a")
    assert W.allowed_actions(COUNTY, a) == ["start", "respond"]
    assert W.allowed_actions(CITY, a) == [] and W.allowed_actions(ANALYST, a) == []
    assert W.allowed_actions(PROVINCE, a) == ["close_direct"]
    assert W.allowed_actions(OTHER, a) == [] and W.get(OTHER, a["id"]) is None and W.events(OTHER, a["id"]) == []
    with pytest.raises(W.WorkError, match="管辖范围"):
        W.act(OTHER, a["id"], "respond", version=a["version"], note="越权")
    with pytest.raises(W.WorkError, match="管辖范围"):
        W.act(OTHER_CITY, a["id"], "close", version=a["version"])
    with pytest.raises(W.WorkError, match="角色"):
        W.act(ANALYST, a["id"], "close_direct", version=a["version"], note="x")
    with pytest.raises(W.WorkError, match="不能执行"):
        W.act(CITY, a["id"], "close", version=a["version"])  # nothing reported yet
    with pytest.raises(W.WorkError, match="请填写"):
        W.act(COUNTY, a["id"], "respond", version=a["version"], note="  ")
    a = W.act(COUNTY, a["id"], "start", version=a["version"])
    a = W.act(COUNTY, a["id"], "respond", version=a["version"], note="到户核查：已办理临时救助", measures=("M1",))
    assert a["state"] == "responded" and a["responded_on"]
    with pytest.raises(W.WorkError, match="请填写退回原因"):
        W.act(CITY, a["id"], "return", version=a["version"])
    a = W.act(CITY, a["id"], "return", version=a["version"], note="缺少佐证材料")
    a = W.act(COUNTY, a["id"], "respond", version=a["version"], note="已补充")
    a = W.act(PROVINCE, a["id"], "close", version=a["version"])
    assert a["state"] == "closed" and a["closed_on"]
    ev = W.events(PROVINCE, a["id"])
    assert [e["action"] for e in ev] == ["raise", "start", "respond", "return", "respond", "close"]
    assert ev[2]["measures"] == '["M1"]' and ev[3]["note"] == "缺少佐证材料" and ev[3]["scope"] == "city:341200"
    rows, counts = audit.search(actions=["work_start", "work_respond", "work_return", "work_close"])
    assert counts == {"work_start": 1, "work_respond": 2, "work_return": 1, "work_close": 1}
    assert {r["account"] for r in rows} == {"linquan", "fuyang", "admin"}
    assert audit.verify() == []


def test_a_stale_version_is_refused_and_nothing_is_lost(any_store: str) -> None:
    sync.sync(findings([("2020-01", "red_flag", "RF:a")]), "b")
    a = item("RF:a")
    W.act(COUNTY, a["id"], "start", version=a["version"])
    with pytest.raises(W.Conflict, match="已被 临泉县扶贫局"):
        W.act(COUNTY, a["id"], "respond", version=a["version"], note="第二个人的反馈")
    assert item("RF:a")["state"] == "verifying"


def test_concurrent_responders(any_store: str) -> None:
    con = findings([("2020-01", "red_flag", f"RF:{i}") for i in range(20)])
    sync.sync(con, "b")
    targets = [item(f"RF:{i}") for i in range(20)]
    errors: list[Exception] = []

    def respond(it: dict) -> None:
        try:
            W.act(COUNTY, it["id"], "respond", version=it["version"], note=f"反馈 {it['finding_key']}")
        except Exception as exc:  # collected: every one must succeed
            errors.append(exc)

    threads = [threading.Thread(target=respond, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(item(f"RF:{i}")["state"] == "responded" for i in range(20))
    # two people answer the same item from the same version: exactly one wins
    same = item("RF:0")
    outcomes: list[str] = []

    def review(note: str) -> None:
        try:
            W.act(CITY, same["id"], "return", version=same["version"], note=note)
            outcomes.append("ok")
        except W.Conflict:
            outcomes.append("conflict")

    pair = [threading.Thread(target=review, args=(n,)) for n in ("甲", "乙")]
    for t in pair:
        t.start()
    for t in pair:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert [e["action"] for e in W.events(CITY, same["id"])].count("return") == 1
    assert audit.verify() == []


def test_overdue_on_the_loop_clock(any_store: str) -> None:
    sync.sync(findings([("2020-01", "red_flag", "RF:a"), ("2020-01", "edge_not_visited", "EV:b")]), "b")
    deadline = dt.date.fromisoformat(item("RF:a")["deadline"])
    with store.tx() as conn:
        conn.execute(
            sa.text("insert into store_meta (key, value) values ('work_today', :v)"),
            {"v": (deadline + dt.timedelta(days=1)).isoformat()},
        )
    df = W.items(COUNTY).set_index("finding_key")
    assert bool(df.loc["RF:a", "overdue"]) and int(df.loc["RF:a", "days_left"]) == -1
    summary = W.county_summary(PROVINCE).set_index("county_code")
    assert summary.loc["341221", "overdue"] == 2  # EV's deadline (15 days) passed too
    a = item("RF:a")
    W.act(COUNTY, a["id"], "respond", version=a["version"], note="已反馈")  # with the reviewer: not overdue
    assert W.county_summary(PROVINCE).set_index("county_code").loc["341221", "overdue"] == 1


def test_attachments_by_content_and_scope(any_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_ATTACHMENTS", str(tmp_path / "att"))
    sync.sync(findings([("2020-01", "red_flag", "RF:a")]), "b")
    a = item("RF:a")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    att = W.save_attachment(COUNTY, a["id"], "../../现场照片.png", png)
    assert W.read_attachment(CITY, att) == ("现场照片.png", "image/png", png)
    assert W.read_attachment(OTHER, att) is None
    stored = list((tmp_path / "att").iterdir())
    assert len(stored) == 1 and stored[0].name != "现场照片.png" and stored[0].stat().st_mode & 0o777 == 0o600
    with pytest.raises(W.WorkError, match="按文件内容"):
        W.save_attachment(COUNTY, a["id"], "照片.png", b"<script>alert(1)</script>")
    with pytest.raises(W.WorkError, match="MB"):
        W.save_attachment(COUNTY, a["id"], "大.pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024))
    with pytest.raises(W.WorkError, match="不能为该事项上传"):
        W.save_attachment(OTHER, a["id"], "x.png", png)
    a = W.act(COUNTY, a["id"], "respond", version=a["version"], note="见照片", attachment_id=att)
    assert W.events(COUNTY, a["id"])[-1]["attachment_id"] == att
    assert [x["original_name"] for x in W.attachments(CITY, a["id"])] == ["现场照片.png"]
    assert W.attachments(OTHER, a["id"]) == []


def test_only_the_province_sets_deadlines(any_store: str) -> None:
    sync.sync(findings([("2020-01", "red_flag", "RF:a")]), "b")
    a = item("RF:a")
    with pytest.raises(W.WorkError, match="只有省级"):
        W.set_deadline(CITY, a["id"], dt.date(2020, 4, 1), version=a["version"])
    a = W.set_deadline(PROVINCE, a["id"], dt.date(2020, 4, 1), version=a["version"], note="疫情期间延期")
    assert a["deadline"] == "2020-04-01"
    assert W.events(PROVINCE, a["id"])[-1]["note"].endswith("调整为 2020-04-01：疫情期间延期")
    with pytest.raises(W.Conflict):
        W.set_deadline(PROVINCE, a["id"], dt.date(2020, 5, 1), version=a["version"] - 1)
    assert audit.search(actions=["work_set_deadline"])[1] == {"work_set_deadline": 1}


def test_demo_history_on_the_tiny_warehouse(any_store: str, tiny_db: Path) -> None:
    con = duckdb.connect(str(tiny_db), read_only=True)
    batch = con.execute("select batch_id from ingest_batch").fetchone()[0]
    keys = con.execute("select count(distinct finding_key) from work_finding").fetchone()[0]
    last = con.execute("select strftime(max(month), '%Y-%m') from work_finding").fetchone()[0]
    assert demo.claim(batch) and not demo.claim(batch)
    demo.replay(con, batch)
    with store.tx() as conn:
        n, closed = conn.execute(
            sa.text("select count(*), sum(case when state = 'closed' then 1 else 0 end) from work_item")
        ).one()
    assert n == keys and 0 < closed < n
    assert W.today() == W.raised_on(last) + dt.timedelta(days=demo.DEMO_TAIL_DAYS)
    sel = selection(tiny_db)
    v = V.overview(sel)
    tiles = {t.label: t.value for t in v.tiles}
    summary = W.county_summary(PROVINCE)
    assert tiles["累计下发"] == f"{keys:,}件"
    assert tiles["已逾期"] == f"{int(summary['overdue'].sum()):,}件"
    assert tiles["已销号"] == f"{int(closed):,}件"
    assert len(v.interview.frame) == int(summary["interview"].sum())
    county = selection(tiny_db, Viewer(name="临泉", role="county", scope_level="county", scope_code="341221"))
    wb = V.workbench(county)
    assert "县" not in wb.table.frame.columns  # a county user's own county goes without saying
    mine = W.items(PROVINCE, area="341221", states=("open", "verifying", "returned", "responded"))
    assert sorted(wb.ids) == sorted(mine["id"])
    tiles = {t.label: t.value for t in wb.tiles}
    assert tiles["已反馈待审核"] == f"{int((mine['state'] == 'responded').sum()):,}件"
    assert tiles["已逾期"] == f"{int(mine['overdue'].sum()):,}件"
    city = V.workbench(selection(tiny_db, CITY))
    assert set(city.table.frame["县"]) <= {
        "临泉县",
        "阜南县",
        "颍上县",
        "太和县",
        "界首市",
        "颍州区",
        "颍东区",
        "颍泉区",
    }
    con.close()


def test_the_loop_in_the_app(tiny_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """临泉县 answers an item on 我的待办; 阜阳市 closes it there; the store and the audit log follow."""
    from tests.conftest import app_test

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    store.reset()
    with duckdb.connect(str(tiny_db), read_only=True) as con:  # items without a demo history: all open
        sync.sync(con, con.execute("select batch_id from ingest_batch").fetchone()[0])
    at = app_test("linquan")
    at.switch_page("app_pages/workbench.py").run()
    assert not at.exception, [e.message for e in at.exception]
    mine = W.items(COUNTY, states=("open", "verifying", "returned"))
    assert len(mine), "the tiny batch has open items in 临泉县"
    target = mine.iloc[0]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["待办（县级办理中）"] == f"{len(mine):,}件"
    at.query_params["item"] = str(target["id"])
    at.run()
    at.radio[0].set_value("respond")
    at.text_area(key=f"wb_note_{target['id']}").input("到户核查：已落实临时救助 1,000 元")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert W.get(COUNTY, int(target["id"]))["state"] == "responded"

    city = app_test("fuyang")
    city.query_params["item"] = str(target["id"])
    city.switch_page("app_pages/workbench.py").run()
    assert list(city.radio[0].options) == ["审核销号", "退回"]
    city.radio[0].set_value("close")
    city.button[0].click().run()
    assert not city.exception and not city.error
    after = W.get(PROVINCE, int(target["id"]))
    assert after["state"] == "closed"
    assert [e["actor"] for e in W.events(PROVINCE, after["id"])][-2:] == [
        "临泉县扶贫局（演示）",
        "阜阳市扶贫局（演示）",
    ]
    _, counts = audit.search(actions=["work_respond", "work_close"])
    assert counts == {"work_respond": 1, "work_close": 1}
