"""Streamlit glue shared by app.py and the pages: the cached warehouse connection, the shared
sidebar selection (month, city → county, meeting mode) kept in the URL, and rendering helpers.

Kept apart from the pure modules: only this file and pages/ import streamlit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fupin import audit, queries, webauth
from fupin.auth import (
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
from fupin.kpi import Tile
from fupin.labels import DEMO_NOTE, md_escape, month_label
from fupin.reference import area_names, county_codes
from fupin.scope import Viewer, scope_prefix
from fupin.warehouse import DEFAULT_DB, BatchInfo, batch_info, build_demo, db_path, file_identity, open_read_only

_LOG = logging.getLogger("fupin")

# Plotly in the browser: the stub world topojson served by the app (no CDN), PNG export offline.
PLOTLY_CONFIG = {
    "topojsonURL": "/app/static/",
    "displaylogo": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "filename": "皖扶看板地图", "scale": 2},
}


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, identity: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    # `identity` is only part of the cache key: a swapped-in file gets a new connection, and a
    # connection keeps reading the file it opened, so a query never sees half a batch.
    return open_read_only(Path(path))


@dataclass
class DemoBuild:
    """The first-start build, in a background thread so a closed browser tab cannot cut it short
    and several first visitors share one build."""

    path: Path
    fraction: float = 0.0
    message: str = "准备中…"
    error: str | None = None
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        with self.lock:
            if self.thread is None or (not self.thread.is_alive() and self.error is None and not self.path.exists()):
                self.thread = threading.Thread(target=self._run, name="demo-build", daemon=True)
                self.thread.start()

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message

    def _run(self) -> None:
        try:
            build_demo(db=self.path, progress=self._progress)
        except Exception as exc:  # shown on the page, in Chinese
            self.error = f"演示数据生成失败：{exc}"


@st.cache_resource(show_spinner=False)
def _demo_build(path: str) -> DemoBuild:
    return DemoBuild(Path(path))


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read (Chinese message for the page; details in the server log)."""


def ensure_warehouse() -> Path:
    """The warehouse path; on first start with none, build the demo warehouse with visible progress.

    Only the default path is ever built: a configured FUPIN_DB that does not exist is an error, never
    silently replaced by synthetic data."""
    path = db_path()
    if path.exists():
        return path
    if path.resolve() != DEFAULT_DB.resolve():
        raise WarehouseUnavailable(
            f"数据仓库文件不存在：{path}（由 FUPIN_DB 指定）。请检查路径，或先运行 python -m fupin ingest 生成数据仓库。"
        )
    build = _demo_build(str(path))
    build.start()
    st.info("首次启动：正在生成并导入演示数据（合成数据，约需半分钟）…", icon=":material/hourglass_top:")
    st.progress(build.fraction, text=build.message)
    if build.error:
        st.error(build.error)
        st.stop()
    time.sleep(0.5)
    st.rerun()
    raise AssertionError("unreachable")


def connection() -> duckdb.DuckDBPyConnection:
    """The read-only connection for the current warehouse file (reopened after an ingest swap)."""
    path = ensure_warehouse()
    try:
        return _connect(str(path), file_identity(path))
    except (duckdb.Error, OSError) as exc:
        _LOG.error("cannot open warehouse %s: %r", path, exc)
        raise WarehouseUnavailable(
            "数据仓库文件无法读取（文件可能已损坏或不是数据仓库）。请由管理员重新导入数据（python -m fupin ingest）；"
            "详细原因已写入服务器日志。"
        ) from exc


@st.cache_resource(max_entries=2, show_spinner=False)
def _batch(path: str, identity: tuple[int, int]) -> BatchInfo:
    return batch_info(_connect(path, identity))


def current_batch() -> BatchInfo:
    """The batch of the current warehouse file (read once per file, not on every rerun)."""
    path = ensure_warehouse()
    try:
        return _batch(str(path), file_identity(path))
    except (duckdb.Error, OSError, TypeError) as exc:
        _LOG.error("cannot read the batch of %s: %r", path, exc)
        raise WarehouseUnavailable(
            "数据仓库不完整（缺少导入批次信息），无法显示。请由管理员重新导入数据；详细原因已写入服务器日志。"
        ) from exc


# ---------------------------------------------------------------------------------- cached queries


def cache_viewer(viewer: Viewer) -> Viewer:
    """What a query's rows depend on: the scope, and whether household rows may be read. Everyone with
    the same scope shares one cache entry (the province's administrators and analysts, a county's users)."""
    role = "analyst" if viewer.sees_households else "meeting"
    return Viewer(name="", role=role, scope_level=viewer.scope_level, scope_code=viewer.scope_code)


@st.cache_data(max_entries=512, show_spinner=False)
def query(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
    """A named query, cached per viewer, batch and parameters (a new batch never hits old entries)."""
    del batch_id  # part of the cache key only
    return queries.run(connection(), name, viewer, **params)


# ---------------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """What the shared sidebar selected; every page reads it from st.session_state["selection"]."""

    viewer: Viewer
    batch: BatchInfo
    months: list[str]  # 'YYYY-MM', newest first
    month: str
    city: str | None  # 6-digit city code
    county: str | None  # 6-digit county code
    area_name: str
    present: bool
    carousel_seconds: int

    @property
    def month_date(self) -> dt.date:
        return dt.date.fromisoformat(self.month + "-01")

    @property
    def area_prefix(self) -> str:
        if self.county:
            return self.county
        if self.city:
            return self.city[:4]
        return scope_prefix(self.viewer)

    def q(self, name: str, **params: object) -> pd.DataFrame:
        return query(name, cache_viewer(self.viewer), self.batch.batch_id, **params)


def _select_county(code: str) -> None:
    """Ask the next run to select a county (from a map click: the sidebar widgets exist by then)."""
    st.session_state["pending_county"] = code


def sidebar(viewer: Viewer, *, present: bool) -> Selection:
    """Render the shared sidebar and return the selection; the URL mirrors it (?month=&county=)."""
    batch = current_batch()
    months = [m.strftime("%Y-%m") for m in queries.run(connection(), "months_available", viewer)["month"]]
    flags = query("county_flags", cache_viewer(viewer), batch.batch_id)  # scoped: only the viewer's counties
    city_names = dict(zip(flags["city_code"], flags["city_name"], strict=False))
    county_names = dict(zip(flags["county_code"], flags["county_name"], strict=False))
    qp = st.query_params
    ss = st.session_state

    if "pending_county" in ss:  # a click on the map
        code = ss.pop("pending_county")
        ss["county"], ss["city"] = code, code[:4] + "00"
    if ss.get("seen_batch") not in (None, batch.batch_id):  # a new batch came in (数据导入): its latest month
        ss["month"] = months[0]
    ss["seen_batch"] = batch.batch_id
    if "month" not in ss or ss["month"] not in months:
        ss["month"] = qp.get("month") if qp.get("month") in months else months[0]
    if "county" not in ss:
        ss["county"] = qp.get("county") if qp.get("county") in county_names else ""
    if "city" not in ss:
        city = qp.get("city") or (ss["county"][:4] + "00" if ss["county"] else "")
        ss["city"] = city if city in city_names else ""
    if viewer.scope_level == "county":
        ss["city"], ss["county"] = viewer.scope_code[:4] + "00", viewer.scope_code
    elif viewer.scope_level == "city":
        ss["city"] = viewer.scope_code

    def reset_county() -> None:
        ss["county"] = ""

    with st.sidebar:
        st.markdown("### :material/analytics: 皖扶看板")
        if batch.synthetic:
            st.warning(DEMO_NOTE, icon=":material/science:")
        st.selectbox("截至月份", months, key="month", format_func=month_label)
        city_opts = ["", *sorted(city_names)]
        st.selectbox("市", city_opts, key="city", on_change=reset_county, disabled=viewer.scope_level != "province",
                     format_func=lambda c: city_names.get(c, "全省"))  # fmt: skip
        counties = [c for c in sorted(county_names) if not ss["city"] or c.startswith(ss["city"][:4])]
        if ss["county"] not in counties:
            ss["county"] = ""
        st.selectbox("县（市、区）", ["", *counties], key="county", disabled=viewer.scope_level == "county",
                     format_func=lambda c: county_names.get(c, "全部"))  # fmt: skip
        st.divider()
        if not present and st.button("进入会议模式", icon=":material/slideshow:", width="stretch"):
            qp["mode"] = "present"
            st.rerun()
        st.caption(f"数据批次 {batch.batch_id}\n\n导入于 {batch.started_at} · 截至 {month_label(batch.months[-1])}")
        where = (
            ""
            if viewer.scope_level == "province"
            else f" · {md_escape(county_names.get(viewer.scope_code) or city_names.get(viewer.scope_code, viewer.scope_code))}"
        )
        st.caption(f":material/person: {md_escape(viewer.name)}（{ROLE_LABELS[viewer.role]}{where}）")
        if not present and st.button("退出登录", icon=":material/logout:", width="stretch", key="sign_out"):
            sign_out(viewer)

    month, city, county = ss["month"], ss["city"] or None, ss["county"] or None
    qp["month"] = month
    for k, v in (("city", city), ("county", county)):
        if v:
            qp[k] = v
        elif k in qp:
            del qp[k]
    area = county_names.get(county or "", "") or city_names.get(city or "", "") or "全省"
    carousel = qp.get("carousel", "0")
    return Selection(viewer, batch, months, month, city, county, area, present,
                     int(carousel) if carousel.isdigit() else 0)  # fmt: skip


# ---------------------------------------------------------------------------------- sign-in

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


def log_run_time(page: str, viewer: Viewer, seconds: float) -> None:
    """Append the script run's server time to FUPIN_TIMING_LOG (the load test reads it); off by default."""
    path = os.environ.get("FUPIN_TIMING_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{time.time():.3f}\t{page}\t{viewer.role}\t{seconds:.4f}\n")


def is_present() -> bool:
    return st.query_params.get("mode") == "present"


def app_selection(viewer: Viewer) -> Selection:
    """Called by app.py once per run: render the shared sidebar and hand the selection to the page."""
    st.session_state["viewer"] = viewer
    present = is_present() or viewer.role == "meeting"  # 会议大屏 is always meeting mode
    sel = sidebar(viewer, present=present)
    st.session_state["selection"] = sel
    page_style(sel.present)
    if sel.present and viewer.role == "meeting":  # the meeting screen has no other mode
        _, right = st.columns([12, 1])
        if right.button("退出登录", key="sign_out_present", type="tertiary", icon=":material/logout:"):
            sign_out(viewer)
    elif sel.present:  # no sidebar on the projected screen: the way out sits in the top corner
        _, right = st.columns([12, 1])
        if right.button("退出会议模式", key="exit_present", type="tertiary", icon=":material/close:"):
            for k in ("mode", "carousel"):
                if k in st.query_params:
                    del st.query_params[k]
            st.rerun()
    return sel


def page_selection() -> Selection:
    """The selection app.py made in this run.

    A page can run without app.py: on a fresh server's first run Streamlit still treats a `pages/`
    folder the legacy way and executes the requested page file directly. Then switch Streamlit to
    st.navigation and rerun, so the same page runs again through app.py (page config, scope, sidebar).
    """
    sel = st.session_state.pop("selection", None)
    if isinstance(sel, Selection):
        return sel
    import runpy

    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")
    st.stop()
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------- rendering


PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1.2rem; padding-bottom: 0.5rem; max-width: 100%;}
h1 {font-size: 2.4rem !important; padding-bottom: 0.4rem !important;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem !important; color: #222 !important;}
[data-testid="stMetricValue"] {font-size: 2.6rem !important; font-weight: 700; color: #000;}
[data-testid="stMetricDelta"] {font-size: 1.1rem !important;}
[data-testid="stMetric"] {background: #f4f4f4; border-radius: 0.5rem; padding: 0.4rem 0.9rem;}
[data-testid="stMetricValue"] * {font-size: inherit !important;}
[data-testid="stCaptionContainer"] {font-size: 1.0rem !important; color: #333 !important;}
</style>
"""

NORMAL_CSS = """
<style>
[data-testid="stMetric"] {background: #fafafa; border: 1px solid #eee; border-radius: 0.5rem; padding: 0.5rem 0.8rem;}
[data-testid="stMetricValue"] {font-size: 1.9rem;}
</style>
"""


def page_style(present: bool) -> None:
    """Constant CSS only (no data in it): large, high-contrast type and no sidebar in meeting mode.

    Tables' built-in CSV download is not hidden here but switched off (`client.disableDataExport` in
    .streamlit/config.toml): the browser never draws it, so household lists leave only through the audited exports.
    """
    st.html(PRESENT_CSS if present else NORMAL_CSS)


def render_tiles(tiles: list[Tile], *, per_row: int = 5) -> None:
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for col, t in zip(cols, tiles[start : start + per_row], strict=False):
            col.metric(t.label, t.value, t.delta, delta_color=t.delta_color, help=t.help or None)  # type: ignore[arg-type]


def plotly(fig: go.Figure, *, key: str, selectable: bool = False, own_fonts: bool = False) -> object:
    """st.plotly_chart with the offline config; with selectable=True a click returns the selection.

    own_fonts=True keeps the figure's (large) fonts instead of the Streamlit theme's: meeting mode.
    """
    theme = None if own_fonts else "streamlit"
    if selectable:
        return st.plotly_chart(
            fig, key=key, config=PLOTLY_CONFIG, on_select="rerun", selection_mode="points", theme=theme
        )
    return st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=theme)


def clicked_county(event: object) -> str | None:
    """The county code of a click on the map (item access: also works with seeded dicts in tests)."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for p in points:
        loc = p.get("location") if isinstance(p, dict) else None
        if loc:
            return str(loc)
    return None


def select_county(code: str) -> None:
    _select_county(code)
    st.rerun()
