"""Shared fixtures: the tiny synthetic dataset, generated and ingested once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from fupin.generate import generate
from fupin.ingest import IngestReport, ingest

SEED = 7


@pytest.fixture(scope="session")
def tiny_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports") / "tiny"
    generate(scale="tiny", seed=SEED, out=out)
    return out


@pytest.fixture(scope="session")
def tiny_ingest(tiny_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestReport]:
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    report = ingest(tiny_exports, db, report_path=db.with_suffix(".json"))
    assert report.ok, report.error
    return db, report


@pytest.fixture(scope="session")
def tiny_db(tiny_ingest: tuple[Path, IngestReport]) -> Path:
    return tiny_ingest[0]


@pytest.fixture()
def con(tiny_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tiny_db), read_only=True)
    yield c
    c.close()
