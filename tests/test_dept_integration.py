"""部门比对 where the work happens, with hand-made people around each threshold: a 风险 hit counts in the red-flag
score (alone or with a register rule) with its evidence, the 情景推演 moves D01 / D02 / D05 and catches exactly the
people at the new threshold, the 月核查 counts equal the warehouse rows, the 季通报 names a county by the share of
leads nobody followed up, and a county user sees only their county."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fupin.access.scope import Viewer
from fupin.data import contract as C
from fupin.data.idcard import check_digit
from fupin.reports import bulletin as B
from fupin.warehouse import queries
from tests.support import builders as H

M = "2020-01"
V = H.VILLAGE  # 临泉县 (341221)
LINQUAN = Viewer(name="临泉县用户", role="county", scope_level="county", scope_code="341221")
OTHER_COUNTY = Viewer(name="阜南县用户", role="county", scope_level="county", scope_code="341225")

# n → (category, monitored?, monitoring kwargs); every person heads a one-person household
PEOPLE = {
    1: ("脱贫监测户", {"est": 6000, "last": 6000}),  # D01 at 5000 (高 = 3): red by the department hit alone
    2: ("脱贫监测户", {"est": 6000, "last": 6000}),  # 4999.99: nothing (until the scenario lowers D01)
    3: ("脱贫监测户", {"est": 4000, "last": 8000}),  # D05 10000.01 (低 = 1) + R02 (中 = 2): red together
    4: ("脱贫监测户", {"est": 4000, "last": 8000}),  # 教育 10000 (not D05) + R02: score 2, not red
    5: ("享受政策的脱贫户", None),  # D01 6000 but not monitored: a department hit, no red-flag row
    6: ("脱贫监测户", {"est": 6000, "last": 6000}),  # D04 dropout: a 两不愁三保障问题, not a 风险 → no score
}


def _outsider(n: int) -> str:
    body = f"34122119900101{n:03d}"
    return body + check_digit(body)


def _row(t: C.Table, pid: str, name: str, **measure: str) -> dict[str, str]:
    row = {c.cn: "" for c in t.columns}
    row[t.column("id_number").cn] = pid
    row[t.column("name").cn] = name
    row[t.column("village_code").cn] = V
    date = next(c.cn for c in t.columns if c.en == "event_date")
    return row | {date: "2020-01-15"} | measure


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fupin.data.ingest import ingest

    src = tmp_path_factory.mktemp("deptint") / "exports"
    month = src / M
    name = {n: f"王{n:02d}" for n in PEOPLE}
    hh = [H.household(n, 户类别=cat, 户主姓名=name[n]) for n, (cat, _) in PEOPLE.items()]
    H.write(month, C.HOUSEHOLD, hh)
    H.write(month, C.MEMBER, [H.member(n) | {"姓名": name[n]} for n in PEOPLE])
    H.write(month, C.MONITORING, [H.record(n, M, **kw) for n, (_, kw) in PEOPLE.items() if kw])
    P = H._pid
    med = {"本年累计医疗总费用": "50000"}
    H.write(
        month,
        C.DEPT_MEDICAL,
        [
            _row(C.DEPT_MEDICAL, P(1), name[1], 本年累计个人自付="5000", **med),
            _row(C.DEPT_MEDICAL, P(2), name[2], 本年累计个人自付="4999.99", **med),
            _row(C.DEPT_MEDICAL, P(5), name[5], 本年累计个人自付="6000", **med),
            _row(C.DEPT_MEDICAL, _outsider(1), "赵甲", 本年累计个人自付="20000", **med),
            _row(C.DEPT_MEDICAL, _outsider(2), "赵乙", 本年累计个人自付="19999.99", **med),
        ],
    )
    H.write(
        month,
        C.DEPT_EDUCATION,
        [
            _row(C.DEPT_EDUCATION, P(3), name[3], 学段="高中", 学籍状态="在读", 本学年自付费用="10000.01"),
            _row(C.DEPT_EDUCATION, P(4), name[4], 学段="高中", 学籍状态="在读", 本学年自付费用="10000"),
            _row(C.DEPT_EDUCATION, P(6), name[6], 学段="义务教育", 学籍状态="辍学", 本学年自付费用="0"),
        ],
    )
    path = src.parent / "w.duckdb"
    report = ingest(src, path)
    assert report.ok, report.error
    return path


@pytest.fixture()
def con(db: Path):  # a read-only connection to the hand-made warehouse
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def hh(n: int) -> str:
    return f"{V}{n:04d}"


# ------------------------------------------------------------------------------------------- red-flag score


def test_a_risk_hit_counts_in_the_red_flag_score(con: duckdb.DuckDBPyConnection) -> None:
    flags = {
        h: (score, red, list(rules))
        for h, score, red, rules in con.execute(
            "select household_id, score, red_flag, rules from warning_flag_month where month = date '2020-01-01'"
        ).fetchall()
    }
    assert flags[hh(1)] == (3, True, ["D01"])  # 高 alone reaches red_flag_min_score 3
    assert flags[hh(2)] == (0, False, [])
    assert flags[hh(3)] == (3, True, ["D05", "R02"])  # 低 1 + 中 2
    assert flags[hh(4)] == (2, False, ["R02"])
    assert flags[hh(6)] == (0, False, [])  # D04 produces a 两不愁三保障问题, not a 风险
    assert hh(5) not in flags  # not monitored: no monitoring row to flag …
    d = dict(con.execute("select household_id, red_flag from dept_hit where rule_id = 'D01'").fetchall())
    assert d == {hh(1): True, hh(5): False}  # … but the department hit is listed, and says the flag it led to


def test_the_hit_carries_its_evidence_to_the_household_detail(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        hits = queries.run(con, "household_rule_hits", LINQUAN, household_id=hh(1))
        dept = queries.run(con, "household_department_hits", LINQUAN, household_id=hh(1))
        rules = queries.run(con, "warning_rules", LINQUAN)
    finally:
        con.close()
    row = hits.iloc[0]
    assert (row["rule_id"], row["severity"]) == ("D01", "高")
    assert row["evidence"] == "医保：本年累计个人自付 5,000元（医疗总费用 50,000元），2020-01-15"
    assert "防返贫意见" in row["clause"]
    assert list(dept["source"]) == [f"{M}/医保结算.csv 第2行"]
    # the red-flag page's rule filter and rules table offer the department 风险 rules (and only those)
    d_rules = set(rules.loc[rules["rule_id"].str.startswith("D"), "rule_id"])
    assert d_rules == {"D01", "D03", "D05", "D06", "D09", "D11", "D14"}


def test_the_red_flag_page_filters_on_a_department_rule(db: Path) -> None:
    from fupin.views import warnings as W

    con = duckdb.connect(str(db), read_only=True)
    try:
        filters = W.red_flag_filters("2020-01-01", "34", rule="D01", categories=[])
        rows = queries.run(con, "red_flag_households", Viewer.province(), **filters, sort="score", limit=50, offset=0)
    finally:
        con.close()
    assert list(rows["household_id"]) == [hh(1)]


# ------------------------------------------------------------------------------------------- 情景推演


def dept_scenario(con: duckdb.DuckDBPyConnection, viewer: Viewer = LINQUAN, **t: float) -> pd.Series:
    params = {"d01": 5000.0, "d02": 20000.0, "d05": 10000.0} | t
    res = queries.run(
        con, "scenario_dept_by_area", viewer, month="2020-01-01", area_prefix="34", group_by="county", **params
    )
    return res.select_dtypes("number").sum()


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [
        ({}, {"d01": (2, 2, 0), "d05": (1, 1, 0), "d02": (1, 1, 0)}),  # the reference: the stored hits
        ({"d01": 4999.99}, {"d01": (2, 3, 1), "d05": (1, 1, 0), "d02": (1, 1, 0)}),  # 王02 caught
        ({"d01": 5000.01}, {"d01": (2, 1, 0), "d05": (1, 1, 0), "d02": (1, 1, 0)}),  # 王01 no longer
        ({"d02": 19999.99}, {"d01": (2, 2, 0), "d05": (1, 1, 0), "d02": (1, 2, 1)}),  # 赵乙: a new candidate
        ({"d05": 9999.99}, {"d01": (2, 2, 0), "d05": (1, 2, 1), "d02": (1, 1, 0)}),  # 王04 (> threshold)
    ],
)
def test_the_scenario_catches_exactly_the_people_at_the_new_threshold(
    con: duckdb.DuckDBPyConnection, thresholds: dict[str, float], expected: dict[str, tuple[int, int, int]]
) -> None:
    got = dept_scenario(con, **thresholds)
    for rule, (stored, scenario, become) in expected.items():
        assert (got[f"{rule}_stored"], got[f"{rule}_scenario"], got[f"{rule}_become"]) == (stored, scenario, become)
    stored = con.execute(
        "select rule_id, count(distinct id_number) from dept_hit where rule_id in ('D01', 'D02', 'D05') group by 1"
    ).fetchall()
    assert {f"{r.lower()}_stored": n for r, n in stored} == {
        k: got[k] for k in ("d01_stored", "d02_stored", "d05_stored")
    }


def test_the_scenario_scores_the_department_threshold(con: duckdb.DuckDBPyConnection) -> None:
    def red(d01: float) -> tuple[int, int]:
        res = queries.run(
            con,
            "scenario_line_by_area",
            LINQUAN,
            month="2020-01-01",
            area_prefix="34",
            group_by="county",
            line=5000.0,
            t02=0.3,
            t09=0.2,
            min_score=3,
            d01=d01,
            d05=10000.0,
        )
        return int(res["red_stored"].sum()), int(res["red_scenario"].sum())

    assert red(5000.0) == (2, 2)
    assert red(4999.99) == (2, 3)  # 王02's 4,999.99 now fires D01 (高) and flags the household
    assert red(5000.01) == (2, 1)


def test_the_scenario_is_scoped(con: duckdb.DuckDBPyConnection) -> None:
    assert dept_scenario(con, OTHER_COUNTY, d01=1000.0, d02=1000.0).sum() == 0
    assert dept_scenario(con, LINQUAN, d01=1000.0)["d01_scenario"] == 3


def test_scenario_parameters_round_trip_the_url() -> None:
    from fupin.domain.scenario import ScenarioParams, from_query, to_query

    base = ScenarioParams()
    p = ScenarioParams(d01=3000.0, d02=15000.0, d05=8000.0)
    q = to_query(p, base)
    assert q == {"s_d01": "3000", "s_d02": "15000", "s_d05": "8000"}
    assert from_query(q, base) == p
    assert from_query({"s_d01": "-5", "s_d02": "abc"}, base) == ScenarioParams(d01=500.0)  # clamped; junk ignored


# ------------------------------------------------------------------------------------------- 月核查 and 季通报


def test_month_check_counts_equal_the_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    row = queries.run(con, "month_check_by_county", LINQUAN, month="2020-01-01", area_prefix="34").iloc[0]
    feed = con.execute("select sum(received), sum(matched) from dept_feed_month").fetchone()
    assert (row["dept_received"], row["dept_matched"]) == feed == (8, 6)
    by_kind = dict(con.execute("select produces, count(*) from dept_hit group by 1").fetchall())
    assert row["dept_risk"] == by_kind["风险"] == 3  # D01 ×2 and D05; none below the thresholds
    assert row["dept_guarantee"] == by_kind["两不愁三保障问题"] == 1
    assert row["dept_candidates"] == 1 and row["dept_correction"] == 0
    # not followed up: 风险 / 两不愁三保障问题 on a household that is not monitored and got no measure — 王05 only
    assert row["dept_unfollowed"] == 1
    recs = queries.run(
        con, "month_check_records", LINQUAN, month="2020-01-01", area_prefix="34", kind="dept_unfollowed"
    )
    assert list(recs["record_id"]) == [hh(5)] and "6,000元" in recs["detail"].iloc[0]
    every = queries.run(con, "month_check_records", LINQUAN, month="2020-01-01", area_prefix="34", kind="dept_hits")
    assert len(every) == 4 and not every["detail"].str.contains("王").any()  # 户编号 only, no names
    other = queries.run(con, "month_check_by_county", OTHER_COUNTY, month="2020-01-01", area_prefix="34")
    assert list(other["county_code"]) == ["341225"] and other.filter(like="dept_").sum().sum() == 0


def _rule(threshold: float, min_base: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "measure": "dept_unfollowed_share",
                "label": "部门比对线索未跟进率",
                "rule": "above",
                "threshold": threshold,
                "min_base": min_base,
            }
        ]
    )


def test_the_bulletin_names_a_county_by_the_share_not_followed_up() -> None:
    raw = pd.DataFrame(
        {
            "county_code": ["341221", "341222", "341225"],
            "county_name": ["临泉县", "太和县", "阜南县"],
            "city_name": ["阜阳市"] * 3,
            **{
                c: [10.0, 10.0, 10.0]
                for c in (
                    "poor_start",
                    "poor_end",
                    "projects",
                    "projects_started",
                    "workshops",
                    "workshops_restarted",
                    "migrant_workers",
                    "migrant_workers_last_year",
                    "public_posts_created",
                    "public_posts_filled",
                    "special_allocated",
                    "special_paid",
                    "edge_households",
                    "edge_visited",
                    "clearance_stuck",
                )
            },
            "required_share": [0.5] * 3,
            "dept_hits": [40.0, 40.0, 10.0],
            "dept_unfollowed": [37.0, 36.0, 10.0],  # 92.5 %, 90 %, 100 % of a base below the minimum
        }
    )
    m, area = B.county_measures(raw), B.area_values(raw)
    named = B.flag_slow(m, _rule(0.92, 30), area).set_index("county_name")["slow_reasons"]
    assert named["临泉县"].startswith(
        "部门比对线索未跟进率 92.5%：本季部门比对发现的风险和两不愁三保障问题线索 40条中 37条"
    )
    assert "省定上限 92%" in named["临泉县"] and named["太和县"] == "" and named["阜南县"] == ""
    assert B.flag_slow(m, _rule(0.92, 5), area).set_index("county_name").loc["阜南县", "slow_reasons"] != ""


def test_the_bulletin_rule_is_reference_data() -> None:
    from fupin.core.reference import REFERENCE_DIR, read_csv_text

    rules = read_csv_text(REFERENCE_DIR / "bulletin_rules.csv").set_index("measure")
    r = rules.loc["dept_unfollowed_share"]
    assert (r["rule"], r["threshold_source"], float(r["threshold"]), int(r["min_base"])) == (
        "above",
        "省定参数",
        0.95,
        30,
    )
