"""Shared fixtures: the tiny synthetic dataset, generated and ingested once per test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from fupin.generate import generate
from fupin.ingest import IngestReport, ingest

SEED = 7
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read the developer's accounts file or write the repo's audit log / session key."""
    d = tmp_path_factory.mktemp("private")
    mp = pytest.MonkeyPatch()
    mp.setenv("FUPIN_ACCOUNTS", str(d / "no-accounts.toml"))  # absent: the demo accounts apply
    mp.setenv("FUPIN_SESSION_KEY", str(d / "session.key"))
    mp.setenv("FUPIN_AUDIT", str(d / "audit.sqlite"))
    yield
    mp.undo()


def app_test(user: str | None = "admin", *, timeout: int = 60) -> AppTest:
    """app.py in AppTest, signed in as a demo account (session state: what the sign-in form sets)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if user:
        at.session_state["auth_user"] = user
    return at


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


Download = tuple[str | None, Callable[[], object]]


@pytest.fixture()
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Download]:
    """Download buttons whose file is built on click (st.download_button(data=callable)): every one the
    runs registered, by file id → (file name, the callable Streamlit runs when the button is clicked)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict[str, Download] = {}
    register = MediaFileManager.add_deferred

    def add(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):  # type: ignore[no-untyped-def]
        file_id = register(self, data_callable, mimetype, coordinates, file_name, element_id=element_id)
        made[file_id] = (file_name, data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    return made


def downloads(at: AppTest, made: dict[str, Download]) -> dict[str, Download]:
    """The download buttons the page shows now, by label: (file name, callable that builds the file).

    A button with ready-made bytes (no callable) maps to (None, None)."""
    out: dict[str, Download] = {}
    for b in at.get("download_button"):
        fid = b.proto.deferred_file_id  # type: ignore[attr-defined]
        out[b.proto.label] = made[fid] if fid else (None, None)  # type: ignore[assignment, attr-defined]
    return out
