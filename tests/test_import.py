"""数据导入: uploads are checked before anything is staged; the dry run builds a candidate with the CLI's
ingest and reports quarantined rows with their reasons; commit swaps it in; a bad file changes nothing."""

from __future__ import annotations

import html
import io
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from fupin.data import importer
from fupin.data.importer import Upload
from fupin.data.ingest import ingest
from fupin.warehouse.connection import file_identity
from tests.conftest import IMPORT_MONTH as MONTH


def _months(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return list(con.execute("select months from ingest_batch").fetchone()[0])
    finally:
        con.close()


def _xlsx_zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # a fixed time: the bytes are in the test's id, which every xdist worker
        # must collect alike (a worker that built it a second later collected another id, and the run stopped)
        z.writestr(zipfile.ZipInfo("photos/1.jpg", date_time=(2020, 6, 1, 0, 0, 0)), b"\xff\xd8\xff")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("户信息.jpg", b"\xff\xd8\xff\xe0JFIF", "不支持的文件类型「.jpg」"),
        ("户信息.zip", b"PK\x03\x04", "不支持的文件类型「.zip」"),
        ("户信息", b"a,b", "无扩展名"),
        ("户信息.csv", b"", "文件为空"),
        ("户信息.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本格式的 CSV"),
        ("户信息.xlsx", b"\x89PNG\r\n\x1a\n", "不是有效的 XLSX"),
        ("户信息.xlsx", _xlsx_zip_without_workbook(), "压缩包，不是 Excel 工作簿"),
        ("户信息.xlsx", b"PK\x03\x04garbage", "已损坏"),
        ("照片.csv", "行政区划代码\n1".encode(), "文件名不对应任何导出表"),
        ("户信息.csv", b"\xff\xfe\xfd" * 10, "编码无法识别"),
    ],
)
def test_not_an_export_is_refused_with_a_chinese_reason(name: str, data: bytes, message: str) -> None:
    check = importer.check_file(Upload(name, data))
    assert check.error and message in check.error


def test_upload_limits() -> None:
    ok = Upload("户信息.csv", "行政区划代码,户编号\n".encode())
    assert importer.check_file(ok).error is None and importer.check_file(ok).table == "户信息"
    big = Upload("户信息.csv", b"x" * (2 * 1024 * 1024))
    assert "超过 1 MB" in (importer.check_file(big, max_mb=1).error or "")
    _, problems = importer.check_uploads([ok] * 3, max_files=2)
    assert any("最多导入 2 个文件" in p for p in problems) and any("文件重名" in p for p in problems)
    _, problems = importer.check_uploads([])
    assert problems == ["请选择要导入的文件"]
    _, problems = importer.check_uploads([ok, Upload("a.png", b"\x89PNG")])
    assert any("1 个文件不能导入" in p for p in problems)


def test_dry_run_then_commit(site: tuple[Path, Path, list[Upload]], tiny_exports: Path, tmp_path: Path) -> None:
    store, db, uploads = site
    before = file_identity(db)
    assert MONTH not in _months(db)
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    assert not staged.missing_tables and not staged.replaces_month
    report = importer.dry_run(staged)
    assert report.ok, report.error
    assert file_identity(db) == before and MONTH not in _months(db)  # the dry run changed nothing
    june = [f for f in report.files if f.month == MONTH]
    assert len(june) == len(uploads)
    assert sum(f.rows_read for f in june) == sum(f.rows_loaded + f.rows_quarantined + f.rows_skipped for f in june)
    importer.commit(staged, db)
    assert file_identity(db) != before and _months(db)[-1] == MONTH
    assert (store / MONTH).is_dir() and not staged.folder.exists()
    same = tmp_path / "same-exports"  # the generator's own files of the store's months
    for month in sorted(p.name for p in store.iterdir() if p.is_dir()):
        shutil.copytree(tiny_exports / month, same / month)
    cli = ingest(same, db.parent / "cli.duckdb", dry_run=True)  # the CLI over the same exports
    assert cli.batch_id == report.batch_id  # the same batch: same files, same reference data


def test_quarantine_by_reason_with_examples(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    target = next(u for u in uploads if u.name.startswith("户信息"))
    try:
        text = target.data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        text = target.data.decode("gb18030").splitlines()  # the exports come in both encodings
    line = next(i for i, t in enumerate(text) if t.startswith('"34'))  # the first data row (after title, header)
    row = text[line].split(",")
    row[3] = row[3][:-2] + ("0" if row[3][-2] != "0" else "1") + '"'  # the check digit no longer matches
    text[line] = ",".join(row)
    bad = Upload(target.name, ("\ufeff" + "\n".join(text) + "\n").encode("utf-8"))
    staged = importer.stage(
        [bad if u is target else u for u in uploads], MONTH, store, importer.staging_root(db), db=db
    )
    report = importer.dry_run(staged)
    assert report.ok
    examples = importer.quarantine_examples(staged)
    hit = [e for e in examples if e["表"] == "户信息" and e["原因"] == "身份证号码格式或校验位错误"]
    assert hit and hit[0]["行数"] >= 1
    assert f"{MONTH}/{target.name} 第{line + 1}行" in hit[0]["示例"]
    importer.discard(staged)
    assert not staged.folder.exists()


def test_a_file_that_breaks_the_contract_changes_nothing(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    before = file_identity(db)
    garbage = Upload("户信息_补报.csv", "名字,年龄\n张三,3\n".encode())
    staged = importer.stage([*uploads, garbage], MONTH, store, importer.staging_root(db), db=db)
    report = importer.dry_run(staged)
    assert not report.ok
    assert "户信息" in report.error["message_cn"] and "表头" in report.error["message_cn"]
    with pytest.raises(importer.CommitError, match="请先完成预检"):
        importer.commit(staged, db)
    assert file_identity(db) == before and not (store / MONTH).exists()


def test_partial_month_and_a_stale_dry_run(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    only_households = [u for u in uploads if u.name.startswith("户信息")]
    staged = importer.stage(only_households, "2020-05", store, importer.staging_root(db), db=db)
    assert staged.replaces_month and "监测记录" in staged.missing_tables
    assert importer.dry_run(staged).ok
    assert ingest(store, db).ok  # someone else ingested meanwhile
    with pytest.raises(importer.CommitError, match="请重新预检"):
        importer.commit(staged, db)


def test_abandoned_dry_runs_are_cleaned_up(site: tuple[Path, Path, list[Upload]]) -> None:
    import os

    store, db, uploads = site
    old = importer.stage(uploads[:1], MONTH, store, importer.staging_root(db), db=db)
    day_ago = old.folder.stat().st_mtime - 25 * 3600
    os.utime(old.folder, (day_ago, day_ago))
    fresh = importer.stage(uploads[:1], MONTH, store, importer.staging_root(db), db=db)  # cleans on the way
    assert not old.folder.exists() and fresh.folder.exists()


# ------------------------------------------------------------------ issue 12, item 10: undecodable bytes


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_upload_is_refused_with_the_reason(encoding: str) -> None:
    check = importer.check_file(Upload("户信息.csv", "行政区划代码,户编号\n341221100201,1\n".encode(encoding)))
    assert check.error == "文件编码为 UTF-16，请另存为 UTF-8 或 GBK"


def test_a_failed_dry_run_is_removed_and_audited(site: tuple[Path, Path, list[Upload]]) -> None:
    from fupin.access import audit
    from fupin.access.scope import Viewer

    store, db, uploads = site
    before = file_identity(db)
    first = next(u for u in uploads if u.name.endswith(".csv") and u.data.startswith(b"\xef\xbb\xbf"))  # a UTF-8 one
    utf16 = Upload(first.name, first.data.decode("utf-8-sig").encode("utf-16"))  # past the upload check somehow
    staged = importer.stage(
        [utf16, *[u for u in uploads if u is not first]], MONTH, store, importer.staging_root(db), db=db
    )
    report = importer.dry_run(staged)
    assert not report.ok
    message = importer.failure_message(report)
    assert message.startswith("预检未通过，未做任何改动：") and "UTF-16" in message and first.name in message
    assert "/" not in message  # no server paths
    admin = Viewer.province(name="测试管理员")
    importer.record_failure(staged, admin, message, files=[u.name for u in uploads])
    assert not staged.folder.exists() and file_identity(db) == before
    row = audit.rows(limit=1)[0]
    assert (row["viewer"], row["action"]) == ("测试管理员", "import_failed")
    filters = json.loads(row["filters"])
    assert filters["month"] == MONTH and filters["message"] == message and len(filters["files"]) == len(uploads)


# ------------------------------------------------------------------ issue 12, item 8: caps before reading


def _xlsx_bytes(tmp_path: Path, columns: int, rows: int) -> bytes:
    from fupin.data.exportio import write_xlsx
    from tests.support.hostile import xlsx_table

    p = tmp_path / "户信息.xlsx"
    write_xlsx(p, xlsx_table(columns, rows))
    return p.read_bytes()


def test_a_million_column_header_is_refused_at_once() -> None:
    import time

    from tests.support.hostile import wide_header

    data = wide_header(1_000_000)
    assert len(data) > 9_000_000
    t0 = time.perf_counter()
    check = importer.check_file(Upload("户信息.csv", data))
    assert time.perf_counter() - t0 < 1.0
    assert check.error == "第1行超过 64 KB：表头过长（表头应在前10行内，每行不超过 64 KB）"


def test_upload_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.hostile import many_rows, wide_header, xlsx_bomb

    assert importer.check_file(Upload("户信息.csv", wide_header(175))).error is None  # 200 columns: the cap
    assert importer.check_file(Upload("户信息.csv", wide_header(176))).error == "第1行有 201 列，超过 200 列的上限"
    monkeypatch.setenv("FUPIN_MAX_ROWS_PER_FILE", "100")
    assert importer.check_file(Upload("户信息.csv", many_rows(100))).error is None
    too_many = "文件有 101 行数据，超过每个文件 100 行的上限（可按市拆分）"
    assert importer.check_file(Upload("户信息.csv", many_rows(101))).error == too_many
    bomb = xlsx_bomb(60)
    assert len(bomb) < 200_000
    error = importer.check_file(Upload("户信息.xlsx", bomb)).error or ""
    assert error.startswith("XLSX 解压后 60 MB，是文件大小的") and error.endswith("倍（上限 20 倍），疑似压缩炸弹")
    monkeypatch.setenv("FUPIN_XLSX_MAX_MB", "1")
    plain = _xlsx_bytes(tmp_path, 25, 2000)  # ≈3 MB of sheet, an ordinary ratio
    assert importer.check_file(Upload("户信息.xlsx", plain)).error == "XLSX 解压后 3 MB，超过 1 MB 的上限"
    monkeypatch.delenv("FUPIN_XLSX_MAX_MB")
    assert (
        importer.check_file(Upload("户信息.xlsx", plain)).error
        == "文件有 2,000 行数据，超过每个文件 100 行的上限（可按市拆分）"
    )
    wide = _xlsx_bytes(tmp_path, 201, 3)
    assert importer.check_file(Upload("户信息.xlsx", wide)).error == "工作表有 201 列，超过 200 列的上限"


# ------------------------------------------------------------------ issue 12, item 9: name collisions


def test_same_base_name_from_two_folders_is_refused(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    visits = next(u for u in uploads if u.name == "走访记录_341200.csv")
    a, b = Upload(f"a/{visits.name}", visits.data), Upload(f"b/{visits.name}", visits.data)
    _, problems = importer.check_uploads([a, b])
    assert "文件重名（不同文件夹中的同名文件会互相覆盖，请改名后再导入）：走访记录_341200.csv" in problems
    _, problems = importer.check_uploads([Upload("户信息.CSV", b"x"), Upload("c:\\exports\\户信息.csv", b"y")])
    assert any(p.startswith("文件重名") and "户信息.csv" in p.casefold() for p in problems)
    with pytest.raises(importer.StageError, match="文件重名"):
        importer.stage([a, b], MONTH, store, importer.staging_root(db), db=db)
    assert not list(importer.staging_root(db).glob("import-*"))  # nothing half-staged


def test_every_uploaded_file_reaches_the_report_unchanged(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    victim = staged.folder / "exports" / MONTH / uploads[0].name
    victim.write_bytes(uploads[0].data[: len(uploads[0].data) // 2])  # changed after staging
    report = importer.dry_run(staged)
    assert not report.ok
    assert report.error["message_cn"] == f"预检读取的文件与上传的不一致：{uploads[0].name}（大小或内容不同）"
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    (staged.folder / "exports" / MONTH / uploads[1].name).unlink()  # lost after staging
    report = importer.dry_run(staged)
    assert not report.ok and report.error["message_cn"] == f"预检读取的文件与上传的不一致：{uploads[1].name}（未读到）"


# ------------------------------------------------------------------ issue 12, item 11: one writer per warehouse


def test_commit_waits_for_the_lock_and_then_sees_the_change(site: tuple[Path, Path, list[Upload]]) -> None:
    from tests.support.processes import INGEST_BOUND, held_ingest, wait_until_building

    store, db, uploads = site
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    assert importer.dry_run(staged).ok
    gate = db.parent / "gate"
    other = held_ingest(store, db, gate)  # a CLI ingest of the store, in a process of its own, held building
    wait_until_building(db, other)
    with pytest.raises(
        importer.CommitError, match=r"^另一个导入正在写入数据仓库（进程 \d+，开始于 .+），请稍后再提交$"
    ):
        importer.commit(staged, db, lock_wait=0.5)
    assert not (store / MONTH).exists()  # nothing moved while it waited
    gate.touch()
    other.communicate(timeout=INGEST_BOUND)
    assert other.returncode == 0
    with pytest.raises(importer.CommitError, match="请重新预检"):  # checked under the lock: the warehouse changed
        importer.commit(staged, db)
    assert MONTH not in _months(db) and not (store / MONTH).exists()


# ------------------------------------------------------------------ issue 12, item 8: the dry run out of the server


def test_the_dry_run_is_a_capped_process_of_its_own(site: tuple[Path, Path, list[Upload]]) -> None:
    import os
    import time

    store, db, uploads = site
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    job = importer.start_dry_run(staged, memory_mb=3000)
    assert job.proc is not None and job.proc.pid != os.getpid()
    limits = Path(f"/proc/{job.proc.pid}/limits")
    seen: set[tuple[float, str]] = set()
    address_space, niceness = "", None
    while job.running():
        seen.add(job.progress())
        if len(seen) > 1 and not address_space:  # reading the exports: the cap was set before anything loaded
            address_space = next((x for x in limits.read_text().splitlines() if x.startswith("Max address space")), "")
            niceness = os.getpriority(os.PRIO_PROCESS, job.proc.pid)
        time.sleep(0.05)
    assert address_space.split()[3:5] == [str(3000 * 1024 * 1024)] * 2  # soft and hard, in the child
    assert niceness == min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)  # below the app's priority (FUPIN_IMPORT_NICE)
    report = importer.finish_dry_run(job)
    assert report.ok and staged.report is report
    assert job.progress() == (1.0, "完成")
    assert any(0 < f < 1 and m.startswith(("读取", "校验")) for f, m in seen)  # the page had something to show
    assert {Path(f.file).name for f in report.files if f.month == MONTH} == {u.name for u in uploads}


def test_a_dry_run_out_of_memory_is_a_chinese_message(site: tuple[Path, Path, list[Upload]]) -> None:
    from fupin.access import audit
    from fupin.access.scope import Viewer

    store, db, uploads = site
    before = file_identity(db)
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    report = importer.dry_run(staged, memory_mb=450)  # the tiny exports need more than that
    assert not report.ok and report.error["code"] == "out_of_memory"
    message = importer.failure_message(report)
    assert message == (
        "预检未通过，未做任何改动：所需内存超过导入进程的上限（450 MB），导入进程已停止：请把大文件按市拆分后重试，"
        "或请管理员调高 FUPIN_INGEST_MEMORY_MB"
    )
    importer.record_failure(staged, Viewer.province(name="测试管理员"), message, files=list(staged.uploaded))
    assert not staged.folder.exists() and file_identity(db) == before
    assert audit.rows(limit=1)[0]["action"] == "import_failed"


@pytest.mark.parametrize("memory_mb", [4096, 450])
def test_the_import_page_follows_the_process(
    site: tuple[Path, Path, list[Upload]], monkeypatch: pytest.MonkeyPatch, memory_mb: int
) -> None:
    import time

    from tests.conftest import app_test

    store, db, uploads = site
    before = file_identity(db)
    monkeypatch.setenv("FUPIN_DB", str(db))
    monkeypatch.setenv("FUPIN_EXPORTS", str(store))
    at = app_test("admin")
    at.run()
    at.switch_page("app_pages/import_data.py").run()
    staged = importer.stage(uploads, MONTH, store, importer.staging_root(db), db=db)
    job = importer.start_dry_run(staged, memory_mb=memory_mb)
    at.session_state["imp_job"] = job  # what the 预检 button does with the uploads (AppTest cannot upload)
    at.run()
    if job.running():
        assert at.get("progress") and any("独立的导入进程中运行" in c.value for c in at.caption)
    while job.running():
        time.sleep(0.2)
    at.run()
    assert not at.exception
    if memory_mb == 4096:
        assert [s.value for s in at.subheader] == ["预检结果 · 2020年6月"]
        read = sum(f.rows_read for f in staged.report.files if f.month == MONTH)
        assert at.metric[1].label == "读取行数" and at.metric[1].value == f"{read:,}"
    else:
        assert [html.unescape(e.value) for e in at.error] == [
            "预检未通过，未做任何改动：所需内存超过导入进程的上限（450 MB），导入进程已停止：请把大文件按市拆分后重试，"
            "或请管理员调高 FUPIN_INGEST_MEMORY_MB"
        ]  # shown through md_escape: exactly this text on the page
        assert not staged.folder.exists() and "imp_job" not in at.session_state
    assert file_identity(db) == before


def test_what_counts_as_out_of_memory() -> None:
    """Library messages that mean memory ran out are recognised; a C extension's error without an exception counts
    only in a process that ran under the cap (elsewhere it is a bug to report, not a memory message)."""
    from fupin.data.memory import looks_out_of_memory

    assert looks_out_of_memory("duckdb.OutOfMemoryException: Out of Memory Error: failed to allocate data of size 2MB")
    assert looks_out_of_memory("OSError: libarrow.so: failed to map segment from shared object")
    assert not looks_out_of_memory("ValueError: invalid literal for int() with base 10: 'x'")
    c_failure = "SystemError: error return without exception set"
    assert looks_out_of_memory(c_failure, capped=True)
    assert not looks_out_of_memory(c_failure)
