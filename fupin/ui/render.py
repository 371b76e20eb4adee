"""Drawing helpers: the offline plotly config, page CSS (constant, no data), KPI tiles, map clicks, and the
per-run timing log the load test reads."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit.errors import StreamlitAPIException

from fupin.access.scope import Viewer
from fupin.core.memo import is_shared
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
/* Less blank space above the page heading (Streamlit leaves ~6rem for its header bar). */
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 3rem;}
h1 {padding-top: 0.25rem !important;}
[data-testid="stMetric"] {background: #fafafa; border: 1px solid #eee; border-radius: 0.5rem; padding: 0.5rem 0.8rem;}
[data-testid="stMetricValue"] {font-size: clamp(1.3rem, 1.9vw, 1.9rem);}
[data-testid="stMetricValue"] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important;}
/* Tile labels and change figures wrap rather than end in "…". */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"],
[data-testid="stMetricDelta"] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important;}
[data-testid="stMetricDelta"] {height: auto !important; flex-wrap: wrap;}
/* Expander headings (a filter panel says what is in force) and widget labels wrap rather than end in "…". */
[data-testid="stExpander"] summary *, [data-testid="stWidgetLabel"] * {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important;}
/* Streamlit's file uploader speaks English: its own words hidden, Chinese ones drawn instead. */
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="stFileUploaderDropzoneInstructions"] > div > small {display: none;}
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {content: "将文件拖放到此处，或点击右侧按钮选择";
  font-size: 0.9rem;}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content: "文件类型和大小限制见上方说明";
  display: block; font-size: 0.8rem; color: #6b6b6b;}
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"] * {display: none;}
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"]::after {content: "选择文件";
  font-size: 0.9rem;}
/* Phone: tiles as a compact two-column grid; the chart toolbar never over the data. */
@media (max-width: 640px) {
  [class*="st-key-tiles-"] [data-testid="stHorizontalBlock"] {flex-direction: row !important; flex-wrap: wrap;
    gap: 0.5rem;}
  [class*="st-key-tiles-"] [data-testid="stColumn"] {width: calc(50% - 0.25rem) !important;
    flex: 0 0 calc(50% - 0.25rem) !important; min-width: 0 !important;}
  [class*="st-key-tiles-"] [data-testid="stColumn"]:empty,
  [class*="st-key-tiles-"] [data-testid="stColumn"]:not(:has([data-testid="stMetric"])) {display: none;}
  [data-testid="stMetric"] {padding: 0.35rem 0.5rem;}
  [data-testid="stMetricValue"] {font-size: 1.3rem !important;}
  [data-testid="stMetricLabel"] p {font-size: 0.8rem !important;}
  [data-testid="stMetricDelta"] {font-size: 0.75rem !important;}
  .modebar-container {display: none !important;}
  h1 {font-size: 1.6rem !important;}
  [data-testid="stTabs"] [role="tablist"] {flex-wrap: wrap; row-gap: 0.25rem; overflow-x: visible;}  /* every tab
    in view, none scrolled off behind an arrow */
  h2, h3 {font-size: 1.25rem !important;}
  .block-container, [data-testid="stMainBlockContainer"] {padding-left: 0.75rem; padding-right: 0.75rem;
    padding-top: 4rem;}  /* the heading clear of the header bar (its sidebar button) */
}
</style>
"""


def page_style(present: bool) -> None:
    """Constant CSS only (no data in it): large, high-contrast type and no sidebar in meeting mode.

    Tables' built-in CSV download is not hidden here but switched off (`client.disableDataExport` in
    .streamlit/config.toml): the browser never draws it, so household lists leave only through the audited exports.
    """
    st.html(PRESENT_CSS if present else NORMAL_CSS)


_ZERO_CHANGE = re.compile(r"^[+\-−]?0(?:\.0+)?(?=\D|$)")


def shown_change(t: Tile) -> tuple[str | None, str]:
    """A tile's change as drawn and its colour: a zero change reads "持平" in neutral grey (not a red "↑+0户");
    a note ("共7县12村") keeps delta_color "off" and gets no arrow."""
    if t.delta and t.delta_color != "off" and _ZERO_CHANGE.match(t.delta):
        return "持平", "off"
    return t.delta, t.delta_color


def render_tiles(tiles: list[Tile], *, per_row: int = 5, links: bool = False) -> None:
    """KPI tiles; with links=True a tile with a `link` opens the page behind its figure (when the viewer's
    navigation has it — the sidebar's month and area carry over).

    Arrows only on changes, coloured by whether the change is good for that measure; a tile with a policy target
    says how it compares under the figure (green 达标 / red 落后); a tile with a series draws a small sparkline.
    On a phone the tiles form a two-column grid (CSS keyed on the container)."""
    if not tiles:
        return
    key = "tiles-" + hashlib.md5("|".join(t.label for t in tiles).encode()).hexdigest()[:10]
    with st.container(key=key):
        for start in range(0, len(tiles), per_row):
            row = tiles[start : start + per_row]
            cols = st.columns(per_row)
            for col, t in zip(cols, row, strict=False):
                delta, color = shown_change(t)
                col.metric(
                    t.label,
                    t.value,
                    delta,
                    delta_color=color,  # type: ignore[arg-type]
                    help=t.help or None,
                    delta_arrow="off" if color == "off" else "auto",  # type: ignore[arg-type]
                    chart_data=list(t.spark) if len(t.spark) > 1 else None,
                    chart_type="line",
                )
                if t.target:
                    status = {True: ":green-badge[达标]", False: ":red-badge[落后]"}.get(t.on_track, "")  # type: ignore[arg-type]
                    col.markdown(f"{status} :small[{t.target}]")
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
    synthetic = current_batch().synthetic
    if is_shared(fig):  # built for these inputs before: its JSON too
        shown = _drawn(fig, synthetic=synthetic)
    else:
        shown = with_demo_label(fig, synthetic=synthetic)  # also on the PNG the camera button saves
    if selectable:
        return st.plotly_chart(
            shown, key=key, config=PLOTLY_CONFIG, on_select="rerun", selection_mode="points", theme=theme
        )
    return st.plotly_chart(shown, key=key, config=PLOTLY_CONFIG, theme=theme)


class Spec(dict):
    """A shared figure as the dict st.plotly_chart makes of it, with that dict's JSON, which plotly.io.to_json
    (st.plotly_chart calls it on every run) returns as it is (`_serialise_once`)."""

    json: str


class Drawn(go.Figure):
    """A shared figure ready to draw, kept beside it: st.plotly_chart takes a figure's to_dict(), which is the Spec
    made once (a plain dict would be validated again on every run)."""

    def to_dict(self) -> Spec:  # type: ignore[override]
        return self._fupin_spec  # type: ignore[no-any-return]


def _drawn(fig: go.Figure, *, synthetic: bool) -> Drawn:
    """The shared figure's Drawn, made on its first drawing and kept on the figure (the demo caption on a copy: a
    shared figure is never changed). Its JSON is what st.plotly_chart(fig) would send."""
    made: dict[bool, Drawn] = fig.__dict__.setdefault("_fupin_drawn", {})
    drawn = made.get(synthetic)
    if drawn is None:
        shown = with_demo_label(go.Figure(fig), synthetic=True) if synthetic else fig
        spec = Spec(shown.to_dict())
        spec.json = _to_json(spec, validate=False)
        drawn = Drawn()
        drawn._fupin_spec = spec
        made[synthetic] = drawn
    return drawn


_to_json = getattr(pio.to_json, "__wrapped__", pio.to_json)  # plotly's own, even on a module reload


def _serialise_once(fig: object, *args: object, **kwargs: object) -> str:
    if type(fig) is Spec:
        return fig.json
    return _to_json(fig, *args, **kwargs)


_serialise_once.__wrapped__ = _to_json  # type: ignore[attr-defined]
pio.to_json = _serialise_once  # st.plotly_chart looks it up on each call


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


DATE_FORMAT = "YYYY年M月D日"  # how a person reads a date in a table (not 2020-06-01 00:00:00)
# The columns a reader looks for first: moved forward (after the identifying columns) in wide tables, so they show
# without scrolling sideways at 1366 px and first on a phone.
KEY_COLUMNS = ("触发规则", "分值", "持续天数", "金额（元）", "金额（万元）")
WIDE = 8  # columns from which a table is treated as wide
SHOWN_MAX = 500  # rows of one table sent to the browser


def _column(fmt: str) -> object:
    """A Table format → a column config: 'date:…' a date column (shown as 2020年6月1日), anything else a number
    format."""
    if fmt.startswith("date:"):
        return st.column_config.DateColumn(format=DATE_FORMAT)
    return st.column_config.NumberColumn(format=fmt)


def readable(frame: object) -> tuple[object, dict, list[str] | None]:
    """The frame as a person should read it: text columns' missing values blank (not "None"), date columns
    as dates, and for wide tables the key columns moved forward (column_order). Returns (frame, config, order)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    config: dict = {}
    fixed = {}
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            config[c] = st.column_config.DateColumn(format=DATE_FORMAT)
        elif (col.dtype == object or pd.api.types.is_string_dtype(col)) and col.isna().any():
            fixed[c] = col.astype(object).where(col.notna(), "")
    if fixed:
        frame = frame.assign(**fixed)
    order = None
    cols = [str(c) for c in frame.columns]
    keys = [c for c in cols if c in KEY_COLUMNS]
    if len(cols) >= WIDE and keys:
        # the row's name and, when it tells rows apart, the next column (县 on a province list; a county user's
        # list is one county, so its key columns come straight after 户编号 — first on a phone)
        lead = [c for c in cols[:2] if c not in keys and (c == cols[0] or frame[c].nunique(dropna=False) > 1)]
        order = [*lead, *keys, *(c for c in cols if c not in keys and c not in lead)]
    if len(cols) >= WIDE and cols[0] not in config:  # the row's name stays in view while scrolling sideways
        config[cols[0]] = st.column_config.Column(pinned=True)
    return frame, config, order


def table(t: object, *, key: str | None = None, downloadable: bool = False, **kwargs: object) -> object:
    """One way to draw a view's `Table` (or a plain DataFrame): no index, full width, formats applied, missing
    text blank, dates readable, a wide table's key columns first; an empty table says so in words (no "empty").

    At most SHOWN_MAX rows go to the browser, with a line saying how many there are (downloadable=True: the page's
    download has them all). A province list of 35,000 households was 6 MB on every run of its page."""
    import pandas as pd

    from fupin.views.base import Table

    if isinstance(t, pd.DataFrame):
        t = Table(t)
    assert isinstance(t, Table)
    if t.frame.empty and key is None and set(kwargs) <= {"height"}:  # a selectable list stays a table
        return st.caption("（没有记录）")
    shown = t.frame.head(SHOWN_MAX)  # the rest would be sent to the browser on every run, unread
    frame, config, order = readable(shown)
    config |= {c: _column(f) for c, f in (t.formats or {}).items()}
    args: dict = {"hide_index": True, "width": "stretch", "column_config": config or None, "key": key, **kwargs}
    if order and "column_order" not in kwargs:
        args["column_order"] = order
    if t.height:
        args["height"] = t.height
    out = st.dataframe(frame, **args)
    if len(t.frame) > SHOWN_MAX:
        st.caption(
            f"共{len(t.frame):,}行，表中显示前{SHOWN_MAX:,}行（顺序如表）。在侧栏选择市、县可缩小范围；"
            "本页的下载按钮导出全部。"
            if downloadable
            else f"共{len(t.frame):,}行，表中显示前{SHOWN_MAX:,}行（顺序如表）。在侧栏选择市、县可缩小范围。"
        )
    return out
