"""Accounts, password hashes, session tokens and the lockout — the pure half of sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin.access import auth
from fupin.access.auth import Account, AccountsError, hash_password, load_accounts, verify_password


def test_hash_round_trip_and_salt() -> None:
    h1, h2 = hash_password("correct horse"), hash_password("correct horse")
    assert h1 != h2  # salted
    assert verify_password("correct horse", h1) and verify_password("correct horse", h2)
    assert not verify_password("correct horsf", h1)
    assert not verify_password("x", "plain-text-password")  # never a plain comparison
    assert not verify_password("x", "")


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "accounts.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_load_accounts_and_viewer_scope(tmp_path: Path) -> None:
    h = hash_password("pw-12345678")
    p = _write(
        tmp_path,
        f"""
[accounts.a]
name = "甲"
role = "county"
scope = "341221"
password_hash = "{h}"
[accounts.b]
role = "city"
scope = "341200"
password_hash = "{h}"
[accounts.c]
role = "meeting"
email = "Room@Example.org"
""",
    )
    acc = load_accounts(p, county_codes={"341221"})
    assert acc["a"].viewer().scope_level == "county" and acc["a"].viewer().scope_code == "341221"
    assert acc["b"].viewer().scope_level == "city" and acc["b"].name == "b"
    v = acc["c"].viewer()
    assert (v.scope_level, v.role, v.sees_households, v.may_unmask) == ("province", "meeting", False, False)
    assert auth.account_for_email(acc, "room@example.org") == acc["c"]
    assert auth.authenticate(acc, "c", "") is None  # an OIDC-only account has no password to match


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[accounts.x]\nrole = "king"\npassword_hash = "scrypt$1"', "角色「king」无效"),
        ('[accounts.x]\nrole = "county"\nscope = "3412"\npassword_hash = "scrypt$1"', "6位县代码"),
        ('[accounts.x]\nrole = "county"\nscope = "349999"\npassword_hash = "scrypt$1"', "不在参考数据"),
        ('[accounts.x]\nrole = "city"\nscope = "341221"\npassword_hash = "scrypt$1"', "6位市代码"),
        ('[accounts.x]\nrole = "analyst"\npassword_hash = "hunter2"', "不是 scrypt 哈希"),
        ('[accounts.x]\nrole = "analyst"', "既没有 password_hash 也没有 email"),
        ('[accounts.x]\nrole = "analyst"\npassword = "plain"\npassword_hash = "scrypt$1"', "未知字段：password"),
        ("[accounts", "格式错误"),
        ("# nothing", "没有账号"),
    ],
)
def test_bad_accounts_files_say_why_in_chinese(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(AccountsError, match=message):
        load_accounts(_write(tmp_path, body), county_codes={"341221"})


def test_resolve_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_ACCOUNTS", str(tmp_path / "absent.toml"))
    demo = auth.resolve_accounts(synthetic=True)
    assert demo.demo and set(demo.accounts) == {"admin", "fuyang", "linquan", "analyst", "meeting"}
    assert auth.authenticate(demo.accounts, "linquan", "demo-county") == demo.accounts["linquan"]
    real = auth.resolve_accounts(synthetic=False)
    assert real.accounts == {} and "拒绝启动" in (real.error or "")
    _write(tmp_path, '[accounts.x]\nrole = "nobody"\npassword_hash = "scrypt$1"')
    monkeypatch.setenv("FUPIN_ACCOUNTS", str(tmp_path / "accounts.toml"))
    broken = auth.resolve_accounts(synthetic=True)  # a broken file is never replaced by the demo accounts
    assert broken.accounts == {} and "无效" in (broken.error or "")


def test_session_token(tmp_path: Path) -> None:
    secret = auth.session_secret()
    assert len(secret) == 32 and auth.session_secret() == secret
    acc = Account("u", "用户", "county", "341221", hash_password("pw-12345678"))
    accounts = {"u": acc}
    token = auth.make_token(acc, secret, now=1000.0)
    assert auth.read_token(token, accounts, secret, now=1000.0 + 3600) == acc
    assert auth.read_token(token, accounts, secret, now=1000.0 + auth.SESSION_SECONDS + 1) is None  # expired
    assert auth.read_token(token, accounts, b"another installation", now=1000.0) is None
    assert auth.read_token(token[:-4] + "AAAA", accounts, secret, now=1000.0) is None  # tampered
    assert auth.read_token("garbage", accounts, secret) is None and auth.read_token(None, accounts, secret) is None
    moved = {"u": Account("u", "用户", "county", "341225", acc.password_hash)}  # scope changed in the file
    assert auth.read_token(token, moved, secret, now=1000.0) is None
    new_pw = {"u": Account("u", "用户", "county", "341221", hash_password("new-password"))}
    assert auth.read_token(token, new_pw, secret, now=1000.0) is None
    assert auth.read_token(token, {}, secret, now=1000.0) is None  # account removed


def test_sign_out_revokes_the_token_server_side() -> None:
    """A copied cookie stops working the moment its session signs out (not 12 hours later)."""
    secret = auth.session_secret()
    acc = auth.demo_accounts()["linquan"]
    token, other = auth.make_token(acc, secret), auth.make_token(acc, secret)
    assert auth.read_token(token, {"linquan": acc}, secret) == acc
    auth.revoke_session(auth.token_session(token))
    assert auth.read_token(token, {"linquan": acc}, secret) is None
    assert auth.read_token(other, {"linquan": acc}, secret) == acc  # another browser's session is its own


def test_username_is_normalised_before_counting() -> None:
    assert auth.normalize_username(" admin\t") == auth.normalize_username("ＡＤＭＩＮ") == "admin"
    accounts = auth.demo_accounts()
    guard = auth.SignInGuard()
    for _ in range(auth.POLICY.pair_failures):
        assert auth.sign_in(accounts, "admin", "wrong", "10.0.0.9", guard=guard).account is None
    for variant in ("admin ", " admin", "\tadmin", "ADMIN", "ａｄｍｉｎ"):  # the right password, still locked
        r = auth.sign_in(accounts, variant, "demo-admin", "10.0.0.9", guard=guard)
        assert r.account is None and r.locked_seconds > 0 and r.username == "admin", variant


def test_lockout_is_shared_and_survives_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin.access import store

    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    for _ in range(auth.POLICY.pair_failures):
        auth.SignInGuard().note("linquan", "10.1.1.1", ok=False)  # another process's guard each time
    store.reset()  # a restart: no engine, nothing in memory
    assert auth.SignInGuard().locked_for("linquan", "10.1.1.1") > 0


def test_a_stranger_cannot_lock_the_owner_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    accounts, guard = auth.demo_accounts(), auth.SignInGuard()
    for _ in range(12):
        auth.sign_in(accounts, "admin", "guess", "203.0.113.5", guard=guard)
    assert auth.sign_in(accounts, "admin", "demo-admin", "203.0.113.5", guard=guard).account is None  # locked
    assert auth.sign_in(accounts, "admin", "demo-admin", "10.0.0.2", guard=guard).account is not None  # owner


def test_lock_backs_off_exponentially_and_success_clears(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    g, p, t = auth.SignInGuard(), auth.POLICY, 1_000_000.0
    for i in range(p.pair_failures):
        g.note("u", "c", ok=False, now=t + i)
    first = g.locked_for("u", "c", now=t + 10)
    assert p.pair_lock - 20 < first <= p.pair_lock
    t2 = t + 10 + first  # the lock ran out; one more wrong password doubles it
    assert g.locked_for("u", "c", now=t2) == 0
    g.note("u", "c", ok=False, now=t2)
    assert g.locked_for("u", "c", now=t2 + 1) == 2 * p.pair_lock - 1
    g.note("u", "c", ok=True, now=t2 + 3 * p.pair_lock)
    assert g.locked_for("u", "c", now=t2 + 3 * p.pair_lock + 1) == 0


def test_client_and_account_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    g, p, t = auth.SignInGuard(), auth.POLICY, 2_000_000.0
    for i in range(p.client_failures):  # one client spraying different names
        g.note(f"user{i}", "198.51.100.7", ok=False, now=t + i)
    assert g.locked_for("fresh-name", "198.51.100.7", now=t + 30) > 0
    assert g.locked_for("fresh-name", "198.51.100.8", now=t + 30) == 0
    for i in range(p.account_failures):  # many clients guessing one account
        g.note("admin", f"10.9.{i}.1", ok=False, now=t + i)
    assert g.locked_for("admin", "10.0.0.1", now=t + 60) > 0
    assert g.locked_for("admin", "10.0.0.1", now=t + p.window + p.account_failures + 1) == 0


def test_locked_or_oversized_attempts_cost_no_hashing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    calls = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda pw, h: calls.append(len(pw)) or real(pw, h))
    accounts = auth.demo_accounts()
    assert auth.sign_in(accounts, "admin", "x" * 1_000_000, "c1").account is None
    assert calls == []  # a megabyte password is refused before scrypt
    for _ in range(auth.POLICY.pair_failures):
        auth.sign_in(accounts, "analyst", "wrong", "c1")
    calls.clear()
    assert auth.sign_in(accounts, "analyst", "demo-analyst", "c1").locked_seconds > 0
    assert calls == []  # while locked, the password is not even checked


def test_cookie_nonce_is_single_use_and_short_lived() -> None:
    n = auth.cookie_nonce("tok", now=5000.0)
    assert auth.redeem_nonce(n, now=5001.0) == "tok"
    assert auth.redeem_nonce(n, now=5002.0) is None  # used
    late = auth.cookie_nonce("tok", now=5000.0)
    assert auth.redeem_nonce(late, now=5000.0 + auth.NONCE_SECONDS + 1) is None
    assert auth.redeem_nonce("", now=5000.0) is None


def test_accounts_file_that_is_a_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(AccountsError, match="是一个目录"):
        load_accounts(tmp_path)


def test_account_names_must_be_in_normal_form(tmp_path: Path) -> None:
    with pytest.raises(AccountsError, match="请写作「admin」"):
        load_accounts(_write(tmp_path, '[accounts.Admin]\nrole = "analyst"\nemail = "a@b.c"'))
