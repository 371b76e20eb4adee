"""Re-run the department build steps statement by statement on a COPY of a warehouse, with wall and CPU seconds.

    cp warehouse.duckdb /tmp/copy.duckdb && nice python -m tools.profile_dept_build /tmp/copy.duckdb [--cold]

As a monthly batch builds them (比对按月冻结, fupin/warehouse/sql/dept_match.sql): every month but the latest keeps its
comparison (dept_feed_count, dept_record, dept_fired, dept_feed_month become dept_kept_*, less the latest month's rows)
and only the latest month is compared. `--cold` compares every month. Drops and rebuilds the department tables in
that file (never point it at the live warehouse)."""

from __future__ import annotations

import resource
import sys
import time

import duckdb

from fupin.data.ingest import FROZEN_TABLES, _kept
from fupin.warehouse import SQL_DIR

DERIVED = ("dept_quarantine_area", "dept_hit", "dept_keep_floor")  # dept_feed_month is kept by month (FROZEN_TABLES)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(db: str, *, cold: bool = False, steps: tuple[str, ...] = ("dept_match", "dept_rules", "dept_compare")) -> None:
    con = duckdb.connect(db)
    con.execute("set preserve_insertion_order = true")
    for t in DERIVED:
        con.execute(f"drop table if exists {t}")
    con.execute("drop view if exists dept_feed_row")
    # dept_match is a view; a warehouse written before it became one has a table (DuckDB drops a name by its kind)
    kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
    if "dept_match" in kinds:
        con.execute(f"drop {'view' if kinds['dept_match'] == 'VIEW' else 'table'} dept_match")
    con.execute("drop view if exists dept_thresholds")
    con.execute("drop macro table if exists dept_rule_fired")
    (latest,) = con.execute("select max(month) from dept_record").fetchone()
    con.execute(
        "create temp table dept_kept_month as select distinct month from dept_record where month < $m",
        {"m": None if cold else latest},
    )
    first = "1900-01-01" if cold else str(latest)  # the first month compared (ingest: `_freeze_months`)
    con.execute(f"create temp macro dept_new_from() as date '{first}'")
    con.execute(f"create temp macro dept_versions_to() as date '{'2100-01-01' if cold else '1900-01-01'}'")
    for t in FROZEN_TABLES[:-1]:
        con.execute(f"alter table {t} rename to {_kept(t)}")
        con.execute(f"delete from {_kept(t)} where month not in (select month from dept_kept_month)")
    con.execute("checkpoint")
    for step in steps:
        for stmt in con.extract_statements((SQL_DIR / f"{step}.sql").read_text(encoding="utf-8")):
            c0, t0 = _cpu(), time.perf_counter()
            con.execute(stmt)
            what = " ".join(stmt.query.split())[:90]
            print(f"{step}: wall {time.perf_counter() - t0:5.2f} s, CPU {_cpu() - c0:5.2f} s  {what}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], cold="--cold" in sys.argv[2:])
