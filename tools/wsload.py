"""Load client without browsers (not part of the product): Streamlit's own websocket protocol, many sessions.

`python -m tools bench wsload --url http://127.0.0.1:8501 --accounts FILE --sessions 100 --minutes 5 --think 10`

Each session does what a browser tab does, minus the drawing:
- `GET /` (the page shell; behind HAProxy this is where the affinity cookie is set), then the websocket
  `/_stcore/stream` (subprotocol "streamlit") with the browser's cookies.
- Sign-in through the form: the first run draws the form; the client reads the ids of 账号 / 密码 / 登录 from
  the ForwardMsg deltas and sends them back in a `rerun_script` BackMsg (text values and the submit trigger),
  exactly the widget states the browser sends. The signed-in run answers with the page script that sends the
  browser to `/_fupin/session?n=…`; the client GETs that URL, keeps the HttpOnly `wanfu_session` cookie from the
  303, and opens a new websocket with it (as the browser's reload does).
- Pages: a `rerun_script` with the page's url_path (and its `page_script_hash` once the navigation message has
  named it) and the query string; the meeting screen reloads `/?mode=present`. Every so often a session changes
  the sidebar's month (截至月份): a rerun with that selectbox's new value.
- Time of each run: from sending the `rerun_script` until `script_finished` FINISHED_SUCCESSFULLY (runs ended early
  for a rerun, e.g. after sign-in, are part of the same request). Errors: an exception element, the app's page-error
  message, a wrong page (its heading word missing), page-not-found, a closed socket, or no finish within 60 s.
- Bounded: at most 400 sessions, at most 60 minutes; the URL must be loopback (127.0.0.0/8 or localhost).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import random
import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

MAX_SESSIONS = 400
MAX_MINUTES = 60.0
RUN_TIMEOUT_S = 60.0
SIGNIN_TIMEOUT_S = 180.0  # a process's first signed-in run also syncs 督办事项 into the store (once per process)
PAGE_ERROR_TEXT = "页面出错"  # serve.py's message for an uncaught error in a page
SESSION_URL = re.compile(r"/_fupin/session\?n=[A-Za-z0-9_\-]+&next=[^\"'<>\s)]*")


def check_loopback(url: str) -> str:
    """The base URL without a trailing slash; refuses anything that is not this machine."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http":
        raise ValueError(f"only http:// on loopback: {url!r}")
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError(f"not a loopback address: {host}")
        except ValueError as exc:
            raise ValueError(f"the load client only talks to this machine (127.0.0.1/localhost): {url!r}") from exc
    return f"http://{parts.netloc}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _http_get(url: str, cookies: dict[str, str]) -> tuple[int, dict[str, str]]:
    """GET without following redirects; returns the status and the cookies the response sets."""
    req = urllib.request.Request(url, headers={"Cookie": _cookie_header(cookies)} if cookies else {})
    try:
        resp = _OPENER.open(req, timeout=30)
    except urllib.error.HTTPError as exc:  # a 3xx lands here with the redirect handler switched off
        resp = exc
    with resp:
        resp.read()
        return resp.status, _set_cookies(resp.headers.get_all("Set-Cookie") or [])


def _set_cookies(headers: list[str]) -> dict[str, str]:
    out = {}
    for h in headers:
        name, _, rest = h.partition("=")
        value = rest.split(";", 1)[0]
        if name.strip():
            out[name.strip()] = value.strip().strip('"')
    return out


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if v)


@dataclass
class RunResult:
    seconds: float
    error: str = ""
    widgets: dict[str, object] = field(default_factory=dict)  # label → the widget's proto (text_input, button …)
    texts: list[str] = field(default_factory=list)  # markdown / heading / html / alert bodies
    runs: int = 0  # script runs inside this request (a run ended for a rerun counts)


class StreamlitSession:
    """One browser tab's worth of Streamlit session, over the websocket."""

    def __init__(self, base: str, *, cookies: dict[str, str] | None = None) -> None:
        self.base = check_loopback(base)
        self.cookies: dict[str, str] = dict(cookies or {})
        self.ws: object | None = None
        self.page_hashes: dict[str, str] = {}  # url_path → page_script_hash (from the navigation message)
        self.widget_states: dict[str, object] = {}  # id → WidgetState the user changed (sent on every rerun)
        self.path = "/"

    async def open(self, path: str = "/") -> None:
        """Load a page the way a browser does: the HTML shell (cookies), then the websocket."""
        from websockets.asyncio.client import connect

        await self.close()
        status, set_cookies = await asyncio.to_thread(_http_get, self.base + path, self.cookies)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        self.cookies.update(set_cookies)
        headers = {"Cookie": _cookie_header(self.cookies)} if self.cookies else {}
        self.ws = await connect(
            "ws://" + self.base.removeprefix("http://") + "/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers=headers,
            origin=self.base,  # type: ignore[arg-type]
            max_size=None,
            open_timeout=30,
            ping_interval=20,
            ping_timeout=60,
        )
        resp = getattr(self.ws, "response", None)
        if resp is not None:
            self.cookies.update(_set_cookies(resp.headers.get_all("Set-Cookie")))
        self.widget_states = {}
        self.path = path

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            with contextlib.suppress(Exception):
                await ws.close()  # type: ignore[attr-defined]

    async def rerun(
        self, *, page: str | None = None, query: str = "", widgets: list | None = None, timeout: float = RUN_TIMEOUT_S
    ) -> RunResult:
        """One rerun request: send the BackMsg, read ForwardMsgs until the script finished successfully."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        assert self.ws is not None
        if page is not None:
            self.path = "/" + page + (f"?{query}" if query else "")
        page = page if page is not None else self.path.lstrip("/").split("?", 1)[0]
        states = dict(self.widget_states)
        for w in widgets or []:
            states[w.id] = w
        cs = ClientState(
            query_string=query,
            widget_states=WidgetStates(widgets=list(states.values())),
            page_script_hash=self.page_hashes.get(page, ""),
            page_name=page,
            context_info=ContextInfo(
                timezone="Asia/Shanghai", timezone_offset=-480, locale="zh-CN", url=self.base + self.path
            ),
        )
        msg = BackMsg(rerun_script=cs)
        result = RunResult(0.0)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())  # type: ignore[attr-defined]
        deadline = t0 + timeout
        try:
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    result.error = f"no script_finished within {timeout:.0f} s"
                    break
                data = await asyncio.wait_for(self.ws.recv(), timeout=left)  # type: ignore[attr-defined]
                fm = ForwardMsg()
                fm.ParseFromString(data)
                kind = fm.WhichOneof("type")
                if kind == "delta":
                    self._read_delta(fm.delta, result)
                elif kind == "navigation":
                    for p in fm.navigation.app_pages:
                        self.page_hashes[p.url_pathname] = p.page_script_hash
                elif kind == "page_not_found":
                    result.error = f"page not found: {page}"
                elif kind == "script_finished":
                    result.runs += 1
                    status = fm.script_finished
                    if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        result.error = result.error or "compile error"
                        break
                    if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                        break
        except TimeoutError:
            result.error = f"no script_finished within {timeout:.0f} s"
        except Exception as exc:  # the socket closed under us
            result.error = f"{type(exc).__name__}: {str(exc)[:160]}"
        result.seconds = time.perf_counter() - t0
        if not result.error and any(PAGE_ERROR_TEXT in t for t in result.texts):
            result.error = "page error shown"
        return result

    @staticmethod
    def _read_delta(delta: object, result: RunResult) -> None:
        if delta.WhichOneof("type") != "new_element":  # type: ignore[attr-defined]
            return
        el = delta.new_element  # type: ignore[attr-defined]
        kind = el.WhichOneof("type")
        if kind == "exception":
            result.error = result.error or f"exception: {el.exception.type}: {el.exception.message[:160]}"
        elif kind in ("text_input", "button", "selectbox", "radio", "checkbox", "segmented_control", "button_group"):
            widget = getattr(el, kind)
            result.widgets.setdefault(widget.label, widget)
        elif kind in ("markdown", "heading", "alert", "html"):
            result.texts.append(getattr(el, kind).body)
        elif kind == "metric":
            result.texts.append(f"metric:{el.metric.label}")


# ------------------------------------------------------------------------------------------ the sessions


@dataclass
class Plan:
    user: str
    password: str
    role: str
    pages: list[str]  # url paths ('' = overview); the meeting screen: [''] with ?mode=present


@dataclass
class Sample:
    user: str
    role: str
    page: str
    seconds: float
    error: str = ""
    kind: str = "page"  # page | widget | signin
    started: float = 0.0  # wall-clock time the request was sent (default: now minus its duration)

    def __post_init__(self) -> None:
        self.started = self.started or time.time() - self.seconds


def _expected_word(page: str) -> str:
    from tools.harness import PAGE_HEADINGS

    return PAGE_HEADINGS.get(page, "")


async def sign_in(s: StreamlitSession, user: str, password: str) -> RunResult:
    """Sign in through the form: fill 账号/密码, trigger 登录, trade the nonce for the HttpOnly cookie."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    t0 = time.perf_counter()
    await s.open("/")
    first = await s.rerun(page="", timeout=SIGNIN_TIMEOUT_S)
    if first.error:
        return first
    try:
        user_w, pw_w, button = first.widgets["账号"], first.widgets["密码"], first.widgets["登录"]
    except KeyError:
        first.error = "no sign-in form"
        return first
    done = await s.rerun(
        page="",
        widgets=[
            WidgetState(id=user_w.id, string_value=user),  # type: ignore[attr-defined]
            WidgetState(id=pw_w.id, string_value=password),  # type: ignore[attr-defined]
            WidgetState(id=button.id, trigger_value=True),  # type: ignore[attr-defined]
        ],
        timeout=SIGNIN_TIMEOUT_S,
    )
    if done.error:
        return done
    link = next((m.group(0) for t in done.texts if (m := SESSION_URL.search(t))), None)
    if link is None:  # served by `streamlit run app.py`: no cookie route (the token is in a script-set cookie)
        done.error = "no /_fupin/session hand-over (wrong password, locked, or not served by serve.py)"
        return done
    status, cookies = await asyncio.to_thread(_http_get, s.base + link.replace("&amp;", "&"), s.cookies)
    if status != 303 or not cookies.get("wanfu_session"):
        done.error = f"cookie hand-over failed ({status})"
        return done
    s.cookies.update(cookies)
    done.seconds = time.perf_counter() - t0
    return done


def _check_page(page: str, present: bool, r: RunResult) -> None:
    if r.error:
        return
    if present:
        # the 16:9 canvas (fupin/ui/meeting.py) draws its slides as HTML blocks (class mtg-…), not st.metric
        if not any(t.startswith("metric:") or 'class="mtg-' in t for t in r.texts):
            r.error = "meeting screen without its slides"
        return
    word = _expected_word(page)
    if word and not any(word in t for t in r.texts):
        r.error = f"wrong page: no heading with {word!r}"


async def run_session(
    base: str,
    plan: Plan,
    *,
    until: float,
    think_s: float,
    samples: list[Sample],
    widget_every: int = 3,
    rng: random.Random | None = None,
) -> None:
    """Sign in, then cycle the plan's pages until `until`, changing the month every `widget_every` pages."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    rng = rng or random.Random(plan.user)
    s = StreamlitSession(base)
    try:
        r = await sign_in(s, plan.user, plan.password)
        samples.append(Sample(plan.user, plan.role, "signin", r.seconds, r.error, "signin"))
        if r.error:
            return
        present = plan.role == "meeting"
        await s.open("/?mode=present" if present else "/")
        i = 0
        while time.monotonic() < until:
            page = plan.pages[i % len(plan.pages)]
            i += 1
            if present:  # the meeting screen reloads the page (a new websocket each time)
                t0 = time.perf_counter()
                await s.open("/?mode=present")
                r = await s.rerun(page="", query="mode=present")
                r.seconds = time.perf_counter() - t0
            else:
                r = await s.rerun(page=page)
            _check_page(page, present, r)
            samples.append(Sample(plan.user, plan.role, page or "overview", r.seconds, r.error))
            if r.error:
                await s.open("/")  # start again, as a person would reload
            elif not present and widget_every and i % widget_every == 0:
                month = r.widgets.get("截至月份")
                if month is not None and len(month.options) > 1:  # type: ignore[attr-defined]
                    choice = rng.choice(list(month.options)[1:4])  # type: ignore[attr-defined]
                    await asyncio.sleep(min(think_s, 2.0) * rng.random())
                    w = await s.rerun(widgets=[WidgetState(id=month.id, string_value=choice)])  # type: ignore[attr-defined]
                    _check_page(page, False, w)
                    samples.append(Sample(plan.user, plan.role, page or "overview", w.seconds, w.error, "widget"))
            await asyncio.sleep(think_s * (0.5 + rng.random()))  # a person reads the page (mean = think_s)
    except Exception as exc:
        samples.append(Sample(plan.user, plan.role, "session", 0.0, f"{type(exc).__name__}: {str(exc)[:160]}"))
    finally:
        await s.close()


def plans_from_accounts(sessions: int, password: str) -> list[Plan]:
    """The load test's role mix (tools/loadtest.py: meeting, county ×10, city ×4, analyst ×3, admin ×2)."""
    from tools.harness import DATA_PAGES
    from tools.loadtest import plans

    out = []
    for p in plans(sessions):
        pages = [""] if p.role == "meeting" else list(p.pages)
        if p.role == "county":
            pages = [x for x in pages if x != "work_overview"]  # not in a county user's menu
        out.append(Plan(p.user, password, p.role, pages or list(DATA_PAGES)))
    return out


def pct(v: list[float], q: float) -> float:
    if not v:
        return 0.0
    if len(v) == 1:
        return round(v[0], 3)
    return round(statistics.quantiles(v, n=100, method="inclusive")[int(q) - 1], 3)


async def drive(
    base: str, plans: list[Plan], *, minutes: float, think_s: float, ramp_s: float = 10.0, widget_every: int = 3
) -> list[Sample]:
    """All sessions at once (their starts spread over `ramp_s`), for `minutes`; returns every sample."""
    if len(plans) > MAX_SESSIONS:
        raise ValueError(f"at most {MAX_SESSIONS} sessions")
    if minutes > MAX_MINUTES:
        raise ValueError(f"at most {MAX_MINUTES:.0f} minutes")
    check_loopback(base)
    samples: list[Sample] = []
    until = time.monotonic() + ramp_s + minutes * 60

    async def one(i: int, plan: Plan) -> None:
        await asyncio.sleep(ramp_s * i / max(len(plans), 1))
        await run_session(base, plan, until=until, think_s=think_s, samples=samples, widget_every=widget_every)

    await asyncio.gather(*(one(i, p) for i, p in enumerate(plans)))
    return samples


def summarize(samples: list[Sample], *, since: float | None = None) -> dict:
    pages = [s for s in samples if s.kind in ("page", "widget")]
    ok = [s.seconds for s in pages if not s.error]
    errors = [s for s in samples if s.error]
    by_kind = {}
    for kind in ("signin", "page", "widget"):
        v = [s.seconds for s in samples if s.kind == kind and not s.error]
        by_kind[kind] = {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95), "max_s": round(max(v), 3) if v else 0}
    return {
        "requests": len(pages),
        "errors": len(errors),
        "error_examples": sorted({f"{s.page}: {s.error}" for s in errors})[:8],
        "client_p50_s": pct(ok, 50),
        "client_p95_s": pct(ok, 95),
        "client_max_s": round(max(ok), 3) if ok else 0.0,
        "by_kind": by_kind,
    }


def server_times(path: Path, since: float = 0.0) -> dict:
    """The app's own script-run times (FUPIN_TIMING_LOG lines: time, page, role, seconds)."""
    v = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and float(parts[0]) >= since:
                v.append(float(parts[3]))
    return {
        "server_runs": len(v),
        "server_p50_s": pct(v, 50),
        "server_p95_s": pct(v, 95),
        "server_max_s": max(v, default=0),
    }


def main(args: list[str] | None = None) -> int:
    """python -m tools.wsload --url URL --accounts-password PW --sessions N --minutes M (users from the plan)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m tools.wsload")
    p.add_argument("--url", required=True)
    p.add_argument("--password", required=True, help="the password of every load account (tools/loadtest.py plan)")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--minutes", type=float, default=1.0)
    p.add_argument("--think", type=float, default=10.0)
    p.add_argument("--ramp", type=float, default=10.0)
    a = p.parse_args(args)
    samples = asyncio.run(
        drive(a.url, plans_from_accounts(a.sessions, a.password), minutes=a.minutes, think_s=a.think, ramp_s=a.ramp)
    )
    print(json.dumps(summarize(samples), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
