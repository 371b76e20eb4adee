"""情景推演: the baseline equals the stored numbers, the line is monotone, hand-made households cross
exactly where expected, and the URL round-trips the parameters."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest

from fupin.access.scope import Viewer
from fupin.core.reference import load_reference
from fupin.data import contract as C
from fupin.data.ingest import ingest
from fupin.domain.scenario import ScenarioParams, baseline, from_query, to_query
from fupin.warehouse import queries
from tests.conftest import app_test
from tests.support.builders import household, member, write

# One worker builds this module's `shock_db` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_scenarios")

ROOT = Path(__file__).parent.parent
BASE = baseline(load_reference().warning_rules, load_reference().warning_settings)


def line_run(con: duckdb.DuckDBPyConnection, p: ScenarioParams, group_by: str = "county"):
    return queries.run(
        con,
        "scenario_line_by_area",
        Viewer.province(),
        month="2020-06-01",
        area_prefix="34",
        group_by=group_by,
        line=p.line,
        t02=p.t02,
        t09=p.t09,
        min_score=p.min_score,
        d01=p.d01,
        d05=p.d05,
    )


def test_baseline_equals_the_stored_numbers(con: duckdb.DuckDBPyConnection) -> None:
    res = line_run(con, BASE).set_index("area_code")
    assert (res["monitor_scenario"] == res["monitor_stored"]).all() and (
        res["edge_scenario"] == res["edge_stored"]
    ).all()
    assert (res["red_scenario"] == res["red_stored"]).all()
    stored_red = dict(
        con.execute(
            "select county_code, count(*) filter (where red_flag) from warning_flag_month where month = date "
            "'2020-06-01' group by 1"
        ).fetchall()
    )
    assert {k: v for k, v in res["red_stored"].items() if v} == {k: v for k, v in stored_red.items() if v}
    stored_monitor = con.execute(
        "select count(*) from household_month where month = date '2020-06-01' and household_category = '脱贫监测户'"
    ).fetchone()[0]
    assert res["monitor_scenario"].sum() == stored_monitor
    alloc = queries.run(
        con,
        "scenario_allocation",
        Viewer.province(),
        month="2020-06-01",
        w_poor=0.5,
        w_epidemic=0.3,
        w_deep=0.1,
        w_supervised=0.1,
    )
    assert alloc["scenario"].sum() == pytest.approx(float(alloc["actual"].sum()))


def test_raising_the_line_never_reduces_the_count(con: duckdb.DuckDBPyConnection) -> None:
    totals = []
    for line in (4000, 4500, 5000, 5500, 6000, 8000):
        res = line_run(con, ScenarioParams(**{**BASE.__dict__, "line": float(line)}))
        totals.append(
            (int(res["monitor_scenario"].sum()), int(res["edge_scenario"].sum()), int(res["red_scenario"].sum()))
        )
    for before, after in itertools.pairwise(totals):
        assert all(a >= b for a, b in zip(after, before, strict=True)), totals
    assert totals[-1] > totals[0]


@pytest.fixture(scope="module")
def shock_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("shock") / "exports" / "2020-06"
    # Per capita 6000 (one person): wage 4000 from migrant work, business 2000.
    hh = [
        household(
            n,
            户类别="享受政策的脱贫户",
            年人均纯收入="6000",
            工资性收入="4000",
            生产经营性收入="2000",
            财产性收入="0",
            转移性收入="0",
        )
        for n in (1, 2)
    ]
    # 3: no migrant member: migrant shocks do not touch it.
    hh.append(
        household(
            3,
            户类别="享受政策的脱贫户",
            年人均纯收入="6000",
            工资性收入="4000",
            生产经营性收入="2000",
            财产性收入="0",
            转移性收入="0",
        )
    )
    write(src, C.HOUSEHOLD, hh)
    write(
        src,
        C.MEMBER,
        [member(1) | {"务工状态": "省外务工", "务工地点": "上海市"}, member(2) | {"务工状态": "待返岗"}, member(3)],
    )
    db = src.parent.parent / "w.duckdb"
    assert ingest(src.parent, db).ok
    return db


@pytest.mark.parametrize(
    ("cut", "months", "farm", "crosses"),
    [
        (0.75, 12, 0.0, {"0001", "0002"}),  # loss 3000 → 3000 < 5000
        (0.25, 12, 0.0, set()),  # loss 1000 → 5000: on the line, not below it
        (0.26, 12, 0.0, {"0001", "0002"}),  # loss 1040 → 4960
        (1.0, 6, 0.0, {"0001", "0002"}),  # 4000 × 100 % × 6/12 = 2000 → 4000
        (0.0, 0, 0.51, {"0001", "0002", "0003"}),  # farm loss 1020 → 4980 for everyone
        (0.0, 0, 0.5, set()),  # farm loss 1000 → exactly 5000
    ],
)
def test_hand_made_households_cross_exactly(
    shock_db: Path, cut: float, months: int, farm: float, crosses: set[str]
) -> None:
    con = duckdb.connect(str(shock_db), read_only=True)
    res = queries.run(
        con,
        "scenario_shock_by_county",
        Viewer.province(),
        area_prefix="34",
        counties=[],
        migrant_cut=cut,
        migrant_months=months,
        farm_loss=farm,
        line=5000.0,
    )
    assert int(res["cross_line"].sum()) == len(crosses)
    only_other = queries.run(
        con,
        "scenario_shock_by_county",
        Viewer.province(),
        area_prefix="34",
        counties=["340102"],
        migrant_cut=cut,
        migrant_months=months,
        farm_loss=farm,
        line=5000.0,
    )
    assert int(only_other["cross_line"].sum()) == 0  # the shock applies only in the chosen counties


def test_url_round_trip() -> None:
    p = ScenarioParams(
        **{
            **BASE.__dict__,
            "line": 6200.0,
            "min_score": 4,
            "migrant_cut": 0.35,
            "migrant_months": 4,
            "areas": ("皖北地区", "341221"),
            "w_poor": 0.7,
        }
    )
    q = to_query(p, BASE)
    assert from_query(q, BASE) == p
    assert to_query(BASE, BASE) == {}  # the baseline leaves the URL clean
    assert from_query({"s_line": "abc", "s_min_score": "99"}, BASE) == ScenarioParams(
        **{**BASE.__dict__, "min_score": 9}
    )


def test_page_reads_and_writes_the_url(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.run()
    at.query_params["s_line"] = "6000"
    at.query_params["s_w_poor"] = "0.8"
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["sc_line"] == 6000.0 and at.session_state["sc_w_poor"] == 0.8
    con = duckdb.connect(str(tiny_db), read_only=True)
    res = line_run(con, ScenarioParams(**{**BASE.__dict__, "line": 6000.0}))
    shown = next(m.value for m in at.metric if m.label == "脱贫监测户（情景）")
    assert shown == f"{int(res['monitor_scenario'].sum()):,}户"
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert qp["s_line"] == "6000" and qp["s_w_poor"] == "0.8" and "s_t02" not in qp


def test_page_shows_the_view_the_url_names_results_first(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.run()
    at.query_params["s_view"] = "alloc"
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["sc_view"] == "alloc"
    assert any(m.label == "需调整的资金" for m in at.metric)  # the allocation scenario's tiles
    assert at.success[0].value.startswith("按权重（剩余贫困人口0.5")  # the one-sentence summary comes first
    assert not at.expander[0].proto.expanded  # the parameters wait in a collapsed panel
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert qp["s_view"] == "alloc"
    hostile = app_test()
    hostile.run()
    hostile.query_params["s_view"] = "<script>alert(1)</script>"
    hostile.switch_page("app_pages/scenarios.py").run()
    assert not hostile.exception and hostile.session_state["sc_view"] == "line"
    assert "s_view" not in dict(hostile.query_params)
