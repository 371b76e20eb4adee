"""数据导入: what the page shows from the importer (fupin/data/importer.py) — the months offered, the upload
checks, the dry run's report (tiles, warnings, files, notes, quarantine by reason) — and `Flow`, the page's
steps (预检 → progress → report → 确认提交 / 放弃) over the session's state, with their audit rows. The
page keeps only the widgets, the progress fragment and st.rerun. No streamlit."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fupin.access import audit
from fupin.access.scope import Viewer
from fupin.core.labels import COLUMNS, md_escape, month_label
from fupin.core.month import Month
from fupin.data import importer
from fupin.domain.kpi import Tile
from fupin.views.base import Selection, Table

INTRO = (
    f"上传一个月的导出文件 → 预检（与命令行导入相同的校验，不改动现有数据）→ 确认提交。"
    f"每次最多 {importer.MAX_FILES} 个文件，每个不超过 {importer.MAX_FILE_MB} MB，只接受 CSV / XLSX / XLS；"
    "文件名以表名开头（如 户信息.csv、监测记录_341221.xlsx）。不合格的行进入隔离区并说明原因，一行不丢。"
)
SYNTHETIC_NOTE = "当前数据仓库是演示数据（合成）。导入的月份会与演示数据的其他月份一起重建数据仓库。"
CHECK_COLUMNS = ["file", "size_kb", "recognised_as", "problem"]
FILE_COLUMNS = [
    "file",
    "table",
    "format",
    "encoding",
    "header_line",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_skipped",
    "unknown_columns",
]


@dataclass(frozen=True)
class ReportView:
    heading: str
    tiles: list[Tile]
    warnings: list[str]  # replacing a month, tables not uploaded
    files: Table
    notes: Table | None  # per file: 合计行 / 空行 skipped, values normalised (None: nothing to say)
    quarantine: Table | None  # None: nothing quarantined this month
    caption: str


def months(sel: Selection) -> list[str]:
    """The warehouse's months and the one after the last, newest first."""
    following = Month.parse(sel.batch.months[-1]).next().iso
    return sorted({*sel.batch.months, following}, reverse=True)


def checks_table(checks: list[importer.FileCheck]) -> Table:
    rows = [
        {
            "file": c.name,
            "size_kb": round(c.size / 1024, 1),
            "recognised_as": c.table or "—",
            "problem": c.error or "可以导入",
        }
        for c in checks
    ]
    return Table(pd.DataFrame(rows, columns=CHECK_COLUMNS).rename(columns=COLUMNS))


def report(staged: importer.Staged) -> ReportView:
    """The dry run's report for the uploaded month (staged.report must be set)."""
    r = staged.report
    assert r is not None
    files = [f for f in r.files if f.month == staged.month]
    rows = [
        {
            **{c: getattr(f, c) for c in FILE_COLUMNS[1:-1]},
            "file": f.file.split("/", 1)[-1],
            "unknown_columns": "、".join(f.unknown_columns),
        }
        for f in files
    ]
    warnings = []
    if staged.replaces_month:
        warnings.append(f"{month_label(staged.month)} 已有导入数据：提交后以本次上传的文件替换该月（原文件保留备查）。")
    if staged.missing_tables:
        warnings.append(f"本月未上传以下表：{'、'.join(staged.missing_tables)}。提交后这些表在本月没有数据。")
    examples = importer.quarantine_examples(staged)
    notes = importer.file_notes(files)
    return ReportView(
        heading=f"预检结果 · {month_label(staged.month)}",
        tiles=[
            Tile("本月文件", f"{len(files)}", None, "off"),
            Tile("读取行数", f"{sum(f.rows_read for f in files):,}", None, "off"),
            Tile("可入库", f"{sum(f.rows_loaded for f in files):,}", None, "off"),
            Tile("隔离", f"{sum(f.rows_quarantined for f in files):,}", None, "off"),
            Tile("跳过（合计行、空行）", f"{sum(f.rows_skipped for f in files):,}", None, "off"),
        ],
        warnings=warnings,
        files=Table(pd.DataFrame(rows, columns=FILE_COLUMNS).rename(columns=COLUMNS)),
        notes=Table(pd.DataFrame(notes)) if notes else None,
        quarantine=Table(pd.DataFrame(examples)) if examples else None,
        caption=f"新数据批次 {r.batch_id} · 共 {len(r.months)} 个月 · 全部行 {r.rows_read:,}"
        f"（隔离 {r.rows_quarantined:,}）· 预检用时 {r.seconds:.1f} 秒",
    )


def progress(job: importer.DryRunJob, *, now: float | None = None) -> tuple[float, str, str]:
    """The running dry run as the page's progress bar shows it: fraction, bar text, caption."""
    fraction, message = job.progress()
    seconds = (time.time() if now is None else now) - job.started
    return (
        min(max(fraction, 0.0), 1.0),
        f"预检中：{md_escape(message)}（{seconds:.0f} 秒）",
        f"预检在独立的导入进程中运行（内存上限 {job.memory_mb:,} MB），不影响其他用户使用看板。",
    )


@dataclass
class Flow:
    """The page's steps over the session's state (`st.session_state` in the app, a dict in tests).

    Keys: imp_checks / imp_problems (the upload checks), imp_job (the dry run running in its own process),
    imp_staged (a finished dry run waiting for 确认提交), imp_failed / imp_done (a message shown once),
    imp_round (bumped after a commit, so the file picker starts empty)."""

    state: MutableMapping[str, Any]
    viewer: Viewer
    db: Path

    @property
    def store(self) -> Path:
        return importer.exports_store(self.db)

    @property
    def uploader_key(self) -> str:
        return f"imp_files_{self.state.get('imp_round', 0)}"

    @property
    def job(self) -> importer.DryRunJob | None:
        return self.state.get("imp_job")

    @property
    def staged(self) -> importer.Staged | None:
        return self.state.get("imp_staged")

    @property
    def busy(self) -> bool:
        return self.job is not None or self.staged is not None

    @property
    def checks(self) -> list[importer.FileCheck]:
        return self.state.get("imp_checks", [])

    @property
    def problems(self) -> list[str]:
        return self.state.get("imp_problems", [])

    def start(self, uploads: list[importer.Upload], month: str) -> None:
        """预检: check the uploads; if they pass, stage them and start the dry run in a process of its own
        (`python -m fupin ingest` with a memory cap: a hostile file can exhaust that process, never the server)."""
        checks, problems = importer.check_uploads(uploads)
        self.state["imp_checks"] = checks
        self.state.pop("imp_problems", None)
        if problems:
            self.state["imp_problems"] = problems
            return
        try:
            staged = importer.stage(uploads, month, self.store, importer.staging_root(self.db), db=self.db)
        except importer.StageError as exc:
            self.state["imp_problems"] = [str(exc)]
        else:
            self.state["imp_job"] = importer.start_dry_run(staged)

    def cancel(self) -> None:
        job = self.state.pop("imp_job")
        job.cancel()
        self._fail(job.staged, "预检已取消，未做任何改动。")

    def finish(self) -> None:
        """The dry run has ended: keep its report for 确认提交, or a Chinese message for any failure."""
        job = self.state.pop("imp_job")
        report = importer.finish_dry_run(job)
        if not report.ok:
            self._fail(job.staged, importer.failure_message(report))
            return
        files = list(job.staged.uploaded)
        filters = {"month": job.staged.month, "files": files, "batch": report.batch_id}
        audit.record(self.viewer, "import_dry_run", filters=filters, row_count=report.rows_read)
        self.state["imp_staged"] = job.staged

    def commit(self) -> str | None:
        """确认提交: swap the candidate in. Returns the reason it was refused, or None when committed."""
        staged = self.staged
        assert staged is not None and staged.report is not None
        r = staged.report
        try:
            importer.commit(staged, self.db)
        except importer.CommitError as exc:
            return str(exc)
        filters = {"month": staged.month, "batch": r.batch_id}
        audit.record(self.viewer, "import_commit", filters=filters, row_count=r.rows_read)
        for key in ("imp_staged", "imp_checks"):
            self.state.pop(key, None)
        self.state["imp_round"] = self.state.get("imp_round", 0) + 1
        self.state["imp_done"] = f"已提交：数据批次 {r.batch_id}，{month_label(staged.month)}。各页面已使用新数据。"
        return None

    def discard(self) -> None:
        importer.discard(self.state.pop("imp_staged"))

    def pop_message(self, kind: str) -> str | None:
        """A message shown once: 'failed' or 'done'."""
        return self.state.pop(f"imp_{kind}", None)

    def _fail(self, staged: importer.Staged, message: str) -> None:
        self.state["imp_failed"] = message
        importer.record_failure(staged, self.viewer, message, files=list(staged.uploaded))
