"""What every view receives: the `Selection` (who is looking, which month and area) and `q`, the query
function (a named query from queries/ with its parameters → a DataFrame; cached by the UI, direct in tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from fupin.access.scope import Viewer, scope_prefix
from fupin.core.month import Month
from fupin.warehouse.connection import BatchInfo

Query = Callable[..., pd.DataFrame]  # q(name, **params)


@dataclass(frozen=True)
class Selection:
    """What the shared sidebar selected; every page reads it from the one guard (`fupin.ui.page_selection`)."""

    viewer: Viewer
    batch: BatchInfo
    month: str  # 'YYYY-MM', one of batch.months
    city: str | None  # 6-digit city code
    county: str | None  # 6-digit county code
    area_name: str
    present: bool
    carousel_seconds: int
    query: Query  # the scoped query function for this viewer and batch

    @property
    def months(self) -> list[str]:
        """The batch's months ('YYYY-MM'), newest first."""
        return self.batch.newest_first

    @property
    def month_date(self) -> dt.date:
        return Month.parse(self.month).first_day

    @property
    def area_prefix(self) -> str:
        if self.county:
            return self.county
        if self.city:
            return self.city[:4]
        return scope_prefix(self.viewer)

    def q(self, name: str, **params: object) -> pd.DataFrame:
        return self.query(name, **params)


@dataclass(frozen=True)
class Table:
    """A table as a page shows it: Chinese column labels already applied (from `fupin.core.labels.COLUMNS`
    or the view), plus the column configuration hints the page needs (formats, widths)."""

    frame: pd.DataFrame
    formats: dict[str, str] | None = None  # column → number format ('%d', 'percent' …) or 'date:YYYY-MM-DD'
    height: int | None = None


def labelled(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Keep `columns` (English name → Chinese label) in that order, renamed."""
    return df[list(columns)].rename(columns=columns)
