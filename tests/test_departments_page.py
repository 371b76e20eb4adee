"""部门比对 page in AppTest on the tiny warehouse: the rules table stays short (the condition and the clause in full
are wrapped text below it), the hit list is masked, the province administrator may unmask it like the 红色预警户
list (each unmasked list and export audited), a county user gets no such option and sees only their county, and
the hit list's XLSX builds on click with the 演示数据 label."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fupin.access import audit
from fupin.reports.exports import DEMO_LABEL
from tests.conftest import Download, downloads
from tests.test_downloads import open_page

PAGE = "app_pages/departments.py"


@pytest.fixture()
def site(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "audit.sqlite"))
    monkeypatch.chdir(Path(__file__).parent.parent)
    return tiny_db


def hit_list(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "证件号码" in d.value.columns and "规则" in d.value.columns)


def test_rules_table_is_short_and_the_notes_quote_the_clause(site: Path) -> None:
    at = open_page(PAGE, month="2020-03")
    rules = at.dataframe[1].value
    assert "条件" not in rules.columns and "依据条款" in rules.columns
    assert rules["依据条款"].str.len().max() <= 20 and "防返贫意见 三（二）" in set(rules["依据条款"])
    assert rules.set_index("规则").loc["D01", "阈值"] == "5000元"
    notes = next(m.value for m in at.markdown if "D01" in m.value and "依据" in m.value)
    assert "本年累计个人自付（各项报销后）不低于阈值" in notes and "在定期与省直相关部门开展数据对比的基础上" in notes


def test_admin_may_unmask_and_it_is_audited(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page(PAGE, month="2020-03")
    masked = hit_list(at)
    assert len(masked) > 0 and masked["证件号码"].dropna().str.contains(r"\*{10}").all()
    assert [r for r in audit.rows(1000) if r["action"] == "view_list_unmasked"] == []
    name, make = downloads(at, deferred)["下载命中清单（脱敏 XLSX）"]
    sheet = pd.read_excel(io.BytesIO(make()), header=None, dtype=str, engine="calamine")
    assert name == "部门比对命中_2020-03.xlsx" and sheet.iloc[1, 0] == DEMO_LABEL
    assert sheet.iloc[3:, list(sheet.iloc[2]).index("证件号码")].dropna().str.contains(r"\*{10}").all()
    at.toggle(key="dept_unmask").set_value(True).run()
    full = hit_list(at)
    ids = set(duckdb.connect(str(site), read_only=True).execute("select id_number from dept_hit").fetchall())
    assert full["证件号码"].dropna().map(lambda i: (i,) in ids).all()
    seen = [r for r in audit.rows(1000) if r["action"] == "view_list_unmasked"]
    assert len(seen) == 1 and seen[0]["unmasked"] == 1 and '"page": "部门比对"' in seen[0]["filters"]
    assert seen[0]["row_count"] == len(full)
    at.run()  # the same list again: recorded once
    assert len([r for r in audit.rows(1000) if r["action"] == "view_list_unmasked"]) == 1
    _, make = downloads(at, deferred)["下载命中清单（XLSX）"]
    make()
    export = [r for r in audit.rows(1000) if r["action"] == "export_department_hits"]
    assert len(export) == 2 and export[0]["unmasked"] == 1 and export[1]["unmasked"] == 0


def test_county_user_has_no_unmask_and_sees_their_county(site: Path) -> None:
    at = open_page(PAGE, month="2020-03", user="linquan")
    assert not [t for t in at.toggle if t.key == "dept_unmask"]
    hits = hit_list(at)
    assert len(hits) > 0 and set(hits["县（市、区）"]) == {"临泉县"}
    assert hits["证件号码"].dropna().str.contains(r"\*{10}").all()


def test_scenario_page_moves_the_department_thresholds(site: Path) -> None:
    from tests.conftest import app_test

    at = app_test(timeout=90)
    at.run()
    at.query_params["s_d01"] = "3000"
    at.session_state["sc_view"] = "dept"
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["sc_d01"] == 3000.0 and at.session_state["sc_d02"] == 20000.0
    con = duckdb.connect(str(site), read_only=True)
    month = con.execute("select max(month) from dept_hit").fetchone()[0]
    stored, scenario = con.execute(
        """select count(distinct id_number) filter (where amount >= 5000), count(distinct id_number)
           from dept_record  -- D01 applies to every registered class: a confirmed match at or above the threshold
           where month = $m and department = '医保' and match_status = 'matched' and amount >= 3000""",
        {"m": month},
    ).fetchone()
    assert scenario > stored > 0
    shown = next(m for m in at.metric if m.label.startswith("医保大额自付·登记人口"))
    assert shown.value == f"{scenario:,}人" and shown.delta.startswith(f"+{scenario - stored:,}人")
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert qp["s_d01"] == "3000" and "s_d02" not in qp


def test_month_check_view_counts_department_hits(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    from fupin.views import month_check
    from tests.support.views import LINQUAN, selection

    v = month_check.view(selection(tiny_db, month="2020-03"))
    risk, guarantee, received = con.execute(
        """select count(*) filter (where produces = '风险'), count(*) filter (where produces = '两不愁三保障问题'),
                  (select sum(received) from dept_feed_month where month = date '2020-03-01')
           from dept_hit where month = date '2020-03-01'"""
    ).fetchone()
    tiles = {t.label: t.value for t in v.dept_tiles}
    assert tiles["风险 / 两不愁三保障问题"] == f"{risk:,} / {guarantee:,}条" and risk > 0
    assert tiles["部门推送 / 匹配"].startswith(f"{received:,} / ")
    assert v.dept.frame["风险命中"].sum() == risk and len(v.dept.frame) == 104
    own = month_check.view(selection(tiny_db, LINQUAN, month="2020-03")).dept.frame
    (own_risk,) = con.execute(
        "select count(*) from dept_hit where month = date '2020-03-01' and produces = '风险' and county_code = '341221'"
    ).fetchone()
    assert list(own["县（市、区）"]) == ["临泉县"] and own["风险命中"].sum() == own_risk
