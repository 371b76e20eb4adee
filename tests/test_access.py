"""Who may see what: the sign-in gate, each role's pages, and the county leak test.

The leak test signs in as the 临泉县 user and opens every page with every URL parameter the app
accepts set to another county's (and city's) codes; nothing of any other county — its code, any of
its townships', villages' or households' codes, or its name — may appear anywhere in what is drawn:
text, tables, charts, widget options. Exports and every scoped query get the same check.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fupin.access.scope import Viewer
from fupin.reports import bulletin as reports
from fupin.warehouse import queries
from fupin.warehouse.connection import open_read_only
from tests.conftest import ROOT, app_test
from tests.support.params import PARAMS

OWN = "341221"  # 临泉县, the demo county account `linquan`
OTHER = "341225"  # 阜南县: same city, has households in the tiny data
OTHER_CITY = "340100"  # 合肥市
LINQUAN = Viewer("临泉县用户", "county", "county", OWN)

DATA_PAGES = [
    "app_pages/overview.py",
    "app_pages/map.py",
    "app_pages/supervision.py",
    "app_pages/spring.py",
    "app_pages/funds.py",
    "app_pages/scenarios.py",
    "app_pages/month_check.py",
    "app_pages/warnings.py",
    "app_pages/departments.py",
    "app_pages/workbench.py",
]
ADMIN_PAGES = ["app_pages/import_data.py", "app_pages/audit_log.py", "app_pages/work_overview.py"]
ROLE_PAGES = {  # each demo account's navigation (the browser test checks the same in the sidebar)
    "admin": DATA_PAGES + ADMIN_PAGES,
    "fuyang": [*DATA_PAGES, "app_pages/work_overview.py"],
    "linquan": DATA_PAGES,
    "analyst": [*DATA_PAGES, "app_pages/work_overview.py"],
    "meeting": ["app_pages/overview.py"],
}
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dX](?![0-9A-Za-z])")  # unmasked; not inside a float or a hex hash
URL_PARAMS = [
    {},
    {"county": OTHER},
    {"city": OTHER_CITY},
    {"city": OTHER_CITY, "county": "340102"},
    {"county": OTHER, "metric": "red_flags", "month": "2020-04"},
    {"s_areas": OTHER, "s_migrant_cut": "0.5", "s_migrant_months": "3"},
    {"s_areas": "皖北地区,沿淮行蓄洪区", "s_line": "8000"},
    {"mode": "present", "county": OTHER},
    {"mode": "present", "carousel": "5", "county": OTHER},
    {"item": "1"},  # a 督办事项 by URL (the first synced item, another county's in the tiny batch)
    {"item": "2' or 1=1 --"},
]


# ------------------------------------------------------------------------------------ what is drawn


def _drawn(node: object, out: list[str]) -> list[str]:
    """Everything an AppTest tree shows: tables as CSV, every other element as its protobuf text."""
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            _drawn(child, out)
    if type(node).__name__ == "Dataframe":
        out.append(node.value.to_csv())  # type: ignore[attr-defined]
    elif getattr(node, "proto", None) is not None:
        out.append(str(node.proto))  # type: ignore[attr-defined]
    return out


@pytest.fixture(scope="module")
def foreign(tiny_db: Path) -> dict[str, set[str]]:
    """Codes and names that belong to areas outside 临泉县 (and that never occur inside it)."""
    con = open_read_only(tiny_db)
    codes = {
        r[0]
        for r in con.execute(
            """select county_code from ref_county union select township_code from ref_township
           union select village_code from ref_village union select household_id from stg_household"""
        ).fetchall()
        if not r[0].startswith(OWN)
    }
    own_names = {
        r[0] for r in con.execute("select county_name from ref_county where county_code = $c", {"c": OWN}).fetchall()
    }
    # who helps 临泉县 (结对帮扶) is the county's own record: the helper's name is not another county's data
    helpers = {
        r[0]
        for r in con.execute(
            "select distinct helper_name from stg_pairing where helped_county_code = $c", {"c": OWN}
        ).fetchall()
    }
    names = {r[0] for r in con.execute("select county_name from ref_county").fetchall()} - own_names
    names = {n for n in names if not any(n in h for h in helpers)}
    con.close()
    return {"codes": codes, "names": names}


def _leaks(text: str, foreign: dict[str, set[str]]) -> list[str]:
    tokens = set(re.findall(r"(?<!\d)34\d{4,16}(?!\d)", text))
    found = sorted(tokens & foreign["codes"])
    found += sorted(n for n in foreign["names"] if n in text)
    return found


def _county_session(**query: str) -> AppTest:
    at = app_test("linquan")
    for k, v in query.items():
        at.query_params[k] = v
    return at


# ------------------------------------------------------------------------------------ the leak test


@pytest.mark.parametrize("page", DATA_PAGES)
def test_county_user_sees_nothing_of_another_county(
    page: str, tiny_db: Path, foreign: dict[str, set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page of the county user's navigation, with each hostile URL. (The administrator's pages are not in that
    navigation — test_each_role_navigation_holds_its_pages_and_no_others — so all a county user gets of them is the
    overview with the same URL, the case of app_pages/overview.py here.)"""
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    for params in URL_PARAMS:
        at = _county_session(**params)
        # Straight onto the page with the URL, as a link opens it (one run; app.py gives every page the url_path of
        # its file name, the page AppTest picks before the first run). After the run, the page must resolve to the
        # same page in the county user's navigation (switch_page raises for a page that is not in it).
        landed = at.switch_page(page)._page_hash
        at.run()
        assert at.switch_page(page)._page_hash == landed, (page, "not the page the county user's navigation holds")
        assert not at.exception, (page, params, [e.message for e in at.exception])
        text = "\n".join(_drawn(at._tree, []))
        assert OWN in text or "临泉县" in text, (page, params, "the county's own view was not drawn")
        leaks = _leaks(text, foreign)
        assert not leaks, f"{page} with {params} shows another county's data: {leaks[:10]}"
        assert not ID_NUMBER.search(text), f"{page} with {params}: an ID number is shown unmasked"


@pytest.mark.parametrize("user", list(ROLE_PAGES))
def test_each_role_navigation_holds_its_pages_and_no_others(
    user: str, tiny_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test(user).run()
    assert not at.exception
    for page in DATA_PAGES + ADMIN_PAGES:
        if page in ROLE_PAGES[user]:
            at.switch_page(page)  # in the navigation (run below for the roles the leak test does not cover)
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page)


@pytest.mark.parametrize("user", ["fuyang", "analyst"])
def test_city_and_analyst_pages_render_masked(user: str, tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page of the role's navigation runs to the end and shows no unmasked ID number (the county user's
    pages get the same check in the leak test, the administrator's in each page's own tests)."""
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test(user).run()
    for page in ROLE_PAGES[user]:
        if page != "app_pages/overview.py":
            at.switch_page(page).run()
        assert not at.exception, (user, page, [e.message for e in at.exception])
        assert at.title and at.title[0].value, (user, page)
        text = "\n".join(_drawn(at._tree, []))
        assert not ID_NUMBER.search(text), f"{user} {page}: an ID number is shown unmasked"


def test_the_leak_check_catches_a_leak(tiny_db: Path, foreign: dict[str, set[str]], monkeypatch) -> None:
    """The same check on the province administrator's view of 阜南县 does find 阜南县."""
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test("admin")
    at.query_params["county"] = OTHER
    at.run()
    at.switch_page("app_pages/warnings.py").run()
    leaks = _leaks("\n".join(_drawn(at._tree, [])), foreign)
    assert any(code.startswith(OTHER) for code in leaks) and "阜南县" in leaks


@pytest.mark.parametrize("name", [n for n in queries.names() if queries.load(n).scoped])
def test_every_scoped_query_keeps_a_county_user_in_their_county(
    con: duckdb.DuckDBPyConnection, foreign: dict[str, set[str]], name: str
) -> None:
    q = queries.load(name)
    (hid,) = con.execute(
        "select household_id from stg_household where starts_with(household_id, $c) limit 1", {"c": OTHER}
    ).fetchone()
    params = PARAMS | {"household_id": hid, "area_prefix": OTHER, "county": OTHER, "counties": [OTHER]}
    df = queries.run(con, name, LINQUAN, **{k: v for k, v in params.items() if k in q.params})
    assert not _leaks(df.to_csv(), foreign), name


def _xlsx_text(data: bytes) -> str:
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str, engine="calamine")
    return "\n".join(df.to_csv() for df in sheets.values())


def test_exports_keep_a_county_user_in_their_county(
    tiny_db: Path, foreign: dict[str, set[str]], tmp_path: Path
) -> None:
    con = open_read_only(tiny_db)
    month = reports.month_workbook(con, LINQUAN, "2020-04", area_prefix=OTHER)
    assert not _leaks(_xlsx_text(month), foreign)
    with pytest.raises(ValueError, match="no data"):  # another county's bulletin: there is none to make
        reports.build_bulletin(con, LINQUAN, "2020Q2", area_prefix=OTHER)
    bulletin = reports.build_bulletin(con, LINQUAN, "2020Q2")
    assert not _leaks(_xlsx_text(reports.bulletin_workbook(bulletin)), foreign)
    own = reports.month_workbook(con, LINQUAN, "2020-04")
    assert OWN in _xlsx_text(own)  # the county's own workbook does hold its records


# ------------------------------------------------------------------------------------ sign-in gate


def _sign_in_through_the_form(user: str, password: str) -> AppTest:
    at = app_test(None).run()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


def test_no_data_before_sign_in(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test(None)
    at.query_params["county"] = OWN
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["登录"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.sidebar.children or not any(True for _ in at.sidebar.selectbox)


def test_wrong_password_is_refused_and_audited(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin.access import audit

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = _sign_in_through_the_form("linquan", "not-the-password")
    assert any("账号或密码错误" in e.value for e in at.error)
    assert "auth_token" not in at.session_state
    last = audit.rows(1)[0]
    assert (last["action"], json.loads(last["filters"])["username"]) == ("login_failed", "linquan")


def test_right_password_signs_in_with_the_account_scope(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = _sign_in_through_the_form("linquan", "demo-county")
    assert not at.exception
    assert at.session_state["viewer"].username == "linquan"
    sel = at.session_state["viewer"]
    assert (sel.role, sel.scope_level, sel.scope_code) == ("county", "county", OWN)
    assert at.title[0].value.startswith("临泉县")  # the overview of their county


def test_meeting_account_sees_meeting_mode_only(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test("meeting").run()
    assert not at.exception
    assert "（演示数据）" in at.title[0].value or "总览" in at.title[0].value
    assert not at.dataframe  # aggregates only
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in its navigation
        at.switch_page("app_pages/warnings.py")
    at.query_params["mode"] = "normal"  # no way out of meeting mode by URL
    at.run()
    assert "退出登录" in [b.label for b in at.button] and "进入会议模式" not in [b.label for b in at.button]


def test_analyst_may_not_unmask(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = app_test("analyst").run()
    at.switch_page("app_pages/warnings.py").run()
    assert not at.exception
    assert not [t for t in at.toggle if t.label == "显示完整信息"]
    names = next(df.value for df in at.dataframe if "触发规则" in df.value.columns)["户主"]  # the list of households
    assert len(names) and names.str.contains(r"\*").all()
    admin = app_test("admin").run()
    admin.switch_page("app_pages/warnings.py").run()
    assert [t for t in admin.toggle if t.label == "显示完整信息"]


@pytest.fixture(scope="module")
def real_db(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse whose batch is not synthetic (a stand-in for real exports): the session's tiny warehouse, copied,
    with its batch's flag turned off — what ingest records for exports without the generator's signed manifest
    (tests/test_provenance.py checks that ingest does)."""
    db = tmp_path_factory.mktemp("real") / "warehouse.duckdb"
    shutil.copy(tiny_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update ingest_batch set synthetic = false")
    return db


@pytest.mark.xdist_group("test_access_real_db")  # the two tests of `real_db` share one worker: built once
def test_real_data_without_accounts_refuses_to_start(real_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(real_db))
    at = app_test("admin").run()  # even a session that says it is signed in
    assert any("拒绝启动" in e.value for e in at.error)
    assert not at.metric and not at.button and not at.dataframe


@pytest.mark.xdist_group("test_access_real_db")
def test_real_data_with_accounts_uses_them_and_not_the_demo_ones(
    real_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin.access.auth import hash_password

    accounts = tmp_path / "accounts.toml"
    accounts.write_text(
        f'[accounts.wang]\nname = "王科长"\nrole = "county"\nscope = "{OWN}"\n'
        f'password_hash = "{hash_password("s3cret-Pass")}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FUPIN_DB", str(real_db))
    monkeypatch.setenv("FUPIN_ACCOUNTS", str(accounts))
    demo = app_test("admin").run()  # a demo account does not exist here
    assert [b.label for b in demo.button] == ["登录"]
    assert not [i for i in demo.info if "演示账号" in i.value]
    at = _sign_in_through_the_form("wang", "s3cret-Pass")
    assert not at.exception
    assert at.session_state["viewer"].scope_code == OWN
    assert not [w for w in at.sidebar.warning if "演示数据" in w.value]  # real data is not labelled demo


def test_example_accounts_file_is_valid() -> None:
    from fupin.access.auth import load_accounts
    from fupin.core.reference import PROJECT_ROOT

    example = PROJECT_ROOT / "data" / "accounts.example.toml"
    accounts = load_accounts(example, county_codes={OWN, OTHER})
    assert {a.role for a in accounts.values()} == {"province_admin", "city", "county", "analyst", "meeting"}


def test_audit_log_page_filters(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin.access import audit

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "store.sqlite"))
    audit.record(
        LINQUAN, "household_detail", household_id="3412211002010001", filters={"month": "2020-06"}, row_count=1
    )
    audit.record(
        LINQUAN, "household_detail", household_id="3412211002010002", filters={"month": "2020-06"}, row_count=1
    )
    audit.record(LINQUAN, "export_xlsx", filters={"area": OWN}, row_count=37)
    at = app_test("admin").run()
    at.switch_page("app_pages/audit_log.py").run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["其中查看户详情"], metrics["其中导出"]) == ("2", "1")
    table = at.dataframe[0].value
    mine = table[table["用户"] == "临泉县用户"]
    assert len(mine) == 3 and "37" in set(mine["行数"])
    assert set(table["用户"]) <= {"临泉县用户", "系统（月核查数据同步）"}  # the 督办 sync of this batch, audited too
    at.text_input(key="au_household").input("3412211002010002").run()
    assert [m.value for m in at.metric if m.label == "符合条件的记录"] == ["1"]
    assert list(at.dataframe[0].value["户编号"]) == ["3412211002010002"]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "app_pages").glob("*.py")))
def test_a_page_run_without_the_router_shows_no_data(page: str, tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: a page file run directly (no app.py, no sign-in check, no sidebar) stops at the guard,
    even in a session that holds a valid sign-in token."""

    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=60)
    at.session_state["auth_token"] = app_test("admin").session_state["auth_token"]
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["请先登录。"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.markdown
