"""Ingest: every row loaded or quarantined with its reason; contract errors fail the batch and
leave the old warehouse byte-identical; atomic swap; encodings; reproducible warehouses."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from fupin.__main__ import main as cli
from fupin.data import contract as C
from fupin.data.contract import HOUSEHOLD
from fupin.data.exportio import read_export
from fupin.data.ingest import IngestReport, ingest
from tests.support.processes import INGEST_BOUND, held_ingest, wait_for_stderr, wait_until_building

BAD = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES)
def test_bad_row_is_quarantined_with_its_reason(case: str, tmp_path: Path) -> None:
    expected = json.loads((BAD / case / "expected.json").read_text(encoding="utf-8"))
    report = ingest(BAD / case, tmp_path / "w.duckdb")
    assert report.ok, report.error
    assert report.quarantined_by_reason == {expected["reason"]: expected["quarantined"]}
    assert report.rows_loaded == expected["loaded"]
    for f in report.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    q = con.execute("select file, line, reason_code, message, record from quarantine").fetchall()
    assert len(q) == expected["quarantined"]
    _file, line, reason, message, record = q[0]
    assert reason == expected["reason"] and line >= 2 and message  # points at a real line, says why
    assert json.loads(record)["_line"] == line


def test_a_division_code_out_of_range_names_the_part(tmp_path: Path) -> None:
    """统计用区划代码: township part 450 is neither 街道, 镇 nor 乡 — quarantined with the part and the ranges in
    Chinese; a well-formed code that is not in the reference list is unknown_village instead."""
    ingest(BAD / "bad_division_code", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    (message,) = con.execute("select message from quarantine").fetchone()
    assert message.startswith("「行政区划代码」的乡镇段「450」或村段「201」不在001–399")
    assert "镇100–199" in message and message.endswith("：341221450201")


def test_bad_id_message_is_masked(tmp_path: Path) -> None:
    ingest(BAD / "bad_id_check_digit", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    message, record = con.execute("select message, record from quarantine").fetchone()
    full_id = json.loads(record)["户主证件号码"]
    assert "校验位" in message and full_id[:4] + "**********" + full_id[-4:] in message and full_id not in message


def test_read_equals_loaded_plus_quarantined_everywhere(tiny_ingest: tuple[Path, IngestReport]) -> None:
    db, report = tiny_ingest
    assert report.files
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped for f in report.files)
    con = duckdb.connect(str(db), read_only=True)
    for t in C.TABLES:
        raw = con.execute(f"select count(*) from raw_{t.en}").fetchone()[0]
        stg = con.execute(f"select count(*) from stg_{t.en}" + ("_version" if t.mode == "register" else "")).fetchone()[
            0
        ]
        (q,) = con.execute("select count(*) from quarantine where table_name = $t", {"t": t.cn}).fetchone()
        assert raw == stg + q > 0
    saved = json.loads(db.with_suffix(".json").read_text(encoding="utf-8"))
    assert saved["rows_read"] == saved["rows_loaded"] + saved["rows_quarantined"] + saved["rows_skipped"]
    assert saved["rows_read"] == report.rows_read


def test_batch_is_recorded_with_checksums(con: duckdb.DuckDBPyConnection, tiny_exports: Path) -> None:
    synthetic, n_files = con.execute("select synthetic, n_files from ingest_batch").fetchone()
    assert synthetic is True
    files = con.execute("select file, sha256 from ingest_file").fetchall()
    assert len(files) == n_files == len([p for p in tiny_exports.rglob("*") if p.suffix in (".csv", ".xlsx")])
    file, digest = files[0]
    assert sha(tiny_exports / file) == digest


def _contents(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    tables = [t for (t,) in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
    out = {}
    for t in tables:
        if t == "ingest_batch":
            continue  # holds the time of the run
        out[t] = con.execute(
            f"select md5(string_agg(cast(x as varchar), '|' order by cast(x as varchar))) from {t} x"
        ).fetchone()[0]
    return out


def test_reingesting_gives_the_same_warehouse(tiny_exports: Path, tiny_db: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    ingest(tiny_exports, again)
    assert _contents(again) == _contents(tiny_db)


# ------------------------------------------------------------------ contract errors and atomicity


@pytest.fixture()
def existing(tiny_db: Path, tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_db, db)
    return db, sha(db)


def _month_with(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    src = tmp_path / "exports"
    shutil.copytree(BAD / "bad_date", src)
    (src / "expected.json").unlink()
    (src / "2020-01" / name).write_text(text, encoding=encoding)
    return src


def test_unknown_table_fails_the_batch(
    tmp_path: Path, existing: tuple[Path, str], capsys: pytest.CaptureFixture
) -> None:
    db, before = existing
    src = _month_with(tmp_path, "贫困户名单.csv", "户编号\n1\n")
    code = cli(["ingest", str(src), "--db", str(db), "--report", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "贫困户名单.csv" in err and "unknown table" in err
    assert sha(db) == before
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["ok"] is False


def test_missing_required_column_names_file_and_column(tmp_path: Path, existing: tuple[Path, str]) -> None:
    db, before = existing
    headers = [h for h in HOUSEHOLD.headers if h != "户主证件号码"]
    src = _month_with(tmp_path, "户信息_340100.csv", ",".join(headers) + "\n")
    report = ingest(src, db)
    assert not report.ok
    assert report.error["column"] == "户主证件号码" and "户信息_340100.csv" in report.error["file"]
    assert sha(db) == before
    assert not list(db.parent.glob(".warehouse.duckdb.building-*"))


def test_crash_midway_leaves_the_old_warehouse(
    tmp_path: Path, existing: tuple[Path, str], tiny_exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, before = existing
    import fupin.data.ingest as ing

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ing, "_record_batch", boom)
    with pytest.raises(RuntimeError):
        ingest(_one_month(tiny_exports, tmp_path), db)
    assert sha(db) == before
    assert not list(db.parent.glob(".warehouse.duckdb.building-*"))


def test_killed_midway_leaves_the_old_warehouse(tmp_path: Path, existing: tuple[Path, str], tiny_exports: Path) -> None:
    db, before = existing
    src = _one_month(tiny_exports, tmp_path)
    script = (
        "import os, signal, sys; from pathlib import Path; from fupin.data.ingest import ingest\n"
        "def stop(f, m):\n"
        "    if f > 0.7: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"ingest(Path({str(src)!r}), Path({str(db)!r}), progress=stop)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent, check=False)
    assert proc.returncode == -9
    assert sha(db) == before
    duckdb.connect(str(db), read_only=True).execute("select count(*) from stg_household").fetchone()
    # The next run clears what the killed one left and swaps in normally.
    report = ingest(src, db)
    assert report.ok and not list(db.parent.glob(".warehouse.duckdb.building-*"))


def test_dry_run_writes_nothing(tmp_path: Path, tiny_exports: Path) -> None:
    db = tmp_path / "none.duckdb"
    report = ingest(_one_month(tiny_exports, tmp_path), db, dry_run=True)
    assert report.ok and report.rows_read > 0 and not db.exists()


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_read_the_same(tmp_path: Path, encoding: str) -> None:
    src = BAD / "bad_id_check_digit" / "2020-01" / "户信息.csv"
    text = src.read_text(encoding="utf-8")
    p = tmp_path / "户信息.csv"
    p.write_text("某县户信息导出\n" + text, encoding=encoding)
    ef = read_export(p, HOUSEHOLD)
    assert ef.encoding == encoding and ef.header_line == 2
    assert ef.data.column("户主姓名").to_pylist() == ["王二", "王三", "王四"]
    assert ef.data.column("_line").to_pylist() == [3, 4, 5]


def test_a_utf8_row_that_reads_as_gb18030_mojibake_is_caught(tmp_path: Path) -> None:
    """「王三」in UTF-8 is valid GB18030 too (「鐜嬩笁」): the row must not load as mojibake."""
    lines = (BAD / "bad_id_check_digit" / "2020-01" / "户信息.csv").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "户信息.csv"
    p.write_bytes(b"".join((t + "\n").encode("utf-8" if i == 2 else "gb18030") for i, t in enumerate(lines)))
    ef = read_export(p, HOUSEHOLD)
    assert ef.encoding == "gb18030" and ef.bad_encoding_lines == [3]
    assert ef.data.column("户主姓名").to_pylist() == ["王二", "王三", "王四"]  # the row kept, read as UTF-8
    assert ef.data.column("_line").to_pylist() == [2, 3, 4]


def test_xlsx_with_title_row(tmp_path: Path) -> None:
    import pyarrow as pa

    from fupin.data.exportio import write_xlsx

    table = pa.table({h: ["341221100201" if h == "行政区划代码" else "1"] for h in HOUSEHOLD.headers})
    p = tmp_path / "户信息.xlsx"
    write_xlsx(p, table, title="临泉县户信息（演示数据）")
    ef = read_export(p, HOUSEHOLD)
    assert ef.header_line == 3 and ef.data.column("行政区划代码").to_pylist() == ["341221100201"]
    assert ef.data.column("_line").to_pylist() == [4]


def test_cli_generate_and_ingest_tiny(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent))
    out = tmp_path / "ex"
    subprocess.run(
        [sys.executable, "-m", "fupin", "generate", "--scale", "tiny", "--seed", "3", "--out", str(out)],
        check=True,
        env=env,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "fupin", "ingest", str(out), "--db", str(tmp_path / "w.duckdb")],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "rows read" in proc.stdout and (tmp_path / "w.duckdb").exists()


# ------------------------------------------------------------------ undecodable bytes (issue 12, item 10)


def _one_month(tiny_exports: Path, tmp_path: Path, *months: str) -> Path:
    """January (or the months named) of the tiny exports, with their manifest, as an export folder of its own: a
    whole batch, read in a fraction of the six months' time."""
    months = months or ("2020-01",)
    src = tmp_path / f"months-{'-'.join(months)}"
    src.mkdir(parents=True)
    shutil.copy(tiny_exports / "_manifest.json", src / "_manifest.json")
    for month in months:
        shutil.copytree(tiny_exports / month, src / month)
    return src


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _mix(path: Path, encoding: str, other: str, *, after: int) -> tuple[int, list[str]]:
    """Rewrite a CSV in `encoding` with one data row (the first one past `after` bytes) in `other`.

    Returns the file line of that row and the file's lines."""
    lines = _text(path).split("\n")
    out, bad = bytearray(), 0
    for i, line in enumerate(lines):
        enc = encoding
        if not bad and len(out) > after and "," in line:
            enc, bad = other, i + 1
        out += (line + ("\n" if i < len(lines) - 1 else "")).encode(enc)
    path.write_bytes(bytes(out))
    return bad, lines


@pytest.mark.parametrize(("encoding", "other"), [("utf-8", "gb18030"), ("gb18030", "utf-8")])
def test_a_row_in_another_encoding_is_quarantined_not_a_crash(
    tiny_exports: Path, tmp_path: Path, encoding: str, other: str
) -> None:
    src = _one_month(tiny_exports, tmp_path)
    name = "家庭成员_341200.csv"
    line, lines = _mix(src / "2020-01" / name, encoding, other, after=70_000)  # past the 64 KB an upload check reads
    assert line > 300
    report = ingest(src, tmp_path / "w.duckdb", report_path=tmp_path / "r.json")
    assert report.ok, report.error
    f = next(f for f in report.files if f.file.endswith(name))
    data_rows = sum(1 for x in lines[f.header_line :] if x)
    assert f.encoding == encoding and f.rows_read == data_rows
    assert f.quarantined_by_reason == {"bad_encoding": 1} and f.rows_loaded == data_rows - 1
    assert all(x.rows_read == x.rows_loaded + x.rows_quarantined + x.rows_skipped for x in report.files)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    q = con.execute("select line, message, record from quarantine where reason_code = 'bad_encoding'").fetchall()
    assert [(ln, msg) for ln, msg, _ in q] == [(line, f"第{line}行含无法识别的字符（编码混用）")]
    rows = list(csv.reader(lines))
    col = rows[f.header_line - 1].index("姓名")
    assert json.loads(q[0][2])["姓名"] == rows[line - 1][col]  # read in the row's own encoding
    # Every other row keeps its true text (no mojibake): the names read are the file's names, less the bad row.
    names = [
        r[0]
        for r in con.execute(
            "select 姓名 from raw_member where _file = $f and _line <> $l order by _line", {"f": f.file, "l": line}
        ).fetchall()
    ]
    expected = [
        x.split(",")[col].strip('"') for i, x in enumerate(lines[f.header_line :], f.header_line + 1) if x and i != line
    ]
    assert names == expected and len(names) == data_rows - 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])  # with BOM, without (both byte orders)
def test_utf16_is_a_contract_error_with_the_file(
    tmp_path: Path, existing: tuple[Path, str], capsys: pytest.CaptureFixture, encoding: str
) -> None:
    db, before = existing
    text = (BAD / "bad_date" / "2020-01" / "户信息.csv").read_text(encoding="utf-8")
    src = _month_with(tmp_path, "户信息.csv", text, encoding=encoding)
    code = cli(["ingest", str(src), "--db", str(db), "--report", str(tmp_path / "r.json")])
    assert code == 2
    assert "UTF-16" in capsys.readouterr().err
    saved = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert saved["ok"] is False and saved["error"]["file"].endswith("户信息.csv")
    assert saved["error"]["message_cn"] == "文件编码为 UTF-16，请另存为 UTF-8 或 GBK"
    assert sha(db) == before


def test_broken_manifest_is_a_contract_error(
    tmp_path: Path, existing: tuple[Path, str], capsys: pytest.CaptureFixture
) -> None:
    db, before = existing
    src = _month_with(tmp_path, "说明.txt", "")
    (src / "2020-01" / "说明.txt").unlink()
    (src / "_manifest.json").write_text('{"synthetic": true,,\n', encoding="utf-8")
    code = cli(["ingest", str(src), "--db", str(db), "--report", str(tmp_path / "r.json")])
    assert code == 2
    assert "_manifest.json" in capsys.readouterr().err
    err = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["error"]
    assert err["file"].endswith("_manifest.json")
    assert err["message_cn"] == "_manifest.json 无法解析（第1行第20列）：不是有效的 JSON"
    (src / "_manifest.json").write_bytes(b'{"synthetic": "\xff"}')  # not UTF-8
    assert cli(["ingest", str(src), "--db", str(db)]) == 2
    (src / "_manifest.json").write_text("[1, 2]", encoding="utf-8")  # JSON, but not an object
    assert cli(["ingest", str(src), "--db", str(db)]) == 2
    assert sha(db) == before


# ------------------------------------------------------------------ caps before reading (issue 12, item 8)


def _hostile(case: str, tmp_path: Path) -> tuple[str, bytes]:
    from fupin.data.exportio import write_xlsx
    from tests.support.hostile import many_rows, wide_header, xlsx_bomb, xlsx_table

    if case == "million_columns":
        return "户信息.csv", wide_header(1_000_000)
    if case == "201_columns":
        return "户信息.csv", wide_header(176)
    if case == "rows":
        return "户信息.csv", many_rows(101)
    if case == "xlsx_bomb":
        return "户信息.xlsx", xlsx_bomb(60)
    write_xlsx(tmp_path / "x.xlsx", xlsx_table(201, 3))
    return "户信息.xlsx", (tmp_path / "x.xlsx").read_bytes()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("million_columns", "第1行超过 64 KB：表头过长（表头应在前10行内，每行不超过 64 KB）"),
        ("201_columns", "第1行有 201 列，超过 200 列的上限"),
        ("rows", "文件有 101 行数据，超过每个文件 100 行的上限（可按市拆分）"),
        ("xlsx_bomb", "疑似压缩炸弹"),
        ("xlsx_201_columns", "工作表有 201 列，超过 200 列的上限"),
    ],
)
def test_caps_refuse_before_reading(
    tmp_path: Path, existing: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, case: str, message: str
) -> None:
    import time

    db, before = existing
    monkeypatch.setenv("FUPIN_MAX_ROWS_PER_FILE", "100")
    name, data = _hostile(case, tmp_path)
    src = _month_with(tmp_path, "户信息.csv", "")
    (src / "2020-01" / "户信息.csv").unlink()
    (src / "2020-01" / name).write_bytes(data)
    t0 = time.perf_counter()
    code = cli(["ingest", str(src), "--db", str(db), "--report", str(tmp_path / "r.json")])
    assert time.perf_counter() - t0 < 5  # refused before the bytes are parsed (it took 117 s and 9.3 GB)
    assert code == 2
    err = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["error"]
    assert err["file"].endswith(name) and message in err["message_cn"]
    assert sha(db) == before


# ------------------------------------------------------------------ one ingest at a time (issue 12, item 11)

ROOT = Path(__file__).parent.parent


def _cli_ingest(src: Path, db: Path, *, lock_wait: str) -> subprocess.CompletedProcess:
    """`python -m fupin ingest` as an operator runs it, waiting at most `lock_wait` seconds for the lock."""
    cmd = [sys.executable, "-m", "fupin", "ingest", str(src), "--db", str(db), "--lock-wait", lock_wait]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def test_two_ingests_race_one_refuses(tmp_path: Path, existing: tuple[Path, str], tiny_exports: Path) -> None:
    db, before = existing
    gate = tmp_path / "gate"
    first = held_ingest(_one_month(tiny_exports, tmp_path, "2020-05", "2020-06"), db, gate)
    wait_until_building(db, first)
    second = _cli_ingest(_one_month(tiny_exports, tmp_path), db, lock_wait="0")
    gate.touch()  # the first goes on only now: the second met it building
    _, err = first.communicate(timeout=INGEST_BOUND)
    assert first.returncode == 0, err
    assert second.returncode == 3, (second.stdout, second.stderr)
    assert f"another ingest into {db} is running (pid {first.pid}" in second.stderr
    assert sha(db) != before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select months from ingest_batch").fetchone()[0] == ["2020-05", "2020-06"]  # the first's, whole


def test_a_second_ingest_waits_for_the_first(tmp_path: Path, existing: tuple[Path, str], tiny_exports: Path) -> None:
    db, _ = existing
    gate = tmp_path / "gate"
    first = held_ingest(_one_month(tiny_exports, tmp_path, "2020-06"), db, gate)
    wait_until_building(db, first)
    cmd = [sys.executable, "-m", "fupin", "ingest", str(_one_month(tiny_exports, tmp_path)), "--db", str(db)]
    second = subprocess.Popen([*cmd, "--lock-wait", str(INGEST_BOUND)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    wait_for_stderr(second, "waiting for the ingest lock")  # the second waits while the first is held
    assert first.poll() is None
    gate.touch()
    first.communicate(timeout=INGEST_BOUND)
    second.communicate(timeout=INGEST_BOUND)
    assert (first.returncode, second.returncode) == (0, 0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select months from ingest_batch").fetchone()[0] == ["2020-01"]  # the second swapped in last


def test_the_cli_writes_its_report_whatever_happens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import fupin.data.ingest as ing

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ing, "ingest", boom)
    report = tmp_path / "r.json"
    assert cli(["ingest", str(BAD / "bad_date"), "--db", str(tmp_path / "w.duckdb"), "--report", str(report)]) == 1
    assert "Traceback" in capsys.readouterr().err  # the CLI user sees the bug; the page reads the report
    error = json.loads(report.read_text(encoding="utf-8"))["error"]
    assert (
        error["code"] == "internal" and error["message"] == "ingest failed: RuntimeError: disk on fire; nothing changed"
    )


# ------------------------------------------------------------------ raw rows in whole row groups


def test_raw_rows_go_in_whole_row_groups_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of files of two tables, interleaved as the register's months are: every insert into a table that has
    rows is at least a row group (DuckDB logs a smaller one and copies it again at a checkpoint), and the rows end up
    in file order, each with its row id, file and flagged lines."""
    import numpy as np
    import pyarrow as pa

    from fupin.data.exportio import ExportFile
    from fupin.data.ingest import BAD_ENCODING_TABLE, _create_raw, _RawWriter

    monkeypatch.setattr(_RawWriter, "MERGE_ROWS", 4)
    monkeypatch.setattr(_RawWriter, "FLUSH_ROWS", 10)
    con = duckdb.connect()
    con.execute(f"create temp table {BAD_ENCODING_TABLE} (table_name varchar, _row_id bigint)")
    for t in (C.HOUSEHOLD, C.MEMBER):
        _create_raw(con, t)

    def counts() -> dict[str, int]:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("raw_household", "raw_member")}

    def export(t: C.Table, n: int, first_line: int = 2) -> ExportFile:
        col = t.columns[0].cn
        data = pa.table({col: [f"v{i}" for i in range(n)], "_line": np.arange(first_line, first_line + n)})
        return ExportFile(Path("x.csv"), t, "csv", "utf-8", 1, data, [], bad_encoding_lines=[first_line])

    writer = _RawWriter(con)
    row_id, expected = 0, {"raw_household": [], "raw_member": []}
    sizes = [(C.HOUSEHOLD, 3), (C.HOUSEHOLD, 4), (C.MEMBER, 2), (C.HOUSEHOLD, 1), (C.MEMBER, 12), (C.HOUSEHOLD, 6)]
    inserts: list[tuple[str, int, int]] = []  # (table, rows in it before, rows inserted): one a table per add
    for month, (t, n) in enumerate(sizes, start=1):
        before = counts()
        writer.add(export(t, n), f"2020-{month:02d}", f"2020-{month:02d}/{t.cn}.csv", row_id)
        inserts += [(k, before[k], v - before[k]) for k, v in counts().items() if v != before[k]]
        expected[f"raw_{t.en}"] += [(row_id + i, f"2020-{month:02d}/{t.cn}.csv", 2 + i) for i in range(n)]
        row_id += n
    before = counts()
    writer.flush()
    inserts += [(k, before[k], v - before[k]) for k, v in counts().items() if v != before[k]]
    assert len(inserts) >= 3 and all(n >= 4 for _, was, n in inserts if was), inserts
    assert sum(n for _, _, n in inserts) == row_id
    for table, rows in expected.items():
        assert con.execute(f"select _row_id, _file, _line from {table} order by _row_id").fetchall() == rows
    flagged = con.execute(f"select _row_id from {BAD_ENCODING_TABLE} order by 1").fetchall()
    starts = [sum(n for _, n in sizes[:i]) for i in range(len(sizes))]
    assert [r for (r,) in flagged] == starts  # each file's first line
