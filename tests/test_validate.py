"""The row rules' SQL on hand-made raw rows (fupin.data.validate), without a whole ingest."""

from __future__ import annotations

import duckdb

from fupin.data import contract as C
from fupin.data.validate import BAD_ENCODING_TABLE, BAD_IDS_TABLE, first_failures_query


def _raw(con: duckdb.DuckDBPyConnection, t: C.Table, rows: list[tuple[int, str, str, int, dict[str, str]]]) -> None:
    cols = [c.cn for c in t.columns]
    con.execute(
        f"create table raw_{t.en} (_row_id bigint, _month varchar, _file varchar, _line bigint, "
        + ", ".join(f'"{c}" varchar' for c in cols)
        + ")"
    )
    for row_id, month, file, line, values in rows:
        con.execute(
            f"insert into raw_{t.en} values (?, ?, ?, ?, {', '.join('?' for _ in cols)})",
            [row_id, month, file, line, *(values.get(c, "") for c in cols)],
        )
    con.execute(f"create table {BAD_IDS_TABLE} (_row_id bigint, col varchar)")  # ingest fills these two first
    con.execute(f"create table {BAD_ENCODING_TABLE} (table_name varchar, _row_id bigint)")
    con.execute("create table ref_village as select '341221100201' as village_code")
    con.execute(
        "create table stg_household_version as select '3412211002010001' as household_id, date '2020-01-01' as month"
    )


def _failures(con: duckdb.DuckDBPyConnection, t: C.Table) -> list[tuple]:
    return con.execute(f"select * from ({first_failures_query(t)}) order by 1").fetchall()


def _disaster(**over: str) -> dict[str, str]:
    return {"户主姓名": "赵甲", "受灾村代码": "341221100201", "灾害种类": "洪涝", "直接经济损失": "100"} | over


def test_a_repeated_key_keeps_its_first_row_and_names_it() -> None:
    con = duckdb.connect()
    t = C.DEPT_DISASTER  # key: 户主身份证号 + 受灾日期, judged per month folder
    a = _disaster(户主身份证号="A", 受灾日期="2020-03-01")
    b = _disaster(户主身份证号="B", 受灾日期="2020-03-01")
    rows = [
        (1, "2020-03", "2020-03/应急受灾.csv", 2, a),
        (2, "2020-03", "2020-03/应急受灾.csv", 3, b),
        (3, "2020-03", "2020-03/应急受灾_2.csv", 2, {**a, "户主身份证号": " A "}),  # trimmed: the same key
        (4, "2020-03", "2020-03/应急受灾_2.csv", 3, a),
        (5, "2020-04", "2020-04/应急受灾.csv", 2, a),  # another month: not a repeat
        (6, "2020-03", "2020-03/应急受灾_2.csv", 4, {**a, "受灾日期": "2020-03-02"}),  # another date: not one
        (7, "2020-03", "2020-03/应急受灾_2.csv", 5, {**b, "受灾村代码": "341221100202"}),  # repeated, and unknown
        (8, "2020-03", "2020-03/应急受灾_2.csv", 6, {**a, "受灾日期": "2020-03-03", "受灾村代码": "341221100202"}),
    ]
    _raw(con, t, rows)
    got = _failures(con, t)
    # each row's first failure: a repeated key before an unknown village (row 7)
    assert [(r, code) for r, code, _ in got] == [
        (3, "duplicate_key"),
        (4, "duplicate_key"),
        (7, "duplicate_key"),
        (8, "unknown_village"),
    ]
    assert got[0][2] == "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾.csv 第2行相同"
    assert got[2][2] == "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾.csv 第3行相同"
    assert got[3][2] == "「受灾村代码」341221100202 不存在：行政区划代码"
    # A row that breaks a cell rule is not a first occurrence: the next one is kept.
    con.execute("update raw_dept_disaster set 直接经济损失 = '待核' where _row_id = 1")
    got = _failures(con, t)
    assert [(r, code) for r, code, _ in got][:3] == [(1, "not_a_number"), (4, "duplicate_key"), (7, "duplicate_key")]
    assert got[0][2] == "「直接经济损失」不是数值：待核"
    assert got[1][2] == "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾_2.csv 第2行相同"


def test_a_key_of_the_whole_batch_repeats_across_months() -> None:
    con = duckdb.connect()
    t = C.VISIT  # 走访编号: unique across the batch
    visit = {"户编号": "3412211002010001", "走访日期": "2020-02-03", "走访方式": "入户", "走访人": "李四"}
    _raw(
        con,
        t,
        [
            (10, "2020-01", "2020-01/走访记录.csv", 2, visit | {"走访编号": "V1"}),
            (11, "2020-02", "2020-02/走访记录.csv", 2, visit | {"走访编号": "V1"}),
            (12, "2020-02", "2020-02/走访记录.csv", 3, visit | {"走访编号": "V2"}),
            (13, "2020-02", "2020-02/走访记录.csv", 4, visit | {"走访编号": "V3", "户编号": "3412211002010002"}),
        ],
    )
    got = [(r, m) for r, _, m in _failures(con, t)]
    assert got == [
        (11, "「走访编号」重复：与 2020-01/走访记录.csv 第2行相同"),
        (13, "「户编号」3412211002010002 不存在：户编号（在本月及以前的户信息中）"),
    ]
