"""部门数据比对: department feeds through ingest (quarantine, 15-digit IDs, batch rejection), matching by ID and name,
each comparison rule at and around its threshold, the view against the warehouse, and county scope."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from fupin.core.reference import REFERENCE_DIR, read_csv_text
from fupin.data import contract as C
from fupin.data import ingest as ingest_module
from fupin.data.idcard import check_digit
from fupin.data.ingest import FEED_ROW_IDS, ingest
from fupin.domain.scenario import DEPT_D02_MIN
from fupin.views import departments as D
from tests.support import builders as B
from tests.support.views import ADMIN, LINQUAN, selection

# One worker builds this module's `hand` fixture and runs its tests (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_departments")

M = "2020-01"
V = B.VILLAGE


def _outsider(n: int) -> str:
    body = f"34122119900101{n:03d}"
    return body + check_digit(body)


def _legacy(n: int) -> str:
    return f"341221650101{n:03d}"  # B._pid(n) as a 15-digit number


def _row(t: C.Table, pid: str, name: str, **measure: str) -> dict[str, str]:
    row = {c.cn: "" for c in t.columns}
    row[t.column("id_number").cn] = pid
    row[t.column("name").cn] = name
    row[t.column("village_code").cn] = V
    date = next(c.cn for c in t.columns if c.en == "event_date")
    return row | {date: "2020-01-15"} | measure


# n → (category, name); every registered person is the head of a one-person household
PEOPLE = {n: ("脱贫监测户", f"王{n:02d}") for n in range(1, 26)}
PEOPLE[3] = ("享受政策的脱贫户", "王三")
PEOPLE[12] = ("不享受政策的脱贫户", "王12")
PEOPLE[24] = ("边缘户", "张同")
PEOPLE[25] = ("边缘户", "张同")
PEOPLE[26] = ("脱贫监测户", "王26")  # two rules (D06, D07) in one month: one 督办 finding


def _measure(n: int, date: str) -> dict[str, str]:
    return {
        "措施编号": f"CS{n:04d}",
        "户编号": f"{V}{n:04d}",
        "措施类型": C.MEASURE_TYPES[0],
        "落实日期": date,
        "金额": "1000",
        "资金来源": C.FUND_SOURCES_MEASURE[-1],
        "项目编号": "",
    }


def _write_register(month: Path) -> None:
    hh = [B.household(n, 户类别=cat, 户主姓名=name) for n, (cat, name) in PEOPLE.items()]
    for r in hh:
        if r["户类别"] == "边缘户":
            r["贫困户属性"], r["脱贫年度"] = "非贫困户", ""
    B.write(month, C.HOUSEHOLD, hh)
    B.write(month, C.MEMBER, [B.member(n) | {"姓名": name} for n, (_, name) in PEOPLE.items()])
    # A measure on or after the month of 王18's D14 hit (2020-01), and one before 王20's D03 hit.
    if month.name == M:  # a month's file lists the measures new that month
        B.write(month, C.MEASURE, [_measure(18, "2020-01-20"), _measure(20, "2019-12-20")])


def _write_feeds(month: Path) -> None:
    P, N = B._pid, lambda n: PEOPLE[n][1]
    feeds = {
        C.DEPT_MEDICAL: [
            _row(C.DEPT_MEDICAL, P(1), N(1), 本年累计个人自付="5000", 本年累计医疗总费用="30000"),  # D01 at 5000
            _row(C.DEPT_MEDICAL, P(2), N(2), 本年累计个人自付="4999.99", 本年累计医疗总费用="30000"),
            _row(C.DEPT_MEDICAL, _outsider(1), "赵甲", 本年累计个人自付="20000", 本年累计医疗总费用="50000"),  # D02
            _row(C.DEPT_MEDICAL, _outsider(2), "赵乙", 本年累计个人自付="19999.99", 本年累计医疗总费用="50000"),
            _row(C.DEPT_MEDICAL, P(22), "李某某", 本年累计个人自付="9000", 本年累计医疗总费用="30000"),  # name differs
            _row(C.DEPT_MEDICAL, _legacy(23), N(23), 本年累计个人自付="6000", 本年累计医疗总费用="30000"),  # 15 digits
            _row(C.DEPT_MEDICAL, _outsider(3), "赵丙", 本年累计个人自付="待核", 本年累计医疗总费用="50000"),
            _row(C.DEPT_MEDICAL, _outsider(4), "赵丁", 本年累计个人自付="100", 本年累计医疗总费用="500")
            | {"参保地区划代码": "341221100399"},  # unknown village
            _row(C.DEPT_MEDICAL, P(5)[:-1] + ("0" if P(5)[-1] != "0" else "1"), N(5), 本年累计个人自付="100")
            | {"本年累计医疗总费用": "100"},  # bad check digit
            _row(C.DEPT_MEDICAL, _outsider(5), "张同", 本年累计个人自付="100", 本年累计医疗总费用="500"),  # ambiguous
            _row(C.DEPT_MEDICAL, _outsider(6), "王三", 本年累计个人自付="100", 本年累计医疗总费用="500"),  # id suspect
        ],
        C.DEPT_EDUCATION: [
            _row(C.DEPT_EDUCATION, P(3), N(3), 学段="高中", 学籍状态="在读", 本学年自付费用="10000.01"),  # D05
            _row(C.DEPT_EDUCATION, P(4), N(4), 学段="高中", 学籍状态="在读", 本学年自付费用="10000"),
            _row(C.DEPT_EDUCATION, P(5), N(5), 学段="义务教育", 学籍状态="辍学", 本学年自付费用="0"),  # D04
            _row(C.DEPT_EDUCATION, P(6), N(6), 学段="高中", 学籍状态="辍学", 本学年自付费用="0"),
        ],
        C.DEPT_LABOUR: [
            _row(C.DEPT_LABOUR, P(7), N(7), 就业状态="断缴社保", 连续未缴费月数="3"),  # D06 at 3
            _row(C.DEPT_LABOUR, P(8), N(8), 就业状态="断缴社保", 连续未缴费月数="2"),
            _row(C.DEPT_LABOUR, P(7), N(7), 就业状态="断缴社保", 连续未缴费月数="3"),  # duplicate
            _row(C.DEPT_LABOUR, P(26), N(26), 就业状态="登记失业", 连续未缴费月数="0"),  # D06
        ],
        C.DEPT_HOUSING: [
            _row(C.DEPT_HOUSING, P(9), N(9), 鉴定等级="C级"),  # D07
            _row(C.DEPT_HOUSING, P(10), N(10), 鉴定等级="B级"),
            _row(C.DEPT_HOUSING, P(26), N(26), 鉴定等级="D级"),  # D07
        ],
        C.DEPT_WATER: [
            _row(C.DEPT_WATER, P(11), N(11), 饮水安全评价="不达标", 不达标指标="水质"),  # D08
            _row(C.DEPT_WATER, P(1), N(1), 饮水安全评价="达标"),
        ],
        C.DEPT_CIVIL: [
            _row(C.DEPT_CIVIL, P(12), N(12), 救助类别="低保", 救助金额="500"),  # D10: 不享受政策 in 低保
            _row(C.DEPT_CIVIL, P(13), N(13), 救助类别="低保", 救助金额="500"),  # monitored: no correction
            _row(C.DEPT_CIVIL, P(14), N(14), 救助类别="临时救助", 救助金额="1000"),  # D11 at 1000
            _row(C.DEPT_CIVIL, P(15), N(15), 救助类别="临时救助", 救助金额="999.99"),
        ],
        C.DEPT_POLICE: [
            _row(C.DEPT_POLICE, P(16), N(16), 变动类型="死亡"),  # D12: dead, still registered
            _row(C.DEPT_POLICE, P(17), N(17), 变动类型="迁出"),  # D13
        ],
        C.DEPT_DISASTER: [
            _row(C.DEPT_DISASTER, P(18), N(18), 灾害种类="洪涝", 直接经济损失="10000"),  # D14 at 10000
            _row(C.DEPT_DISASTER, P(19), N(19), 灾害种类="洪涝", 直接经济损失="9999.99"),
            _row(C.DEPT_DISASTER, _outsider(7), "钱甲", 灾害种类="洪涝", 直接经济损失="30000"),  # D15
            _row(C.DEPT_DISASTER, _outsider(8), "钱乙", 灾害种类="洪涝", 直接经济损失="29999.99"),
        ],
        C.DEPT_HEALTH: [_row(C.DEPT_HEALTH, P(20), N(20), 病种="尿毒症")],  # D03
        C.DEPT_DISABILITY: [_row(C.DEPT_DISABILITY, P(21), N(21), 残疾类别="肢体", 残疾等级="二级", 变更类型="新办")],
    }
    for t, rows in feeds.items():
        B.write(month, t, rows)


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    src = tmp_path_factory.mktemp("dept") / "exports"
    _write_register(src / M)
    _write_feeds(src / M)
    db = src.parent / "w.duckdb"
    report = ingest(src, db)
    assert report.ok, report.error
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in report.files)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _hits(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule, name in con.execute("select rule_id, name from dept_hit").fetchall():
        out.setdefault(rule, set()).add(name)
    return out


# ------------------------------------------------------------------------------------ rules at their thresholds


@pytest.mark.parametrize(
    ("rule", "fires", "stays_quiet"),
    [
        ("D01", {"王01", "王23"}, {"王02", "李某某"}),  # ≥ 5000; the name mismatch never fires
        ("D02", {"赵甲"}, {"赵乙"}),  # ≥ 20000, outsiders only
        ("D03", {"王20"}, set()),
        ("D04", {"王05"}, {"王06"}),  # dropout in 义务教育 only
        ("D05", {"王三"}, {"王04"}),  # > 10000
        ("D06", {"王07", "王26"}, {"王08"}),  # ≥ 3 months, or unemployed
        ("D07", {"王09", "王26"}, {"王10"}),  # C级 and worse
        ("D08", {"王11"}, {"王01"}),
        ("D09", {"王21"}, set()),
        ("D10", {"王12"}, {"王13"}),  # only 不享受政策的脱贫户
        ("D11", {"王14"}, {"王15"}),  # ≥ 1000
        ("D12", {"王16"}, set()),
        ("D13", {"王17"}, set()),
        ("D14", {"王18"}, {"王19"}),  # ≥ 10000
        ("D15", {"钱甲"}, {"钱乙"}),  # ≥ 30000, outsiders only
    ],
)
def test_rule_fires_at_its_threshold_and_not_below(
    hand: duckdb.DuckDBPyConnection, rule: str, fires: set[str], stays_quiet: set[str]
) -> None:
    got = _hits(hand).get(rule, set())
    assert got == fires
    assert not got & stays_quiet


def test_hits_carry_their_evidence(hand: duckdb.DuckDBPyConnection) -> None:
    row = hand.execute(
        """select department, produces, amount, event_date, evidence, file, line, household_id, household_category
           from dept_hit where rule_id = 'D01' and name = '王01'"""
    ).fetchone()
    assert row[:4] == ("医保", "风险", 5000.0, __import__("datetime").date(2020, 1, 15))
    assert "5,000元" in row[4] and row[5] == f"{M}/医保结算.csv" and row[6] == 2
    assert row[7] == f"{V}0001" and row[8] == "脱贫监测户"
    produces = dict(hand.execute("select rule_id, any_value(produces) from dept_hit group by 1").fetchall())
    assert produces["D04"] == produces["D07"] == produces["D08"] == "两不愁三保障问题"
    assert produces["D10"] == produces["D12"] == "数据纠错"
    assert produces["D02"] == produces["D15"] == "新识别候选"


def test_a_hit_says_whether_a_measure_was_recorded_since_its_month(hand: duckdb.DuckDBPyConnection) -> None:
    recorded = dict(
        hand.execute("select name, measure_recorded from dept_hit where rule_id in ('D14', 'D03')").fetchall()
    )
    assert recorded == {"王18": True, "王20": False}  # 2020-01-20 is on or after the hit's month; 2019-12-20 is not
    assert hand.execute("select count(*) from dept_hit where measure_recorded").fetchone()[0] == 1


def test_a_households_hits_of_a_month_are_one_finding(hand: duckdb.DuckDBPyConnection) -> None:
    rows = hand.execute(
        "select title, detail from work_finding where kind = 'department' and household_id = $h", {"h": f"{V}0026"}
    ).fetchall()
    names = dict(hand.execute("select rule_id, name from ref_department_rules").fetchall())
    assert rows == [
        (
            f"部门比对：{'、'.join(sorted([names['D06'], names['D07']]))}",
            "人社 登记失业，连续未缴费0个月，2020-01-15；住建 房屋鉴定为D级，2020-01-15",  # by rule: D06, then D07
        )
    ]
    # One finding per household (or person outside the register) and month, for every hit of 中 and above.
    n_keys = hand.execute(
        "select count(distinct coalesce(household_id, 'P' || id_number)) from dept_hit where severity in ('高', '中')"
    ).fetchone()[0]
    assert hand.execute("select count(*) from work_finding where kind = 'department'").fetchone()[0] == n_keys


# ------------------------------------------------------------------------------------ matching and quarantine


def test_matching_lists_every_kind_and_drops_nothing(hand: duckdb.DuckDBPyConnection) -> None:
    status = dict(hand.execute("select name, match_status from dept_record where department = '医保'").fetchall())
    assert status["王01"] == "matched" and status["王23"] == "matched"
    assert status["李某某"] == "name_mismatch"
    assert status["张同"] == "ambiguous" and status["王三"] == "id_suspect"
    assert status["赵甲"] == "not_registered"
    legacy = hand.execute("select id_number, id_legacy from dept_record where name = '王23'").fetchone()
    assert legacy == (B._pid(23), True)
    reasons = dict(hand.execute("select name, match_reason from dept_match").fetchall())
    assert "姓名与登记不一致" in reasons["李某某"] and "15位旧号码" in reasons["王23"]
    assert "同村有2名同名" in reasons["张同"]


def test_bad_rows_are_quarantined_with_reasons(hand: duckdb.DuckDBPyConnection) -> None:
    got = sorted(hand.execute("select table_name, reason_code from quarantine").fetchall())
    assert got == [
        ("人社就业", "duplicate_key"),
        ("医保结算", "bad_id_number"),
        ("医保结算", "not_a_number"),
        ("医保结算", "unknown_village"),
    ]
    counts = hand.execute("select sum(received), sum(loaded), sum(quarantined) from dept_feed_month").fetchone()
    assert counts[0] == counts[1] + counts[2] == hand.execute("select count(*) from dept_feed_row").fetchone()[0] + 4


def test_records_outside_the_register_are_counted_and_kept_only_where_a_rule_reads_them(
    hand: duckdb.DuckDBPyConnection,
) -> None:
    # Every loaded record is in a count; dept_record keeps all that touch the register, and of the rest only the
    # 医保 and 应急 records a 非登记人口 rule (D02, D15) can reach: from the lowest D02 the what-if page offers in the
    # latest month (here the only one), from the reference threshold before.
    by_status = dict(
        hand.execute(
            "select 'loaded', sum(loaded) from dept_feed_month union all "
            "select 'touching', sum(matched + name_mismatch + id_suspect + ambiguous) from dept_feed_month union all "
            "select 'outside', sum(not_registered) from dept_feed_month"
        ).fetchall()
    )
    assert by_status["loaded"] == by_status["touching"] + by_status["outside"]
    assert (
        by_status["touching"]
        == hand.execute("select count(*) from dept_record where match_status <> 'not_registered'").fetchone()[0]
    )
    kept = hand.execute(
        "select department, min(amount) from dept_record where match_status = 'not_registered' group by 1"
    ).fetchall()
    assert {d for d, _ in kept} <= {"医保", "应急"}
    floors = dict(hand.execute("select department, latest_month from dept_keep_floor").fetchall())
    assert floors == {"医保": DEPT_D02_MIN, "应急": 30000}  # D02 at 20,000 moves down to the page's lowest
    outside = hand.execute(
        "select count(*) from dept_feed_row f where not exists (select 1 from dept_record d where d.row_id = f.row_id)"
    ).fetchone()[0]
    n_kept = hand.execute("select count(*) from dept_record where match_status = 'not_registered'").fetchone()[0]
    assert outside == by_status["outside"] - n_kept > 0


def test_a_feed_missing_a_required_column_fails_the_batch(tmp_path: Path) -> None:
    src = tmp_path / "exports"
    _write_register(src / M)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    before = db.read_bytes()
    headers = [h for h in C.DEPT_MEDICAL.headers if h != "本年累计个人自付"]
    with (src / M / "医保结算.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerow([B._pid(1), "王01", V, "2020-01-15", "100"])
    report = ingest(src, db)
    assert not report.ok and report.error["code"] == "contract" and "本年累计个人自付" in report.error["message_cn"]
    assert db.read_bytes() == before


def test_a_bad_register_file_stops_the_feeds_thread_and_changes_nothing(tmp_path: Path) -> None:
    """The feeds are read in a thread of their own while the register is read: a register file that fails the batch
    stops that thread too, the error names the register file, and no half-built file is left."""
    src = _two_months(tmp_path)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    before = db.read_bytes()
    bad = next((src / "2020-02").glob("家庭成员*"))
    bad.write_bytes(bad.read_text(encoding="utf-8").encode("utf-16"))  # UTF-16: a contract error
    report = ingest(src, db, reuse=False)
    assert not report.ok and report.error["code"] == "contract" and report.error["file"] == str(bad)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb")) == []


def test_rules_are_reference_data_with_policy_clauses() -> None:
    rules = read_csv_text(REFERENCE_DIR / "department_rules.csv")
    assert set(rules["department"]) == set(C.DEPARTMENT_FEEDS)
    assert set(rules["produces"]) == {"风险", "两不愁三保障问题", "数据纠错", "新识别候选"}
    assert rules["clause"].str.contains("「").all()
    numeric = rules[rules["threshold"] != ""]
    assert (numeric["threshold_source"] == "省定参数").all()
    assert (rules.loc[rules["threshold"] == "", "threshold_source"] == "政策未定阈值").all()


# ------------------------------------------------------------------------------------ generated data, view, scope


def test_generated_feeds_show_the_lockdown(con: duckdb.DuckDBPyConnection) -> None:
    by = dict(
        ((d, str(m)[:7]), n)
        for d, m, n in con.execute(
            "select department, month, sum(received) from dept_feed_month group by all"
        ).fetchall()
    )
    assert by[("人社", "2020-02")] > 1.5 * by[("人社", "2020-01")]
    assert by[("医保", "2020-02")] < 0.7 * by[("医保", "2020-01")]
    share = con.execute("select sum(not_registered) / sum(loaded), sum(legacy_ids) from dept_feed_month").fetchone()
    assert 0.6 < share[0] < 0.9 and share[1] > 0  # most people outside the register; legacy IDs present
    assert con.execute("select count(*) from dept_hit where rule_id = 'D12'").fetchone()[0] > 0  # deaths


def test_view_equals_the_warehouse(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-03")
    v = D.view(sel)
    expected = con.execute(
        """select sum(received), sum(quarantined), sum(matched), sum(hits), sum(candidates) from dept_feed_month
           where month = date '2020-03-01'"""
    ).fetchone()
    t = v.totals
    assert (t["received"], t["quarantined"], t["matched"], t["hits"], t["candidates"]) == tuple(map(int, expected))
    rules = v.rules.frame.set_index("规则")["规则命中"]
    per_rule = dict(
        con.execute("select rule_id, count(*) from dept_hit where month = date '2020-03-01' group by 1").fetchall()
    )
    assert rules.to_dict() == {r: per_rule.get(r, 0) for r in rules.index}
    hits = D.hits(sel, produces="两不愁三保障问题")
    assert set(hits.table.frame["产生"]) <= {"两不愁三保障问题"}
    assert hits.rows == min(D.HIT_LIMIT, sum(per_rule.get(r, 0) for r in ("D04", "D07", "D08")))
    assert hits.table.frame["证件号码"].str.contains(r"\*{10}").all()  # masked
    assert "演示数据" in v.caption and "当月月末" in v.caption and "按月固定" in v.caption  # 比对按月冻结, said


def test_county_user_sees_only_their_county(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, LINQUAN, month="2020-03")
    v = D.view(sel)
    h = D.hits(sel)
    assert h.rows > 0 and h.table.frame["户编号"].fillna("341221").str.startswith("341221").all()
    assert set(h.table.frame["县（市、区）"]) == {"临泉县"}
    assert v.area_level == "乡镇"
    own = con.execute(
        "select sum(hits) from dept_feed_month where month = date '2020-03-01' and county_code = '341221'"
    ).fetchone()[0]
    assert v.totals["hits"] == own
    assert D.view(selection(tiny_db, ADMIN, month="2020-03")).totals["hits"] > own
    # asking for another county's area from a county session yields nothing
    other = selection(tiny_db, LINQUAN, month="2020-03")
    assert other.q(
        "dept_hit_list", month=other.month_date, area_prefix="341225", department="", produces="", limit=50
    ).empty


# ---------------------------------------------------------------------------------- reusing unchanged feed files
# Tables whose every row must be the same whether the feed files were read again or copied from the last warehouse.
REUSE_TABLES = [
    *(f"stg_{t.en}" for t in C.DEPARTMENT_TABLES),
    "quarantine",
    "dept_record",
    "dept_match",
    "dept_hit",
    "dept_feed_month",
    "dept_quarantine_area",
]


def _two_months(root: Path, months: tuple[str, ...] = ("2020-01", "2020-02")) -> Path:
    src = root / "exports"
    for m in months:
        _write_register(src / m)
        _write_feeds(src / m)
    labour = src / months[0] / "人社就业.csv"  # one feed in GB18030, as 人社 sends it
    labour.write_bytes(labour.read_text(encoding="utf-8").encode("gb18030"))
    return src


def _rows(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * from {table} order by all").fetchall()


# A row's identity across batches is its file and line: a kept feed row keeps its row id from the warehouse it was
# read into, so row ids differ between a batch that reused files and one that read them all.
_BY_PLACE = {
    "quarantine": "select * exclude (row_id, record), substr(record::varchar, strpos(record::varchar, ',')) as rest "
    "from quarantine",
    "dept_match": "select r.file, r.line, m.* exclude (row_id) from dept_match m join dept_record r using (row_id)",
}


def _rows_by_place(db: Path, table: str) -> list[tuple]:
    """The table's rows with row ids left out (each row still says its file and line)."""
    with duckdb.connect(str(db), read_only=True) as con:
        cols = {
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where table_name = $t", {"t": table}
            ).fetchall()
        }
        rid = next((c for c in ("_row_id", "row_id") if c in cols), None)
        sql = _BY_PLACE.get(table) or (f"select * exclude ({rid}) from {table}" if rid else f"select * from {table}")
        return con.execute(f"select * from ({sql}) order by all").fetchall()


def _files(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * exclude (reused) from ingest_file order by file").fetchall()


def _january_warehouse(root: Path, src: Path) -> Path:
    """Last month's warehouse: January's files only (February's batch then carries them unchanged)."""
    january = root / "jan" / "exports"
    shutil.copytree(src / "2020-01", january / "2020-01")
    db = root / "w.duckdb"
    assert ingest(january, db).ok
    return db


def test_unchanged_feed_files_are_copied_and_equal_a_fresh_read(tmp_path: Path) -> None:
    src = _two_months(tmp_path)
    fresh = tmp_path / "fresh.duckdb"
    assert ingest(src, fresh, reuse=False).ok
    db = _january_warehouse(tmp_path, src)
    ids = "select _file, _line, _row_id from stg_dept_medical order by all"
    with duckdb.connect(str(db), read_only=True) as con:
        january_ids = con.execute(ids).fetchall()
        (last_id,) = con.execute("select max(_row_id) from raw_member").fetchone()
    report = ingest(src, db)
    assert report.ok, report.error
    reused = {f.file for f in report.files if f.reused}
    assert reused == {f"2020-01/{t.cn}.csv" for t in C.DEPARTMENT_TABLES}  # not the register, not February
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in report.files)
    assert next(f for f in report.files if f.file == "2020-01/人社就业.csv").encoding == "gb18030"
    # where the time went (tools bench feeds sums these): the reuse, each table's read and validation, each build step
    assert {"reuse feeds", "read 医保结算", "validate 医保结算", "build dept_match"} <= set(report.detail_seconds)
    for table in REUSE_TABLES:
        assert _rows_by_place(db, table) == _rows_by_place(fresh, table), table
    with duckdb.connect(str(db), read_only=True) as con:
        # January's kept rows keep their ids; every row read now is numbered after the January warehouse's rows
        assert [r for r in con.execute(ids).fetchall() if r[0].startswith("2020-01/")] == january_ids
        (first_new,) = con.execute("select min(_row_id) from raw_member").fetchone()
        assert first_new > max(last_id, max(r[2] for r in january_ids))
        every = " union all ".join(
            [f"select _row_id from stg_{t.en}" for t in C.DEPARTMENT_TABLES]
            + [f"select _row_id from raw_{t.en}" for t in C.TABLES]
            + ["select row_id from quarantine"]
        )
        assert con.execute(f"select count(*) = count(distinct _row_id) from ({every})").fetchone()[0]
        # the feeds' rows read now are numbered in their own range (they are read alongside the register)
        (first_feed,) = con.execute("select min(_row_id) from stg_dept_medical where _file like '2020-02/%'").fetchone()
        assert first_feed >= first_new + FEED_ROW_IDS
    assert _files(db) == _files(fresh)
    assert len(_rows(db, "stg_dept_medical")) == 2 * 8  # 11 rows a month, 3 quarantined
    with duckdb.connect(str(db), read_only=True) as con:  # a feed's raw rows are not kept; its typed rows say where
        assert not con.execute("select * from duckdb_tables() where table_name like 'raw_dept_%'").fetchall()
        assert con.execute("select count(*) from raw_member").fetchone()[0] > 0  # the register's are
        lines = con.execute("select _file, min(_line), max(_line) from stg_dept_medical group by 1 order by 1")
        assert lines.fetchall() == [("2020-01/医保结算.csv", 2, 12), ("2020-02/医保结算.csv", 2, 12)]
    fresh_report = ingest(src, tmp_path / "again.duckdb", reuse=False)
    assert report.batch_id == fresh_report.batch_id
    assert report.quarantined_by_reason == fresh_report.quarantined_by_reason


def test_a_month_keeps_the_comparison_made_against_its_own_register(tmp_path: Path) -> None:
    """比对按月冻结: February's register renames a person, registers a suspect ID and registers someone whose January
    record was below every floor. January's records keep January's month-end comparison (kept from January's
    warehouse, not matched again); February's records are matched against February's register. A fresh read of both
    months makes the very same tables."""
    src = _two_months(tmp_path)
    medical = src / "2020-01" / "医保结算.csv"
    with medical.open("a", encoding="utf-8", newline="") as fh:  # outside the register and below every floor
        row = _row(C.DEPT_MEDICAL, _outsider(7), "赵戊", 本年累计个人自付="100", 本年累计医疗总费用="500")
        csv.DictWriter(fh, fieldnames=C.DEPT_MEDICAL.headers).writerow(row)
    db = _january_warehouse(tmp_path, src)
    status = "select name, match_status from dept_record where month = $m and department = $d order by all"
    january, february = {"m": dt.date(2020, 1, 1)}, {"m": dt.date(2020, 2, 1)}
    with duckdb.connect(str(db), read_only=True) as con:
        before = dict(con.execute(status, january | {"d": "医保"}).fetchall())
        assert (before["王三"], before["张同"], "赵戊" in before) == ("id_suspect", "ambiguous", False)
        assert ("王04", "matched") in con.execute(status, january | {"d": "教育"}).fetchall()
    feb = src / "2020-02"
    members = [B.member(n) | {"姓名": name} for n, (_, name) in PEOPLE.items()]
    members[3]["姓名"] = "王四"  # person 4 renamed
    born = {"与户主关系": "之子", "出生日期": "1990-01-01"}
    members.append(B.member(3) | born | {"证件号码": _outsider(6), "姓名": "王三"})  # the suspect ID, registered now
    members.append(B.member(9) | born | {"证件号码": _outsider(7), "姓名": "赵戊"})  # newly registered
    B.write(feb, C.MEMBER, members)
    report = ingest(src, db)
    assert report.ok, report.error
    assert report.months_kept == ["2020-01"]
    assert {f.file for f in report.files if f.reused} >= {"2020-01/医保结算.csv", "2020-01/教育学籍.csv"}
    with duckdb.connect(str(db), read_only=True) as con:
        kept = dict(con.execute(status, january | {"d": "医保"}).fetchall())
        # as January's month end saw them; 赵乙's 19,999.99, kept while January was the latest month (the what-if
        # page's D02 floor), is below D02 now that it is not
        assert kept == {k: v for k, v in before.items() if k != "赵乙"} and before["赵乙"] == "not_registered"
        assert ("王04", "matched") in con.execute(status, january | {"d": "教育"}).fetchall()
        now = dict(con.execute(status, february | {"d": "医保"}).fetchall())
        assert (now["王三"], now["张同"]) == ("matched", "ambiguous")  # February's records, February's register
        assert ("王04", "name_mismatch") in con.execute(status, february | {"d": "教育"}).fetchall()
    fresh = tmp_path / "fresh.duckdb"
    fresh_report = ingest(src, fresh, reuse=False)
    assert fresh_report.ok and fresh_report.months_kept == []
    for w in (db, fresh):  # each record once, in its own month's comparison
        with duckdb.connect(str(w), read_only=True) as con:
            n, distinct = con.execute("select count(*), count(distinct row_id) from dept_record").fetchone()
            assert n == distinct > 0
    for table in REUSE_TABLES:
        assert _rows_by_place(db, table) == _rows_by_place(fresh, table), table


def test_a_month_is_compared_again_when_its_register_is_corrected(tmp_path: Path) -> None:
    """January's register file re-exported with a correction: January's comparison, and February's (whose register
    starts from January's), are made again; an unchanged month after a correction keeps nothing stale."""
    src = _two_months(tmp_path)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    assert ingest(src, db).months_kept == ["2020-01", "2020-02"]  # nothing changed: both months kept
    members = [B.member(n) | {"姓名": name} for n, (_, name) in PEOPLE.items()]
    members[3]["姓名"] = "王四"  # January's register corrected: person 4's name
    B.write(src / "2020-01", C.MEMBER, members)
    report = ingest(src, db)
    assert report.ok, report.error
    assert report.months_kept == []
    assert sum(f.reused for f in report.files) == 2 * len(C.DEPARTMENT_TABLES)  # the feed files are still not read
    status = "select strftime(month, '%Y-%m'), match_status from dept_record where department = '教育' and name = $n"
    with duckdb.connect(str(db), read_only=True) as con:
        # February's register lists person 4 as 王04 again (its own version), so February's record still matches
        assert sorted(con.execute(status, {"n": "王04"}).fetchall()) == [
            ("2020-01", "name_mismatch"),
            ("2020-02", "matched"),
        ]
    fresh = tmp_path / "fresh.duckdb"
    assert ingest(src, fresh, reuse=False).ok
    for table in REUSE_TABLES:
        assert _rows_by_place(db, table) == _rows_by_place(fresh, table), table


def test_outsiders_below_the_floor_are_kept_only_in_the_latest_month(tmp_path: Path) -> None:
    src = _two_months(tmp_path)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute(
            "select strftime(month, '%Y-%m'), name from dept_record "
            "where match_status = 'not_registered' and department = '医保' order by all"
        ).fetchall()
        # 赵乙's 19,999.99 is below D02's 20,000: January keeps only 赵甲; February, the month the what-if page moves
        # D02 in, keeps both (from DEPT_D02_MIN up).
        assert kept == [("2020-01", "赵甲"), ("2020-02", "赵乙"), ("2020-02", "赵甲")]
        assert con.execute("select count(*) from dept_hit where rule_id = 'D02'").fetchone()[0] == 2


def test_a_changed_feed_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _two_months(tmp_path)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    assert not any(f.reused for f in ingest(src, db, reuse=False).files)
    d01 = "select count(*) from dept_hit where rule_id = 'D01' and month = '2020-01-01'"
    with duckdb.connect(str(db), read_only=True) as con:
        (before,) = con.execute(d01).fetchone()
    hashed: list[str] = []
    sha256 = ingest_module._sha256
    monkeypatch.setattr(ingest_module, "_sha256", lambda path: hashed.append(path.name) or sha256(path))
    assert ingest(src, db).ok
    assert not {t.cn + ".csv" for t in C.DEPARTMENT_TABLES} & set(hashed)  # unchanged stat: the recorded SHA-256
    medical = src / "2020-01" / "医保结算.csv"
    data, stat = medical.read_bytes(), medical.stat()
    assert data.count(b"4999.99") == 1
    medical.write_bytes(data.replace(b"4999.99", b"5000.00"))  # now at D01's threshold
    os.utime(medical, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same size and modification time as before
    assert medical.stat().st_size == stat.st_size
    hashed.clear()
    report = ingest(src, db)
    assert report.ok, report.error
    assert [h for h in hashed if h == "医保结算.csv"] == ["医保结算.csv"]  # only the edited one (its change time)
    reused = {f.file for f in report.files if f.reused}
    assert "2020-01/医保结算.csv" not in reused and "2020-01/民政救助.csv" in reused
    assert "2020-02/医保结算.csv" in reused
    fresh = tmp_path / "fresh.duckdb"
    assert ingest(src, fresh, reuse=False).ok
    for table in REUSE_TABLES:
        assert _rows_by_place(db, table) == _rows_by_place(fresh, table), table
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(d01).fetchone() == (before + 1,)  # the edited record now fires D01 too


def test_feeds_are_read_again_when_the_reference_data_changes(tmp_path: Path) -> None:
    src = _two_months(tmp_path)
    db = tmp_path / "w.duckdb"
    assert ingest(src, db).ok
    refs = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, refs)
    rules = refs / "department_rules.csv"
    rules.write_bytes(rules.read_bytes() + b"\n")
    report = ingest(src, db, ref_dir=refs)
    assert report.ok and not any(f.reused for f in report.files)
    assert ingest(src, db, ref_dir=refs).files[-1].reused  # and reused again the time after
    candidate = ingest(src, tmp_path / "candidate.duckdb", ref_dir=refs, reuse_from=db)  # the import page's dry run
    assert candidate.ok and sum(f.reused for f in candidate.files) == 2 * len(C.DEPARTMENT_TABLES)
