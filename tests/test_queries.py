"""The query layer: every .sql file has a header and runs; scope is always bound."""

import re

import duckdb
import pytest

from fupin.access.scope import Viewer
from fupin.warehouse import queries
from tests.support.params import PARAMS

HOUSEHOLD_TABLES = re.compile(
    r"\b(summary_\w+|household_month|category_transition_month|monitor_month|warning_\w+|clearance_month|visit_sla_month|dq_\w+"
    r"|red_flag_filtered|monitoring_finding|guarantee_county_month|stg_(household|member|monitoring|visit|measure)\w*)\b"
)


@pytest.mark.parametrize("name", queries.names())
def test_header(name: str) -> None:
    q = queries.load(name)
    first = q.sql.splitlines()[0]
    assert first.startswith("-- ") and len(first) > 15, "the first line says what the query returns"
    assert "Grain:" in q.header and "Params:" in q.header
    for p in q.params:
        assert f"${p}" in q.header, f"header documents ${p}"


@pytest.mark.parametrize("name", queries.names())
def test_household_queries_are_scoped(name: str) -> None:
    q = queries.load(name)
    body = "\n".join(line for line in q.sql.splitlines() if not line.startswith("--"))
    if HOUSEHOLD_TABLES.search(body):
        assert q.scoped, f"{name} reads household data and must filter by $scope_prefix"


@pytest.mark.parametrize("name", queries.names())
def test_runs_on_the_tiny_warehouse(con: duckdb.DuckDBPyConnection, name: str) -> None:
    q = queries.load(name)
    (hid,) = con.execute(
        "select household_id from warning_flag_month where red_flag and month = date '2020-03-01' order by 1 limit 1"
    ).fetchone()
    if name == "household_department_hits":  # a household the departments reported on
        (hid,) = con.execute("select min(household_id) from dept_hit where household_id is not null").fetchone()
    params = PARAMS | {"household_id": hid}
    df = queries.run(con, name, Viewer.province(), **{k: v for k, v in params.items() if k in q.params})
    assert len(df.columns) > 0
    if name not in ("quarantine_by_reason", "household_measures", "household_visits"):  # may be empty
        assert len(df) > 0


def test_scope_limits_rows(con: duckdb.DuckDBPyConnection) -> None:
    province = queries.run(con, "county_summary_month", Viewer.province(), month="2020-03-01")
    city = queries.run(con, "county_summary_month", Viewer("c", "city", "city", "341200"), month="2020-03-01")
    county = queries.run(con, "county_summary_month", Viewer("x", "county", "county", "341221"), month="2020-03-01")
    assert len(province) == 104
    assert set(city["county_code"].str[:4]) == {"3412"} and 1 < len(city) < 104
    assert county["county_code"].tolist() == ["341221"]
    expected = con.execute(
        "select remaining_poor_persons from summary_county_month where county_code = '341221' and month = date "
        "'2020-03-01'"
    ).fetchone()[0]
    assert county["remaining_poor_persons"].iloc[0] == expected


def test_values_are_bound_not_formatted(con: duckdb.DuckDBPyConnection) -> None:
    evil = queries.run(con, "county_summary_month", Viewer.province(), month="2020-03-01")
    assert len(evil) == 104
    with pytest.raises(TypeError):
        queries.run(con, "county_summary_month", Viewer.province())  # $month missing
    with pytest.raises(TypeError):
        queries.run(con, "county_summary_month", Viewer.province(), month="2020-03-01", scope="34')--")
    # A hostile value reaches the SQL only as a bound value: it matches nothing and breaks nothing.
    hostile = "341221' or '1'='1"
    params = {**PARAMS, "area_prefix": hostile, "rule": "R01'; drop table stg_household; --"}
    q = queries.load("red_flag_households")
    rows = queries.run(
        con, "red_flag_households", Viewer.province(), **{k: params[k] for k in q.params - {"scope_prefix"}}
    )
    assert len(rows) == 0
    assert con.execute("select count(*) from stg_household").fetchone()[0] > 0  # still there


def test_meeting_screen_never_gets_household_rows(con: duckdb.DuckDBPyConnection) -> None:
    meeting = Viewer("会议大屏", "meeting", "province")
    for name in queries.HOUSEHOLD_ROWS:
        q = queries.load(name)
        assert "household_id" in q.sql, name  # the list names queries that really return households
        with pytest.raises(PermissionError):
            queries.run(con, name, meeting, **{k: v for k, v in PARAMS.items() if k in q.params})
    assert len(queries.run(con, "county_summary_month", meeting, month="2020-03-01")) > 0  # aggregates are fine
