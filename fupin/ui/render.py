"""Drawing helpers: the offline plotly config, page CSS (constant, no data), KPI tiles, map clicks, and the
per-run timing log the load test reads."""

from __future__ import annotations

import contextlib
import os
import time

import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from fupin.access.scope import Viewer
from fupin.domain.kpi import Tile
from fupin.ui.connection import current_batch
from fupin.views.figures import with_demo_label

# Plotly in the browser: the stub world topojson served by the app (no CDN), PNG export offline.
PLOTLY_CONFIG = {
    "topojsonURL": "/app/static/",
    "displaylogo": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "filename": "皖扶看板地图", "scale": 2},
}


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


def render_tiles(tiles: list[Tile], *, per_row: int = 5, links: bool = False) -> None:
    """KPI tiles; with links=True a tile with a `link` opens the page behind its figure (when the viewer's
    navigation has it — the sidebar's month and area carry over)."""
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for col, t in zip(cols, tiles[start : start + per_row], strict=False):
            arrow = "off" if t.delta_color == "off" else "auto"  # an "off" delta is a note ("共7县12村"), not a change
            col.metric(t.label, t.value, t.delta, delta_color=t.delta_color, help=t.help or None, delta_arrow=arrow)  # type: ignore[arg-type]
            if links and t.link:
                page_link(col, t.link, "查看明细", icon=":material/arrow_forward:")


def page_link(container: object, page: str, label: str, *, icon: str, query_params: dict | None = None) -> None:
    """A link to app_pages/<page>.py when the viewer's navigation has that page (else nothing)."""
    with contextlib.suppress(StreamlitAPIException):
        container.page_link(f"app_pages/{page}.py", label=label, icon=icon, query_params=query_params)  # type: ignore[attr-defined]


def plotly(fig: go.Figure, *, key: str, selectable: bool = False, own_fonts: bool = False) -> object:
    """st.plotly_chart with the offline config, captioned 演示数据 when the warehouse is synthetic (the chart's PNG
    download carries it too); with selectable=True a click returns the selection.

    own_fonts=True keeps the figure's (large) fonts instead of the Streamlit theme's: meeting mode.
    """
    theme = None if own_fonts else "streamlit"
    fig = with_demo_label(fig, synthetic=current_batch().synthetic)  # also on the PNG the camera button saves
    if selectable:
        return st.plotly_chart(
            fig, key=key, config=PLOTLY_CONFIG, on_select="rerun", selection_mode="points", theme=theme
        )
    return st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=theme)


def charts(*panels: tuple[str, go.Figure, str], widths: list[int] | None = None) -> None:
    """Charts side by side, each under its bold heading: panels are (heading, figure, widget key)."""
    for col, (heading, fig, key) in zip(st.columns(widths or len(panels)), panels, strict=True):
        with col:
            st.markdown(f"**{heading}**")
            plotly(fig, key=key)


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
    """Ask the next run to select a county (a map click: the sidebar widgets exist by then)."""
    st.session_state["pending_county"] = code
    st.rerun()


def log_run_time(page: str, viewer: Viewer, seconds: float) -> None:
    """Append the script run's server time to FUPIN_TIMING_LOG (the load test reads it); off by default."""
    path = os.environ.get("FUPIN_TIMING_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{time.time():.3f}\t{page}\t{viewer.role}\t{seconds:.4f}\n")


def _column(fmt: str) -> object:
    """A Table format → a column config: 'date:YYYY-MM-DD' a date column, anything else a number format."""
    if fmt.startswith("date:"):
        return st.column_config.DateColumn(format=fmt.removeprefix("date:"))
    return st.column_config.NumberColumn(format=fmt)


def table(t: object, *, key: str | None = None, **kwargs: object) -> object:
    """One way to draw a view's `Table` (or a plain DataFrame): no index, full width, formats applied."""
    import pandas as pd

    from fupin.views.base import Table

    if isinstance(t, pd.DataFrame):
        t = Table(t)
    assert isinstance(t, Table)
    config = {c: _column(f) for c, f in (t.formats or {}).items()}
    args: dict = {"hide_index": True, "width": "stretch", "column_config": config or None, "key": key, **kwargs}
    if t.height:
        args["height"] = t.height
    return st.dataframe(t.frame, **args)
