"""Serving: the websocket load client against a real `streamlit run serve.py`, the shared keys under concurrent
first starts, and several processes behind HAProxy (`python -m fupin serve`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.harness import Server, streamlit_server
from tools.wsload import Plan, StreamlitSession, check_loopback, drive, sign_in, summarize


@pytest.fixture(scope="module")
def server(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("wsload") / "streamlit.log"
    with streamlit_server(tiny_db, log=log, timeout=90) as s:
        yield s


def test_wsload_refuses_other_hosts() -> None:
    assert check_loopback("http://127.0.0.1:8501/") == "http://127.0.0.1:8501"
    assert check_loopback("http://localhost:9") == "http://localhost:9"
    for url in ("http://10.0.0.1:8501", "http://example.org", "https://127.0.0.1:1", "ftp://127.0.0.1"):
        with pytest.raises(ValueError):
            check_loopback(url)


def test_wsload_signs_in_opens_pages_and_changes_a_widget(server: Server) -> None:
    """A county user signs in through the form (cookie hand-over), opens two pages by URL path and changes the
    month: every run finishes, on the right page, and the month the client picked is the one the page shows."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async def go() -> list[tuple[str, object]]:
        s = StreamlitSession(server.url)
        out = []
        r = await sign_in(s, "linquan", "demo-county")
        out.append(("signin", r))
        assert s.cookies.get("wanfu_session"), "no HttpOnly session cookie from /_fupin/session"
        await s.open("/")  # a new tab with the cookie: signed in without the form
        for page in ("", "warnings"):
            out.append((page, await s.rerun(page=page)))
        month = out[-1][1].widgets["截至月份"]
        picked = list(month.options)[1]
        out.append(("widget", await s.rerun(widgets=[WidgetState(id=month.id, string_value=picked)])))
        out.append(("picked", picked))
        await s.close()
        return out

    res = dict(asyncio.run(go()))
    for key in ("signin", "", "warnings", "widget"):
        assert res[key].error == "", (key, res[key].error)
        assert res[key].runs >= 1
    assert "账号" not in res[""].widgets  # no sign-in form once the cookie is sent
    assert any("总览" in t for t in res[""].texts)
    assert any("红色预警户" in t for t in res["warnings"].texts)
    assert any("临泉" in t for t in res["warnings"].texts)  # the county user's scope
    picked = res["picked"]
    assert picked != res["warnings"].widgets["截至月份"].options[0]
    assert any(picked in t for t in res["widget"].texts), "the page does not show the month the client chose"


def test_wsload_counts_a_wrong_password_as_an_error(server: Server) -> None:
    r = asyncio.run(sign_in(StreamlitSession(server.url), "fuyang", "not-the-password"))
    assert "hand-over" in r.error


def test_wsload_sessions_of_several_roles_finish_without_errors(server: Server) -> None:
    plans = [
        Plan("meeting", "demo-meeting", "meeting", [""]),
        Plan("fuyang", "demo-city", "city", ["", "map"]),
        Plan("analyst", "demo-analyst", "analyst", ["supervision", "funds"]),
    ]
    samples = asyncio.run(drive(server.url, plans, minutes=0.5, think_s=0.3, ramp_s=1.0, widget_every=2))
    summary = summarize(samples)
    assert summary["errors"] == 0, summary["error_examples"]
    assert {s.user for s in samples if s.kind == "signin"} == {"meeting", "fuyang", "analyst"}
    assert {s.page for s in samples if s.user == "analyst" and s.kind == "page"} == {"supervision", "funds"}
    assert any(s.kind == "widget" for s in samples)
    assert summary["requests"] >= 6


def test_wsload_refuses_too_many_sessions() -> None:
    with pytest.raises(ValueError):
        asyncio.run(drive("http://127.0.0.1:1", [Plan("a", "b", "analyst", [""])] * 401, minutes=0.1, think_s=1))
