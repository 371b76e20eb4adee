"""Accounts, password hashes, session tokens and the lockout — the pure half of sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin import auth
from fupin.auth import Account, AccountsError, hash_password, load_accounts, verify_password


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
    p = _write(tmp_path, f"""
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
""")  # fmt: skip
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
    secret = auth.session_secret(tmp_path / "k")
    assert len(secret) == 32 and (tmp_path / "k").stat().st_mode & 0o077 == 0
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


def test_throttle_locks_after_five_failures() -> None:
    t = auth.Throttle()
    for i in range(auth.MAX_FAILURES - 1):
        t.fail("u", now=100.0 + i)
    assert t.locked_for("u", now=110.0) == 0
    t.fail("u", now=111.0)
    assert t.locked_for("u", now=112.0) > 0
    assert t.locked_for("other", now=112.0) == 0
    assert t.locked_for("u", now=100.0 + auth.LOCK_SECONDS + 20) == 0  # the window has passed
    t.fail("u", now=2000.0)
    t.clear("u")
    assert t.locked_for("u", now=2001.0) == 0
