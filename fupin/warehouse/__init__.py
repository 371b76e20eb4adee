"""The read-only DuckDB warehouse: where it is, opening it, the ingest lock, the named queries in
queries/ (scope bound as $scope_prefix), and the ordered build SQL ingest runs (sql/).
May import fupin.core and fupin.access."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"

# The warehouse build after the staging tables exist, in this order (each step reads what the ones before made).
BUILD_STEPS: tuple[str, ...] = (
    "household_month",  # household × month with category, income, flags
    "dept_match",  # department feeds in one shape, matched to the register by ID number and name
    "dept_rules",  # department comparison rules (department_rules.csv) as a table macro: a 风险 hit feeds the score
    "warnings",  # rule hits, red-flag months, clearance, visit SLA, category mismatches
    "category_transition",  # households entering / leaving 脱贫监测户 and 边缘户 each month (月核查)
    "summary_area_month",  # village and township summaries
    "summary_county_month",  # county summaries for the pages
    "macros",  # table macros shared by pages and scenarios (rule_hits, red-flag filters)
    "compliance",  # fund compliance findings
    "monitoring_checks",  # what the notice demands of the register: 销号, 帮扶责任人, 联系人, 临时救助 …; 动态清零
    "scenario_base",  # the what-if base table
    "dept_compare",  # department hits with evidence and the household's state; per-feed monthly counts
    "work_finding",  # findings handed to counties as 督办事项 (the store keeps the work items)
)
