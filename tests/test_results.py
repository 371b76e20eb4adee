"""The aggregate results shared by a host's app processes (fupin/warehouse/results.py): what is read back equals
what the warehouse says, column types included; a damaged file is computed again; another warehouse file gets its
own folder and the old ones are pruned; household rows are never written; a worker's warm-up starts at its share."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fupin.access.scope import Viewer
from fupin.warehouse import queries, results
from fupin.warehouse.connection import batch_info, file_identity

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
SIMPLE = {"month", "area_prefix", "scope_prefix"}  # queries that take only these are checked one by one
CITY = Viewer("阜阳市用户", "analyst", "city", "341200")


def _never() -> pd.DataFrame:
    raise AssertionError("computed again: the shared result was not read")


def test_every_aggregate_reads_back_equal(tiny_db: Path, tmp_path: Path) -> None:
    """Each aggregate query's result, written and read back, equals a fresh run: values, column names and types
    (dates, decimals, strings, nulls) — a page drawn from the other process's file shows the same numbers."""
    con = duckdb.connect(str(tiny_db), read_only=True)
    batch = batch_info(con)
    month = pd.Timestamp(batch.newest_first[1] + "-01").date()  # not the newest: a month with history before it
    home = tmp_path / "w.duckdb"  # where the results folder goes (the file itself is not read)
    gen = results.generation(batch.batch_id, (1, 2))
    names = [
        p.stem
        for p in sorted(QUERY_DIR.glob("*.sql"))
        if p.stem not in queries.HOUSEHOLD_ROWS and queries.load(p.stem).params <= SIMPLE
    ]
    assert len(names) >= 20
    for name in names:
        params = {k: v for k, v in {"month": month, "area_prefix": "3412"}.items() if k in queries.load(name).params}
        fresh = queries.run(con, name, CITY, **params)
        key = results.key_of(name, queries.load(name).sql, CITY.role, CITY.scope_code, sorted(params.items()))
        first = results.cached(home, gen, key, lambda n=name, p=params: queries.run(con, n, CITY, **p))
        again = results.cached(home, gen, key, _never)
        pd.testing.assert_frame_equal(first, fresh, obj=name)
        pd.testing.assert_frame_equal(again, fresh, obj=name)
    assert len(list(results.folder(home, gen).glob("*.arrow"))) == len(names)
    assert not list(results.folder(home, gen).glob(".tmp-*"))  # every write was renamed into place


def test_a_damaged_file_is_computed_again_and_replaced(tmp_path: Path) -> None:
    home, gen, key = tmp_path / "w.duckdb", "b-1-2", results.key_of("x")
    df = pd.DataFrame({"county_code": ["341221", "341222"], "n": [3, None]})
    results.cached(home, gen, key, lambda: df)
    path = results.folder(home, gen) / f"{key}.arrow"
    path.write_bytes(path.read_bytes()[:40])  # cut short
    pd.testing.assert_frame_equal(results.cached(home, gen, key, lambda: df), df)
    pd.testing.assert_frame_equal(results.cached(home, gen, key, _never), df)  # the whole file is back


def test_another_file_has_its_own_folder_and_old_ones_are_pruned(tmp_path: Path) -> None:
    home = tmp_path / "w.duckdb"
    old, new = results.generation("batch1", (10, 20)), results.generation("batch1", (11, 30))  # same batch, re-ingested
    assert old != new
    results.cached(home, old, "k", lambda: pd.DataFrame({"a": [1]}))
    assert results.cached(home, new, "k", lambda: pd.DataFrame({"a": [2]}))["a"].tolist() == [2]
    assert results.prune(home, new) == 1
    assert [d.name for d in results.folder(home, new).parent.iterdir()] == [new]
    assert results.generation("../../etc", (1, 2)).count("/") == 0  # a batch id never names a folder outside


def test_off_computes_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_RESULTS", "off")
    home = tmp_path / "w.duckdb"
    for n in (1, 2):
        assert results.cached(home, "g", "k", lambda n=n: pd.DataFrame({"a": [n]}))["a"].tolist() == [n]
    assert not results.folder(home, "g").exists()


@pytest.mark.xdist_group("test_results_connection")
def test_the_app_shares_aggregates_but_not_household_rows(
    tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the app's query cache: an aggregate lands in the shared folder, a list of households does not, and a
    process whose memory cache is empty (another worker) reads the aggregate instead of asking the warehouse."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_db, db)
    c = importlib.import_module("fupin.ui.connection")
    monkeypatch.setenv("FUPIN_DB", str(db))
    c._aggregate_query.clear()
    batch = c.current_batch()
    month = pd.Timestamp(batch.newest_first[0] + "-01").date()
    analyst = Viewer("", "analyst", "province", "340000")
    ran: list[str] = []
    real = queries.run
    monkeypatch.setattr(queries, "run", lambda con, name, viewer, **p: ran.append(name) or real(con, name, viewer, **p))
    agg = c.query("county_metrics_month", analyst, batch.batch_id, month=month)
    c.query("month_check_records", analyst, batch.batch_id, month=month, area_prefix="", kind="red_new")
    folder = results.folder(db, results.generation(batch.batch_id, file_identity(db)))
    assert len(list(folder.glob("*.arrow"))) == 1  # the aggregate only
    c._aggregate_query.clear()  # as another process would start: nothing in memory
    ran.clear()
    pd.testing.assert_frame_equal(c.query("county_metrics_month", analyst, batch.batch_id, month=month), agg)
    assert ran == []
    c._aggregate_query.clear()


def test_each_worker_warms_its_share_first(monkeypatch: pytest.MonkeyPatch) -> None:
    c = importlib.import_module("fupin.ui.connection")
    scopes = c.warm_scopes()
    firsts = []
    for i in range(2):
        monkeypatch.setenv("FUPIN_WORKER", str(i))
        monkeypatch.setenv("FUPIN_WORKERS", "2")
        mine = c._my_share_first(scopes)
        assert sorted(v.scope_code + v.role for v in mine) == sorted(v.scope_code + v.role for v in scopes)
        firsts.append(mine[0])
    assert firsts == [scopes[0], scopes[len(scopes) // 2]]
