"""The row rules' SQL on hand-made raw rows (fupin.data.validate), without a whole ingest."""

from __future__ import annotations

import duckdb

from fupin.data import contract as C
from fupin.data.validate import duplicate_query


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
    con.execute(
        "create table if not exists quarantine (batch_id varchar, table_name varchar, file varchar, line bigint, "
        "month varchar, row_id bigint, reason_code varchar, message varchar, record json)"
    )


def test_a_repeated_key_keeps_its_first_row_and_names_it() -> None:
    con = duckdb.connect()
    t = C.DEPT_DISASTER  # key: 户主身份证号 + 受灾日期, judged per month folder
    a = {"户主身份证号": "A", "受灾日期": "2020-03-01"}
    b = {"户主身份证号": "B", "受灾日期": "2020-03-01"}
    _raw(
        con,
        t,
        [
            (1, "2020-03", "2020-03/应急受灾.csv", 2, a),
            (2, "2020-03", "2020-03/应急受灾.csv", 3, b),
            (3, "2020-03", "2020-03/应急受灾_2.csv", 2, {**a, "户主身份证号": " A "}),  # trimmed: the same key
            (4, "2020-03", "2020-03/应急受灾_2.csv", 3, a),
            (5, "2020-04", "2020-04/应急受灾.csv", 2, a),  # another month: not a repeat
            (6, "2020-03", "2020-03/应急受灾_2.csv", 4, {**a, "受灾日期": "2020-03-02"}),  # another date: not one
            (7, "2020-03", "2020-03/应急受灾_2.csv", 5, b),
        ],
    )
    got = con.execute(f"select * from ({duplicate_query(t)}) order by 1").fetchall()
    assert [(r, code) for r, code, _ in got] == [(3, "duplicate_key"), (4, "duplicate_key"), (7, "duplicate_key")]
    assert got[0][2] == "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾.csv 第2行相同"
    assert got[2][2] == "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾.csv 第3行相同"
    # A row already quarantined for another reason is not a first occurrence: the next one is kept.
    con.execute("insert into quarantine (table_name, row_id) values ('应急受灾', 1)")
    got = con.execute(f"select _row_id, message from ({duplicate_query(t)}) order by 1").fetchall()
    assert got == [
        (4, "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾_2.csv 第2行相同"),
        (7, "「户主身份证号、受灾日期」重复：与 2020-03/应急受灾.csv 第3行相同"),
    ]


def test_a_key_of_the_whole_batch_repeats_across_months() -> None:
    con = duckdb.connect()
    t = C.VISIT  # 走访编号: unique across the batch
    _raw(
        con,
        t,
        [
            (10, "2020-01", "2020-01/走访记录.csv", 2, {"走访编号": "V1"}),
            (11, "2020-02", "2020-02/走访记录.csv", 2, {"走访编号": "V1"}),
            (12, "2020-02", "2020-02/走访记录.csv", 3, {"走访编号": "V2"}),
        ],
    )
    got = con.execute(f"select _row_id, message from ({duplicate_query(t)})").fetchall()
    assert got == [(11, "「走访编号」重复：与 2020-01/走访记录.csv 第2行相同")]
