"""Warning rules with hand-made households: each rule fires for a household that meets its clause and not for one
that doesn't (and at its threshold, not below it); the red-flag lifecycle over months; the policy's class
definitions recomputed; the monitoring checks (M1–M6) and 两不愁三保障 动态清零 built at ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fupin.core.reference import REFERENCE_DIR
from fupin.data import contract as C
from fupin.data.ingest import ingest
from tests.support.builders import VILLAGE, household, measure, member, record, write

# One worker builds this module's `rules_db` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_rules")

# (household number, household overrides, monitoring kwargs, rule that must fire or None, rule that must not)
CASES = [
    # R01: below 5,000 AND a risk point (四（一）1, 二（二）); below the line alone is the class definition
    (1, {}, {"est": 4999, "last": 5000, "points": "因病"}, "R01", None),
    (2, {}, {"est": 5000, "last": 5000, "points": "因病"}, None, "R01"),
    (17, {}, {"est": 3000, "last": 3000}, None, "R01"),
    (16, {"户类别": "未脱贫户", "脱贫年度": ""}, {"est": 3000, "category": "未脱贫户", "points": "因病"}, None, "R01"),
    # R02: a drop of more than 30 % (省定参数)
    (3, {}, {"est": 6999, "last": 10000}, "R02", None),
    (4, {}, {"est": 7000, "last": 10000}, None, "R02"),
    # R03 / R04: 两不愁三保障, 饮水安全
    (5, {"义务教育有保障": "否"}, {"est": 5200}, "R03", None),
    (6, {}, {"est": 5200, "points": "住房安全"}, "R03", None),
    (7, {"饮水安全有保障": "否"}, {"est": 5200}, "R04", None),
    # R05: 确诊/疑似 and no 临时救助 recorded (三（四）5, which names 建档立卡贫困户 first)
    (8, {"疫情影响": "家庭成员确诊"}, {"est": 5200}, "R05", None),
    (9, {"疫情影响": "务工受阻"}, {"est": 5200}, None, "R05"),
    (18, {"疫情影响": "家庭成员疑似"}, {"est": 5200}, None, "R05"),  # 临时救助 recorded in January
    (
        19,
        {"户类别": "未脱贫户", "脱贫年度": "", "疫情影响": "家庭成员确诊"},
        {"est": 3000, "category": "未脱贫户"},
        "R05",
        None,
    ),
    # R06: 自然灾害
    (10, {}, {"est": 5200, "points": "因灾"}, "R06", None),
    # R07: 家庭变故, which the clause names — a risk point or the register's 返贫致贫风险; 意外事故 alone is not it
    (11, {}, {"est": 5200, "points": "意外事故"}, None, "R07"),
    (12, {}, {"est": 5200, "points": "家庭变故"}, "R07", None),
    (13, {"返贫致贫风险": "家庭变故"}, {"est": 5200}, "R07", None),
    # R09: 务工受阻 and a drop of more than 20 % (省定参数)
    (14, {}, {"est": 6399, "last": 8000, "points": "务工受阻"}, "R09", None),
    (15, {}, {"est": 6400, "last": 8000, "points": "务工受阻"}, None, "R09"),
]
HELPER = {"帮扶责任人": "张帮扶"}
EDGE_ABOVE_LINE = {
    "户类别": "边缘户",
    "贫困户属性": "非贫困户",
    "脱贫年度": "",
    "年人均纯收入": "9000",
    "工资性收入": "9000",
    "生产经营性收入": "0",
    "转移性收入": "0",
    "联系人姓名": "李联系",
    "联系人电话": "13900000000",
}
EDGE_STAGES_JAN = {"乡镇汇总填报日期": "2020-01-08", "县级审核日期": "2020-01-18"}
EDGE_CLEARED = EDGE_STAGES_JAN | {"省级销号日期": "2020-01-28"}
NOT_ENJOYING = {"户类别": "不享受政策的脱贫户", "年人均纯收入": "20000", "工资性收入": "20000", "生产经营性收入": "0"}


@pytest.fixture(scope="module")
def rules_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("rules") / "exports"
    jan, feb, mar = src / "2020-01", src / "2020-02", src / "2020-03"
    hh = [household(n, **over) for n, over, *_ in CASES]
    # 20: lifecycle — 义务教育 fails in Jan and Feb (red), fixed in Mar (cleared).
    hh.append(household(20, 义务教育有保障="否"))
    # 21–23: class recomputation.
    hh.append(
        household(
            21, 户类别="享受政策的脱贫户", 年人均纯收入="20000", 工资性收入="20000", 生产经营性收入="0", 转移性收入="0"
        )
    )
    hh.append(
        household(22, 户类别="脱贫监测户", 年人均纯收入="9000", 工资性收入="9000", 生产经营性收入="0", 转移性收入="0")
    )
    hh.append(
        household(
            23, 户类别="享受政策的脱贫户", 年人均纯收入="9000", 工资性收入="9000", 生产经营性收入="0", 转移性收入="0"
        )
    )
    # 24–35: the monitoring checks (see test_monitoring_checks)
    hh += [household(24, **HELPER), household(25, **HELPER)]  # M1: 省级备案 below the line / above it
    hh += [household(26, 户类别="享受政策的脱贫户"), household(27, 户类别="享受政策的脱贫户", **HELPER)]  # M2
    edge = {"户类别": "边缘户", "贫困户属性": "非贫困户", "脱贫年度": ""}
    hh += [household(28, **edge), household(29, **edge, 联系人姓名="李联系", 联系人电话="13900000000")]  # M3
    hh += [household(30, 义务教育有保障="否", **HELPER)]  # M4 near miss: red, with a measure
    hh += [household(31, 户类别="享受政策的脱贫户", 疫情影响="家庭成员确诊", **HELPER)]  # M5: not monitored
    hh += [
        household(32, **NOT_ENJOYING, **HELPER),  # M6: a 财政专项扶贫资金 subsidy
        household(33, **NOT_ENJOYING, **HELPER, 住房安全有保障="否"),  # M6 exception: a 住房安全 problem
        household(34, **NOT_ENJOYING, **HELPER),  # near miss: another fund
        household(35, 户类别="享受政策的脱贫户", 饮水安全有保障="否", **HELPER),  # 动态清零: not monitored
    ]
    # 36–38: edge households above the line with no risk (see test_households_cleared_by_xiaohao_are_not_mismatches)
    hh += [household(n, **EDGE_ABOVE_LINE) for n in (36, 37, 38)]
    write(jan, C.HOUSEHOLD, hh)
    write(jan, C.MEMBER, [member(int(h["户编号"][-4:])) for h in hh])
    recs = [record(n, "2020-01", **kw) for n, _, kw, *_ in CASES]
    recs.append(record(20, "2020-01", est=5200))
    recs.append(record(22, "2020-01", est=9000, last=9000))
    recs += [
        record(
            24,
            "2020-01",
            est=4000,
            销号阶段="市县审核",
            村级填报日期="2020-01-05",
            乡镇审查日期="2020-01-10",
            市县审核日期="2020-01-20",
        ),
        record(
            25,
            "2020-01",
            est=6000,
            销号阶段="市县审核",
            村级填报日期="2020-01-05",
            乡镇审查日期="2020-01-10",
            市县审核日期="2020-01-20",
        ),
        record(28, "2020-01", est=4500, category="边缘户"),
        record(29, "2020-01", est=4500, category="边缘户"),
        record(30, "2020-01", est=5200),
        record(36, "2020-01", est=9000, last=9000, category="边缘户", 销号阶段="县级审核", **EDGE_STAGES_JAN),
        record(37, "2020-01", est=9000, last=9000, category="边缘户"),
        record(38, "2020-01", est=9000, last=9000, category="边缘户", 销号阶段="省级销号", **EDGE_CLEARED),
    ]
    write(jan, C.MONITORING, recs)
    write(
        jan,
        C.MEASURE,
        [
            measure("CS1", 18, "县级救助基金", date="2020-01-15"),  # R05 near miss: 临时救助 recorded
            measure("CS2", 30, "行业部门资金", kind="教育帮扶", date="2020-01-20"),
            measure("CS3", 32, "财政专项扶贫资金", kind="产业帮扶", date="2020-01-12"),
            measure("CS4", 33, "财政专项扶贫资金", kind="危房改造", date="2020-01-12"),
            measure("CS5", 34, "行业部门资金", kind="产业帮扶", date="2020-01-12"),
        ],
    )
    stages = {"村级填报日期": "2020-01-05", "乡镇审查日期": "2020-01-10", "市县审核日期": "2020-01-20"}
    write(
        feb,
        C.MONITORING,
        [
            record(20, "2020-02", est=5200),
            record(24, "2020-02", est=4000, 销号阶段="省级备案", 省级备案日期="2020-02-20", **stages),
            record(25, "2020-02", est=6000, 销号阶段="省级备案", 省级备案日期="2020-02-20", **stages),
            record(36, "2020-02", est=9000, last=9000, category="边缘户", 销号阶段="省级销号", **EDGE_CLEARED),
            record(38, "2020-02", est=9000, last=9000, category="边缘户"),  # monitored again after its 销号
        ],
    )
    write(mar, C.HOUSEHOLD, [household(20)])  # the school place is arranged: 义务教育 now 是
    write(mar, C.MONITORING, [record(20, "2020-03", est=5200)])
    db = src.parent / "w.duckdb"
    report = ingest(src, db)
    assert report.ok and report.rows_quarantined == 0, report.quarantined_by_reason
    return db


def hits(db: Path, n: int) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select rule_id from warning_hit where household_id = $h and month = date '2020-01-01'",
        {"h": f"{VILLAGE}{n:04d}"},
    ).fetchall()
    return {r for (r,) in rows}


@pytest.mark.parametrize(("n", "over", "kw", "fires", "silent"), CASES, ids=[f"hh{c[0]}" for c in CASES])
def test_rule_fires_exactly_at_its_threshold(
    rules_db: Path, n: int, over: dict, kw: dict, fires: str | None, silent: str | None
) -> None:
    got = hits(rules_db, n)
    if fires:
        assert fires in got
    if silent:
        assert silent not in got


def test_evidence_names_the_values(rules_db: Path) -> None:
    con = duckdb.connect(str(rules_db), read_only=True)
    (ev,) = con.execute(
        f"select evidence from warning_hit where household_id = '{VILLAGE}0003' and rule_id = 'R02'"
    ).fetchone()
    assert "6999" in ev and "10000" in ev and "30.0%" in ev


def test_red_flag_lifecycle(rules_db: Path) -> None:
    con = duckdb.connect(str(rules_db), read_only=True)
    rows = con.execute(
        "select month, red_flag, flag_status, first_raised, open_days, rules from warning_flag_month "
        f"where household_id = '{VILLAGE}0020' order by month"
    ).fetchall()
    assert [(r[1], r[2]) for r in rows] == [(True, "new"), (True, "continuing"), (False, "cleared")]
    assert str(rows[1][3]) == "2020-01-01" and rows[1][4] == 60  # open since January: 31 + 29 days
    assert "R03" in rows[0][5]


def test_score_threshold_from_settings(rules_db: Path) -> None:
    con = duckdb.connect(str(rules_db), read_only=True)
    flags = dict(
        con.execute(
            "select right(household_id, 2), red_flag from warning_flag_month where month = date '2020-01-01'"
        ).fetchall()
    )
    assert flags["05"] and flags["08"]  # a 高 rule alone (score 3 ≥ red_flag_min_score 3) is red
    assert not flags["01"]  # income below the line alone (低, score 1) is watched, not red
    assert not flags["03"]  # a 30 % drop alone (中, score 2) is not red either
    assert hits(rules_db, 1) == {"R01"} and hits(rules_db, 3) == {"R02"}


def test_class_recomputation_lists_mismatches(rules_db: Path) -> None:
    con = duckdb.connect(str(rules_db), read_only=True)
    found = {
        hid[-2:]: (exp, want)
        for hid, exp, want in con.execute(
            "select household_id, exported, expected from dq_category_mismatch"
        ).fetchall()
    }
    assert found["21"] == ("享受政策的脱贫户", "不享受政策的脱贫户")
    assert found["22"] == ("脱贫监测户", "享受政策的脱贫户")
    assert "23" not in found  # consistent: not listed
    stored = con.execute(
        f"select household_category from stg_household where household_id = '{VILLAGE}0021'"
    ).fetchone()[0]
    assert stored == "享受政策的脱贫户"  # a finding, never overwritten


def test_households_cleared_by_xiaohao_are_not_mismatches(rules_db: Path) -> None:
    """An edge household whose 销号 is done (省级销号) left monitoring by the notice's procedure: income above the
    line is why it left, not a wrong 户类别 (36, cleared in February). The same household without 销号 is listed (37),
    and so is one monitored again after its 销号 (38: the latest record counts)."""
    con = duckdb.connect(str(rules_db), read_only=True)
    listed = "select right(household_id, 2) as n, expected from dq_category_mismatch"
    found = dict(con.execute(f"select * from ({listed}) where n in ('36', '37', '38')").fetchall())
    assert found == {"37": "不符合边缘户标准", "38": "不符合边缘户标准"}
    feb = "select right(household_id, 2) as n, cleared from clearance_month where month = date '2020-02-01'"
    stages = dict(con.execute(f"select * from ({feb}) where n in ('36', '38')").fetchall())
    assert stages == {"36": True}  # 36 is cleared in February; 38's February record has no stage (未启动)


def test_thresholds_come_from_reference_data(rules_db: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    rules = (ref / "warning_rules.csv").read_text(encoding="utf-8").replace(",低,5000,", ",低,5100,", 1)
    (ref / "warning_rules.csv").write_text(rules, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert ingest(rules_db.parent / "exports", db, ref_dir=ref).ok
    assert "R01" in hits(db, 2)  # 5000 < 5100 now fires


def test_evidence_of_the_rewritten_rules(rules_db: Path) -> None:
    con = duckdb.connect(str(rules_db), read_only=True)
    ev = dict(
        con.execute(
            "select right(household_id, 2) || rule_id, evidence from warning_hit where month = date '2020-01-01' "
            "and rule_id in ('R01', 'R05', 'R07')"
        ).fetchall()
    )
    assert ev["01R01"] == "预估年人均纯收入 4999 元，低于 5000 元；风险点：因病"
    assert ev["08R05"] == "家庭成员确诊，截至2020-01-31未记录临时救助措施"
    assert ev["12R07"] == "当月风险点：家庭变故" and ev["13R07"] == "户信息返贫致贫风险：家庭变故"


def test_reference_rules_cite_their_clauses_and_mark_settings() -> None:
    """R08 (因病/因残, 6,000 yuan: in no clause) is gone; every threshold says whether the notice fixes it."""
    rules = pd.read_csv(REFERENCE_DIR / "warning_rules.csv", dtype=str, keep_default_na=False).set_index("rule_id")
    assert "R08" not in rules.index
    assert rules.loc["R01", "threshold_source"] == "政策规定" and "且具有返贫风险" in rules.loc["R01", "clause"]
    assert {rules.loc[r, "threshold_source"] for r in ("R02", "R09")} == {"省定参数"}
    assert all(bool(t) == bool(src) for t, src in zip(rules["threshold"], rules["threshold_source"], strict=True))
    assert "未脱贫户" in rules.loc["R05", "applies_to"] and "临时救助" in rules.loc["R05", "clause"]
    assert "家庭变故" in rules.loc["R07", "clause"] and "意外事故" not in rules.loc["R07", "name"]
    settings = pd.read_csv(REFERENCE_DIR / "warning_settings.csv", dtype=str).set_index("key")["source"]
    assert settings["monitor_line"] == "政策规定" and settings["open_long_days"] == "省定参数"
    assert set(settings) == {"政策规定", "省定参数"}


def findings(db: Path) -> dict[str, set[str]]:
    """check id → {household number: 'NN@YYYY-MM'} of monitoring_finding."""
    out: dict[str, set[str]] = {}
    for check, hid, month in (
        duckdb.connect(str(db), read_only=True)
        .execute("select check_id, household_id, strftime(month, '%Y-%m') from monitoring_finding")
        .fetchall()
    ):
        out.setdefault(check, set()).add(f"{hid[-2:]}@{month}")
    return out


def test_monitoring_checks(rules_db: Path) -> None:
    f = findings(rules_db)
    # M1: reached 省级备案 in February still below the line; 25 (above the line, not red) passes
    assert f["M1"] == {"24@2020-02"}
    # M2: a 脱贫户 without 帮扶责任人 (26), every month; 27 has one
    assert {"26@2020-01", "26@2020-02", "26@2020-03"} <= f["M2"] and not any(x.startswith("27@") for x in f["M2"])
    # M3: an edge household without 联系人 (28); 29 has one
    assert {"28@2020-01"} <= f["M3"] and not any(x.startswith("29@") for x in f["M3"])
    # M4: 20 is red since January with no measure (31 and 60 days > 30); 30 is red but got a measure
    assert {"20@2020-01", "20@2020-02"} <= f["M4"] and not any(x.startswith("30@") for x in f["M4"])
    # M5: 确诊 without 临时救助 — a monitored household (8), a 未脱贫户 (19), one that is not monitored (31); 18 got it
    assert {"08@2020-01", "19@2020-01", "31@2020-01", "31@2020-03"} <= f["M5"]
    assert not any(x.startswith("18@") for x in f["M5"])
    # M6: 不享受政策的脱贫户 with a 财政专项扶贫资金 subsidy (32); 33 has a 住房安全 problem (the clause's exception),
    # 34 was paid from another fund
    assert f["M6"] == {"32@2020-01"}
    con = duckdb.connect(str(rules_db), read_only=True)
    clauses = dict(con.execute("select distinct check_id, clause from monitoring_finding").fetchall())
    assert "省级备案" in clauses["M1"] and "帮扶责任人" in clauses["M2"] and "联系人" in clauses["M3"]
    assert "临时救助" in clauses["M5"] and "不享受政策的脱贫户" in clauses["M6"]


def test_guarantee_problems_found_cleared_open(rules_db: Path) -> None:
    """动态清零 per item and month, register households included (5 and 30 have no monitoring record after January,
    33 and 35 none at all)."""
    con = duckdb.connect(str(rules_db), read_only=True)
    got = {
        (item, month): (found, cleared, open_, unmonitored)
        for item, month, found, cleared, open_, unmonitored in con.execute(
            "select item, strftime(month, '%m'), found, cleared, open, open_unmonitored from guarantee_county_month"
        ).fetchall()
    }
    # 义务教育: 5, 20 and 30 from January; 20 is fixed in March; 5 and 30 are not monitored after January
    assert got["义务教育", "01"] == (3, 0, 3, 0)
    assert got["义务教育", "02"] == (0, 0, 3, 2)
    assert got["义务教育", "03"] == (0, 1, 2, 2)
    # 住房安全: 6 (a risk point in January only) and 33 (the register, never monitored)
    assert got["住房安全", "01"] == (2, 0, 2, 1)
    assert got["住房安全", "02"] == (0, 1, 1, 1)
    # 饮水安全: 7 (monitored in January) and 35 (never monitored)
    assert got["饮水安全", "01"] == (2, 0, 2, 1)
