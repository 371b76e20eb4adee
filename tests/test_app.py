"""AppTest: the app starts on the tiny warehouse and shows what the warehouse says."""

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parent.parent


@pytest.fixture()
def app(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def _expected(tiny_db: Path, month: str) -> int:
    con = duckdb.connect(str(tiny_db), read_only=True)
    return con.execute(
        "select sum(remaining_poor_persons) from summary_county_month where month = cast($m as date)",
        {"m": month + "-01"},
    ).fetchone()[0]


def test_overview_shows_warehouse_values(app: AppTest, tiny_db: Path) -> None:
    app.run()
    assert not app.exception
    assert app.selectbox(key="month").value == "2020-06"
    assert any("演示数据" in w.value for w in app.warning)
    metric = next(m for m in app.metric if m.label.startswith("剩余贫困人口"))
    assert metric.value == f"{_expected(tiny_db, '2020-06'):,}"


def test_changing_month_changes_values(app: AppTest, tiny_db: Path) -> None:
    app.run()
    june = next(m for m in app.metric if m.label.startswith("剩余贫困人口")).value
    app.selectbox(key="month").set_value("2020-01").run()
    jan = next(m for m in app.metric if m.label.startswith("剩余贫困人口")).value
    assert jan == f"{_expected(tiny_db, '2020-01'):,}" and jan != june


def test_url_month_opens_that_month(app: AppTest, tiny_db: Path) -> None:
    app.query_params["month"] = "2020-03"
    app.run()
    assert app.selectbox(key="month").value == "2020-03"
    metric = next(m for m in app.metric if m.label.startswith("剩余贫困人口"))
    assert metric.value == f"{_expected(tiny_db, '2020-03'):,}"
    assert "2020年3月" in app.title[0].value
