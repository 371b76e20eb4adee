"""What a county PC's Excel or WPS does to an export, undone before validation (issue 19).

- Sheet furniture is skipped and counted, never loaded or quarantined: 合计 / 小计 / 总计 rows (the first
  non-empty cell says so) and rows with no value at all (the blank rows a sheet trails). `read = loaded +
  quarantined + skipped` per file.
- Values are normalised and counted by kind: full-width digits and letters (NFKC, in every column but free
  text, whose full-width punctuation is the text's own), surrounding spaces, Excel's leading apostrophe
  (text prefix), a lower-case `x` as an ID's check digit, 元 / ¥ / thousands separators in money columns,
  and dates that Excel turned into serial numbers (43831 → 2020-01-01, only in 1920–2050: no other date
  format is a 4–5 digit number).
- Damage that cannot be undone — an ID or household number saved as a number (3.41221E+17, or 18 digits
  ending in 000 after Excel kept 15) — is left as it is for validation to quarantine as 'excel_number'.

Everything runs as pyarrow compute over whole columns (the reader's thread, the GIL released): province-scale
files stay fast.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pyarrow.compute as pc

from fupin.data.contract import Column
from fupin.data.exportio import ExportFile

TOTAL_ROW = "合计行"
BLANK_ROW = "空行"
FULLWIDTH = "全角字符"
SPACES = "首尾空格"
APOSTROPHE = "文本前缀（'）"
LOWER_X = "校验位小写x"
MONEY = "金额中的元或千位分隔符"
SERIAL_DATE = "日期为Excel序列号"
KINDS = (TOTAL_ROW, BLANK_ROW, FULLWIDTH, SPACES, APOSTROPHE, LOWER_X, MONEY, SERIAL_DATE)

_TOTAL = re.compile(r"^(合计|小计|总计|本页合计|本页小计|全县合计|全市合计)[:：]?$")
_FULLWIDTH = "[\uff01-\uff5e\u3000]"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug ends before March)
SERIAL_RANGE = ((dt.date(1920, 1, 1) - EXCEL_EPOCH).days, (dt.date(2050, 12, 31) - EXCEL_EPOCH).days)
_SHOWN_TYPES = ("county_code", "village_code", "int", "decimal", "date", "month", "flag", "enum")
# Each step is gated by a cheap kernel (a regex pass costs ~70 ns a value): most columns of most files have
# nothing to normalise and cost a few passes of string_is_ascii / starts_with / trim.
_NO_NFKC = ("text", "enum", "flag")  # free text keeps its full-width punctuation; enum values are Chinese words


def tidy(ef: ExportFile) -> ExportFile:
    """Skip the furniture rows of `ef` and normalise its values in place; the counts go into `ef`."""
    data = ef.data
    present = set(data.column_names)
    cols = {c.cn: c for c in ef.table.columns if c.cn in present}
    lines = data.column("_line")
    if data.num_rows:
        data, lines = _skip_furniture(ef, data, lines)
    if not data.num_rows:
        ef.data = data
        return ef
    changed = 0
    for name, col in cols.items():
        arr = data.column(name).combine_chunks()
        new = _normalise(ef, col, arr, lines)
        if new is not arr:
            diff = pc.fill_null(pc.not_equal(new, arr), False)
            changed += pc.sum(pc.cast(diff, pa.int64())).as_py() or 0
            data = data.set_column(data.schema.get_field_index(name), name, new)
    ef.values_normalised = changed  # each changed value once, whatever its kinds
    ef.data = data
    return ef


def _skip_furniture(ef: ExportFile, data: pa.Table, lines: pa.ChunkedArray) -> tuple[pa.Table, pa.ChunkedArray]:
    """Drop 合计行 and 空行, counting them and keeping the first line of each as its example."""
    names = [n for n in data.column_names if n != "_line"]
    if not names:
        return data, lines
    head = pc.utf8_trim_whitespace(data.column(names[0]).combine_chunks())
    suspect = pc.equal(pc.binary_length(head), 0)
    for ch in {m[0] for m in _TOTAL.pattern.strip("^()[:：]?$").split("|")}:
        suspect = pc.or_(suspect, pc.starts_with(head, ch))
    if not pc.any(suspect).as_py():
        return data, lines  # every row starts with a value, none with 合计 …: no furniture
    blank = None
    first_value = pa.nulls(data.num_rows, pa.string())
    for name in reversed(names):  # the first non-empty cell of each row
        v = pc.utf8_trim_whitespace(data.column(name).combine_chunks())
        empty = pc.equal(pc.utf8_length(v), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
        first_value = pc.if_else(empty, first_value, v)
    if blank is None:
        return data, lines
    squeezed = pc.replace_substring_regex(pc.fill_null(first_value, ""), r"\s+", "")
    total = pc.and_(pc.invert(blank), pc.match_substring_regex(squeezed, _TOTAL.pattern))
    drop = pc.or_(blank, total)
    if not pc.any(drop).as_py():
        return data, lines
    line_list = lines.combine_chunks()
    for kind, mask in ((TOTAL_ROW, total), (BLANK_ROW, blank)):
        n = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if n:
            ef.skipped[kind] = ef.skipped.get(kind, 0) + n  # the reader counts empty CSV lines
            first = pc.index(mask, True).as_py()
            shown = squeezed[first].as_py() if kind == TOTAL_ROW else ""
            example = f"第{line_list[first].as_py()}行" + (f"：{shown}" if shown else "（整行为空）")
            ef.examples.setdefault(kind, example)
    keep = pc.invert(drop)
    data = data.filter(keep)
    return data, data.column("_line")


def _note(ef: ExportFile, kind: str, col: Column, before: pa.Array, after: pa.Array, lines: pa.Array) -> pa.Array:
    """Count the values a step changed and keep the first as the kind's example."""
    diff = pc.fill_null(pc.not_equal(before, after), False)
    n = pc.sum(pc.cast(diff, pa.int64())).as_py() or 0
    if n:
        ef.normalised[kind] = ef.normalised.get(kind, 0) + n
        if kind not in ef.examples:
            i = pc.index(diff, True).as_py()
            line = lines[i].as_py()
            if col.type in _SHOWN_TYPES:
                ef.examples[kind] = f"第{line}行「{col.cn}」：{before[i].as_py()!r} → {after[i].as_py()!r}"
            else:  # names, IDs and phone numbers are not shown
                ef.examples[kind] = f"第{line}行「{col.cn}」"
    return after


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _normalise(ef: ExportFile, col: Column, arr: pa.Array, lines: pa.Array) -> pa.Array:
    start = arr
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    ascii_only = pc.all(pc.string_is_ascii(arr)).as_py() is not False
    if col.type not in _NO_NFKC and not ascii_only:
        wide = pc.match_substring_regex(arr, _FULLWIDTH)
        if _any(wide):
            arr = _note(ef, FULLWIDTH, col, arr, pc.if_else(wide, pc.utf8_normalize(arr, "NFKC"), arr), lines)
    trimmed = pc.utf8_trim_whitespace(arr)
    if _any(pc.not_equal(pc.binary_length(trimmed), pc.binary_length(arr))):
        arr = _note(ef, SPACES, col, arr, trimmed, lines)
    if col.type != "text":
        quoted = pc.starts_with(arr, "'")
        if _any(quoted):
            stripped = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(arr, 1))
            arr = _note(ef, APOSTROPHE, col, arr, pc.if_else(quoted, stripped, arr), lines)
    if col.type == "id_number":
        if _any(pc.ends_with(arr, "x")):
            arr = _note(ef, LOWER_X, col, arr, pc.replace_substring_regex(arr, r"^([0-9]{17})x$", r"\1X"), lines)
    elif col.type == "decimal":
        if not ascii_only or _any(pc.match_substring(arr, ",")):
            unit = re.escape(col.unit or "元")
            pattern = rf"^[¥]?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:{unit})?$"
            money = pc.match_substring_regex(arr, pattern)
            plain = pc.match_substring_regex(arr, r"^-?[0-9]+(\.[0-9]+)?$")
            todo = pc.and_(money, pc.invert(plain))
            if _any(todo):
                parsed = pc.replace_substring(pc.replace_substring_regex(arr, pattern, r"\1"), ",", "")
                arr = _note(ef, MONEY, col, arr, pc.if_else(todo, parsed, arr), lines)
    elif col.type == "date":
        short = pc.and_(pc.greater_equal(pc.binary_length(arr), 4), pc.less_equal(pc.binary_length(arr), 7))
        if _any(short):
            serial = pc.and_(short, pc.match_substring_regex(arr, r"^[0-9]{4,5}(\.0+)?$"))
            if _any(serial):
                days = pc.cast(pc.cast(pc.if_else(serial, arr, "0"), pa.float64()), pa.int64())
                lo, hi = SERIAL_RANGE
                ok = pc.and_(serial, pc.and_(pc.greater_equal(days, lo), pc.less_equal(days, hi)))
                unix_days = pc.cast(pc.subtract(days, (dt.date(1970, 1, 1) - EXCEL_EPOCH).days), pa.int32())
                as_date = pc.strftime(pc.cast(unix_days, pa.date32()), "%Y-%m-%d")
                arr = _note(ef, SERIAL_DATE, col, arr, pc.if_else(ok, as_date, arr), lines)
    return arr if arr is not start else start
