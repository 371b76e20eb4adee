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
    assert o.open_long_days == 60  # warning_settings.open_long_days (省定参数)
    assert W.view(sel, o, categories=[], open_long=True).filters["open_over"] == o.open_long_days


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
    sheet = openpyxl.load_workbook(io.BytesIO(data))["红色预警户工作单"]
    assert n == v.total == sheet.max_row - 3 and sheet["A3"].value == "户编号"
    assert sheet["A2"].value == "演示数据：全部为合成数据，不是真实数字"  # the tiny warehouse is synthetic


def test_rules_list_their_clause_and_threshold_source(tiny_db: Path) -> None:
    rules = W.options(selection(tiny_db)).rules_table.frame.set_index("规则")
    assert list(rules.columns) == ["名称", "政策条款", "严重程度", "阈值", "单位", "阈值来源"]
    assert rules.loc["R01", "阈值来源"] == "政策规定" and rules.loc["R01", "阈值"] == "5000"
    assert rules.loc["R02", "阈值来源"] == rules.loc["R09", "阈值来源"] == "省定参数"
    assert rules.loc["R03", "阈值来源"] == "（无阈值）" and "R08" not in rules.index


def test_open_long_counts_follow_the_setting(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-06")
    o = W.options(sel)
    v = W.view(sel, o, categories=[])
    (long_,) = con.execute(
        "select count(*) from warning_flag_month f, warning_settings s "
        "where f.month = date '2020-06-01' and f.red_flag and f.open_days > s.long_days"
    ).fetchone()
    assert {t.label: t.value for t in v.tiles}["持续超过60天"] == f"{long_:,}户"


def test_monitoring_checks_equal_the_warehouse(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sel = selection(tiny_db, month="2020-03")
    cv = W.checks(sel)
    counts = dict(
        con.execute(
            "select check_id, count(*) from monitoring_finding where month = date '2020-03-01' group by all"
        ).fetchall()
    )
    assert {c: n for c, n in cv.counts.items() if n} == counts
    assert set(cv.counts) == {f"M{i}" for i in range(1, 7)}  # every enabled check is listed, found or not
    assert len(cv.findings.frame) == sum(counts.values()) and cv.by_county.frame["条数"].sum() == sum(counts.values())
    assert list(cv.findings.frame.columns) == ["检查", "户编号", "县", "说明"]  # no names
    picked = max(counts, key=counts.get)
    one = W.checks(sel, check=picked)
    assert set(one.findings.frame["检查"]) == {picked} and len(one.findings.frame) == counts[picked]
    county = W.checks(selection(tiny_db, LINQUAN, month="2020-03"))
    assert set(county.findings.frame["户编号"].str[:6]) <= {"341221"}


def test_filters_round_trip_through_the_url(tiny_db: Path) -> None:
    o = W.options(selection(tiny_db, LINQUAN))
    town = next(c for c in o.towns if c)
    village = next(c for c in o.villages_of(town) if c)
    chosen = {
        "rf_town": town,
        "rf_village": village,
        "rf_categories": ["边缘户"],
        "rf_rule": "R02",
        "rf_stage": next(s for s in W.STAGES if s),
        "rf_income": (1000, 8000),
        "rf_guarantee": "住房安全",
        "rf_new": True,
        "rf_long": True,
        "rf_red_only": False,
        "rf_sort": "open_days",
    }
    query = W.filters_to_query(chosen)
    assert query["cat"] == "边缘户" and query["income"] == "1000-8000" and query["red"] == "0"
    assert W.filters_from_query(query, o) == chosen
    assert W.filters_to_query(W.FILTER_DEFAULTS) == {}  # the defaults leave the URL clean
    assert W.filters_from_query(W.filters_to_query({**W.FILTER_DEFAULTS, "rf_categories": []}), o) == {
        "rf_categories": []
    }
    summary = W.filter_summary(chosen, o)
    assert o.towns[town] in summary and "边缘户" in summary and "收入1,000–8,000元" in summary


def test_hostile_url_filters_are_ignored(tiny_db: Path) -> None:
    o = W.options(selection(tiny_db, LINQUAN))
    hostile = {
        "town": "340000000' or 1=1",
        "village": "<script>",
        "cat": "脱贫监测户,<img src=x>",
        "rule": "R99",
        "stage": '{"a": 1}',
        "income": "-500-99999999",
        "guarantee": "x" * 5000,
        "new": "yes",
        "long": "2",
        "red": "true",
        "sort": "__import__('os')",
    }
    assert W.filters_from_query(hostile, o) == {}
    assert W.filters_from_query({"income": "500-40001"}, o) == {}  # above the slider's top
    assert W.filters_from_query({"income": "700-900"}, o) == {}  # not on the slider's steps
    # A province viewer has no towns to pick: a town in the URL is ignored.
    assert W.filters_from_query({"town": next(c for c in o.towns if c)}, W.options(selection(tiny_db))) == {}


def test_a_red_flagged_household_with_no_measure_is_said_so(tiny_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select household_id from warning_flag_month f
        where month = date '2020-06-01' and red_flag
          and {} exists (select 1 from stg_measure m where m.household_id = f.household_id)
        order by household_id limit 1
    """
    without = con.execute(sql.format("not")).fetchone()
    with_measure = con.execute(sql.format("")).fetchone()
    assert without and with_measure
    sel = selection(tiny_db)
    d = W.detail(sel, without[0], unmask=False)
    assert d is not None and d.measures.frame.empty and "尚无任何帮扶措施记录" in (d.no_measure or "")
    d2 = W.detail(sel, with_measure[0], unmask=False)
    assert d2 is not None and not d2.measures.frame.empty and d2.no_measure is None
