"""数据导入 view: the months offered, the upload checks table, and the dry run's report as the page shows it
(tiles equal the report's files, the quarantine table equals the importer's examples)."""

from __future__ import annotations

from pathlib import Path

from fupin.data import importer
from fupin.data.importer import Upload
from fupin.views import import_data as import_view
from tests.support.views import selection
from tests.test_import import MONTH, site  # noqa: F401  (the fixture)


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


def test_report_equals_the_dry_run(site: tuple[Path, Path, list[Upload]]) -> None:  # noqa: F811
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
