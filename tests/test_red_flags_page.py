"""AppTest for 红色预警户: counts equal the warehouse for given filters, masking in the table and the
export, audit rows after a detail view and an export."""

from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fupin.access import audit
from tests.conftest import Download, app_test, downloads

ROOT = Path(__file__).parent.parent
PAGE = "app_pages/warnings.py"
COUNTY = "341221"


@pytest.fixture()
def page(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "audit.sqlite"))
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.session_state["city"] = COUNTY[:4] + "00"
    at.session_state["county"] = COUNTY
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def expected(tiny_db: Path, where: str = "") -> int:
    con = duckdb.connect(str(tiny_db), read_only=True)
    return con.execute(
        "select count(*) from warning_flag_month where month = date '2020-06-01' and county_code = $c and red_flag "
        "and household_category in ('脱贫监测户', '边缘户') " + where,
        {"c": COUNTY},
    ).fetchone()[0]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_counts_equal_the_warehouse(page: AppTest, tiny_db: Path) -> None:
    n = expected(tiny_db)
    assert n > 0
    assert metric(page, "红色预警户") == f"{n:,}户"
    assert len(listing(page)) == min(n, 50)
    new = expected(tiny_db, "and flag_status = 'new'")
    assert metric(page, "本月新增") == f"{new:,}户"


def test_filters_change_the_rows(page: AppTest, tiny_db: Path) -> None:
    page.session_state["rf_rule"] = "R02"
    page.run()
    n = expected(tiny_db, "and list_contains(rules, 'R02')")
    assert metric(page, "红色预警户") == f"{n:,}户"
    page.session_state["rf_rule"] = ""
    page.session_state["rf_red_only"] = False
    page.session_state["rf_categories"] = []
    page.run()
    con = duckdb.connect(str(tiny_db), read_only=True)
    monitored = con.execute(
        "select count(*) from warning_flag_month where month = date '2020-06-01' and county_code = $c", {"c": COUNTY}
    ).fetchone()[0]
    assert metric(page, "符合条件的户") == f"{monitored:,}户" and monitored > expected(tiny_db)


def listing(page: AppTest) -> pd.DataFrame:
    """The page's list of households (the table with 触发规则; expanders above it may hold other tables)."""
    return next(df.value for df in page.dataframe if "触发规则" in df.value.columns)


def test_table_is_masked(page: AppTest) -> None:
    table = listing(page)
    assert table["证件号码"].str.fullmatch(r"\d{4}\*{10}[\dX]{4}").all()
    assert table["户主"].str.contains(r"\*").all()


def test_detail_view_writes_an_audit_row(page: AppTest) -> None:
    first = listing(page).iloc[0]["户编号"]
    page.session_state["rf_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    page.run()
    assert not page.exception
    assert any("户 ·" in s.value for s in page.subheader)
    rows = audit.rows()
    assert rows[0]["action"] == "household_detail" and rows[0]["household_id"] == first
    assert rows[0]["scope"] == "province:340000" and rows[0]["unmasked"] == 0
    members = next(
        df.value for df in page.dataframe if "证件号码" in df.value.columns and "与户主关系" in df.value.columns
    )
    assert members["证件号码"].str.contains(r"\*{10}").all()


def test_export_is_masked_and_audited(deferred: dict[str, Download], page: AppTest, tiny_db: Path) -> None:
    n = expected(tiny_db)
    name, make = downloads(page, deferred)[f"下载工作单（{n:,}户）"]
    assert name == "红色预警户_2020-06.xlsx" and make is not None
    assert not [r for r in audit.rows() if r["action"] == "export_xlsx"]  # drawing the button exports nothing
    data = make()  # what Streamlit runs when the button is clicked
    df = pd.read_excel(io.BytesIO(data), header=2, dtype=str, engine="calamine")
    assert len(df) == n
    assert df["证件号码"].map(lambda v: bool(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", v))).all()
    rows = audit.rows()
    assert rows[0]["action"] == "export_xlsx" and rows[0]["row_count"] == n


def test_the_url_sets_the_filters_and_hostile_values_are_ignored(
    tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "audit.sqlite"))
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.session_state["city"] = COUNTY[:4] + "00"
    at.session_state["county"] = COUNTY
    at.run()
    at.query_params["rule"] = "R02"
    at.query_params["sort"] = "1;drop table x"
    at.query_params["cat"] = '{"a": 1}'
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    n = expected(tiny_db, "and list_contains(rules, 'R02')")
    assert metric(at, "红色预警户") == f"{n:,}户"
    if n == 0:  # nothing matches: said in words (an empty list once crashed the page)
        assert any("没有符合条件的户" in i.value for i in at.info)
    assert at.session_state["rf_sort"] == "score" and list(at.session_state["rf_categories"]) == list(
        ("脱贫监测户", "边缘户")
    )
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert qp["rule"] == "R02" and "sort" not in qp and "cat" not in qp  # the URL now says what is shown
    assert at.expander[0].label.startswith("筛选：") and "R02" in at.expander[0].label


def test_wide_tables_bring_the_key_columns_forward() -> None:
    """A wide table shows 触发规则 / 分值 / 持续天数 right after the row's name, and after 县 only when 县 tells the
    rows apart (a province list); a county user's list (one county) leads with them after 户编号 — on a phone too."""
    import pandas as pd

    from fupin.ui.render import readable

    cols = ["户编号", "县", "乡镇", "村", "户主", "户类别", "人口", "触发规则", "分值", "持续天数"]
    province = pd.DataFrame(
        [["1", "临泉县", *"abcde", "R01", 3, 40], ["2", "太和县", *"abcde", "R02", 2, 10]], columns=cols
    )
    county = province.assign(县="临泉县")
    assert readable(province)[2][:5] == ["户编号", "县", "触发规则", "分值", "持续天数"]
    assert readable(county)[2][:5] == ["户编号", "触发规则", "分值", "持续天数", "县"]
    assert readable(province[cols[:4]])[2] is None  # narrow: left as it is
