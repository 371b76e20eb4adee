"""AppTest for 挂牌督战 and 春季攻势: values equal the warehouse; the supervised set follows the
reference list; the behind-schedule flag follows fupin.schedule."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from fupin.core.reference import REFERENCE_DIR
from fupin.data.ingest import ingest
from tests.conftest import app_test

ROOT = Path(__file__).parent.parent


def open_page(db: Path, page: str, monkeypatch: pytest.MonkeyPatch, **state: str) -> AppTest:
    monkeypatch.setenv("FUPIN_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = app_test()
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def q(db: Path, sql: str) -> object:
    return duckdb.connect(str(db), read_only=True).execute(sql).fetchone()[0]


def test_supervision_cards_equal_the_warehouse(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(tiny_db, "app_pages/supervision.py", monkeypatch)
    listed = q(tiny_db, "select count(*) from ref_supervision where level = 'county'")
    now = q(
        tiny_db,
        "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-06-01' "
        "and county_code in (select county_code from ref_supervision where level = 'county')",
    )
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["挂牌督战县剩余贫困人口"] == f"{int(now):,}人"
    assert tiles["进度滞后的县"].endswith(f"/ {listed}个")
    names = {
        r
        for (r,) in duckdb.connect(str(tiny_db), read_only=True)
        .execute("select county_name from ref_supervision where level = 'county'")
        .fetchall()
    }
    shown = {m.value.split("**")[1] for m in at.markdown if m.value.startswith("**") and "badge" in m.value}
    assert shown == names
    villages = at.dataframe[0].value
    assert len(villages) == 12 and set(villages["进度"]) <= {"进度滞后", "按期"}


def test_changing_the_reference_list_changes_the_supervised_set(
    tiny_exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    lines = (ref / "supervision_list.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0], *[line for line in lines[1:] if not line.startswith("county,") or "341221" in line]]
    kept.append("county,340102,瑶海区,,,,2020-03-02")  # an urban district, for the test only
    (ref / "supervision_list.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert ingest(tiny_exports, db, ref_dir=ref).ok
    at = open_page(db, "app_pages/supervision.py", monkeypatch)
    shown = {m.value.split("**")[1] for m in at.markdown if m.value.startswith("**") and "badge" in m.value}
    assert shown == {"临泉县", "瑶海区"}
    assert next(m.value for m in at.metric if m.label == "进度滞后的县").endswith("/ 2个")


def test_spring_page_equals_the_warehouse(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(tiny_db, "app_pages/spring.py", monkeypatch)
    started, projects, overdue = (
        q(tiny_db, f"select sum({c}) from summary_county_month where month = date '2020-06-01'")
        for c in ("projects_started", "projects", "projects_overdue")
    )
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["扶贫项目开工率"] == f"{started / projects:.1%}"
    assert tiles["逾期未开工项目"] == f"{int(overdue):,}个"
    table = next(df.value for df in at.dataframe if "逾期天数" in df.value.columns)
    assert len(table) == min(int(overdue), 500)
    ranking = next(df.value for df in at.dataframe if "进度迟缓" in df.value.columns)
    assert len(ranking) == 104


def test_spring_page_follows_the_county(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(tiny_db, "app_pages/spring.py", monkeypatch, city="341200", county="341221")
    started, projects = (
        q(tiny_db, f"select {c} from summary_county_month where month = date '2020-06-01' and county_code = '341221'")
        for c in ("projects_started", "projects")
    )
    assert next(m.value for m in at.metric if m.label == "扶贫项目开工率") == f"{started / projects:.1%}"
    ranking = next(df.value for df in at.dataframe if "进度迟缓" in df.value.columns)
    assert ranking["县（市、区）"].tolist() == ["临泉县"]


def test_funds_page_totals_equal_the_warehouse(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(tiny_db, "app_pages/funds.py", monkeypatch)
    alloc, paid = (
        float(q(tiny_db, f"select sum({c}) from summary_county_month where month = date '2020-06-01'"))
        for c in ("special_allocated", "special_paid")
    )
    tiles = {m.label: m.value for m in at.metric}
    from fupin.core.labels import fmt_money_wan

    assert tiles["财政专项扶贫资金已下达"] == fmt_money_wan(alloc)
    assert tiles["已支付"] == fmt_money_wan(paid)
    assert tiles["支付率"] == f"{paid / alloc:.1%}"  # the rate from the same two numbers
    n = q(tiny_db, "select count(*) from compliance_finding")
    assert tiles["合规问题"] == f"{n:,}条"
    ranking = next(
        df.value for df in at.dataframe if "支付率" in df.value.columns and "县（市、区）" in df.value.columns
    )
    assert len(ranking) == 104
    assert ranking["已支付（万元）"].sum() == pytest.approx(paid)
    slow = q(
        tiny_db,
        "select count(*) from summary_county_month s where month = date '2020-06-01' and special_allocated > 0 "
        "and special_paid / special_allocated - (select cast(required_share as double) "
        "from ref_disbursement_schedule where month = '2020-06') < (select cast(threshold as double) "
        "from ref_bulletin_rules where measure = 'disbursement_vs_schedule') and special_allocated >= "
        "(select coalesce(try_cast(nullif(min_base, '') as double), 0) from ref_bulletin_rules "
        "where measure = 'disbursement_vs_schedule')",  # the one rule (省定参数; the view tests judge tiny counties)
    )
    assert tiles["支付进度迟缓的县"] == f"{slow} / 104个"
