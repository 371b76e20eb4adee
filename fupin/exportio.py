"""Reading and writing export files: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX.

County offices export with a title row above the header now and then, in whichever encoding
their system uses; `read_export` takes all of that and returns every cell as text, with the
file line number of each row, so validation can point an official at the exact line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from fupin.contract import ContractError, Table
from fupin.exports import XLSX_OPTIONS

Encoding = str  # "utf-8", "utf-8-sig", "gb18030"


@dataclass
class ExportFile:
    """What was read from one file."""

    path: Path
    table: Table
    format: str  # "csv" | "xlsx"
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    header_line: int  # 1-based line (row) of the header
    data: pa.Table  # every column as string, plus "_line" (int64)
    unknown_columns: list[str]


# ---------------------------------------------------------------------------------- writing


def write_csv(path: Path, table: pa.Table, *, encoding: Encoding = "utf-8", title: str | None = None) -> None:
    """Write a CSV in the given encoding, optionally with a one-line title above the header."""
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
    text = buf.getvalue()
    if title:
        text = (title + "\n").encode("utf-8") + text
    if encoding == "utf-8":
        path.write_bytes(text)
    elif encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + text)
    else:
        path.write_bytes(text.decode("utf-8").encode(encoding))


def write_xlsx(path: Path, table: pa.Table, *, title: str | None = None) -> None:
    """Write the first sheet of an XLSX file; every cell as text so codes keep leading digits."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, **XLSX_OPTIONS})  # text stays text
    wb.set_properties({"created": dt.datetime(2020, 1, 1)})  # fixed: same data, same bytes
    ws = wb.add_worksheet("导出数据")
    row = 0
    if title:
        ws.write_string(0, 0, title)
        row = 2  # a title, then a blank row, as the national system's exports do
    ws.write_row(row, 0, table.column_names)
    cols = [c.to_pylist() for c in table.columns]
    for i in range(table.num_rows):
        row += 1
        for j, col in enumerate(cols):
            v = col[i]
            if v is not None and v != "":
                ws.write_string(row, j, str(v))
    wb.close()


# ---------------------------------------------------------------------------------- reading


def detect_encoding(path: Path) -> Encoding:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, otherwise GB18030."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _find_header(rows: list[list[str]], table: Table, path: Path) -> int:
    """Index of the header row: the first row that holds every required column."""
    required = set(table.required_headers)
    best, best_hits = 0, -1
    for i, row in enumerate(rows):
        cells = {c.strip() for c in row}
        if required <= cells:
            return i
        hits = len(required & cells)
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits <= 0:
        raise ContractError(
            str(path),
            f"no header row with the columns of table {table.cn}",
            None,
            cn=f"前10行中找不到「{table.cn}」表的表头（应含：{'、'.join(table.required_headers[:4])}…）",
        )
    missing = [c for c in table.required_headers if c not in {x.strip() for x in rows[best]}]
    raise ContractError(
        str(path),
        f"missing required column 「{missing[0]}」 of table {table.cn}",
        missing[0],
        cn=f"缺少「{table.cn}」表的必填列「{missing[0]}」",
    )


def _unique_headers(headers: list[str], path: Path) -> list[str]:
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise ContractError(str(path), f"duplicate column 「{h}」", h, cn=f"表头中列「{h}」重复")
        seen.add(h)
    return headers


def _finish(path: Path, table: Table, fmt: str, enc: str, header_idx: int, data: pa.Table) -> ExportFile:
    known = set(table.headers)
    unknown = [c for c in data.column_names if c not in known and c != "_line"]
    keep = [c for c in data.column_names if c in known or c == "_line"]
    return ExportFile(path, table, fmt, enc, header_idx + 1, data.select(keep), unknown)


def read_csv_export(path: Path, table: Table) -> ExportFile:
    """Read a CSV export: detect encoding and title rows; all cells as strings."""
    enc = detect_encoding(path)
    with path.open(encoding=enc, newline="") as fh:
        head = [next(csv.reader([line])) if line.strip() else [] for line, _ in zip(fh, range(10), strict=False)]
    header_idx = _find_header(head, table, path)
    headers = _unique_headers([h.strip() for h in head[header_idx]], path)
    opts = pacsv.ReadOptions(
        skip_rows=header_idx + 1,
        column_names=headers,
        encoding="utf8" if enc == "utf-8" else enc,
        block_size=1 << 24,
    )
    conv = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in headers}, strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    parse = pacsv.ParseOptions(newlines_in_values=False)
    try:
        data = pacsv.read_csv(path, read_options=opts, convert_options=conv, parse_options=parse)
    except pa.ArrowInvalid as exc:  # ragged rows etc.: the file cannot be read as a table
        raise ContractError(
            str(path), f"CSV cannot be parsed: {exc}", cn=f"CSV 无法解析（各行列数不一致或格式损坏）：{exc}"
        ) from exc
    lines = pa.array(range(header_idx + 2, header_idx + 2 + data.num_rows), pa.int64())
    data = data.append_column("_line", lines)
    return _finish(path, table, "csv", enc, header_idx, data)


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip() if isinstance(v, str) else str(v)


def read_xlsx_export(path: Path, table: Table) -> ExportFile:
    """Read the first sheet of an XLSX export with calamine; title rows above the header skipped."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # corrupt or not an xlsx at all
        raise ContractError(
            str(path), f"XLSX cannot be read: {exc}", cn="XLSX 无法读取（文件损坏或不是 Excel 工作簿）"
        ) from exc
    head = [[_cell_text(v) for v in r] for r in rows[:10]]
    header_idx = _find_header(head, table, path)
    headers = [h.strip() for h in head[header_idx]]
    while headers and headers[-1] == "":
        headers.pop()
    _unique_headers(headers, path)
    body = rows[header_idx + 1 :]
    n = len(headers)
    cols: list[list[str]] = [[] for _ in range(n)]
    lines: list[int] = []
    for i, r in enumerate(body):
        cells = [_cell_text(v) for v in r[:n]]
        if not any(cells):
            continue  # fully empty rows at the end of a sheet are not data
        cells += [""] * (n - len(cells))
        for j in range(n):
            cols[j].append(cells[j])
        lines.append(header_idx + 2 + i)
    data = pa.table({h: pa.array(c, pa.string()) for h, c in zip(headers, cols, strict=True)})
    data = data.append_column("_line", pa.array(lines, pa.int64()))
    return _finish(path, table, "xlsx", "xlsx", header_idx, data)


def read_export(path: Path, table: Table) -> ExportFile:
    """Read one export file of a known table."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_export(path, table)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_export(path, table)
    raise ContractError(
        str(path),
        f"unsupported file type {suffix!r} (CSV or XLSX expected)",
        cn=f"不支持的文件类型 {suffix}：只接受 CSV 或 XLSX",
    )
