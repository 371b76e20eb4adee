"""`Month`: one type for the 'YYYY-MM' months the exports, the warehouse and the pages speak in.

Parse from 'YYYY-MM', 'YYYY-MM-DD', a date, datetime or pandas Timestamp (a warehouse `month` column);
format as 'YYYY-MM' (str), '2020年6月' (label) or '6月' (short label); first and last day, quarter,
previous and next month, months between two months. Pure Python: no pandas, no streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

_TEXT = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?(?:[ T].*)?$")


class _HasYearMonth(Protocol):
    year: int
    month: int


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month. `str(m)` is 'YYYY-MM'; months sort and compare in time order."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"not a month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, value: Month | str | dt.date | _HasYearMonth) -> Month:
        """'2020-06', '2020-06-01', a date / datetime / Timestamp → Month('2020-06')."""
        if isinstance(value, Month):
            return value
        if isinstance(value, str):
            m = _TEXT.match(value.strip())
            if not m:
                raise ValueError(f"not a month (YYYY-MM): {value!r}")
            return cls(int(m.group(1)), int(m.group(2)))
        try:
            return cls(int(value.year), int(value.month))
        except AttributeError:
            raise TypeError(f"not a month: {value!r}") from None

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def iso(self) -> str:
        """'2020-06'."""
        return str(self)

    @property
    def label(self) -> str:
        """'2020年6月' (how the pages, workbooks and bulletins name a month)."""
        return f"{self.year}年{self.month}月"

    @property
    def short_label(self) -> str:
        """'6月' (chart axes within one year)."""
        return f"{self.month}月"

    @property
    def first_day(self) -> dt.date:
        """The date the warehouse stores for the month (its `month` columns hold the first day)."""
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def quarter(self) -> str:
        """'2020Q2' (the 季通报's period)."""
        return f"{self.year}Q{(self.month - 1) // 3 + 1}"

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        return self.plus(1)

    def prev(self) -> Month:
        return self.plus(-1)

    def months_until(self, other: Month | str) -> int:
        """Whole months from this month to `other` (negative when `other` is earlier)."""
        o = Month.parse(other)
        return (o.year - self.year) * 12 + o.month - self.month


def month_of(value: Month | str | dt.date | _HasYearMonth) -> str:
    """Any month-like value → 'YYYY-MM' (for a warehouse `month` column: `df["month"].map(month_of)`)."""
    return Month.parse(value).iso
