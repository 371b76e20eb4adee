"""`Month`: parse and format 'YYYY-MM' months, days, quarters, neighbours — and the helpers built on it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fupin.core.labels import month_label
from fupin.core.month import Month, month_of
from fupin.domain.schedule import months_between

# ------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    "value",
    ["2020-06", "2020-06-01", " 2020-06 ", "2020-06-30 00:00:00", dt.date(2020, 6, 17), dt.datetime(2020, 6, 1, 8)],
)
def test_parse_accepts_text_dates_and_datetimes(value: object) -> None:
    assert Month.parse(value) == Month(2020, 6)  # type: ignore[arg-type]


def test_parse_accepts_a_warehouse_month_column() -> None:
    col = pd.DataFrame({"month": pd.to_datetime(["2020-01-01", "2020-12-01"])})["month"]
    assert [Month.parse(v) for v in col] == [Month(2020, 1), Month(2020, 12)]
    assert col.map(month_of).tolist() == ["2020-01", "2020-12"]
    assert Month.parse(Month(2020, 3)) == Month(2020, 3)


@pytest.mark.parametrize("value", ["2020-13", "2020-00", "2020-6", "202006", "六月", ""])
def test_parse_refuses_what_is_not_a_month(value: str) -> None:
    with pytest.raises(ValueError):
        Month.parse(value)


def test_parse_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        Month.parse(202006)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ formatting


def test_formats() -> None:
    m = Month(2020, 6)
    assert (str(m), m.iso, m.label, m.short_label) == ("2020-06", "2020-06", "2020年6月", "6月")
    assert month_label("2020-04") == "2020年4月" == month_label(pd.Timestamp("2020-04-01"))
    assert f"月核查_{m}.xlsx" == "月核查_2020-06.xlsx"


# ------------------------------------------------------------------------------------ calendar


@pytest.mark.parametrize(
    ("month", "first", "last", "quarter"),
    [
        ("2020-01", dt.date(2020, 1, 1), dt.date(2020, 1, 31), "2020Q1"),
        ("2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29), "2020Q1"),  # leap year
        ("2019-02", dt.date(2019, 2, 1), dt.date(2019, 2, 28), "2019Q1"),
        ("2020-04", dt.date(2020, 4, 1), dt.date(2020, 4, 30), "2020Q2"),
        ("2020-09", dt.date(2020, 9, 1), dt.date(2020, 9, 30), "2020Q3"),
        ("2020-12", dt.date(2020, 12, 1), dt.date(2020, 12, 31), "2020Q4"),
    ],
)
def test_days_and_quarter(month: str, first: dt.date, last: dt.date, quarter: str) -> None:
    m = Month.parse(month)
    assert (m.first_day, m.last_day, m.quarter) == (first, last, quarter)


def test_neighbours_cross_the_year() -> None:
    assert Month(2020, 12).next() == Month(2021, 1) and Month(2021, 1).prev() == Month(2020, 12)
    assert Month(2020, 6).plus(-18) == Month(2018, 12) and Month(2020, 6).plus(0) == Month(2020, 6)


def test_months_between_and_order() -> None:
    assert Month(2020, 3).months_until("2020-12") == 9 == months_between("2020-03", "2020-12")
    assert Month(2020, 3).months_until(Month(2019, 12)) == -3
    assert sorted([Month(2020, 10), Month(2019, 12), Month(2020, 2)]) == [
        Month(2019, 12),
        Month(2020, 2),
        Month(2020, 10),
    ]
    assert Month(2020, 10) > Month(2020, 9)
