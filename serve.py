"""皖扶看板 server entry: `streamlit run serve.py` (or `uvicorn serve:app`).

Streamlit's ASGI `st.App` runs app.py (the router) and adds the two routes that set and clear the
HttpOnly session cookie (fupin/access/webauth.py). An uncaught error in a page shows a Chinese message; the
traceback goes to the server log only. `streamlit run app.py` still works, but then the cookie is set
by a script in the page and is not HttpOnly.
"""

import logging
import os
import threading
import time

import streamlit as st

from fupin.access import webauth

_LOG = logging.getLogger("fupin")


def _script_error(exc: Exception) -> bool:
    _LOG.error("page error", exc_info=exc)
    st.error(
        "页面出错：请刷新重试；如再次出现请联系省扶贫办系统管理员（错误详情已记录在服务器日志中）。",
        icon=":material/error:",
    )
    return True  # no traceback, no server paths in the browser


webauth.ROUTES_ACTIVE = True
app = st.App("app.py", routes=webauth.routes(), on_script_error=_script_error)


def _warm_when_up() -> None:
    """Once Streamlit's runtime is up (so the caches are the server's), compute the first-page aggregates of
    every scope in the background (fupin/ui/connection.py: bounded by FUPIN_WARM_SECONDS; FUPIN_WARM=0: off)."""
    from streamlit import runtime

    for _ in range(240):
        if runtime.exists():
            from fupin.ui.connection import warm_current

            warm_current()
            return
        time.sleep(0.5)


if os.environ.get("FUPIN_WARM", "1") != "0":
    threading.Thread(target=_warm_when_up, name="fupin-warm-start", daemon=True).start()
