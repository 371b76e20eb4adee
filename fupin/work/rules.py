"""What raises a 督办事项 and how long a county has: provincial settings (省定参数) in reference data."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from fupin.core.reference import REFERENCE_DIR, read_csv_text


@dataclass(frozen=True)
class Kind:
    kind: str
    name: str
    source: str
    clause: str
    verify_days: int  # days from raising to the on-the-spot check
    deadline_days: int  # days from raising to the risk eliminated / the problem fixed
    threshold_source: str
    recurs: bool  # present again after closure → re-opened; absent → marked 风险已消除 (a compliance record: never)
    enabled: bool


@dataclass(frozen=True)
class Settings:
    escalate_overdue_days: int
    interview_overdue_items: int
    interview_overdue_share: float
    interview_min_items: int
    data_lag_days: int
    attachment_max_mb: int


@functools.cache
def kinds() -> dict[str, Kind]:
    df = read_csv_text(REFERENCE_DIR / "work_item_rules.csv")
    return {
        r.kind: Kind(
            kind=r.kind,
            name=r.name,
            source=r.source,
            clause=r.clause,
            verify_days=int(r.verify_days),
            deadline_days=int(r.deadline_days),
            threshold_source=r.threshold_source,
            recurs=r.recurs == "1",
            enabled=r.enabled == "1",
        )
        for r in df.itertuples()
    }


@functools.cache
def settings() -> Settings:
    df = read_csv_text(REFERENCE_DIR / "work_settings.csv")
    v = dict(zip(df["key"], df["value"], strict=True))
    return Settings(
        escalate_overdue_days=int(v["escalate_overdue_days"]),
        interview_overdue_items=int(v["interview_overdue_items"]),
        interview_overdue_share=float(v["interview_overdue_share"]),
        interview_min_items=int(v["interview_min_items"]),
        data_lag_days=int(v["data_lag_days"]),
        attachment_max_mb=int(v["attachment_max_mb"]),
    )


def kind_label(kind: str) -> str:
    k = kinds().get(kind)
    return k.name if k else kind
