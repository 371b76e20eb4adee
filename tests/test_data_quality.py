"""dbt-style data tests on the ingested tiny warehouse."""

from pathlib import Path

import duckdb
import pytest

from fupin.data import contract as C
from fupin.data.ingest import ingest

STG = [(f"stg_{t.en}", t.key if t.mode in ("register", "transactions") else (*t.key, "month")) for t in C.TABLES]


@pytest.mark.parametrize(("table", "key"), STG, ids=[s[0] for s in STG])
def test_keys_unique_and_not_null(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> None:
    cols = ", ".join(dict.fromkeys(key))
    total, distinct, nulls = con.execute(
        f"select count(*), count(distinct ({cols})), count(*) filter (where "
        f"{' or '.join(f'{k} is null' for k in key)}) from {table}"
    ).fetchone()
    assert total > 0 and total == distinct and nulls == 0


def test_households_reconcile_with_members(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = con.execute(
        """select count(*) from stg_household h
           left join (select household_id, count(*) as n from stg_member group by 1) m using (household_id)
           where coalesce(m.n, 0) <> h.household_size"""
    ).fetchone()[0]
    assert mismatched == 0
    heads = con.execute(
        "select count(*) from stg_household h join stg_member m on m.id_number = h.head_id_number and "
        "m.relation = '户主'"
    ).fetchone()[0]
    assert heads == con.execute("select count(*) from stg_household").fetchone()[0]


def test_payments_within_allocations_except_quarantined(con: duckdb.DuckDBPyConnection) -> None:
    over = con.execute(
        """select count(*) from stg_allocation a
           join (select allocation_id, sum(amount) as paid from stg_payment group by 1) p using (allocation_id)
           where p.paid > a.amount"""
    ).fetchone()[0]
    assert over == 0
    exceeding, raw_over = _over_payments(con)
    assert exceeding >= raw_over  # every over-paid allocation in the raw rows has its rows quarantined


def _over_payments(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    exceeding = con.execute(
        "select count(*) from quarantine where reason_code = 'payment_exceeds_allocation'"
    ).fetchone()[0]
    raw_over = con.execute(
        """select count(*) from (
             select trim("下达编号") as id, sum(cast("支付金额" as decimal(18,2))) as paid from raw_payment group by 1
           ) r join stg_allocation a on a.allocation_id = r.id where r.paid > a.amount"""
    ).fetchone()[0]
    return exceeding, raw_over


def test_over_payment_check_finds_a_real_over_payment(tmp_path: Path) -> None:
    """The check above must be able to fail: on the hand-made over-payment it finds and quarantines it."""
    db = tmp_path / "w.duckdb"
    assert ingest(Path(__file__).parent / "fixtures" / "bad" / "payment_exceeds_allocation", db).ok
    con = duckdb.connect(str(db), read_only=True)
    exceeding, raw_over = _over_payments(con)
    assert raw_over == 1 and exceeding >= 1


def test_summary_has_every_county_every_month(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("select month, count(*) from summary_county_month group by 1 order by 1").fetchall()
    assert len(rows) == 6 and all(n == 104 for _, n in rows)


def test_summaries_roll_up(con: duckdb.DuckDBPyConnection) -> None:
    for metric in ("remaining_poor_persons", "monitor_households", "edge_households", "red_flag_households", "persons"):
        v, t, c = con.execute(
            f"""select (select sum({metric}) from summary_village_month),
                       (select sum({metric}) from summary_township_month),
                       (select sum({metric}) from summary_county_month)"""
        ).fetchone()
        assert v == t == c, metric
    direct = con.execute(
        """select count(*) from household_month where month = date '2020-03-01' and household_category = '边缘户'"""
    ).fetchone()[0]
    summed = con.execute(
        "select sum(edge_households) from summary_county_month where month = date '2020-03-01'"
    ).fetchone()[0]
    assert direct == summed > 0


def test_every_household_figure_rolls_up_per_area_and_month(con: duckdb.DuckDBPyConnection) -> None:
    """Village → township → county, figure by figure and area by area (counties with no households: 0)."""
    codes = {"month", "village_code", "township_code", "county_code", "city_code"}
    figures = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = 'summary_village_month'"
        ).fetchall()
        if c not in codes
    ]
    assert len(figures) == 19
    for child, parent, key in (
        ("summary_village_month", "summary_township_month", "township_code"),
        ("summary_township_month", "summary_county_month", "county_code"),
    ):
        for figure in figures:  # names from the warehouse's own catalogue
            (wrong,) = con.execute(
                f"""select count(*) from (select month, {key}, sum({figure}) as v from {child} group by all) c
                    full join {parent} p using (month, {key})
                    where coalesce(c.v, 0) <> p.{figure}"""
            ).fetchone()
            assert wrong == 0, (parent, figure)


def test_migrant_report_reconciles_with_members(con: duckdb.DuckDBPyConnection) -> None:
    diff = con.execute(
        "select count(*) from summary_county_month where migrant_workers <> migrant_workers_reported"
    ).fetchone()[0]
    assert diff == 0


def test_monitoring_stage_dates_are_ordered(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        """select count(*) from stg_monitoring where
           township_reviewed_date < village_filed_date or county_audited_date < township_reviewed_date
           or province_recorded_date < county_audited_date or county_reviewed_date < township_filed_date"""
    ).fetchone()[0]
    assert bad == 0
