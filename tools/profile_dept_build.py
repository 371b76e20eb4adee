"""Re-run the department build steps statement by statement on a COPY of a warehouse, with wall and CPU seconds.

    cp warehouse.duckdb /tmp/copy.duckdb && nice python -m tools.profile_dept_build /tmp/copy.duckdb

Drops and rebuilds dept_feed_row, dept_feed_count, dept_keep_floor, dept_record, dept_match, dept_hit,
dept_quarantine_area and dept_feed_month in that file (never point it at the live warehouse)."""

from __future__ import annotations

import resource
import sys
import time

import duckdb

from fupin.warehouse import SQL_DIR

TABLES = (
    "dept_feed_month",
    "dept_quarantine_area",
    "dept_hit",
    "dept_match",
    "dept_record",
    "dept_keep_floor",
    "dept_feed_count",
)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(db: str, steps: tuple[str, ...] = ("dept_match", "dept_compare")) -> None:
    con = duckdb.connect(db)
    con.execute("set preserve_insertion_order = true")
    for t in TABLES:
        con.execute(f"drop table if exists {t}")
    con.execute("drop view if exists dept_feed_row")
    for step in steps:
        for i, stmt in enumerate(con.extract_statements((SQL_DIR / f"{step}.sql").read_text(encoding="utf-8"))):
            c0, t0 = _cpu(), time.perf_counter()
            con.execute(stmt)
            print(f"{step}.sql statement {i + 1}: wall {time.perf_counter() - t0:.1f} s, CPU {_cpu() - c0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
