"""Hostile export files for the caps on what ingest and the upload check will read (issue 12, item 8)."""

from __future__ import annotations

import io
import zipfile

import pyarrow as pa

from fupin.data.contract import HOUSEHOLD


def wide_header(extra_columns: int) -> bytes:
    """户信息's header followed by `extra_columns` more columns (1,000,000 of them: ≈10 MB in one line)."""
    return (",".join([*HOUSEHOLD.headers, *(f"列{i}" for i in range(extra_columns))]) + "\n").encode()


def many_rows(rows: int) -> bytes:
    row = "341221100201,3412211002010001,王二,341221196501010039" + "," * (len(HOUSEHOLD.headers) - 4)
    return (",".join(HOUSEHOLD.headers) + "\n" + (row + "\n") * rows).encode()


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
    "</Relationships>"
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="导出数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
    "</Relationships>"
)


def xlsx_bomb(uncompressed_mb: int = 60) -> bytes:
    """A valid workbook whose one sheet is `uncompressed_mb` MB of the same row (compresses ≈1000×)."""
    head = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = '<row><c t="inlineStr"><is><t>341221100201</t></is></c></row>'
    body = row * (uncompressed_mb * 1024 * 1024 // len(row))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", head + body + "</sheetData></worksheet>")
    return buf.getvalue()


def xlsx_table(columns: int, rows: int) -> pa.Table:
    """户信息's columns (and more, up to `columns`), `rows` rows of varied text."""
    names = [*HOUSEHOLD.headers, *(f"列{i}" for i in range(columns - len(HOUSEHOLD.headers)))]
    return pa.table({n: [f"{j:x}{i * 7919 % 100003:05d}{n}" for i in range(rows)] for j, n in enumerate(names)})
