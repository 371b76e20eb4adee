"""Shared fixtures: the tiny synthetic dataset, generated and ingested once per test session.

The suite runs on three pytest-xdist workers (`pytest -n 3 --dist loadgroup`, .ci/run): each worker is a process with
its own session (so these session fixtures are built once per worker) and its own basetemp. A test is xdist-safe
when it writes only below tmp_path / tmp_path_factory (never the repo's data/), takes ports from
tools.harness.free_port(), its PostgreSQL schema from `any_store` (a random name per test), and relies on no other
test having run first. Tests that share a module fixture that is expensive to build (an ingest, a streamlit server)
or module-level state get `pytestmark = pytest.mark.xdist_group("<module>")`, so that one worker builds it once.
pytest 9.2 broke that grouping silently (pytest-dev/pytest-xdist#1386: xdist's nodeid suffix no longer takes), which
spread those modules over all workers and cost ≈ 1.5 CPU-minutes; requirements-dev.txt pins pytest 9.1, and
pytest_xdist_node_collection_finished below stops a run whose grouping did not take."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from fupin.data.generate import generate
from fupin.data.importer import Upload
from fupin.data.ingest import IngestReport, ingest

# No background cache warm-up in tests (fupin/ui/connection.py Warmer): every AppTest run and test server would
# otherwise warm all 122 scopes beside the test; tests/test_serving.py calls warm() itself.
os.environ["FUPIN_WARM"] = "0"

SEED = 7
ROOT = Path(__file__).resolve().parent.parent
IMPORT_MONTH = "2020-06"  # the month the import tests upload
PREVIOUS_MONTH = "2020-05"  # the month their store already holds


def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """With --dist loadgroup, a test marked xdist_group carries its group in its node id (`…@group`): that suffix is
    all the scheduler reads. Without it the group is silently spread over the workers, each building the module's
    ingest or server again: stop the run when a collected test of a module that uses the mark has no suffix."""
    config = getattr(node, "config", None)
    if config is None or config.getvalue("dist") != "loadgroup":
        return
    files = {i.split("::")[0] for i in ids if "@" not in i}
    marked = [f for f in sorted(files) if "xdist_group(" in (config.rootpath / f).read_text(encoding="utf-8")]
    if marked and not any("@" in i for i in ids):
        pytest.exit(
            f"--dist loadgroup grouped no test ({marked[0]} marks some): this pytest and pytest-xdist do not work "
            "together (pytest-dev/pytest-xdist#1386); install requirements-dev.txt",
            returncode=4,
        )


@pytest.fixture(autouse=True, scope="session")
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read the developer's accounts file or write the repo's audit log / session key."""
    d = tmp_path_factory.mktemp("private")
    mp = pytest.MonkeyPatch()
    mp.setenv("FUPIN_ACCOUNTS", str(d / "no-accounts.toml"))  # absent: the demo accounts apply
    mp.setenv("FUPIN_KEY_DIR", str(d / "keys"))  # session, audit and generator keys
    mp.setenv("FUPIN_STORE", str(d / "store.sqlite"))  # audit log, sign-in attempts, sessions
    mp.delenv("FUPIN_STORE_URL", raising=False)
    mp.delenv("FUPIN_SESSION_KEY", raising=False)
    yield
    mp.undo()


def app_test(user: str | None = "admin", *, timeout: int = 60) -> AppTest:
    """app.py in AppTest, signed in as a demo account (session state: the token the sign-in form sets)."""
    from fupin.access.auth import demo_accounts, make_token, session_secret

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if user:
        at.session_state["auth_token"] = make_token(demo_accounts()[user], session_secret())
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


@pytest.fixture(scope="session")
def app_server(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """`streamlit run serve.py` on the session's tiny warehouse, started once per worker and shared by the browser
    modules that only read (tests/test_browser.py, test_browser_layout.py, test_browser_meeting.py): a server's start
    and its first, cold page run are paid once, not per module. Modules that write (the 督办 loop, the import) start
    their own."""
    from tools.harness import streamlit_server

    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with streamlit_server(tiny_db, log=log, timeout=300) as s:
        yield s


@pytest.fixture(scope="session")
def site_template(tiny_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: data/exports/demo holding May (the month before June, with the generator's manifest), and
    data/warehouse.duckdb ingested from it. One month, not five: each import test's dry run and commit ingest the
    store plus June, so the fewer months, the less each test reads; the import code treats one month as it does
    five."""
    root = tmp_path_factory.mktemp("site")
    store = root / "data" / "exports" / "demo"
    store.mkdir(parents=True)
    shutil.copy(tiny_exports / "_manifest.json", store / "_manifest.json")
    shutil.copytree(tiny_exports / PREVIOUS_MONTH, store / PREVIOUS_MONTH)
    assert ingest(store, root / "data" / "warehouse.duckdb").ok
    return root


@pytest.fixture()
def site(site_template: Path, tiny_exports: Path, tmp_path: Path) -> tuple[Path, Path, list[Upload]]:
    """An import site of the test's own (a copy of the template): the store, its warehouse, June's files as uploads."""
    shutil.copytree(site_template / "data", tmp_path / "data")
    store, db = tmp_path / "data" / "exports" / "demo", tmp_path / "data" / "warehouse.duckdb"
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted((tiny_exports / IMPORT_MONTH).iterdir())]
    return store, db, uploads


@pytest.fixture()
def con(tiny_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tiny_db), read_only=True)
    yield c
    c.close()


def _pg_schema_url(base: str, schema: str) -> str:
    import sqlalchemy as sa

    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        conn.execute(sa.text(f'create schema "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The transactional store on SQLite and on a real PostgreSQL server (FUPIN_TEST_PG_URL, which
    .ci/run starts with scripts/pg-test-server.sh; FUPIN_REQUIRE_PG=1 makes its absence a failure)."""
    import os
    import secrets

    from fupin.access import store

    if request.param == "sqlite":
        monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
        monkeypatch.delenv("FUPIN_STORE_URL", raising=False)
    else:
        base = os.environ.get("FUPIN_TEST_PG_URL")
        if not base:
            if os.environ.get("FUPIN_REQUIRE_PG") == "1":
                pytest.fail("FUPIN_REQUIRE_PG=1 but FUPIN_TEST_PG_URL is not set")
            pytest.skip("no PostgreSQL server (set FUPIN_TEST_PG_URL; scripts/pg-test-server.sh starts one)")
        monkeypatch.setenv("FUPIN_STORE_URL", _pg_schema_url(base, f"t_{secrets.token_hex(6)}"))
    store.reset()
    yield request.param
    store.reset()


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
