"""The aggregate query results a process keeps (fupin/ui/connection.py `_Aggregates`): one computation per key, a
reader's changes stay in its copy, and the memory held is bounded."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from fupin.access.scope import Viewer

c = importlib.import_module("fupin.ui.connection")  # fupin.ui.connection is also a function's name

PROVINCE = Viewer(name="", role="analyst", scope_level="province", scope_code="340000")
COUNTY = Viewer(name="", role="analyst", scope_level="county", scope_code="341221")


@pytest.fixture()
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []

    def run(name: str, viewer: Viewer, batch_id: str, **params: object) -> pd.DataFrame:
        calls.append((name, viewer.scope_code, batch_id, params))
        n = int(params.get("rows", 3))  # type: ignore[call-overload]
        return pd.DataFrame({"county_name": [f"县{i}" for i in range(n)], "households": range(n)})

    monkeypatch.setattr(c._Aggregates, "_run", staticmethod(run))
    return calls


def test_one_computation_per_query_scope_batch_and_parameters(ran: list[tuple]) -> None:
    cache = c._Aggregates()
    first = cache("q", PROVINCE, "b1", month="2020-06-01")
    assert cache("q", PROVINCE, "b1", month="2020-06-01").equals(first) and len(ran) == 1
    cache("q", COUNTY, "b1", month="2020-06-01")
    cache("q", PROVINCE, "b2", month="2020-06-01")
    cache("q", PROVINCE, "b1", month="2020-05-01")
    cache("other", PROVINCE, "b1", month="2020-06-01")
    assert len(ran) == 5 and cache.size()[0] == 5


def test_a_readers_changes_stay_in_its_copy(ran: list[tuple]) -> None:
    cache = c._Aggregates()
    mine = cache("q", PROVINCE, "b1")
    mine["share"] = mine["households"] / 2
    mine.loc[0, "households"] = 999
    mine.loc[1, "county_name"] = "改过"
    again = cache("q", PROVINCE, "b1")
    assert list(again.columns) == ["county_name", "households"]
    assert again["households"].tolist() == [0, 1, 2] and again["county_name"].tolist() == ["县0", "县1", "县2"]
    assert len(ran) == 1


def test_the_memory_held_is_bounded_least_recently_read_first(
    ran: list[tuple], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = c._Aggregates()
    one = int(cache("q", PROVINCE, "b1", rows=20_000).memory_usage(index=True, deep=False).sum())
    monkeypatch.setattr(c, "AGGREGATES_MB", 3 * one / 2**20 + 0.001)  # room for three such results
    cache("q", COUNTY, "b1", rows=20_000)
    cache("q", PROVINCE, "b1", rows=20_000)  # read again: now the most recent
    cache("q", PROVINCE, "b2", rows=20_000)
    cache("q", PROVINCE, "b3", rows=20_000)  # a fourth: the least recently read (the county's) goes
    entries, held = cache.size()
    assert entries == 3 and held <= 3 * one
    cache("q", PROVINCE, "b1", rows=20_000)
    assert len(ran) == 4  # still held
    cache("q", COUNTY, "b1", rows=20_000)
    assert len(ran) == 5  # was evicted
    monkeypatch.setattr(c, "AGGREGATES_MAX", 2)
    cache("q", PROVINCE, "b4")
    assert cache.size()[0] == 2
