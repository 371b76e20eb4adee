"""Accounts, roles and sign-in — no Streamlit here (fupin/ui.py draws the form).

- Local accounts live in a TOML file that is never committed (``data/accounts.toml`` or
  ``FUPIN_ACCOUNTS``); ``data/accounts.example.toml`` shows the format. Passwords are stored as
  scrypt hashes (``python -m fupin accounts hash`` makes one).
- A synthetic (演示数据) warehouse with no accounts file falls back to the documented demo accounts
  (``DEMO_ACCOUNTS``); a warehouse built from real exports refuses to start without an accounts file.
- A role maps to a scope: 省级管理员 / 分析员 / 会议大屏 see the province, 市级 their city, 县级 their
  county. That scope is the `Viewer` every query binds.
- Sign-in: the typed name is normalised once (`normalize_username`) before anything is counted or
  looked up. Failures are kept in the store (shared by every app process, kept across restarts) and
  limited per account *and* client with exponential back-off (`SignInGuard`), so a stranger cannot
  lock an account out for everyone; a locked attempt costs no password hashing.
- A signed session token (HMAC, 12 hours) names the account, a server-side session id (revoked at
  sign-out) and a fingerprint of the account's role, scope and password hash: every run re-checks all
  three, so sign-out, a changed password or a changed role end the session at once.
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
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from fupin.access.scope import PROVINCE_CODE, Role, Viewer
from fupin.core.reference import PROJECT_ROOT

DEFAULT_ACCOUNTS = PROJECT_ROOT / "data" / "accounts.toml"

ROLE_LABELS: dict[str, str] = {
    "province_admin": "省级管理员",
    "city": "市级",
    "county": "县级",
    "analyst": "分析员",
    "meeting": "会议大屏",
}

SESSION_SECONDS = 12 * 3600
MAX_USERNAME = 64  # longer names are refused before any work is done
MAX_PASSWORD = 256  # … and longer passwords before they are hashed


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
        return Viewer(name=self.name, role=self.role, scope_level=level, scope_code=code, username=self.username)  # type: ignore[arg-type]


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


_accounts_cache: dict[tuple, dict[str, Account]] = {}


def load_accounts(path: Path, *, county_codes: frozenset[str] | set[str] | None = None) -> dict[str, Account]:
    """Read and check an accounts file ([accounts.<username>] tables); read again only when the file changes (its
    inode, size or mtime: every page run checks the viewer's account)."""
    try:
        st = path.stat()
        seen = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, frozenset(county_codes or ()), county_codes is None)
    except OSError:
        return _load_accounts(path, county_codes=county_codes)
    hit = _accounts_cache.get(seen)
    if hit is None:
        hit = _load_accounts(path, county_codes=county_codes)
        if len(_accounts_cache) > 8:
            _accounts_cache.clear()
        _accounts_cache[seen] = hit
    return dict(hit)


def _load_accounts(path: Path, *, county_codes: frozenset[str] | set[str] | None = None) -> dict[str, Account]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AccountsError(f"账号文件不存在：{path}") from exc
    except IsADirectoryError as exc:
        raise AccountsError(f"账号文件路径是一个目录，不是文件：{path}") from exc
    except OSError as exc:
        raise AccountsError(f"无法读取账号文件 {path}（{exc.strerror or exc}）") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"账号文件格式错误（{path}）：{exc}") from exc
    out: dict[str, Account] = {}
    for user, entry in (data.get("accounts") or {}).items():
        if not isinstance(entry, dict):
            raise AccountsError(f"账号「{user}」应为一个表（[accounts.{user}]）")
        unknown = set(entry) - {"name", "role", "scope", "password_hash", "email"}
        if unknown:
            raise AccountsError(f"账号「{user}」有未知字段：{', '.join(sorted(unknown))}")
        name = normalize_username(str(user))
        if name != str(user):
            raise AccountsError(f"账号名「{user}」含空白、全角或大写字符：请写作「{name}」")
        if not name or len(name) > MAX_USERNAME:
            raise AccountsError(f"账号名「{user}」为空或超过 {MAX_USERNAME} 个字符")
        acc = Account(
            username=name,
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


def normalize_username(typed: str) -> str:
    """The one form of a user name that is looked up, counted and logged: NFKC (full-width → ASCII),
    no surrounding or inner whitespace, lower case."""
    return "".join(unicodedata.normalize("NFKC", typed).split()).casefold()


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


@dataclass(frozen=True)
class LockPolicy:
    """How many wrong passwords lock what, for how long (seconds)."""

    pair_failures: int = 5  # one account from one client: then locked, doubling per further failure …
    pair_lock: int = 15 * 60
    max_lock: int = 24 * 3600  # … up to a day
    client_failures: int = 20  # any accounts from one client within `window`
    account_failures: int = 50  # one account from all clients within `window` (a distributed guess)
    window: int = 15 * 60


POLICY = LockPolicy()
_hashing = threading.BoundedSemaphore(2)  # at most two scrypt runs at a time per process


# Recent failures from one client / for one account (fixed statements; every value is bound).
_RECENT_BY_CLIENT = "select at from login_attempt where client = :v and ok = 0 and at > :s order by at desc"
_RECENT_BY_USER = "select at from login_attempt where username = :v and ok = 0 and at > :s order by at desc"


class SignInGuard:
    """Sign-in attempts and lockouts, kept in the store (shared by every process, kept across restarts).

    - account + client: `pair_failures` wrong passwords lock that pair for `pair_lock`, doubling with
      every further failure (15 min, 30 min, 1 h … a day); a success clears it. A stranger who
      guesses at `admin` locks only their own client out.
    - client: `client_failures` failures within `window`, whatever the names, lock the client.
    - account: `account_failures` failures within `window` from all clients lock the account for
      everyone until the window has passed (only many clients together can do that).
    """

    def __init__(self, policy: LockPolicy = POLICY) -> None:
        self.p = policy

    def locked_for(self, username: str, client: str, now: float | None = None) -> int:
        """Seconds until `username` may try again from `client` (0: not locked)."""
        import sqlalchemy as sa

        from fupin.access import store

        now = time.time() if now is None else now
        p = self.p
        waits = [0.0]
        with store.read() as conn:
            last_ok = conn.execute(
                sa.text("select max(at) from login_attempt where username = :u and client = :c and ok = 1"),
                {"u": username, "c": client},
            ).scalar()
            since = max(float(last_ok or 0), now - p.max_lock)
            fails = [
                r[0]
                for r in conn.execute(
                    sa.text(
                        "select at from login_attempt where username = :u and client = :c and ok = 0 and at > :s "
                        "order by at"
                    ),
                    {"u": username, "c": client, "s": since},
                )
            ]
            if len(fails) >= p.pair_failures:
                lock = min(p.pair_lock * 2 ** (len(fails) - p.pair_failures), p.max_lock)
                waits.append(fails[-1] + lock - now)
            for sql, value, limit in (
                (_RECENT_BY_CLIENT, client, p.client_failures),
                (_RECENT_BY_USER, username, p.account_failures),
            ):
                recent = [r[0] for r in conn.execute(sa.text(sql), {"v": value, "s": now - p.window})]
                if len(recent) >= limit:
                    waits.append(recent[limit - 1] + p.window - now)
        return max(0, int(max(waits) + 0.999))

    def note(self, username: str, client: str, ok: bool, now: float | None = None) -> None:
        import sqlalchemy as sa

        from fupin.access import store

        now = time.time() if now is None else now
        with store.tx() as conn:
            conn.execute(
                sa.text("insert into login_attempt (at, username, client, ok) values (:at, :u, :c, :ok)"),
                {"at": now, "u": username[:MAX_USERNAME], "c": client[:64], "ok": int(ok)},
            )
            if secrets.randbelow(200) == 0:  # now and then, forget attempts older than a week
                conn.execute(sa.text("delete from login_attempt where at < :t"), {"t": now - 7 * 86400})


@dataclass(frozen=True)
class SignInResult:
    account: Account | None
    username: str  # normalised
    locked_seconds: int = 0


def sign_in(
    accounts: dict[str, Account],
    typed_username: str,
    password: str,
    client: str,
    *,
    guard: SignInGuard | None = None,
    now: float | None = None,
) -> SignInResult:
    """Check a password sign-in: normalise the name once, refuse while locked (no hashing), count the result."""
    guard = guard or SignInGuard()
    username = normalize_username(typed_username or "")[:MAX_USERNAME]
    wait = guard.locked_for(username, client, now)
    if wait:
        return SignInResult(None, username, wait)
    acc = authenticate(accounts, username, password)
    guard.note(username, client, acc is not None, now)
    return SignInResult(acc, username)


def authenticate(accounts: dict[str, Account], username: str, password: str) -> Account | None:
    """The account when the password matches; the same work is done for unknown names."""
    acc = accounts.get(normalize_username(username))
    if len(password) > MAX_PASSWORD:
        return None  # bounded work: never hash a megabyte
    with _hashing:
        ok = verify_password(password, acc.password_hash if acc and acc.password_hash else _DUMMY_HASH)
    return acc if (acc and acc.password_hash and ok) else None


def account_for_email(accounts: dict[str, Account], email: str | None) -> Account | None:
    """OIDC: the account configured for this e-mail address (role and scope come from the file)."""
    if not email:
        return None
    email = email.lower()
    return next((a for a in accounts.values() if a.email == email), None)


# ------------------------------------------------------------------------------------ session token


def session_secret() -> bytes:
    """The installation's cookie-signing key (fupin/keys.py: outside data/, created atomically)."""
    from fupin.access.keys import load_key

    return load_key("session")


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(f"{account.role}|{account.scope_code}|{account.password_hash}".encode()).hexdigest()[:16]


def new_session(account: Account, *, now: float | None = None) -> str:
    """A server-side session (revocable) for a signed-in account; returns its id."""
    import sqlalchemy as sa

    from fupin.access import store

    now = time.time() if now is None else now
    sid = secrets.token_urlsafe(18)
    with store.tx() as conn:
        conn.execute(
            sa.text("insert into auth_session (sid, username, created_at, expires_at) values (:s, :u, :c, :e)"),
            {"s": sid, "u": account.username, "c": now, "e": now + SESSION_SECONDS},
        )
    return sid


def revoke_session(sid: str, *, now: float | None = None) -> None:
    import sqlalchemy as sa

    from fupin.access import store

    with store.tx() as conn:
        conn.execute(
            sa.text("update auth_session set revoked_at = :t where sid = :s and revoked_at is null"),
            {"t": time.time() if now is None else now, "s": sid},
        )


def _session_live(sid: str, username: str, now: float) -> bool:
    import sqlalchemy as sa

    from fupin.access import store

    with store.read() as conn:
        row = conn.execute(
            sa.text("select username, expires_at, revoked_at from auth_session where sid = :s"), {"s": sid}
        ).first()
    return bool(row) and row[0] == username and row[2] is None and float(row[1]) >= now


def make_token(account: Account, secret: bytes, *, sid: str | None = None, now: float | None = None) -> str:
    """A signed token naming the account, a live server-side session and the account's fingerprint."""
    now = time.time() if now is None else now
    sid = sid or new_session(account, now=now)
    body = f"{account.username}|{sid}|{int(now + SESSION_SECONDS)}|{_fingerprint(account)}"
    sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(f"{body}|{sig}".encode()).decode().rstrip("=")  # no '=': no cookie quoting


def _b64(token: str) -> str:
    return base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()


def token_session(token: str | None) -> str | None:
    """The session id a token names (no checks; for sign-out)."""
    try:
        return _b64(str(token)).split("|")[1]
    except (ValueError, UnicodeDecodeError, IndexError):
        return None


def read_token(
    token: str | None, accounts: dict[str, Account], secret: bytes, *, now: float | None = None
) -> Account | None:
    """The account a valid token names: signature, expiry, the account's current fingerprint (role,
    scope, password) and a session that was not revoked. None for anything else."""
    if not isinstance(token, str) or not token or len(token) > 1024:
        return None
    now = time.time() if now is None else now
    try:
        user, sid, expires, fp, sig = _b64(token).split("|")
        body = f"{user}|{sid}|{expires}|{fp}"
        good = hmac.compare_digest(sig, hmac.new(secret, body.encode(), hashlib.sha256).hexdigest())
        if not good or int(expires) < now:
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    acc = accounts.get(user)
    if not (acc and hmac.compare_digest(fp, _fingerprint(acc))):
        return None
    return acc if _session_live(sid, user, now) else None


# ------------------------------------------------------------------------------------ cookie hand-over

NONCE_SECONDS = 60


def cookie_nonce(token: str, *, now: float | None = None) -> str:
    """A one-time, short-lived nonce the browser trades at /auth/session for the HttpOnly cookie."""
    import sqlalchemy as sa

    from fupin.access import store

    now = time.time() if now is None else now
    nonce = secrets.token_urlsafe(24)
    with store.tx() as conn:
        conn.execute(sa.text("delete from cookie_nonce where expires_at < :t"), {"t": now})
        conn.execute(
            sa.text("insert into cookie_nonce (nonce, token, expires_at) values (:n, :t, :e)"),
            {"n": nonce, "t": token, "e": now + NONCE_SECONDS},
        )
    return nonce


def redeem_nonce(nonce: str, *, now: float | None = None) -> str | None:
    """The token behind a nonce, once (the nonce is deleted), or None."""
    import sqlalchemy as sa

    from fupin.access import store

    if not nonce or len(nonce) > 64:
        return None
    now = time.time() if now is None else now
    with store.tx() as conn:
        row = conn.execute(sa.text("select token, expires_at from cookie_nonce where nonce = :n"), {"n": nonce}).first()
        conn.execute(sa.text("delete from cookie_nonce where nonce = :n"), {"n": nonce})
    return row[0] if row and float(row[1]) >= now else None
