"""AppTest: both pages start on the tiny warehouse and show exactly what the warehouse says."""

from __future__ import annotations

from pathlib import Path

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from fupin.views.figures import metric_values
from tests.conftest import app_test

ROOT = Path(__file__).parent.parent
MAP = "app_pages/map.py"


@pytest.fixture()
def app(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.chdir(ROOT)
    return app_test()


def wh(tiny_db: Path, sql: str, **params: object) -> object:
    return duckdb.connect(str(tiny_db), read_only=True).execute(sql, params).fetchone()[0]


def poor(tiny_db: Path, month: str, prefix: str = "34") -> int:
    return wh(
        tiny_db,
        "select sum(remaining_poor_persons) from summary_county_month where month = cast($m as date) "
        "and starts_with(county_code, $p)",
        m=month + "-01",
        p=prefix,
    )


def tile(app: AppTest, label: str) -> object:
    return next(m for m in app.metric if m.label == label)


def figure(app: AppTest) -> go.Figure:
    """The first chart with choropleth metric traces (plotly JSON decoded, typed arrays included)."""
    figs = [pio.from_json(c.proto.spec, skip_invalid=True) for c in app.get("plotly_chart")]
    return next(f for f in figs if metric_values(f))


def metric_z(fig: go.Figure) -> dict[str, float]:
    return metric_values(fig)


# ------------------------------------------------------------------ overview


def test_overview_kpis_and_map_equal_the_warehouse(app: AppTest, tiny_db: Path) -> None:
    app.run()
    assert not app.exception
    assert app.selectbox(key="month").value == "2020-06"
    assert any("演示数据" in w.value for w in app.warning)
    june, may = poor(tiny_db, "2020-06"), poor(tiny_db, "2020-05")
    t = tile(app, "剩余贫困人口")
    assert t.value == f"{june:,}人" and t.delta == f"{june - may:+,}人"
    monitor = wh(tiny_db, "select sum(monitor_households) from summary_county_month where month = date '2020-06-01'")
    assert tile(app, "脱贫监测户").value == f"{monitor:,}户"
    started, projects = [
        wh(tiny_db, f"select sum({c}) from summary_county_month where month = date '2020-06-01'")
        for c in ("projects_started", "projects")
    ]
    assert tile(app, "扶贫项目开工率").value == f"{started / projects:.1%}"
    counties, villages = [
        wh(tiny_db, "select count(*) from ref_supervision where level = $l", l=lv) for lv in ("county", "village")
    ]
    assert f"共{counties}县{villages}村" in tile(app, "挂牌督战清零").delta
    # the same run's map: 104 counties, each the query's value (one AppTest run for both checks)
    z = metric_z(figure(app))
    assert len(z) == 104
    con = duckdb.connect(str(tiny_db), read_only=True)
    expected = dict(
        con.execute(
            "select county_code, remaining_poor_persons from summary_county_month where month = date '2020-06-01'"
        ).fetchall()
    )
    assert z == {k: float(v) for k, v in expected.items()}


def _fresh(**state: str) -> AppTest:
    """A new session with the sidebar state preset (AppTest drops sidebar widgets on reruns under
    st.navigation, so each selection is its own session here; the browser test covers clicking)."""
    at = app_test()
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_changing_month_and_county_changes_the_kpis(app: AppTest, tiny_db: Path) -> None:
    app.run()
    june = tile(app, "剩余贫困人口").value
    jan = _fresh(month="2020-01")
    assert not jan.exception
    assert tile(jan, "剩余贫困人口").value == f"{poor(tiny_db, '2020-01'):,}人" != june
    assert "2020年1月" in jan.title[0].value
    county = _fresh(city="341200", county="341221")
    assert not county.exception
    assert tile(county, "剩余贫困人口").value == f"{poor(tiny_db, '2020-06', '341221'):,}人" != june
    assert county.title[0].value.startswith("临泉县")
    assert county.query_params["county"] in ("341221", ["341221"])


def test_url_opens_the_same_view(app: AppTest, tiny_db: Path) -> None:
    app.query_params["month"] = "2020-03"
    app.query_params["county"] = "341221"
    app.run()
    assert app.session_state["month"] == "2020-03" and app.session_state["county"] == "341221"
    assert tile(app, "剩余贫困人口").value == f"{poor(tiny_db, '2020-03', '341221'):,}人"


def test_meeting_mode_hides_the_sidebar_and_shows_no_people(app: AppTest) -> None:
    app.query_params["mode"] = "present"
    app.run()
    assert not app.exception
    assert any("display: none" in h.proto.body for h in app.get("html"))  # sidebar hidden by CSS
    assert not app.dataframe  # aggregates only: no household rows anywhere
    assert {"开始轮播", "退出会议模式"} <= {b.label for b in app.button}


# ------------------------------------------------------------------ map page


def test_map_has_104_locations_whose_z_match_the_query_and_follow_the_metric(app: AppTest, tiny_db: Path) -> None:
    app.switch_page(MAP).run()
    assert not app.exception
    z = metric_z(figure(app))
    con = duckdb.connect(str(tiny_db), read_only=True)
    expected = dict(
        con.execute(
            "select county_code, remaining_poor_persons from summary_county_month where month = date '2020-06-01'"
        ).fetchall()
    )
    assert len(z) == 104 and z == {k: float(v) for k, v in expected.items()}
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["下载数据 CSV", "下载数据 XLSX"]
    # the metric selector changes the values (the same session, rerun)
    app.session_state["map_metric"] = "disbursement_rate"
    app.run()
    z = metric_z(figure(app))
    paid, alloc = (
        wh(tiny_db, f"select {c} from summary_county_month where month = date '2020-06-01' and county_code = '341221'")
        for c in ("special_paid", "special_allocated")
    )
    assert z["341221"] == pytest.approx(float(paid) / float(alloc))
    legend_title = figure(app).layout.legend.title.text
    assert legend_title.startswith("财政专项扶贫资金支付率")


def test_seeded_map_click_opens_the_drill_panel(app: AppTest, tiny_db: Path) -> None:
    app.switch_page(MAP).run()
    assert not app.subheader  # nothing selected yet
    app.session_state["county_map"] = {"selection": {"points": [{"location": "341221"}]}}
    app.run()
    assert not app.exception
    assert app.subheader[0].value.startswith("阜阳市临泉县")
    assert app.session_state["county"] == "341221"
    towns = wh(
        tiny_db,
        "select count(*) from summary_township_month where month = date '2020-06-01' and county_code = '341221'",
    )
    assert len(app.dataframe[0].value) == towns
    county_poor = poor(tiny_db, "2020-06", "341221")
    assert next(m for m in app.metric if m.label == "剩余贫困人口").value == f"{county_poor:,}人"
    assert app.dataframe[0].value["剩余贫困人口"].sum() == county_poor


def test_app_reopens_the_warehouse_after_an_ingest_swap(
    tiny_db: Path, site_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    from fupin.warehouse.connection import batch_info, open_read_only

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_db, db)  # the six months
    first = batch_info(open_read_only(tiny_db)).batch_id
    monkeypatch.setenv("FUPIN_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = app_test().run()
    assert any(first in (c.help or "") for c in at.caption)  # the batch number: the caption's help
    # Another batch (every month but June, ingested once for the session) swapped in as ingest swaps it — a new file
    # renamed over the old one — while the app holds the old file open read-only.
    other = site_template / "data" / "warehouse.duckdb"
    second = batch_info(open_read_only(other)).batch_id
    assert second != first
    shutil.copy(other, tmp_path / ".warehouse.duckdb.building")
    os.replace(tmp_path / ".warehouse.duckdb.building", db)
    at = app_test().run()
    assert not at.exception
    assert any(second in (c.help or "") for c in at.caption), [c.help for c in at.caption]
    assert at.selectbox(key="month").value == "2020-05"  # the new batch's latest month
    may = (
        duckdb.connect(str(db), read_only=True)
        .execute("select sum(remaining_poor_persons) from summary_county_month where month = date '2020-05-01'")
        .fetchone()[0]
    )
    assert tile(at, "剩余贫困人口").value == f"{may:,}人"


def test_first_start_builds_the_demo_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    db = tmp_path / "fresh" / "warehouse.duckdb"
    monkeypatch.setenv("FUPIN_DB", str(db))
    import importlib

    ui_connection = importlib.import_module(
        "fupin.ui.connection"
    )  # the module (fupin.ui.connection is also a function)
    monkeypatch.setattr(ui_connection, "DEFAULT_DB", db)  # only the default path is ever built
    import fupin.data.generate as gen

    real_generate = gen.generate  # the demo scale takes ≈10 s more; the path through the app is the same
    monkeypatch.setattr(gen, "generate", lambda *, scale, **kw: real_generate(scale="tiny", **kw))
    monkeypatch.chdir(ROOT)
    # A bound, not a timing: the first run follows the build's reruns (the default 60 s timed out at load average 30).
    at = app_test(timeout=600)
    at.run()
    # The first run shows progress and reruns itself while the background build goes on (AppTest follows
    # the reruns, so it may already end on the built pages).
    assert not at.exception
    assert any("首次启动" in i.value for i in at.info) or (at.title and at.title[0].value.startswith("全省总览"))
    deadline = time.monotonic() + 120
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(1)
    assert db.exists() and (db.parent / "exports" / "demo" / "_manifest.json").exists()
    at = app_test().run()
    assert not at.exception
    assert at.title[0].value.startswith("全省总览") and any("演示数据" in w.value for w in at.warning)


def test_a_configured_warehouse_that_is_missing_is_an_error_not_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "typo" / "warehouse.duckdb"
    monkeypatch.setenv("FUPIN_DB", str(db))
    at = app_test().run()
    assert not at.exception
    assert any("数据仓库文件不存在" in e.value and "FUPIN_DB" in e.value for e in at.error)
    assert not db.exists() and not (db.parent / "exports").exists()  # nothing synthetic built there


def test_a_corrupt_warehouse_is_a_chinese_message_without_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(b"DUCK" + b"\x00" * 4000 + b"garbage")
    monkeypatch.setenv("FUPIN_DB", str(db))
    for user in (None, "admin"):
        at = app_test(user).run()
        assert not at.exception, [e.message for e in at.exception]
        assert any("数据仓库文件无法读取" in e.value for e in at.error)
        assert not at.button and not at.metric and not at.sidebar.children  # no sign-in, no page list


def test_an_unwritable_store_at_sign_in_is_a_chinese_message(
    tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin.access import store

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path))  # a directory: cannot be the store file
    store.reset()
    at = app_test(None).run()
    at.text_input(key="login_user").input("admin")
    at.text_input(key="login_password").input("demo-admin")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("登录暂不可用" in e.value and "不是文件" in e.value for e in at.error)
    store.reset()


def test_accounts_path_that_is_a_directory(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_ACCOUNTS", str(tmp_path))
    at = app_test(None).run()
    assert not at.exception
    assert any("是一个目录" in e.value for e in at.error) and not at.button
