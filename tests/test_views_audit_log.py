"""审计日志 view: counts and rows equal the audit store, filters narrow the rows, labels are Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fupin.access import audit, store
from fupin.views import audit_log
from tests.support.views import LINQUAN, selection


@pytest.fixture()
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    store.reset()
    for hid in ("3412211002010001", "3412211002010002"):
        audit.record(LINQUAN, "household_detail", household_id=hid, filters={"month": "2020-06"}, row_count=1)
    audit.record(LINQUAN, "export_xlsx", filters={"area": "341221"}, row_count=1234, unmasked=True)
    yield
    store.reset()


def test_counts_and_rows_equal_the_store(log: None, tiny_db: Path) -> None:
    v = audit_log.view(selection(tiny_db))
    found, counts = audit.search()
    assert [t.value for t in v.tiles] == [str(sum(counts.values())), "2", "1"] == ["3", "2", "1"]
    t = v.table.frame
    assert list(t.columns) == ["时间", "用户", "角色", "范围", "操作", "户编号", "筛选条件", "行数", "未脱敏"]
    assert len(t) == len(found) == 3 and set(t["用户"]) == {"临泉县用户"}
    export = t[t["操作"] == "导出预警户工作单"].iloc[0]
    assert (export["行数"], export["未脱敏"], export["户编号"]) == ("1,234", "是", "")
    assert not v.problems and v.note is None


def test_filters_narrow_the_rows(log: None, tiny_db: Path) -> None:
    sel = selection(tiny_db)
    one = audit_log.view(sel, household_id=" 3412211002010002 ")
    assert list(one.table.frame["户编号"]) == ["3412211002010002"]
    assert one.filters["household_id"] == "3412211002010002"
    exports = audit_log.view(sel, actions=["export_xlsx"])
    assert list(exports.table.frame["操作"]) == ["导出预警户工作单"]
    today = dt.date.today()
    past = audit_log.view(sel, dates=(today - dt.timedelta(days=9), today - dt.timedelta(days=3)))
    assert past.table.frame.empty and past.tiles[0].value == "0"
    assert audit_log.view(sel, who="省级").table.frame.empty


def test_default_dates_are_the_last_30_days() -> None:
    assert audit_log.default_dates(dt.date(2020, 6, 30)) == (dt.date(2020, 5, 31), dt.date(2020, 6, 30))
