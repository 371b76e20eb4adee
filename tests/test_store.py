"""The transactional store (SQLite and PostgreSQL), the installation keys and the audit chain."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from fupin.access import audit, auth, keys, store
from fupin.access.scope import Viewer

LINQUAN = Viewer(name="临泉县用户", role="county", scope_level="county", scope_code="341221", username="linquan")


# ------------------------------------------------------------------------------------ keys


def test_empty_or_short_key_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_KEY_DIR", str(tmp_path))
    for bad in (b"", b"short"):
        (tmp_path / "session.key").write_bytes(bad)
        key = keys.load_key("session")
        assert len(key) == keys.KEY_BYTES and key != bad.ljust(32, b"\0")
        assert (tmp_path / "session.key").read_bytes() == key
    assert stat.S_IMODE((tmp_path / "session.key").stat().st_mode) == 0o600


def _first_start(key_dir: str, out: multiprocessing.Queue) -> None:
    os.environ["FUPIN_KEY_DIR"] = key_dir
    os.environ.pop("FUPIN_SESSION_KEY", None)
    try:
        out.put(keys.load_key("session").hex())
    except Exception as exc:  # reported, so the test can show it
        out.put(f"error {exc!r}")


def test_concurrent_first_starts_share_one_complete_key(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(10):
        d = tmp_path / f"r{round_}"
        q = ctx.Queue()
        procs = [ctx.Process(target=_first_start, args=(str(d), q)) for _ in range(8)]
        for p in procs:
            p.start()
        got = [q.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert len(set(got)) == 1 and not got[0].startswith("error"), got
        assert len(bytes.fromhex(got[0])) == 32
        assert sorted(x.name for x in d.iterdir()) == ["session.key"]  # no temporary files left


def test_default_key_dir_is_outside_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin.core.reference import PROJECT_ROOT

    monkeypatch.delenv("FUPIN_KEY_DIR", raising=False)
    monkeypatch.delenv("FUPIN_SESSION_KEY", raising=False)
    assert not keys.key_path("session").is_relative_to(PROJECT_ROOT)


# ------------------------------------------------------------------------------------ store + audit


def test_store_file_is_private_and_migrated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "s" / "store.sqlite"))
    store.reset()
    audit.record(LINQUAN, "household_detail", household_id="1")
    for f in (tmp_path / "s").iterdir():  # the database, its WAL and shared memory
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f
    store.reset()
    audit.record(LINQUAN, "household_detail", household_id="2")  # a restart: no second migration
    with store.tx() as conn:
        assert conn.execute(sa.text("select count(*) from schema_version")).scalar() == len(store.MIGRATIONS)


def test_audit_rows_name_the_account_and_failed_sign_ins_are_unverified(any_store: str) -> None:
    audit.record(LINQUAN, "export_xlsx", filters={"area": "341221"}, row_count=3)
    audit.sign_in_event("admin", "login_failed", client="10.0.0.1")
    failed, export = audit.rows(2)
    assert (export["account"], export["viewer"], export["verified"]) == ("linquan", "临泉县用户", 1)
    assert failed["account"] is None and failed["verified"] == 0 and failed["viewer"] == "（未验证）admin"
    assert json.loads(failed["filters"]) == {"username": "admin", "client": "10.0.0.1"}
    found, counts = audit.search(viewer="linquan")  # by account, too
    assert counts == {"export_xlsx": 1} and found[0]["row_count"] == 3
    assert audit.verify() == []


def test_edited_or_truncated_audit_log_is_detected(any_store: str) -> None:
    for i in range(5):
        audit.record(LINQUAN, "household_detail", household_id=str(i))
    assert audit.verify() == []
    with store.tx() as conn:
        conn.execute(sa.text("update audit set household_id = 'x' where household_id = '2'"))
    assert any("被修改或删除" in p for p in audit.verify())
    with store.tx() as conn:
        conn.execute(sa.text("update audit set household_id = '2' where household_id = 'x'"))
    assert audit.verify() == []
    with store.tx() as conn:
        conn.execute(sa.text("delete from audit where household_id = '4'"))  # the newest row
    assert any("截断" in p for p in audit.verify())


def test_a_deleted_store_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("FUPIN_STORE", str(path))
    store.reset()
    audit.record(LINQUAN, "household_detail", household_id="1")
    assert audit.verify() == []
    store.reset()
    for f in tmp_path.glob("store.sqlite*"):
        f.unlink()
    audit.record(LINQUAN, "household_detail", household_id="2")  # recreated, but not silently
    assert any("曾被删除或替换" in p for p in audit.verify())


def test_concurrent_audit_writers_keep_the_chain(any_store: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.record(LINQUAN, "household_detail", household_id=str(i)), range(80)))
    assert len(audit.rows(500)) == 80 and audit.verify() == []


def test_sessions_and_lockouts_on_both_stores(any_store: str) -> None:
    acc = auth.demo_accounts()["admin"]
    secret = auth.session_secret()
    token = auth.make_token(acc, secret)
    assert auth.read_token(token, {"admin": acc}, secret) == acc
    auth.revoke_session(auth.token_session(token))
    assert auth.read_token(token, {"admin": acc}, secret) is None
    g = auth.SignInGuard()
    for _ in range(auth.POLICY.pair_failures):
        g.note("admin", "c", ok=False)
    assert g.locked_for("admin", "c") > 0 and g.locked_for("admin", "d") == 0


def test_unwritable_store_is_a_chinese_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path))  # a directory, not a file
    store.reset()
    with pytest.raises(store.StoreError, match="不是文件"):
        audit.record(LINQUAN, "household_detail")


def test_readers_do_not_queue_behind_a_writer_and_cannot_write(any_store: str) -> None:
    """Page reads (store.read()) see the last committed state while a writer holds its transaction open — on
    SQLite they used to BEGIN IMMEDIATE and queue behind every sign-in and transition — and a write inside a
    read transaction fails."""
    import threading

    import sqlalchemy as sa

    from fupin.access import store

    with store.tx() as conn:
        conn.execute(sa.text("insert into store_meta (key, value) values ('probe', 'before')"))
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.tx() as conn:
            conn.execute(sa.text("update store_meta set value = 'after' where key = 'probe'"))
            holding.set()
            release.wait(60)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(60)
        seen: list[str | None] = []
        reader = threading.Thread(target=lambda: seen.append(store.meta("probe")))
        reader.start()
        reader.join(10)  # a reader that queued for the write lock would still be waiting here
        assert not reader.is_alive() and seen == ["before"]
    finally:
        release.set()
        t.join(60)
    assert store.meta("probe") == "after"
    with pytest.raises((sa.exc.SQLAlchemyError, store.StoreError)), store.read() as conn:
        conn.execute(sa.text("update store_meta set value = 'x' where key = 'probe'"))
    assert store.meta("probe") == "after"
