"""Accounts, roles and sign-in — no Streamlit here (fupin/ui.py draws the form).

- Local accounts live in a TOML file that is never committed (``data/accounts.toml`` or
  ``FUPIN_ACCOUNTS``); ``data/accounts.example.toml`` shows the format. Passwords are stored as
  scrypt hashes (``python -m fupin accounts hash`` makes one).
- A synthetic (演示数据) warehouse with no accounts file falls back to the documented demo accounts
  (``DEMO_ACCOUNTS``); a warehouse built from real exports refuses to start without an accounts file.
- A role maps to a scope: 省级管理员 / 分析员 / 会议大屏 see the province, 市级 their city, 县级 their
  county. That scope is the `Viewer` every query binds.
- A signed session token (HMAC, 12 hours) lets a browser reload or a shared link stay signed in; it
  names the account and a fingerprint of its password hash, so changing a password signs it out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from fupin.reference import PROJECT_ROOT
from fupin.scope import PROVINCE_CODE, Role, Viewer

DEFAULT_ACCOUNTS = PROJECT_ROOT / "data" / "accounts.toml"
DEFAULT_SECRET = PROJECT_ROOT / "data" / "audit" / "session.key"

ROLE_LABELS: dict[str, str] = {
    "province_admin": "省级管理员",
    "city": "市级",
    "county": "县级",
    "analyst": "分析员",
    "meeting": "会议大屏",
}

SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5  # wrong passwords per account …
LOCK_SECONDS = 15 * 60  # … within this window lock it for this long


class AccountsError(Exception):
    """The accounts file is missing or wrong; the message is Chinese (shown in the UI)."""


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: Role
    scope_code: str = PROVINCE_CODE  # 340000, a city (341200) or a county (341221)
    password_hash: str = ""  # scrypt$…; empty for an account that only signs in through OIDC
    email: str = ""  # matched against st.user.email when an OIDC provider is configured

    def viewer(self) -> Viewer:
        level = {"city": "city", "county": "county"}.get(self.role, "province")
        code = self.scope_code if level != "province" else PROVINCE_CODE
        return Viewer(name=self.name, role=self.role, scope_level=level, scope_code=code)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ passwords

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


_DUMMY_HASH = hash_password("不存在的账号", salt=b"0" * 16)


# ------------------------------------------------------------------------------------ accounts

# Documented in the README; only for a synthetic warehouse with no accounts file.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, Role, str], ...] = (
    # username, password, name, role, scope
    ("admin", "demo-admin", "省扶贫办管理员（演示）", "province_admin", "340000"),
    ("fuyang", "demo-city", "阜阳市扶贫局（演示）", "city", "341200"),
    ("linquan", "demo-county", "临泉县扶贫局（演示）", "county", "341221"),
    ("analyst", "demo-analyst", "省扶贫办分析员（演示）", "analyst", "340000"),
    ("meeting", "demo-meeting", "领导小组会议大屏（演示）", "meeting", "340000"),
)


def accounts_path() -> Path:
    return Path(os.environ.get("FUPIN_ACCOUNTS", DEFAULT_ACCOUNTS))


_demo_cache: dict[str, Account] = {}


def demo_accounts() -> dict[str, Account]:
    """The demo accounts, hashed once per process."""
    if not _demo_cache:
        for user, pw, name, role, scope in DEMO_ACCOUNTS:
            _demo_cache[user] = Account(user, name, role, scope, hash_password(pw, salt=user.encode().ljust(16, b"-")))
    return dict(_demo_cache)


def _check(account: Account, county_codes: frozenset[str] | set[str] | None) -> None:
    where = f"账号「{account.username}」"
    if account.role not in get_args(Role):
        raise AccountsError(f"{where}的角色「{account.role}」无效，应为：{', '.join(get_args(Role))}")
    if account.role == "city" and not (len(account.scope_code) == 6 and account.scope_code.endswith("00")):
        raise AccountsError(f"{where}是市级账号，scope 应为6位市代码（如 341200）")
    if account.role == "county":
        if not (len(account.scope_code) == 6 and account.scope_code.isdigit()):
            raise AccountsError(f"{where}是县级账号，scope 应为6位县代码（如 341221）")
        if county_codes is not None and account.scope_code not in county_codes:
            raise AccountsError(f"{where}的县代码 {account.scope_code} 不在参考数据的104个县中")
    if not account.password_hash and not account.email:
        raise AccountsError(f"{where}既没有 password_hash 也没有 email，无法登录")
    if account.password_hash and not account.password_hash.startswith("scrypt$"):
        raise AccountsError(f"{where}的 password_hash 不是 scrypt 哈希（用 python -m fupin accounts hash 生成）")


def load_accounts(path: Path, *, county_codes: frozenset[str] | set[str] | None = None) -> dict[str, Account]:
    """Read and check an accounts file ([accounts.<username>] tables)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AccountsError(f"账号文件不存在：{path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"账号文件格式错误（{path}）：{exc}") from exc
    out: dict[str, Account] = {}
    for user, entry in (data.get("accounts") or {}).items():
        if not isinstance(entry, dict):
            raise AccountsError(f"账号「{user}」应为一个表（[accounts.{user}]）")
        unknown = set(entry) - {"name", "role", "scope", "password_hash", "email"}
        if unknown:
            raise AccountsError(f"账号「{user}」有未知字段：{', '.join(sorted(unknown))}")
        acc = Account(
            username=str(user),
            name=str(entry.get("name", user)),
            role=str(entry.get("role", "")),  # type: ignore[arg-type]
            scope_code=str(entry.get("scope", PROVINCE_CODE)),
            password_hash=str(entry.get("password_hash", "")),
            email=str(entry.get("email", "")).lower(),
        )
        _check(acc, county_codes)
        out[acc.username] = acc
    if not out:
        raise AccountsError(f"账号文件中没有账号：{path}")
    return out


@dataclass(frozen=True)
class AccountSource:
    """Where the accounts came from: a file, the demo set, or nowhere (refuse to start)."""

    accounts: dict[str, Account]
    demo: bool
    error: str | None = None


def resolve_accounts(*, synthetic: bool, county_codes: frozenset[str] | set[str] | None = None) -> AccountSource:
    path = accounts_path()
    if path.exists():
        try:
            return AccountSource(load_accounts(path, county_codes=county_codes), demo=False)
        except AccountsError as exc:
            return AccountSource({}, demo=False, error=str(exc))
    if synthetic:
        return AccountSource(demo_accounts(), demo=True)
    return AccountSource(
        {},
        demo=False,
        error=(
            f"当前数据仓库来自真实导出数据，但未配置账号文件（{path}）。为保护农户信息，看板拒绝启动。"
            "请按 data/accounts.example.toml 建立账号文件后重试。"
        ),
    )


# ------------------------------------------------------------------------------------ sign-in


class Throttle:
    """Lock an account for LOCK_SECONDS after MAX_FAILURES wrong passwords (per server process)."""

    def __init__(self) -> None:
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def locked_for(self, username: str, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self._lock:
            recent = [t for t in self._fails.get(username, []) if now - t < LOCK_SECONDS]
            self._fails[username] = recent
            if len(recent) >= MAX_FAILURES:
                return int(LOCK_SECONDS - (now - recent[-MAX_FAILURES]))
        return 0

    def fail(self, username: str, now: float | None = None) -> None:
        with self._lock:
            self._fails.setdefault(username, []).append(time.time() if now is None else now)

    def clear(self, username: str) -> None:
        with self._lock:
            self._fails.pop(username, None)


def authenticate(accounts: dict[str, Account], username: str, password: str) -> Account | None:
    """The account when the password matches; the same work is done for unknown names."""
    acc = accounts.get(username.strip())
    ok = verify_password(password, acc.password_hash if acc and acc.password_hash else _DUMMY_HASH)
    return acc if (acc and acc.password_hash and ok) else None


def account_for_email(accounts: dict[str, Account], email: str | None) -> Account | None:
    """OIDC: the account configured for this e-mail address (role and scope come from the file)."""
    if not email:
        return None
    email = email.lower()
    return next((a for a in accounts.values() if a.email == email), None)


# ------------------------------------------------------------------------------------ session token


def session_secret(path: Path | None = None) -> bytes:
    """A per-installation random key (created on first use, readable by the owner only)."""
    path = path or Path(os.environ.get("FUPIN_SESSION_KEY", DEFAULT_SECRET))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(f"{account.role}|{account.scope_code}|{account.password_hash}".encode()).hexdigest()[:16]


def make_token(account: Account, secret: bytes, *, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    body = f"{account.username}|{expires}|{_fingerprint(account)}"
    sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(f"{body}|{sig}".encode()).decode()


def read_token(
    token: str | None, accounts: dict[str, Account], secret: bytes, *, now: float | None = None
) -> Account | None:
    """The account a valid, unexpired token names (None for anything else)."""
    if not isinstance(token, str) or not token:
        return None
    try:
        user, expires, fp, sig = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        body = f"{user}|{expires}|{fp}"
        good = hmac.compare_digest(sig, hmac.new(secret, body.encode(), hashlib.sha256).hexdigest())
        if not good or int(expires) < (time.time() if now is None else now):
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    acc = accounts.get(user)
    return acc if acc and hmac.compare_digest(fp, _fingerprint(acc)) else None
