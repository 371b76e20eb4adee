"""Warning rules with hand-made households: each rule fires at its threshold and not below it;
the red-flag lifecycle over months; the policy's class definitions recomputed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from fupin.core.reference import REFERENCE_DIR
from fupin.data import contract as C
from fupin.data.ingest import ingest
from tests.support.builders import VILLAGE, household, member, record, write

# (household number, household overrides, monitoring kwargs, rule that must fire or None, rule that must not)
CASES = [
    (1, {}, {"est": 4999, "last": 5000}, "R01", None),
    (2, {}, {"est": 5000, "last": 5000}, None, "R01"),
    (3, {}, {"est": 6999, "last": 10000}, "R02", None),
    (4, {}, {"est": 7000, "last": 10000}, None, "R02"),
    (5, {"义务教育有保障": "否"}, {"est": 5200}, "R03", None),
    (6, {}, {"est": 5200, "points": "住房安全"}, "R03", None),
    (7, {"饮水安全有保障": "否"}, {"est": 5200}, "R04", None),
    (8, {"疫情影响": "家庭成员确诊"}, {"est": 5200}, "R05", None),
    (9, {"疫情影响": "务工受阻"}, {"est": 5200}, None, "R05"),
    (10, {}, {"est": 5200, "points": "因灾"}, "R06", None),
    (11, {}, {"est": 5200, "points": "意外事故"}, "R07", None),
    (12, {}, {"est": 5999, "points": "因病"}, "R08", None),
    (13, {}, {"est": 6000, "points": "因病"}, None, "R08"),
    (14, {}, {"est": 6399, "last": 8000, "points": "务工受阻"}, "R09", None),
    (15, {}, {"est": 6400, "last": 8000, "points": "务工受阻"}, None, "R09"),
    (16, {"户类别": "未脱贫户", "脱贫年度": ""}, {"est": 3000, "category": "未脱贫户"}, None, "R01"),
]


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
    write(jan, C.HOUSEHOLD, hh)
    write(jan, C.MEMBER, [member(int(h["户编号"][-4:])) for h in hh])
    recs = [record(n, "2020-01", **kw) for n, _, kw, *_ in CASES]
    recs.append(record(20, "2020-01", est=5200))
    recs.append(record(22, "2020-01", est=9000, last=9000))
    write(jan, C.MONITORING, recs)
    write(feb, C.MONITORING, [record(20, "2020-02", est=5200)])
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


def test_thresholds_come_from_reference_data(rules_db: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    rules = (ref / "warning_rules.csv").read_text(encoding="utf-8").replace(",低,5000,", ",低,5100,", 1)
    (ref / "warning_rules.csv").write_text(rules, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert ingest(rules_db.parent / "exports", db, ref_dir=ref).ok
    assert "R01" in hits(db, 2)  # 5000 < 5100 now fires
