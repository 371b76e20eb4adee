"""The shared sidebar (month, city → county, meeting mode), kept in the URL, and the `Selection` every page
reads: app.py makes it once per run; `page_selection()` is the guard each page passes through."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.access.auth import ROLE_LABELS
from fupin.access.scope import Viewer
from fupin.core.labels import DEMO_NOTE, md_escape, month_label
from fupin.ui.connection import cache_viewer, current_batch, query
from fupin.ui.render import page_style
from fupin.ui.signin import sign_out
from fupin.views.base import Query, Selection


def scoped_query(viewer: Viewer, batch_id: str) -> Query:
    """The cached query function a viewer's views use (shared by viewers of the same scope)."""
    shared = cache_viewer(viewer)

    def q(name: str, **params: object) -> pd.DataFrame:
        return query(name, shared, batch_id, **params)

    return q


def sidebar(viewer: Viewer, *, present: bool) -> Selection:
    """Render the shared sidebar and return the selection; the URL mirrors it (?month=&county=)."""
    batch = current_batch()
    months = batch.newest_first  # the batch's months: one list, read once per warehouse file
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
        st.selectbox(
            "市",
            city_opts,
            key="city",
            on_change=reset_county,
            disabled=viewer.scope_level != "province",
            format_func=lambda c: city_names.get(c, "全省"),
        )
        counties = [c for c in sorted(county_names) if not ss["city"] or c.startswith(ss["city"][:4])]
        if ss["county"] not in counties:
            ss["county"] = ""
        st.selectbox(
            "县（市、区）",
            ["", *counties],
            key="county",
            disabled=viewer.scope_level == "county",
            format_func=lambda c: county_names.get(c, "全部"),
        )
        st.divider()
        if not present and st.button("进入会议模式", icon=":material/slideshow:", width="stretch"):
            qp["mode"] = "present"
            st.rerun()
        st.caption(
            f"数据截至{month_label(batch.months[-1])} · {imported_label(batch.started_at)}导入",
            help=f"数据批次编号 {batch.batch_id}（核对数据来源时使用）",
        )
        where = (
            ""
            if viewer.scope_level == "province"
            else f" · {md_escape(county_names.get(viewer.scope_code) or city_names.get(viewer.scope_code, viewer.scope_code))}"  # noqa: E501
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
    return Selection(
        viewer,
        batch,
        month,
        city,
        county,
        area,
        present,
        int(carousel) if carousel.isdigit() else 0,
        query=scoped_query(viewer, batch.batch_id),
    )


def imported_label(started_at: str) -> str:
    """'2026-11-30 01:03' → '2026年11月30日 01:03' (anything else as it is)."""
    date, _, clock = started_at.partition(" ")
    parts = date.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return started_at
    return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日 {clock}".strip()


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
        # the way out: top corner, outside the projected canvas, invisible until hovered (fupin/ui/meeting.py)
        if st.container(key="mtg_exit").button(
            "退出登录", key="sign_out_present", type="tertiary", icon=":material/logout:"
        ):
            sign_out(viewer)
    elif sel.present and st.container(key="mtg_exit").button(  # no sidebar on the projected screen
        "退出会议模式", key="exit_present", type="tertiary", icon=":material/close:"
    ):
        for k in ("mode", "carousel", "theme", "slide"):
            if k in st.query_params:
                del st.query_params[k]
        st.rerun()
    return sel


def page_selection() -> Selection:
    """The selection app.py made in this run: the one guard every page passes through.

    A page file run any other way (directly, without the router, or before sign-in) finds no selection
    and stops here, showing nothing but a prompt to sign in."""
    sel = st.session_state.pop("selection", None)
    viewer = st.session_state.get("viewer")
    if not isinstance(sel, Selection) or not isinstance(viewer, Viewer) or sel.viewer != viewer:
        st.error("请先登录。")
        st.stop()
        raise AssertionError("unreachable")
    return sel
