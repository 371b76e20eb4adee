"""Streamlit glue — the only package besides app.py and the page files that imports streamlit.

- connection: the read-only warehouse connection, first-start build, batch and the query cache
- signin: the password form / OIDC, the session check on every run, cookie hand-over, sign-out
- selection: the shared sidebar kept in the URL and the `Selection` guard every page passes through
- render: plotly config, page CSS, tiles, charts side by side, tables, map clicks, the timing log

May import every other fupin package; nothing in fupin imports it.
"""

from fupin.ui.connection import (
    WarehouseUnavailable,
    cache_viewer,
    connection,
    current_batch,
    query,
    work_ready,
)
from fupin.ui.render import (
    PLOTLY_CONFIG,
    charts,
    clicked_county,
    log_run_time,
    page_link,
    page_style,
    plotly,
    render_tiles,
    select_county,
    table,
)
from fupin.ui.selection import Selection, app_selection, is_present, page_selection, sidebar
from fupin.ui.signin import client_id, current_viewer, login_form, sign_out, signed_in_account

__all__ = [
    "PLOTLY_CONFIG",
    "Selection",
    "WarehouseUnavailable",
    "app_selection",
    "cache_viewer",
    "charts",
    "clicked_county",
    "client_id",
    "connection",
    "current_batch",
    "current_viewer",
    "is_present",
    "log_run_time",
    "login_form",
    "page_link",
    "page_selection",
    "page_style",
    "plotly",
    "query",
    "render_tiles",
    "select_county",
    "sidebar",
    "sign_out",
    "signed_in_account",
    "table",
    "work_ready",
]
