"""数据导入 — 省级管理员 only: upload one month's export files, read the dry-run report (files, rows,
quarantine by reason with examples, contract errors in Chinese), then commit. Commit swaps in the
warehouse that the dry run built with the CLI's own ingest; every page reads it on its next run."""

from __future__ import annotations

import time

import streamlit as st

from fupin.access import audit
from fupin.core.labels import md_escape, month_label
from fupin.data import importer
from fupin.ui import Selection, page_selection, render_tiles, table
from fupin.views import import_data as import_view
from fupin.warehouse.connection import db_path

sel: Selection = page_selection()
if not sel.viewer.is_admin:  # not in this role's navigation either; a second lock on the door
    st.error("数据导入仅限省级管理员。")
    st.stop()

db = db_path()
store = importer.exports_store(db)
ss = st.session_state

st.title("数据导入")
st.caption(import_view.INTRO)
if sel.batch.synthetic:
    st.info(
        "当前数据仓库是演示数据（合成）。导入的月份会与演示数据的其他月份一起重建数据仓库。", icon=":material/science:"
    )


months = import_view.months(sel)
c1, c2 = st.columns([1, 3])
month = c1.selectbox("导入月份", months, format_func=month_label, key="imp_month")
files = c2.file_uploader(
    "导出文件（CSV / XLSX / XLS）",
    accept_multiple_files=True,
    key=f"imp_files_{ss.get('imp_round', 0)}",
    max_upload_size=importer.MAX_FILE_MB,
    help=f"最多 {importer.MAX_FILES} 个文件；每个不超过 {importer.MAX_FILE_MB} MB",
)
staged: importer.Staged | None = ss.get("imp_staged")
job: importer.DryRunJob | None = ss.get("imp_job")

if files and st.button("预检", type="primary", icon=":material/rule:", disabled=staged is not None or job is not None):
    uploads = [importer.Upload(f.name, f.getvalue()) for f in files]
    checks, problems = importer.check_uploads(uploads)
    ss["imp_checks"] = checks
    if problems:
        ss["imp_problems"] = problems
    else:
        ss.pop("imp_problems", None)
        try:
            new_staged = importer.stage(uploads, month, store, importer.staging_root(db), db=db)
        except importer.StageError as exc:
            ss["imp_problems"] = [str(exc)]
        else:
            # The ingest runs as `python -m fupin ingest` in a process of its own, with a memory cap: a hostile
            # file can exhaust that process, never the server. Its progress is read back below.
            ss["imp_job"] = importer.start_dry_run(new_staged)
    st.rerun()

if job is not None and job.running():

    @st.fragment(run_every=0.5)
    def _dry_run_progress() -> None:
        if not job.running():
            st.rerun(scope="app")
        fraction, message = job.progress()
        st.progress(
            min(max(fraction, 0.0), 1.0), text=f"预检中：{md_escape(message)}（{time.time() - job.started:.0f} 秒）"
        )
        st.caption(f"预检在独立的导入进程中运行（内存上限 {job.memory_mb:,} MB），不影响其他用户使用看板。")

    _dry_run_progress()
    if st.button("取消预检", icon=":material/cancel:"):
        job.cancel()
        ss.pop("imp_job", None)
        ss["imp_failed"] = "预检已取消，未做任何改动。"
        importer.record_failure(job.staged, sel.viewer, ss["imp_failed"], files=list(job.staged.uploaded))
        st.rerun()
elif job is not None:  # finished: read its report (a failure of any kind becomes a Chinese message)
    ss.pop("imp_job", None)
    report = importer.finish_dry_run(job)
    files_uploaded = list(job.staged.uploaded)
    if report.ok:
        audit.record(
            sel.viewer,
            "import_dry_run",
            filters={"month": job.staged.month, "files": files_uploaded, "batch": report.batch_id},
            row_count=report.rows_read,
        )
        ss["imp_staged"] = job.staged
    else:
        ss["imp_failed"] = importer.failure_message(report)
        importer.record_failure(job.staged, sel.viewer, ss["imp_failed"], files=files_uploaded)
    st.rerun()

checks: list[importer.FileCheck] = ss.get("imp_checks", [])
if problems := ss.get("imp_problems"):
    st.error("\n".join(f"- {md_escape(p)}" for p in problems), icon=":material/error:")
    table(import_view.checks_table(checks))
    st.caption("未做任何改动。")

if failed := ss.pop("imp_failed", None):
    st.error(md_escape(failed), icon=":material/error:")

if staged is not None and staged.report is not None:
    r, rv = staged.report, import_view.report(staged)
    st.subheader(rv.heading)
    render_tiles(rv.tiles, per_row=5)
    for warning in rv.warnings:
        st.warning(warning)
    table(rv.files)
    if notes := importer.file_notes([f for f in r.files if f.month == staged.month]):  # 合计行/空行, normalised
        st.dataframe(notes, hide_index=True, width="stretch")
    if rv.quarantine is not None:
        st.markdown("**隔离行（按原因）**")
        table(rv.quarantine)
    else:
        st.success("本月没有被隔离的行。")
    st.caption(rv.caption)
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button("确认提交", type="primary", icon=":material/check_circle:"):
        try:
            importer.commit(staged, db)
        except importer.CommitError as exc:
            st.error(str(exc))
        else:
            audit.record(
                sel.viewer, "import_commit", filters={"month": staged.month, "batch": r.batch_id}, row_count=r.rows_read
            )
            ss.pop("imp_staged", None)
            ss.pop("imp_checks", None)
            ss["imp_round"] = ss.get("imp_round", 0) + 1
            ss["imp_done"] = f"已提交：数据批次 {r.batch_id}，{month_label(staged.month)}。各页面已使用新数据。"
            st.rerun()
    if b2.button("放弃", icon=":material/cancel:"):
        importer.discard(staged)
        ss.pop("imp_staged", None)
        st.rerun()

if done := ss.pop("imp_done", None):
    st.success(done, icon=":material/task_alt:")
