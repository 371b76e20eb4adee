"""Sign-in in the browser: the password form (or OIDC), the session check on every run, the HttpOnly cookie
hand-over through the /_fupin routes, and sign-out. Security code: its pure half is fupin/access/auth.py."""

from __future__ import annotations

import json
import os
import urllib.parse

import streamlit as st

from fupin.access import audit, webauth
from fupin.access.auth import (
    DEMO_ACCOUNTS,
    MAX_PASSWORD,
    MAX_USERNAME,
    ROLE_LABELS,
    SESSION_SECONDS,
    Account,
    AccountSource,
    account_for_email,
    cookie_nonce,
    make_token,
    read_token,
    resolve_accounts,
    revoke_session,
    session_secret,
    sign_in,
    token_session,
)
from fupin.access.scope import Viewer
from fupin.core.labels import md_escape
from fupin.core.reference import area_names, county_codes

SESSION_COOKIE = webauth.SESSION_COOKIE


def _oidc_configured() -> bool:
    """An OIDC provider in .streamlit/secrets.toml ([auth]) switches sign-in to st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def client_id() -> str:
    """Who is knocking, for the per-client sign-in limit: the connection's address, or behind a trusted
    proxy (FUPIN_TRUST_PROXY=1, HAProxy with `option forwardfor`) the address the proxy saw."""
    ip = st.context.ip_address
    ip = ip if isinstance(ip, str) and ip else "localhost"
    if os.environ.get("FUPIN_TRUST_PROXY") == "1":
        forwarded = st.context.headers.get("X-Forwarded-For")
        if isinstance(forwarded, str) and forwarded.strip():
            ip = forwarded.split(",")[-1].strip()
    return ip[:64]


def _here() -> str:
    """The page the browser is on (path and query), to come back to after the cookie hand-over."""
    url = urllib.parse.urlsplit(st.context.url if isinstance(st.context.url, str) else "/")
    return webauth.safe_next(url.path + (f"?{url.query}" if url.query else ""))


def _goto(path: str) -> None:
    """Send the browser to a local path (the cookie routes): a constant script with a JSON-quoted path."""
    st.html(
        f"<script>window.top.location.replace({json.dumps(webauth.safe_next(path))});</script>",
        unsafe_allow_javascript=True,
    )


def _script_cookie(token: str | None) -> None:
    """Fallback when served by `streamlit run app.py` (no cookie routes): a script-set cookie (not HttpOnly)."""
    value, age = (token, SESSION_SECONDS) if token else ("", 0)
    st.html(
        f"<script>document.cookie = '{SESSION_COOKIE}={value}; path=/; max-age={age}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def login_form(src: AccountSource) -> None:
    """The sign-in form (app.py draws it after st.navigation, so its widgets keep their ids)."""
    ss = st.session_state
    if ss.pop("signed_out", False):  # the session is already revoked; the browser's cookie goes too
        if webauth.ROUTES_ACTIVE:
            _goto(webauth.SIGNOUT_PATH)
        else:
            _script_cookie(None)
    _, mid, _ = st.columns([1, 1.3, 1])
    with mid:
        st.markdown("## :material/lock: 皖扶看板 · 登录")
        st.caption("安徽省扶贫开发领导小组 · 防止返贫监测与脱贫攻坚调度")
        if _oidc_configured():
            if st.button("使用单位统一身份认证登录", type="primary", icon=":material/login:", width="stretch"):
                st.login()
            return
        with st.form("login", border=True):
            username = st.text_input("账号", autocomplete="username", key="login_user", max_chars=MAX_USERNAME)
            password = st.text_input(
                "密码", type="password", autocomplete="current-password", key="login_password", max_chars=MAX_PASSWORD
            )
            submitted = st.form_submit_button("登录", type="primary", width="stretch")
        if submitted:
            client = client_id()
            result = sign_in(src.accounts, username, password, client)
            if result.locked_seconds:
                audit.sign_in_event(result.username, "login_locked", client=client)
                st.error(f"密码错误次数过多，已暂停从本机登录该账号，请 {result.locked_seconds // 60 + 1} 分钟后再试。")
            elif result.account is None:
                audit.sign_in_event(result.username, "login_failed", client=client)
                st.error("账号或密码错误。")
            else:
                acc = result.account
                token = make_token(acc, session_secret())
                ss["auth_token"] = token
                ss["set_cookie"] = token
                audit.sign_in_event(acc.username, "login", acc.viewer(), client=client)
                st.rerun()
        if src.demo:
            names = area_names()
            rows = [
                f"| {user} | {pw} | {ROLE_LABELS[role]}{f'（{names[scope]}）' if role in ('city', 'county') else ''} |"
                for user, pw, _, role, scope in DEMO_ACCOUNTS
            ]
            st.info(
                "**演示数据 · 演示账号**（合成数据仓库且未配置账号文件时可用；真实数据必须配置 "
                "`data/accounts.toml`）\n\n| 账号 | 密码 | 角色 |\n|---|---|---|\n" + "\n".join(rows),
                icon=":material/science:",
            )


def signed_in_account(synthetic: bool) -> tuple[Account | None, AccountSource | None]:
    """The signed-in account, or None and where accounts come from (None: refused, error shown).

    Every run re-checks the session: the token (this session's, or the browser's HttpOnly cookie) must
    carry a valid signature, name a session that was not revoked, and match the account's current role,
    scope and password. An OIDC identity (when configured) is mapped to its account.
    A real (non-synthetic) warehouse with no accounts file refuses to start.
    """
    src = resolve_accounts(synthetic=synthetic, county_codes=county_codes())
    if src.error:
        st.error(src.error, icon=":material/block:")
        return None, None
    ss = st.session_state
    secret = session_secret()
    token = ss.get("auth_token") or st.context.cookies.get(SESSION_COOKIE)
    acc = read_token(token, src.accounts, secret) if token else None
    if acc is None and _oidc_configured() and getattr(st.user, "is_logged_in", False):
        acc = account_for_email(src.accounts, st.user.get("email"))  # type: ignore[arg-type]
        if acc is None:
            st.error(f"您的账号（{md_escape(str(st.user.get('email')))}）未在看板账号文件中授权，请联系省扶贫办。")
            if st.button("退出"):
                st.logout()
            return None, None
        token = make_token(acc, secret)
        audit.sign_in_event(acc.username, "login", acc.viewer(), client=client_id())
    if acc is None:
        ss.pop("auth_token", None)
        return None, src
    ss["auth_token"] = token
    if pending := ss.pop("set_cookie", None):
        if webauth.ROUTES_ACTIVE:
            _goto(f"{webauth.SESSION_PATH}?n={cookie_nonce(pending)}&next={urllib.parse.quote(_here(), safe='')}")
        else:
            _script_cookie(pending)
    return acc, src


def sign_out(viewer: Viewer) -> None:
    """Revoke the session server-side (a copied cookie stops working at once), then clear the browser's."""
    ss = st.session_state
    if sid := token_session(ss.get("auth_token")):
        revoke_session(sid)
    audit.sign_in_event(viewer.username, "logout", viewer, client=client_id())
    ss.pop("auth_token", None)
    ss["signed_out"] = True
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()
    st.rerun()


def current_viewer() -> Viewer:
    """Who is looking: set by app.py from the signed-in account (never a default scope)."""
    viewer = st.session_state.get("viewer")
    if not isinstance(viewer, Viewer):
        st.error("请先登录。")
        st.stop()
    return viewer
