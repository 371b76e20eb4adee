"""Reading and writing export files: CSV (UTF-8, UTF-8 with BOM, GB18030), XLSX and XLS (Excel 97-2003, WPS .et).

County offices export with a title row above the header now and then, in whichever encoding
their system uses; `read_export` takes all of that and returns every cell as text, with the
file line number of each row, so validation can point an official at the exact line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import decimal
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fupin.data.contract import ContractError, Table
from fupin.reports.exports import XLSX_OPTIONS

Encoding = str  # "utf-8", "utf-8-sig", "gb18030"


@dataclass
class ExportFile:
    """What was read from one file."""

    path: Path
    table: Table
    format: str  # "csv" | "xlsx" | "xls"
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "xlsx" or "xls"
    header_line: int  # 1-based line (row) of the header (the second row of a two-row header)
    data: pa.Table  # every column as string, plus "_line" (int64)
    unknown_columns: list[str]
    bad_encoding_lines: list[int] = field(default_factory=list)  # rows to quarantine as 'bad_encoding'
    # Filled by fupin.data.tidy: rows skipped as sheet furniture and values normalised, by kind
    skipped: dict[str, int] = field(default_factory=dict)  # "合计行" / "空行" → rows (not in `data`)
    normalised: dict[str, int] = field(default_factory=dict)  # kind → values changed
    values_normalised: int = 0  # values changed by any kind (each value once)
    examples: dict[str, str] = field(default_factory=dict)  # kind → one example: "第N行「列」…"


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


@dataclass(frozen=True)
class Limits:
    """What a file may hold before anything in it is parsed (issue 12: a 9 MB header of 1,000,000 columns took
    117 s and 9.3 GB; a 2.8 MB XLSX expanding to 695 MB took 2.1 GB). The same caps guard the upload check and
    the reader, so the CLI is protected too."""

    max_columns: int = 200
    max_header_bytes: int = 64 * 1024  # each line up to the header
    max_rows: int = 5_000_000  # data rows per file (FUPIN_MAX_ROWS_PER_FILE)
    xlsx_max_mb: int = 1024  # uncompressed XLSX (sum of the zip members' sizes; FUPIN_XLSX_MAX_MB)
    xlsx_max_ratio: float = 20.0  # uncompressed / file size ...
    xlsx_member_ratio: float = 100.0  # ... and one member's uncompressed / compressed (a zip bomb) ...
    xlsx_ratio_floor_mb: int = 10  # ... once it expands beyond this (small files cannot exhaust memory)
    xls_max_mb: int = 256  # an XLS (not compressed: its size is what calamine expands; FUPIN_XLS_MAX_MB)


def limits() -> Limits:
    """The caps, with the settings from the environment."""
    return Limits(
        max_rows=int(os.environ.get("FUPIN_MAX_ROWS_PER_FILE", Limits.max_rows)),
        xlsx_max_mb=int(os.environ.get("FUPIN_XLSX_MAX_MB", Limits.xlsx_max_mb)),
        xls_max_mb=int(os.environ.get("FUPIN_XLS_MAX_MB", Limits.xls_max_mb)),
    )


def rows_cn(n: int, cap: int) -> str:
    return f"文件有 {n:,} 行数据，超过每个文件 {cap:,} 行的上限（可按市拆分）"


UTF8_BOM = b"\xef\xbb\xbf"
HEAD_LINES = 10  # the header is one of the first 10 lines (title rows above it are skipped)
UTF16_CN = "文件编码为 UTF-16，请另存为 UTF-8 或 GBK"
# Two consecutive CJK characters in UTF-8: in GB18030 text this byte pattern is rare, and a line that is
# entirely valid UTF-8 is a UTF-8 row pasted into a GB18030 file (it would otherwise load as mojibake).
_UTF8_CJK_PAIR = re.compile(rb"[\xe4-\xe9][\x80-\xbf]{2}[\xe4-\xe9][\x80-\xbf]{2}")
_CHUNK = 1 << 22


def looks_utf16(head: bytes) -> bool:
    """A UTF-16 text file: a BOM, or every other byte NUL (ASCII in UTF-16 without a BOM), and text with a
    comma or a line break when read as UTF-16 (a CSV has both; random bytes after FF FE do not)."""
    sample = head[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc, body = ("utf-16-le" if sample[0] == 0xFF else "utf-16-be"), sample[2:]
    else:
        body = sample
        even, odd = body[0::2].count(0), body[1::2].count(0)
        if len(body) < 4 or max(even, odd) < len(body) // 8 or min(even, odd) * 10 > max(even, odd):
            return False
        enc = "utf-16-le" if odd > even else "utf-16-be"
    text = body[: len(body) - len(body) % 2].decode(enc, errors="replace")
    return "," in text or "\n" in text


def _decode_line(raw: bytes) -> tuple[str, str | None]:
    """A head line as text and the encoding it decodes in (None: neither; shown with replacement marks)."""
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace"), None


def _utf8_row_in_gb(line: bytes) -> bool:
    """Is this line of a GB18030 file really UTF-8 (non-ASCII and entirely valid UTF-8)?"""
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _scan_data(fh: BinaryIO, enc: str, path: Path, lim: Limits, utf8: BinaryIO | None = None) -> bool:
    """Stream the bytes after the header (nothing kept): count the rows against the cap, and say whether
    pyarrow can read them as they are.
    - A UTF-8 file is left to pyarrow: it checks every cell is UTF-8 and, told not to skip them, stops at an empty
      line (which it would skip, and the line numbers after it would be off); `read_csv_export` then reads the file
      row by row. Decoding and searching it here held Python's lock for 0.1 s per 20 MB (a month's department
      feeds: 1.2 s, slowing the register read alongside them).
    - A GB18030 file is decoded here, and must hold no UTF-8 row (it would read as mojibake). Its rows go to `utf8`
      as UTF-8, which pyarrow reads without decoding them again in Python (its own GB18030 reading does)."""
    gb = enc == "gb18030"
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    # `tail`: the last bytes before the chunk. A pattern across two chunks is looked for in tail + the chunk's first
    # bytes, not in a copy of the whole chunk (two 4 MB copies a chunk: 0.2 s of a 147 MB file, holding Python's lock).
    tail, rows, clean = b"\n", 0, True
    while chunk := fh.read(_CHUNK):
        rows += chunk.count(b"\n")
        if rows > lim.max_rows:
            raise ContractError(str(path), f"more than {lim.max_rows} data rows", cn=rows_cn(rows, lim.max_rows))
        if gb and clean:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                clean = False
            if _UTF8_CJK_PAIR.search(chunk) or _UTF8_CJK_PAIR.search(tail + chunk[:6]):
                clean = False
            if clean and utf8 is not None:
                utf8.write(text.encode("utf-8"))
        tail = chunk[-6:]
    rows += not tail.endswith(b"\n")
    if rows > lim.max_rows:
        raise ContractError(str(path), f"{rows} data rows (at most {lim.max_rows})", cn=rows_cn(rows, lim.max_rows))
    if gb and clean:
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            clean = False
        if clean and utf8 is not None:
            utf8.write(text.encode("utf-8"))
    return clean


def _recode_rows(fh: BinaryIO, enc: str, first_line: int, out: BinaryIO) -> tuple[list[int], list[int], list[int]]:
    """Copy the data rows to `out` as UTF-8, line by line; a row that does not decode in `enc` (or a UTF-8 row
    in a GB18030 file) is kept, read in the other encoding when it decodes there (else with replacement
    marks), and its line is listed to be quarantined. Returns (file line of every row, lines of bad rows,
    empty lines)."""
    other = "gb18030" if enc.startswith("utf-8") else "utf-8"
    lines: list[int] = []
    bad: list[int] = []
    empty: list[int] = []
    for n, raw in enumerate(fh, start=first_line):
        row = raw.rstrip(b"\r\n")
        if not row:
            empty.append(n)  # no row: skipped and counted as 空行
            continue
        try:
            text = row.decode(enc)
            if enc == "gb18030" and _utf8_row_in_gb(row):
                raise UnicodeDecodeError(enc, row, 0, len(row), "a UTF-8 row in a GB18030 file")
        except UnicodeDecodeError:
            bad.append(n)
            try:
                text = row.decode(other)
            except UnicodeDecodeError:
                text = row.decode(enc, errors="replace")
        out.write(text.encode("utf-8") + b"\n")
        lines.append(n)
    return lines, bad, empty


def _find_header(rows: list[list[str]], table: Table, path: Path) -> tuple[int, list[str]]:
    """The header: (index of its last row, column names). The first row that holds every required column; else
    two rows that do together — merged group headers above (「收入情况」 over 工资性收入, 生产经营性收入 …), a
    column merged down both rows keeping its name in the upper one."""
    required = set(table.required_headers)
    best, best_hits = 0, -1
    for i, row in enumerate(rows):
        cells = {c.strip() for c in row}
        if required <= cells:
            return i, [c.strip() for c in row]
        hits = len(required & cells)
        if hits > best_hits:
            best, best_hits = i, hits
    for i in range(len(rows) - 1):
        upper, lower = rows[i], rows[i + 1]
        width = max(len(upper), len(lower))
        upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
        merged = [lo.strip() or up.strip() for up, lo in zip(upper, lower, strict=True)]
        if required <= set(merged) and not required <= {c.strip() for c in upper}:
            return i + 1, merged
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


def read_head(fh: BinaryIO, table: Table, path: Path, lim: Limits) -> tuple[list[list[str]], list[bytes]]:
    """The lines up to the header (at most HEAD_LINES), raw and as CSV cells; `fh` is left after the header.

    Each line is read with a bound: one longer than `max_header_bytes`, or with more than `max_columns`
    cells, is a contract error before it is parsed any further."""
    required = set(table.required_headers)
    rows: list[list[str]] = []
    raws: list[bytes] = []
    kb = lim.max_header_bytes // 1024
    while len(rows) < HEAD_LINES:
        raw = fh.readline(lim.max_header_bytes + 1)
        if not raw:
            break
        n = len(rows) + 1
        if len(raw) > lim.max_header_bytes:
            raise ContractError(
                str(path),
                f"line {n} is longer than {kb} KB (the header must be within the first {HEAD_LINES} lines)",
                extra={"line": n},
                cn=f"第{n}行超过 {kb} KB：表头过长（表头应在前{HEAD_LINES}行内，每行不超过 {kb} KB）",
            )
        if n == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        raws.append(raw)
        text, _ = _decode_line(raw.rstrip(b"\r\n"))
        rows.append(next(csv.reader([text])) if text.strip() else [])
        if len(rows[-1]) > lim.max_columns:
            raise ContractError(
                str(path),
                f"line {n} has {len(rows[-1])} columns (at most {lim.max_columns})",
                extra={"line": n},
                cn=f"第{n}行有 {len(rows[-1])} 列，超过 {lim.max_columns} 列的上限",
            )
        if required <= {c.strip() for c in rows[-1]}:
            break
    return rows, raws


def check_csv_bytes(data: bytes, table: Table, path: Path, lim: Limits) -> None:
    """The upload check: the reader's caps on bytes in memory (UTF-16, header lines, columns, rows)."""
    if looks_utf16(data[:4096]):
        raise ContractError(str(path), "the file is UTF-16: save it as UTF-8 or GBK", extra={"line": 1}, cn=UTF16_CN)
    fh = io.BytesIO(data)
    read_head(fh, table, path, lim)
    rest = memoryview(data)[fh.tell() :]
    n = data.count(b"\n", fh.tell()) + (1 if rest and data[-1:] != b"\n" else 0)
    if n > lim.max_rows:
        raise ContractError(str(path), f"{n} data rows (at most {lim.max_rows})", cn=rows_cn(n, lim.max_rows))


def read_csv_export(path: Path, table: Table, lim: Limits | None = None) -> ExportFile:
    """Read a CSV export: detect encoding and title rows; all cells as strings.

    The encoding is the header's: UTF-8 (with or without BOM) or GB18030; UTF-16 is a contract error. A data
    row that does not decode in it (a row pasted from a file in another encoding) is read anyway and listed
    in `bad_encoding_lines`, for ingest to quarantine — the rest of the file loads as usual. The caps in
    `Limits` are checked before the rows are parsed.
    """
    lim = lim or limits()
    with path.open("rb") as fh:
        start = fh.read(4096)
        if looks_utf16(start):
            raise ContractError(
                str(path), "the file is UTF-16: save it as UTF-8 or GBK", extra={"line": 1}, cn=UTF16_CN
            )
        fh.seek(0)
        head, raws = read_head(fh, table, path, lim)
        header_idx, names = _find_header(head, table, path)
        if header_idx + 1 < len(raws):  # a two-row header: read_head went past it
            fh.seek(len(UTF8_BOM) if start.startswith(UTF8_BOM) else 0)
            for _ in range(header_idx + 1):
                fh.readline(lim.max_header_bytes + 1)
        header_raw = raws[header_idx].rstrip(b"\r\n")
        _, header_enc = _decode_line(header_raw)
        if header_enc is None:
            raise ContractError(
                str(path),
                f"the header (line {header_idx + 1}) is neither UTF-8 nor GB18030",
                extra={"line": header_idx + 1},
                cn=f"第{header_idx + 1}行（表头）含无法识别的字符：请导出为 UTF-8 或 GBK 编码",
            )
        enc = ("utf-8-sig" if start.startswith(UTF8_BOM) else "utf-8") if header_enc == "utf-8" else "gb18030"
        headers = _unique_headers(names, path)
        data_start = fh.tell()
        conv = pacsv.ConvertOptions(
            column_types={h: pa.string() for h in headers}, strings_can_be_null=False, quoted_strings_can_be_null=False
        )
        bad: list[int] = []
        empty: list[int] = []
        with tempfile.TemporaryFile() as tmp:
            try:
                data = None
                utf8 = enc.startswith("utf-8")
                if _scan_data(fh, "gb18030" if not utf8 else "utf-8", path, lim, None if utf8 else tmp):
                    # The common case: pyarrow reads the rows itself, the UTF-8 file's or the GB18030 file's in UTF-8.
                    # An empty line is a row of one value, which a table of several columns does not parse.
                    parse = pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=len(headers) < 2)
                    opts = pacsv.ReadOptions(
                        skip_rows=header_idx + 1 if utf8 else 0,  # the header, and with it a byte-order mark
                        column_names=headers,
                        encoding="utf8",
                        block_size=1 << 24,
                    )
                    tmp.seek(0)
                    # A cell not UTF-8, an empty line or a ragged row: read row by row below, which tells them apart.
                    with contextlib.suppress(pa.ArrowInvalid):
                        data = pacsv.read_csv(
                            path if utf8 else tmp, read_options=opts, convert_options=conv, parse_options=parse
                        )
                    if data is not None:
                        start_line = header_idx + 2
                        lines = pa.array(np.arange(start_line, start_line + data.num_rows, dtype=np.int64))
                if data is None:  # mixed encodings or empty lines: recode row by row into a temporary UTF-8 copy
                    fh.seek(data_start)
                    tmp.seek(0)
                    tmp.truncate()
                    line_nos, bad, empty = _recode_rows(fh, "utf-8" if utf8 else enc, header_idx + 2, tmp)
                    tmp.seek(0)
                    parse = pacsv.ParseOptions(newlines_in_values=False)
                    opts = pacsv.ReadOptions(column_names=headers, encoding="utf8", block_size=1 << 24)
                    if line_nos:
                        data = pacsv.read_csv(tmp, read_options=opts, convert_options=conv, parse_options=parse)
                    else:  # only empty lines below the header
                        data = pa.table({h: pa.array([], pa.string()) for h in headers})
                    if data.num_rows != len(line_nos):
                        raise pa.ArrowInvalid(f"{data.num_rows} rows parsed from {len(line_nos)} lines")
                    lines = pa.array(line_nos, pa.int64())
            except pa.ArrowInvalid as exc:  # ragged rows etc.: the file cannot be read as a table
                raise ContractError(
                    str(path), f"CSV cannot be parsed: {exc}", cn=f"CSV 无法解析（各行列数不一致或格式损坏）：{exc}"
                ) from exc
    data = data.append_column("_line", lines)
    ef = _finish(path, table, "csv", enc, header_idx, data)
    ef.bad_encoding_lines = bad
    if empty:
        ef.skipped["空行"] = len(empty)
        ef.examples["空行"] = f"第{empty[0]}行（整行为空）"
    return ef


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if not v.is_integer():
            return repr(v)
        if abs(v) < 2**53:
            return str(int(v))
        # Beyond 2**53 a double holds no exact integer: show it as Excel does, 15 significant digits
        # (an 18-digit ID typed into a number cell becomes 341221196501010000, recognised as damage).
        return str(int(decimal.Decimal(f"{v:.15g}")))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip() if isinstance(v, str) else str(v)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _first_sheet(z: zipfile.ZipFile) -> str | None:
    """The member holding the workbook's first sheet (the one ingest reads)."""
    try:
        wb = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    first = re.search(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', wb)
    for rel in re.findall(rb"<Relationship\b[^>]*>", rels):
        rid, target = re.search(rb'\bId="([^"]+)"', rel), re.search(rb'\bTarget="([^"]+)"', rel)
        if first and rid and target and rid.group(1) == first.group(1):
            t = target.group(1).decode()
            return t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return None


def check_xlsx(z: zipfile.ZipFile, size: int, path: Path, lim: Limits) -> None:
    """Caps on an XLSX before calamine expands it: the uncompressed size (declared in the zip directory, then
    checked by streaming the first sheet through a bounded decompressor) and the first sheet's dimension."""
    infos = z.infolist()
    total = sum(i.file_size for i in infos)
    mb = total / 1024 / 1024
    if mb > lim.xlsx_max_mb:
        raise ContractError(
            str(path),
            f"XLSX expands to {mb:.0f} MB (at most {lim.xlsx_max_mb} MB)",
            cn=f"XLSX 解压后 {mb:.0f} MB，超过 {lim.xlsx_max_mb} MB 的上限",
        )
    if mb > lim.xlsx_ratio_floor_mb:
        ratio = total / max(size, 1)
        worst = max(i.file_size / max(i.compress_size, 1) for i in infos)
        if ratio > lim.xlsx_max_ratio or worst > lim.xlsx_member_ratio:
            raise ContractError(
                str(path),
                f"XLSX expands to {mb:.0f} MB, {ratio:.0f} times its size (a zip bomb?)",
                cn=(
                    f"XLSX 解压后 {mb:.0f} MB，是文件大小的 {ratio:.0f} 倍（上限 {lim.xlsx_max_ratio:.0f} 倍），"
                    "疑似压缩炸弹"
                ),
            )
    sheet = _first_sheet(z)
    if sheet is None or sheet not in z.namelist():
        return  # calamine decides whether it is a workbook at all
    info = z.getinfo(sheet)
    with z.open(info) as fh:  # zipfile stops at the declared size and checks the CRC: a lying directory fails
        head = fh.read(1 << 16)
        while fh.read(1 << 20):
            pass
    m = _DIMENSION.search(head)
    if m:
        check_sheet_size(_column_number(m.group(1)), int(m.group(2)), path, lim)


def check_sheet_size(columns: int, rows: int, path: Path, lim: Limits) -> None:
    if columns > lim.max_columns:
        raise ContractError(
            str(path),
            f"the sheet has {columns} columns (at most {lim.max_columns})",
            cn=f"工作表有 {columns} 列，超过 {lim.max_columns} 列的上限",
        )
    if rows - 1 > lim.max_rows:  # less the header row
        raise ContractError(
            str(path), f"{rows - 1} data rows (at most {lim.max_rows})", cn=rows_cn(rows - 1, lim.max_rows)
        )


XLS_SUFFIXES = (".xls", ".et")  # Excel 97-2003 (BIFF8 in an OLE compound file); WPS 表格 saves .et the same way
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (".csv", *XLSX_SUFFIXES, *XLS_SUFFIXES)
UNSUPPORTED_CN = "只接受 CSV、XLSX 或 XLS（Excel 97-2003 / WPS）"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLS_UNREADABLE_CN = "XLS 无法读取（文件损坏或不是 Excel 工作簿；可在 Excel 或 WPS 中另存为 XLSX 后重新导入）"


def _cfb_stream(data: bytes | memoryview, name: str) -> tuple[list[int], int, int] | None:
    """The sectors, size and sector size of a stream of an OLE compound file (the container of .xls); None when
    the file has no such stream in regular sectors (a stream under 4 KiB lives in the mini stream: small)."""
    mv = memoryview(data)
    if len(mv) < 512 or bytes(mv[:8]) != CFB_MAGIC:
        raise ValueError("not an OLE compound file")
    ssz = 1 << int.from_bytes(mv[30:32], "little")
    if ssz not in (512, 4096):
        raise ValueError("bad sector size")
    n_sectors = (len(mv) - ssz) // ssz + 1

    def sector(i: int) -> memoryview:
        if not 0 <= i < n_sectors:
            raise ValueError("sector out of range")
        return mv[(i + 1) * ssz : (i + 2) * ssz]

    def u32s(b: memoryview) -> list[int]:
        return [int.from_bytes(b[k : k + 4], "little") for k in range(0, len(b) - len(b) % 4, 4)]

    fat_sectors = u32s(mv[76:512])
    difat, seen = int.from_bytes(mv[68:72], "little"), 0
    while difat < 0xFFFFFFFA and seen < n_sectors:
        entries = u32s(sector(difat))
        fat_sectors += entries[:-1]
        difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for fs in fat_sectors[: int.from_bytes(mv[44:48], "little")]:
        fat += u32s(sector(fs))

    def chain(start: int) -> list[int]:
        out = []
        while start < 0xFFFFFFFA:
            if len(out) > n_sectors or start >= len(fat):
                raise ValueError("broken sector chain")
            out.append(start)
            start = fat[start]
        return out

    directory = b"".join(bytes(sector(s)) for s in chain(int.from_bytes(mv[48:52], "little")))
    for k in range(0, len(directory), 128):
        entry = directory[k : k + 128]
        length = int.from_bytes(entry[64:66], "little")
        if entry[66] == 2 and entry[: max(length - 2, 0)].decode("utf-16-le", errors="replace") == name:
            size = int.from_bytes(entry[120:124], "little")
            if size < int.from_bytes(mv[56:60], "little"):
                return None
            return chain(int.from_bytes(entry[116:120], "little")), size, ssz
    return None


def xls_sheet_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(columns, rows) of the first sheet of an XLS from its DIMENSIONS record, read without parsing any cell;
    None when the file does not say (calamine then decides, and the reader checks its size again)."""
    found = _cfb_stream(data, "Workbook") or _cfb_stream(data, "Book")
    if found is None:
        return None
    sectors, size, ssz = found
    mv = memoryview(data)

    def read(offset: int, n: int) -> bytes:
        out = bytearray()
        while n > 0 and offset < size:
            i, o = divmod(offset, ssz)
            if i >= len(sectors):
                break
            start = (sectors[i] + 1) * ssz + o
            piece = bytes(mv[start : start + min(n, ssz - o)])
            if not piece:
                break
            out += piece
            offset, n = offset + len(piece), n - len(piece)
        return bytes(out)

    def records(offset: int, limit: int) -> list[tuple[int, bytes]]:
        out = []
        while len(out) < limit and offset + 4 <= size:
            head = read(offset, 4)
            if len(head) < 4:
                break
            rt, ln = int.from_bytes(head[:2], "little"), int.from_bytes(head[2:], "little")
            out.append((rt, read(offset + 4, min(ln, 32))))
            offset += 4 + ln
        return out

    sheet_at = None
    for rt, body in records(0, 10_000):  # the workbook globals: the first BOUNDSHEET says where sheet 1 starts
        if rt == 0x0085 and len(body) >= 4:
            sheet_at = int.from_bytes(body[:4], "little")
            break
        if rt == 0x000A:  # EOF of the globals
            break
    if sheet_at is None:
        return None
    for rt, body in records(sheet_at, 64):
        if rt == 0x0200:  # DIMENSIONS: BIFF8 rows as u32, BIFF5 as u16; last column + 1
            if len(body) >= 12:
                return int.from_bytes(body[10:12], "little"), int.from_bytes(body[4:8], "little")
            if len(body) >= 8:
                return int.from_bytes(body[6:8], "little"), int.from_bytes(body[2:4], "little")
    return None


def check_xls(data: bytes | memoryview, path: Path, lim: Limits, *, size: int | None = None) -> None:
    """Caps on an XLS before calamine reads it: the file's size (an XLS is not compressed) and the first
    sheet's dimension record."""
    mb = (len(data) if size is None else size) / 1024 / 1024
    if mb > lim.xls_max_mb:
        raise ContractError(
            str(path),
            f"XLS of {mb:.0f} MB (at most {lim.xls_max_mb} MB)",
            cn=f"XLS 文件 {mb:.0f} MB，超过 {lim.xls_max_mb} MB 的上限（可另存为 XLSX 或 CSV）",
        )
    try:
        dims = xls_sheet_size(data)
    except (ValueError, IndexError) as exc:
        raise ContractError(str(path), f"XLS cannot be read: {exc}", cn=XLS_UNREADABLE_CN) from exc
    if dims:
        check_sheet_size(dims[0], dims[1], path, lim)


def read_xlsx_export(path: Path, table: Table, lim: Limits | None = None) -> ExportFile:
    """Read the first sheet of an XLSX (or XLS / WPS .et) export with calamine; title rows above the header
    skipped."""
    from python_calamine import CalamineWorkbook

    lim = lim or limits()
    xls = path.suffix.lower() in XLS_SUFFIXES
    kind = "XLS" if xls else "XLSX"
    unreadable = XLS_UNREADABLE_CN if xls else "XLSX 无法读取（文件损坏或不是 Excel 工作簿）"
    if xls:
        size = path.stat().st_size
        check_xls(memoryview(b"") if size > lim.xls_max_mb * 1024 * 1024 else path.read_bytes(), path, lim, size=size)
    else:
        try:
            with zipfile.ZipFile(path) as z:
                check_xlsx(z, path.stat().st_size, path, lim)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise ContractError(str(path), f"XLSX cannot be read: {exc}", cn=unreadable) from exc
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
    except Exception as exc:  # corrupt or not a workbook at all
        raise ContractError(str(path), f"{kind} cannot be read: {exc}", cn=unreadable) from exc
    check_sheet_size(sheet.total_width, sheet.total_height, path, lim)  # before a Python object per cell
    try:
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise ContractError(str(path), f"{kind} cannot be read: {exc}", cn=unreadable) from exc
    head = [[_cell_text(v) for v in r] for r in rows[:10]]
    header_idx, headers = _find_header(head, table, path)
    while headers and headers[-1] == "":
        headers.pop()
    _unique_headers(headers, path)
    body = rows[header_idx + 1 :]
    n = len(headers)
    cols: list[list[str]] = [[] for _ in range(n)]
    lines: list[int] = []
    for i, r in enumerate(body):
        cells = [_cell_text(v) for v in r[:n]]
        cells += [""] * (n - len(cells))
        for j in range(n):
            cols[j].append(cells[j])
        lines.append(header_idx + 2 + i)
    data = pa.table({h: pa.array(c, pa.string()) for h, c in zip(headers, cols, strict=True)})
    data = data.append_column("_line", pa.array(lines, pa.int64()))
    fmt = "xls" if xls else "xlsx"
    return _finish(path, table, fmt, fmt, header_idx, data)


def read_export(path: Path, table: Table, lim: Limits | None = None) -> ExportFile:
    """Read one export file of a known table: its rows as text, sheet furniture (合计行, 空行) skipped and
    counted, values normalised (fupin.data.tidy)."""
    from fupin.data.tidy import tidy

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return tidy(read_csv_export(path, table, lim))
    if suffix in XLSX_SUFFIXES + XLS_SUFFIXES:
        return tidy(read_xlsx_export(path, table, lim))
    raise ContractError(
        str(path),
        f"unsupported file type {suffix!r} (CSV, XLSX or XLS expected)",
        cn=f"不支持的文件类型 {suffix}：{UNSUPPORTED_CN}",
    )
