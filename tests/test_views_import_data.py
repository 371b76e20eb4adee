"""数据导入 view: the months offered, the upload checks table, the dry run's report as the page shows it
(tiles equal the report's files, the quarantine table equals the importer's examples), and the page's steps
(`Flow`) over a plain dict standing in for the session: refused uploads, 预检 → report → 确认提交, 取消预检."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fupin.access import audit
from fupin.access.scope import Viewer
from fupin.data import importer
from fupin.data.importer import Upload
from fupin.views import import_data as import_view
from tests.conftest import IMPORT_MONTH as MONTH
from tests.support.views import selection

ADMIN = Viewer.province(name="测试管理员")


def test_months_offer_the_next_one(tiny_db: Path) -> None:
    assert import_view.months(selection(tiny_db)) == [
        "2020-07",
        "2020-06",
        "2020-05",
        "2020-04",
        "2020-03",
        "2020-02",
        "2020-01",
    ]


def test_checks_table_labels() -> None:
    checks, problems = importer.check_uploads([Upload("说明.txt", b"x"), Upload("户信息.csv", b"a,b\n1,2\n")])
    t = import_view.checks_table(checks).frame
    assert list(t.columns) == ["文件", "大小(KB)", "识别为", "问题"]
    assert list(t["文件"]) == ["说明.txt", "户信息.csv"] and problems
    assert t.iloc[1]["识别为"] == "户信息"


def test_report_equals_the_dry_run(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    staged = importer.stage(uploads[:-1], MONTH, store, importer.staging_root(db), db=db)
    staged.report = importer.dry_run(staged)
    assert staged.report.ok
    rv = import_view.report(staged)
    june = [f for f in staged.report.files if f.month == MONTH]
    assert [t.value for t in rv.tiles] == [
        str(len(june)),
        f"{sum(f.rows_read for f in june):,}",
        f"{sum(f.rows_loaded for f in june):,}",
        f"{sum(f.rows_quarantined for f in june):,}",
        f"{sum(f.rows_skipped for f in june):,}",
    ]
    assert list(rv.files.frame["读取"]) == [f.rows_read for f in june]
    frame = rv.files.frame  # read = loaded + quarantined + skipped, file by file, as the table shows it
    assert (frame["读取"] == frame["入库"] + frame["隔离"] + frame["跳过"]).all()
    assert rv.files.frame.columns[0] == "文件" and rv.heading == "预检结果 · 2020年6月"
    assert len(rv.warnings) == 1 and "本月未上传以下表" in rv.warnings[0]  # one table left out
    examples = importer.quarantine_examples(staged)
    assert (rv.quarantine is None) == (not examples)
    importer.discard(staged)
    assert (rv.notes is None) == (not importer.file_notes(june))


def _wait(job: importer.DryRunJob) -> None:
    deadline = time.monotonic() + 120
    while job.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not job.running()


def test_flow_refuses_a_photo_and_stages_nothing(site: tuple[Path, Path, list[Upload]]) -> None:
    _, db, _ = site
    state: dict[str, object] = {}
    flow = import_view.Flow(state, ADMIN, db)
    flow.start([Upload("户信息.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)], MONTH)
    assert len(flow.problems) == 1 and "1 个文件不能导入" in flow.problems[0]
    assert flow.job is None and flow.staged is None and not flow.busy
    assert "不支持的文件类型「.jpg」" in import_view.checks_table(flow.checks).frame["问题"].iloc[0]
    assert not importer.staging_root(db).exists() or not any(importer.staging_root(db).iterdir())


def test_flow_dry_run_then_commit(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    state: dict[str, object] = {"imp_problems": ["an earlier refusal"]}
    flow = import_view.Flow(state, ADMIN, db)
    flow.start(uploads, MONTH)
    assert flow.problems == [] and flow.job is not None and flow.busy
    fraction, text, caption = import_view.progress(flow.job)
    assert 0 <= fraction <= 1 and text.startswith("预检中：") and "独立的导入进程" in caption
    _wait(flow.job)
    flow.finish()
    assert flow.job is None and flow.staged is not None and flow.staged.report.ok
    row = audit.rows(1)[0]
    assert (row["action"], row["viewer"], json.loads(row["filters"])["month"]) == (
        "import_dry_run",
        "测试管理员",
        MONTH,
    )
    assert flow.uploader_key == "imp_files_0" and not (store / MONTH).exists()  # nothing committed yet
    batch = flow.staged.report.batch_id
    assert flow.commit() is None
    assert (store / MONTH).is_dir() and flow.staged is None and not flow.checks
    assert flow.uploader_key == "imp_files_1"  # the file picker starts empty
    assert flow.pop_message("done") == f"已提交：数据批次 {batch}，2020年6月。各页面已使用新数据。"
    assert flow.pop_message("done") is None  # shown once
    assert audit.rows(1)[0]["action"] == "import_commit"


def test_flow_cancel_removes_the_staging_and_audits(site: tuple[Path, Path, list[Upload]]) -> None:
    store, db, uploads = site
    flow = import_view.Flow({}, ADMIN, db)
    flow.start(uploads, MONTH)
    staged = flow.job.staged
    flow.cancel()
    assert flow.job is None and not flow.busy and not staged.folder.exists()
    assert flow.pop_message("failed") == "预检已取消，未做任何改动。"
    row = audit.rows(1)[0]
    assert row["action"] == "import_failed" and json.loads(row["filters"])["message"] == "预检已取消，未做任何改动。"
    assert not (store / MONTH).exists()
