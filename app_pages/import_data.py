"""数据导入 — 省级管理员 only: upload one month's export files, read the dry-run report (files, rows,
quarantine by reason with examples, contract errors in Chinese), then commit. Commit swaps in the
warehouse that the dry run built with the CLI's own ingest; every page reads it on its next run.
Layout only: the steps and what is shown come from fupin/views/import_data.py."""

from __future__ import annotations

import streamlit as st

from fupin.core.labels import md_escape, month_label
from fupin.data import importer
from fupin.ui import Selection, page_selection, render_tiles, table
from fupin.views import import_data as import_view
from fupin.warehouse.connection import db_path

sel: Selection = page_selection()
if not sel.viewer.is_admin:  # not in this role's navigation either; a second lock on the door
    st.error("数据导入仅限省级管理员。")
    st.stop()
flow = import_view.Flow(st.session_state, sel.viewer, db_path())

st.title("数据导入")
st.caption(import_view.INTRO)
if sel.batch.synthetic:
    st.info(import_view.SYNTHETIC_NOTE, icon=":material/science:")

c1, c2 = st.columns([1, 3])
month = c1.selectbox("导入月份", import_view.months(sel), format_func=month_label, key="imp_month")
files = c2.file_uploader(
    "导出文件（CSV / XLSX / XLS）",
    accept_multiple_files=True,
    key=flow.uploader_key,
    max_upload_size=importer.MAX_FILE_MB,
    help=f"最多 {importer.MAX_FILES} 个文件；每个不超过 {importer.MAX_FILE_MB} MB",
)
if files and st.button("预检", type="primary", icon=":material/rule:", disabled=flow.busy):
    flow.start([importer.Upload(f.name, f.getvalue()) for f in files], month)
    st.rerun()

if (job := flow.job) is not None and job.running():

    @st.fragment(run_every=0.5)
    def _dry_run_progress() -> None:
        if not job.running():
            st.rerun(scope="app")
        fraction, text, caption = import_view.progress(job)
        st.progress(fraction, text=text)
        st.caption(caption)

    _dry_run_progress()
    if st.button("取消预检", icon=":material/cancel:"):
        flow.cancel()
        st.rerun()
elif job is not None:  # finished: read its report (a failure of any kind becomes a Chinese message)
    flow.finish()
    st.rerun()

if flow.problems:
    st.error("\n".join(f"- {md_escape(p)}" for p in flow.problems), icon=":material/error:")
    table(import_view.checks_table(flow.checks))
    st.caption("未做任何改动。")
if failed := flow.pop_message("failed"):
    st.error(md_escape(failed), icon=":material/error:")

if (staged := flow.staged) is not None and staged.report is not None:
    rv = import_view.report(staged)
    st.subheader(rv.heading)
    render_tiles(rv.tiles, per_row=5)
    for warning in rv.warnings:
        st.warning(warning)
    table(rv.files)
    if rv.notes is not None:
        table(rv.notes)
    if rv.quarantine is not None:
        st.markdown("**隔离行（按原因）**")
        table(rv.quarantine)
    else:
        st.success("本月没有被隔离的行。")
    st.caption(rv.caption)
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button("确认提交", type="primary", icon=":material/check_circle:"):
        if refused := flow.commit():
            st.error(refused)
        else:
            st.rerun()
    if b2.button("放弃", icon=":material/cancel:"):
        flow.discard()
        st.rerun()

if done := flow.pop_message("done"):
    st.success(done, icon=":material/task_alt:")
