"""红色预警户 view on the tiny warehouse: counts equal DuckDB, filters change the rows, the list is masked, the
detail draws the monitoring line from warning_settings, options follow the export contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from fupin.data import contract
from fupin.views import warnings as W
from tests.support.views import ADMIN, LINQUAN, selection


def test_options_follow_the_contract(tiny_db: Path) -> None:
    assert W.CATEGORIES == ("脱贫监测户", "边缘户", "享受政策的脱贫户", "不享受政策的脱贫户", "未脱贫户")
    assert set(W.CATEGORIES) == set(contract.HOUSEHOLD_CATEGORIES) and W.DEFAULT_CATEGORIES == ("脱贫监测户", "边缘户")
    assert list(W.STAGES)[1:] == list(contract.CLEARANCE_STAGES)
    o = W.options(selection(tiny_db, LINQUAN))
    assert o.towns[""] == "全部乡镇" and len(o.towns) > 1 and o.rule_choices[""] == "全部规则"
    town = next(c for c in o.towns if c)
    villages = o.villages_of(town)
    assert len(villages) > 1 and all(c.startswith(town) for c in villages if c)
    assert W.options(selection(tiny_db)).towns == {"": "全部乡镇"}


def test_counts_equal_the_warehouse(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-03")
    o = W.options(sel)
    v = W.view(sel, o, categories=[])
    (red,) = con.execute(
        "select count(*) from warning_flag_month where month = date '2020-03-01' and red_flag"
    ).fetchone()
    assert v.total == red and v.tiles[0].value == f"{red:,}户"
    rows = W.page_rows(sel, v, o)
    assert len(rows.household_ids) == min(red, W.PAGE_SIZE) and v.pages == -(-red // W.PAGE_SIZE)
    assert list(rows.table.frame.columns[:3]) == ["户编号", "县", "乡镇"]


def test_filters_change_the_rows(tiny_db: Path) -> None:
    sel = selection(tiny_db, month="2020-03")
    o = W.options(sel)
    everything = W.view(sel, o, categories=[], red_only=False)
    monitor = W.view(sel, o, categories=["脱贫监测户"], red_only=False)
    assert 0 < monitor.total < everything.total
    shown = W.page_rows(sel, monitor, o).table.frame
    assert set(shown["户类别"]) == {"脱贫监测户"}
    poor = W.view(sel, o, categories=[], red_only=False, income=(0, 3000))
    assert set(W.page_rows(sel, poor, o).table.frame["预估年人均纯收入"].map(lambda x: x <= 3000)) == {True}
    assert W.view(sel, o, categories=[], open_long=True).filters["open_over"] == 60


def test_list_is_masked_unless_unmasked(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, ADMIN, month="2020-03")
    o = W.options(sel)
    v = W.view(sel, o, categories=[])
    masked = W.page_rows(sel, v, o).table.frame
    full = W.page_rows(sel, v, o, unmask=True).table.frame
    hid = full.iloc[0]["户编号"]
    (name,) = con.execute(
        "select head_name from stg_household_version where household_id = ? limit 1", [hid]
    ).fetchone()
    assert full.iloc[0]["户主"] == name and masked.iloc[0]["户主"] != name and "*" in masked.iloc[0]["证件号码"]


def test_detail_uses_the_monitoring_line_from_settings(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-03")
    o = W.options(sel)
    hid = W.page_rows(sel, W.view(sel, o, categories=[]), o).household_ids[0]
    d = W.detail(sel, hid, unmask=False)
    (line,) = con.execute("select line from warning_settings").fetchone()
    assert W.monitor_line(sel) == line == 5000
    assert any(s.y0 == line for s in d.income.layout.shapes)
    assert [label for label, _ in d.tabs] == list(W.DETAIL_TABS)
    assert list(d.members.frame.columns[:3]) == ["姓名", "证件号码", "与户主关系"]
    (hits,) = con.execute("select count(*) from warning_hit where household_id = ?", [hid]).fetchone()
    assert len(d.hits.frame) == hits
    other = selection(tiny_db, LINQUAN, month="2020-03")
    assert hid.startswith("341221") or W.detail(other, hid, unmask=False) is None


def test_work_order_holds_every_row(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    import io

    import openpyxl

    sel = selection(tiny_db, month="2020-03")
    v = W.view(sel, W.options(sel), categories=[])
    data, n = W.work_order(con, sel.viewer, dataclasses.replace(v), unmask=False)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["工作单"]
    assert n == v.total == sheet.max_row - 3 and sheet["A3"].value == "户编号"
