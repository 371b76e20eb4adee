"""我的待办 — the county workbench: the county's 督办事项 (overdue first, days left), one item with the finding
behind it, its history and the response form; city and province users see their scope with review actions.
Layout only: fupin/views/work.py (reads), fupin/work/items.py (changes, with version check and audit)."""

from __future__ import annotations

import functools

import streamlit as st

from fupin.ui import Selection, page_selection, render_tiles, table
from fupin.views import work as V
from fupin.work import items as W

sel: Selection = page_selection()
ss = st.session_state
st.title(V.workbench_title(sel))
st.caption(V.clock_caption(sel))
towns = V.town_choices(sel)
if "wb_town" not in ss and st.query_params.get("township") in towns:  # from the map's township drill
    ss["wb_town"] = st.query_params.get("township")
ss.setdefault("wb_states", ["open", "verifying", "returned", "responded"])
shown = [
    "、".join(V.KIND_LABELS[k] for k in ss.get("wb_kinds") or []) or "全部类别",
    "、".join(W.STATES[k] for k in ss["wb_states"]) or "全部状态",
    towns.get(ss.get("wb_town") or "", "") if ss.get("wb_town") else "",
    "仅逾期" if ss.get("wb_overdue") else "",
]
# Collapsed under what is in force, so the list starts on the first screen (a phone stacks the four filters).
with st.expander("筛选：" + " · ".join(x for x in shown if x), icon=":material/filter_list:"):
    f1, f2, f3, f4 = st.columns([2.2, 2.2, 1.4, 1])
    kinds = f1.multiselect(
        "类别", list(V.KIND_LABELS), format_func=V.KIND_LABELS.get, key="wb_kinds", placeholder="全部类别"
    )
    states = f2.multiselect("状态", list(W.STATES), format_func=W.STATES.get, key="wb_states", placeholder="全部状态")
    town = f3.selectbox("乡镇", list(towns), format_func=towns.get, key="wb_town", disabled=not sel.county)
    overdue_only = f4.toggle("仅逾期", key="wb_overdue")
v = V.workbench(sel, kinds_=tuple(kinds), states=tuple(states), town=town or "", overdue_only=overdue_only)
render_tiles(v.tiles, per_row=4)
if v.empty:
    st.success("当前范围内没有待办的督办事项。", icon=":material/task_alt:")
event = table(v.table, key="wb_table", on_select="rerun", selection_mode="single-row", height=360)
picked = event.selection.rows if event else []
item_id = v.ids[picked[0]] if picked else V.item_from_url(st.query_params.get("item"))
if item_id is None:
    st.caption("点击表格中的一行，查看事项详情并办理。")
    st.stop()

iv = V.item_view(sel, item_id)
if iv is None:
    st.warning("该督办事项不存在或不在您的管辖范围内。", icon=":material/block:")
    st.stop()
with st.container(border=True):
    st.subheader(iv.heading)
    st.markdown(iv.facts)
    table(iv.history)
    for a in W.attachments(sel.viewer, item_id):
        st.download_button(
            f"佐证材料：{a['original_name']}（{a['size'] / 1024:,.0f} KB，{a['actor']}）",
            data=functools.partial(V.attachment_bytes, sel.viewer, a["id"]),
            file_name=a["original_name"],
            mime=a["mime"],
            key=f"wb_att_{a['id']}",
            icon=":material/attach_file:",
        )
    if sel.viewer.role == "province_admin" and iv.item["state"] != "closed":
        with st.popover("调整办结期限"):
            new = st.date_input("新的办结期限", value=V.deadline_of(iv), key=f"wb_deadline_{item_id}")
            why = st.text_input("调整原因", key=f"wb_deadline_note_{item_id}")
            if st.button("确定调整", key=f"wb_deadline_go_{item_id}"):
                try:
                    W.set_deadline(sel.viewer, item_id, new, version=iv.item["version"], note=why)
                except W.WorkError as exc:
                    st.error(str(exc), icon=":material/error:")
                else:
                    st.rerun()
    if not iv.actions:
        st.caption("您对该事项只能查看。" if sel.viewer.role in ("analyst", "meeting") else "该事项当前无需您办理。")
        st.stop()
    seen = ss.setdefault(f"wb_seen_{item_id}", iv.item["version"])  # the version this person is answering
    measures = V.measure_choices(sel, iv.item["household_id"])
    with st.form(f"wb_form_{item_id}"):
        action = st.radio("办理", list(iv.actions), format_func=iv.actions.get, horizontal=True)
        note = st.text_area("说明（反馈、退回、直接销号时必填）", max_chars=W.NOTE_MAX, key=f"wb_note_{item_id}")
        linked = st.multiselect("已落实的帮扶措施", list(measures), format_func=measures.get) if measures else []
        upload = st.file_uploader(
            "佐证材料（照片或 PDF）", type=["png", "jpg", "jpeg", "pdf"], key=f"wb_file_{item_id}"
        )
        submitted = st.form_submit_button("提交", type="primary", width="stretch")  # a thumb reaches it on a phone
    if submitted:
        try:
            att = None
            if upload and action == "respond":
                att = W.save_attachment(sel.viewer, item_id, upload.name, upload.getvalue())
            W.act(sel.viewer, item_id, action, version=seen, note=note, measures=tuple(linked), attachment_id=att)
        except W.WorkError as exc:
            ss.pop(f"wb_seen_{item_id}", None)  # show the current state; the next submit answers that
            st.error(str(exc), icon=":material/error:")
        else:
            ss.pop(f"wb_seen_{item_id}", None)
            st.toast(f"已提交：{iv.actions[action]}", icon=":material/check:")
            st.rerun()
