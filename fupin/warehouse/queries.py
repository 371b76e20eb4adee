"""The query layer: one named, parameterised .sql file per query under queries/.

`run(con, "remaining_poor_by_county", viewer, month=...)` loads the file, binds the viewer's
scope and the parameters (always bound, never formatted into the SQL) and returns a DataFrame.
Each file starts with a header: what it returns, its grain, and its params.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from fupin.access.scope import Viewer, scope_prefix
from fupin.warehouse.connection import cursor

QUERY_DIR = Path(__file__).resolve().parents[2] / "queries"
# Queries whose rows are households (or their members, visits, measures, records): never for a viewer
# that sees aggregates only (会议大屏), whatever page asks.
HOUSEHOLD_ROWS = frozenset(
    {
        "red_flag_households",
        "household_profile",
        "household_members",
        "household_months",
        "household_rule_hits",
        "household_measures",
        "household_visits",
        "month_check_records",
        "category_mismatches",
        "dept_hit_list",
        "dept_match_issues",
        "household_department_hits",
        "monitoring_findings",
    }
)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    header: str  # leading comment lines, without "-- "
    params: frozenset[str]  # $names used in the body

    @property
    def scoped(self) -> bool:
        return "scope_prefix" in self.params


@functools.cache
def load(name: str) -> Query:
    """Read queries/<name>.sql once."""
    path = QUERY_DIR / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    header = [line[2:].strip() for line in text.splitlines() if line.startswith("--")]
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return Query(name, text, "\n".join(header), frozenset(_PARAM.findall(body)))


def names() -> list[str]:
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


def run(con: duckdb.DuckDBPyConnection, name: str, viewer: Viewer, **params: object) -> pd.DataFrame:
    """Run a named query for a viewer. A cursor per call, so threads never share one."""
    if name in HOUSEHOLD_ROWS and not viewer.sees_households:
        raise PermissionError(f"{viewer.role} may not read household rows ({name})")
    q = load(name)
    bound = dict(params)
    if q.scoped:
        bound["scope_prefix"] = scope_prefix(viewer)
    missing = q.params - bound.keys()
    if missing:
        raise TypeError(f"query {name} needs parameters {sorted(missing)}")
    extra = bound.keys() - q.params
    if extra:
        raise TypeError(f"query {name} does not take {sorted(extra)}")
    cur = cursor(con)
    try:
        return cur.execute(q.sql, bound).df()
    finally:
        cur.close()
