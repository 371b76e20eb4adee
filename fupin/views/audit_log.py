"""审计日志: the audit search (fupin/access/audit.py) as the page shows it — integrity problems, counts, and the
rows with Chinese labels, role and action names. No streamlit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from fupin.access import audit
from fupin.access.auth import ROLE_LABELS
from fupin.core.labels import COLUMNS
from fupin.domain.kpi import Tile
from fupin.views.base import Selection, Table, labelled

ACTIONS = {
    "household_detail": "查看户详情",
    "view_list_unmasked": "查看未脱敏名单",
    "export_xlsx": "导出预警户工作单",
    "export_findings_xlsx": "导出资金合规问题",
    "export_month_check": "导出月核查工作簿",
    "export_department_hits": "导出部门比对命中清单",
    "export_bulletin": "导出季通报",
    "export_map_csv": "导出地图数据 CSV",
    "export_map_xlsx": "导出地图数据 XLSX",
    "export_audit_log": "导出审计日志",
    "import_dry_run": "导入预检",
    "import_commit": "导入提交",
    "import_failed": "导入失败",
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "logout": "退出登录",
}
SHOW_MAX = 1000
FIELDS = ["at", "viewer", "role", "scope", "action", "household_id", "filters", "row_count", "unmasked"]


@dataclass(frozen=True)
class AuditLogView:
    problems: list[str]  # integrity warnings over the whole chain
    tiles: list[Tile]
    note: str | None  # when more rows match than are shown
    table: Table
    filters: dict[str, object]  # what the export records as its filters
    export_title: str
    export_name: str


def default_dates(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or dt.date.today()
    return today - dt.timedelta(days=30), today


def view(
    sel: Selection,
    *,
    who: str = "",
    actions: list[str] | None = None,
    household_id: str = "",
    dates: object = None,
    today: dt.date | None = None,
) -> AuditLogView:
    """The audit rows matching the filters (`dates`: the date input's value, a (since, until) pair or partial)."""
    del sel  # the log is the whole store's: the page is for the province administrator only
    today = today or dt.date.today()
    since, until = (dates[0], dates[-1]) if isinstance(dates, tuple | list) and dates else (None, None)
    filters: dict[str, object] = {
        "viewer": who.strip(),
        "actions": list(actions or []),
        "household_id": household_id.strip(),
        "since": str(since or ""),
        "until": str(until or ""),
    }
    found, counts = audit.search(**filters, limit=SHOW_MAX)  # type: ignore[arg-type]
    total = sum(counts.values())
    df = pd.DataFrame(found, columns=FIELDS)
    df = df.assign(
        at=df["at"].str.slice(0, 19).str.replace("T", " "),
        household_id=df["household_id"].fillna(""),
        row_count=df["row_count"].map(lambda n: "" if pd.isna(n) else f"{int(n):,}"),
        role=df["role"].map(lambda r: ROLE_LABELS.get(r, r)),
        action=df["action"].map(lambda a: ACTIONS.get(a, a)),
        unmasked=df["unmasked"].map({1: "是", 0: ""}),
    )
    return AuditLogView(
        problems=[f"审计日志完整性警告：{p}" for p in audit.verify()],
        tiles=[
            Tile("符合条件的记录", f"{total:,}", None, "off"),
            Tile("其中查看户详情", f"{counts.get('household_detail', 0):,}", None, "off"),
            Tile("其中导出", f"{sum(n for a, n in counts.items() if a.startswith('export')):,}", None, "off"),
        ],
        note=f"显示最新的 {SHOW_MAX:,} 条；请缩小筛选范围。" if total > SHOW_MAX else None,
        table=Table(labelled(df, {c: COLUMNS[c] for c in FIELDS}), height=min(560, 38 + 35 * len(df))),
        filters=filters,
        export_title=f"审计日志 · 导出于 {today}",
        export_name=f"审计日志_{today}.xlsx",
    )
