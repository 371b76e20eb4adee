"""The two HTTP routes that carry the session cookie, so the browser's copy is HttpOnly (scripts in the
page cannot read it), SameSite=Strict, and Secure behind TLS. Mounted by serve.py on Streamlit's
`st.App` (Starlette); a Streamlit script cannot set an HttpOnly cookie itself.

- ``/_fupin/session?n=<nonce>&next=/path``: trades the one-time nonce the sign-in form made (60 s,
  stored server-side) for the cookie, then redirects to `next` (a local path only).
- ``/_fupin/signout``: revokes the session the cookie names and deletes the cookie.
"""

from __future__ import annotations

import os

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from fupin.access import auth

SESSION_COOKIE = "wanfu_session"
SESSION_PATH = "/_fupin/session"
SIGNOUT_PATH = "/_fupin/signout"

# Set by serve.py when these routes are mounted; app.py falls back to a script-set cookie without them.
ROUTES_ACTIVE = False


def safe_next(value: str | None) -> str:
    """Only a path on this site: '/map?month=2020-04', never '//evil', 'https://…' or a backslash."""
    if not value or len(value) > 2048 or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(ch) < 32 for ch in value):
        return "/"
    return value


def _secure(request: Request) -> bool:
    if os.environ.get("FUPIN_COOKIE_SECURE") in ("1", "true"):
        return True
    proto = request.headers.get("x-forwarded-proto", "") if os.environ.get("FUPIN_TRUST_PROXY") == "1" else ""
    return request.url.scheme == "https" or proto == "https"


def _no_store(resp: RedirectResponse) -> RedirectResponse:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


async def session_route(request: Request) -> RedirectResponse:
    token = await run_in_threadpool(auth.redeem_nonce, request.query_params.get("n", ""))
    resp = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if token:
        resp.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=auth.SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return _no_store(resp)


async def signout_route(request: Request) -> RedirectResponse:
    sid = auth.token_session(request.cookies.get(SESSION_COOKIE))
    if sid:
        await run_in_threadpool(auth.revoke_session, sid)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return _no_store(resp)


def routes() -> list[Route]:
    return [
        Route(SESSION_PATH, session_route, methods=["GET"]),
        Route(SIGNOUT_PATH, signout_route, methods=["GET"]),
    ]
