"""数据导入: what the page shows from the importer (fupin/data/importer.py) — the months offered, the upload
checks, and the dry run's report (tiles, warnings, files, quarantine by reason). The dry run itself, its
progress fragment and commit stay in the page and the importer. No streamlit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from fupin.core.labels import COLUMNS, month_label
from fupin.data import importer
from fupin.domain.kpi import Tile
from fupin.views.base import Selection, Table

INTRO = (
    f"上传一个月的导出文件 → 预检（与命令行 `python -m fupin ingest` 相同的校验，不改动现有数据）→ 确认提交。"
    f"每次最多 {importer.MAX_FILES} 个文件，每个不超过 {importer.MAX_FILE_MB} MB，只接受 CSV / XLSX / XLS；"
    "文件名以表名开头（如 户信息.csv、监测记录_341221.xlsx）。不合格的行进入隔离区并说明原因，一行不丢。"
)
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
    quarantine: Table | None  # None: nothing quarantined this month
    caption: str


def months(sel: Selection) -> list[str]:
    """The warehouse's months and the one after the last, newest first."""
    last = dt.date.fromisoformat(sel.batch.months[-1] + "-01")
    following = f"{last.year + last.month // 12}-{last.month % 12 + 1:02d}"
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
        quarantine=Table(pd.DataFrame(examples)) if examples else None,
        caption=f"新数据批次 {r.batch_id} · 共 {len(r.months)} 个月 · 全部行 {r.rows_read:,}"
        f"（隔离 {r.rows_quarantined:,}）· 预检用时 {r.seconds:.1f} 秒",
    )
