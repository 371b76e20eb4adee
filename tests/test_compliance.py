"""Fund compliance checks with hand-made records: each check fires on the record that breaks it,
and the near misses beside them do not; F8 (not in the notice) is off unless the reference data turn it on, and
F2's deadline is reference data."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fupin.core.reference import REFERENCE_DIR
from fupin.data import contract as C
from fupin.data.ingest import ingest
from tests.support.builders import household, member, write

# One worker builds this module's `db` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_compliance")

M = "2020-03"


def project(pid: str, *, publicised: str, start: str, on: str = "", county: str = "341221") -> dict:
    return {c.cn: "" for c in C.PROJECT.columns} | {
        "项目编号": pid,
        "县代码": county,
        "项目名称": f"测试项目{pid[-2:]}",
        "项目类型": "基础设施",
        "项目年度": "2020",
        "计划总投资": "120",
        "其中财政专项扶贫资金": "100",
        "计划开工日期": "2020-02-15",
        "实际开工日期": start,
        "项目状态": "已开工" if start else "未开工",
        "是否公告公示": publicised,
        "公示日期": on,
        "是否政府采购": "否",
        "受益贫困户数": "10",
        "受益贫困人口数": "25",
    }


def alloc(aid: str, pid: str, amount: str, date: str) -> dict:
    return {
        "下达编号": aid,
        "县代码": "341221",
        "项目编号": pid,
        "资金级次": "中央",
        "资金性质": "财政专项扶贫资金",
        "文号": "",
        "下达日期": date,
        "下达金额": amount,
    }


def pay(pid_: str, aid: str, project: str, amount: str, date: str) -> dict:
    return {
        "支付编号": pid_,
        "县代码": "341221",
        "项目编号": project,
        "下达编号": aid,
        "支付日期": date,
        "支付金额": amount,
    }


def measure(mid: str, hh: int, source: str, amount: str = "3000") -> dict:
    return {
        "措施编号": mid,
        "户编号": f"3412211002010{hh:03d}",
        "措施类型": "临时救助",
        "落实日期": "2020-03-10",
        "金额": amount,
        "资金来源": source,
        "项目编号": "",
    }


def pairing(helper: str, helped: str, this: str, last: str, arranged: str) -> dict:
    return {
        "帮扶方代码": helper,
        "帮扶方": f"帮扶方{helper}",
        "受援县代码": helped,
        "本年度帮扶资金": this,
        "上年度帮扶资金": last,
        "资金安排到位日期": arranged,
        "帮扶项目数": "5",
    }


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("funds") / "exports"
    folder = src / M
    edge = household(
        1, 户类别="边缘户", 贫困户属性="非贫困户", 脱贫年度="", 联系人姓名="李四", 联系人电话="13900000000"
    )
    write(folder, C.HOUSEHOLD, [edge, household(2)])
    write(folder, C.MEMBER, [member(1), member(2)])
    write(
        folder,
        C.MEASURE,
        [
            measure("M1", 1, "财政专项扶贫资金"),  # F3: an edge household paid from the special fund
            measure("M2", 1, "县级救助基金"),  # near miss: the right fund for edge households
            measure("M3", 2, "财政专项扶贫资金"),  # near miss: a monitored (lifted) household may use it
        ],
    )
    write(
        folder,
        C.PROJECT,
        [
            project("XM34122120200001", publicised="是", on="2020-02-01", start="2020-02-20"),  # publicised first
            project("XM34122120200002", publicised="否", start="2020-02-10"),  # F4: funded, started, not publicised
            project("XM34122120200003", publicised="否", start=""),  # near miss: not publicised but not funded
            project("XM34122120200004", publicised="是", on="2020-02-25", start=""),  # not started
            project("XM34122120200005", publicised="是", on="2020-03-05", start="2020-03-01"),  # F4: publicised late
            project("XM34122120200006", publicised="是", on="2020-03-01", start="2020-03-01"),  # near miss: same day
            project("XM34122120200007", publicised="否", start=""),  # near miss: funded, not started yet
            project("XM34122220200001", publicised="是", on="2020-01-20", start="2020-02-01", county="341222"),
        ],
    )
    write(
        folder,
        C.ALLOCATION,
        [
            alloc("XD1", "XM34122120200001", "100.00", "2020-01-10"),
            alloc("XD2", "XM34122120200002", "50.00", "2020-01-10"),
            alloc("XD3", "XM34122120209999", "20.00", "2020-01-10"),  # F5: not in the 项目库
            alloc("XD4", "XM34122120200004", "30.00", "2020-03-01"),
            alloc("XD5", "XM34122120200005", "40.00", "2020-02-01"),
            alloc("XD6", "XM34122120200006", "10.00", "2020-02-01"),
            alloc("XD7", "XM34122120200007", "10.00", "2020-02-01"),
            alloc("XD8", "XM34122220200001", "15.00", "2020-02-01"),  # F5: in 341222's library, not 341221's
        ],
    )
    write(
        folder,
        C.PAYMENT,
        [
            pay("ZF1", "XD1", "XM34122120200001", "60.00", "2020-02-25"),  # near miss: after start and allocation
            pay("ZF2", "XD1", "XM34122120200001", "50.00", "2020-03-01"),  # F6: 110 > 100 (quarantined)
            pay("ZF3", "XD4", "XM34122120200004", "10.00", "2020-02-15"),  # F7 (before allocation) and F8 (not started)
            pay("ZF4", "XD2", "XM34122120200002", "5.00", "2020-02-25"),  # near miss
        ],
    )
    write(
        folder,
        C.PAIRING,
        [
            pairing("340102", "341221", "1000", "1200", "2020-02-01"),  # F1: 200 below last year
            pairing("340103", "341222", "1000", "1000", "2020-03-31"),  # near misses: equal, on the last day of Q1
            pairing("340104", "341225", "1100", "1000", "2020-04-01"),  # F2: after Q1
            pairing("340111", "341226", "1100", "1000", ""),  # F2: not arranged
        ],
    )
    out = src.parent / "w.duckdb"
    report = ingest(src, out)
    assert report.ok and report.quarantined_by_reason == {"payment_exceeds_allocation": 1}
    return out


def findings(db: Path) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for check, record, amount in (
        duckdb.connect(str(db), read_only=True)
        .execute("select check_id, record_id, amount_wan from compliance_finding order by all")
        .fetchall()
    ):
        out.setdefault(check, []).append((record, float(amount)))
    return out


def test_exactly_the_expected_findings(db: Path) -> None:
    f = findings(db)
    assert f["F1"] == [("帮扶方340102 → 341221", 200.0)]
    assert sorted(r for r, _ in f["F2"]) == ["帮扶方340104 → 341225", "帮扶方340111 → 341226"]
    assert f["F3"] == [("M1", 0.3)]
    assert f["F4"] == [("XM34122120200002", 50.0), ("XM34122120200005", 40.0)]
    assert f["F5"] == [("XD3", 20.0), ("XD8", 15.0)]
    assert f["F6"] == [("ZF2", 50.0)]
    assert f["F7"] == [("ZF3", 10.0)]
    assert set(f) == {f"F{i}" for i in range(1, 8)}  # F8 (payment before start) is off by default


def test_findings_say_why(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    detail = dict(con.execute("select record_id, detail from compliance_finding").fetchall())
    assert detail["XM34122120200002"] == "已下达 1 笔资金；项目于 2020-02-10 开工，未公告公示"
    assert detail["XM34122120200005"] == "已下达 1 笔资金；项目于 2020-03-01 开工，公示日期 2020-03-05 晚于开工日期"
    (name,) = con.execute("select county_name from ref_county where county_code = '341222'").fetchone()
    assert detail["XD8"] == f"项目编号 XM34122220200001 不在本县项目库中（在 {name} 的项目库中）"
    assert detail["XD3"] == "项目编号 XM34122120209999 不在任何县的项目库中"


def test_settings_from_reference_data(db: Path, tmp_path: Path) -> None:
    """Turning F8 on and moving F2's deadline are edits of compliance_checks.csv, not of code."""
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    checks = pd.read_csv(ref / "compliance_checks.csv", dtype=str, keep_default_na=False).set_index("check_id")
    assert checks.loc["F8", "enabled"] == "0" and checks.loc["F2", "threshold"] == "2020-03-31"
    checks.loc["F8", "enabled"] = "1"
    checks.loc["F2", "threshold"] = "2020-04-30"
    checks.reset_index().to_csv(ref / "compliance_checks.csv", index=False)
    out = tmp_path / "w.duckdb"
    assert ingest(db.parent / "exports", out, ref_dir=ref).ok
    f = findings(out)
    assert f["F8"] == [("ZF3", 10.0)]  # paid on 2020-02-15, the project has not started
    assert [r for r, _ in f["F2"]] == ["帮扶方340111 → 341226"]  # 2020-04-01 is now in time


def test_every_finding_names_its_clause(db: Path) -> None:
    rows = (
        duckdb.connect(str(db), read_only=True)
        .execute("select check_id, clause, county_code from compliance_finding")
        .fetchall()
    )
    assert rows and all("意见" in clause and county for _, clause, county in rows)
