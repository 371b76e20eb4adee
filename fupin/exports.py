"""Downloadable files: XLSX work orders with a title row, Chinese headers, frozen header."""

from __future__ import annotations

import io

import pandas as pd


def households_xlsx(df: pd.DataFrame, *, title: str) -> bytes:
    """An XLSX of an already-masked table: title in row 1, header in row 3, filters on."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="工作单", startrow=2)
        ws = xw.sheets["工作单"]
        ws.write_string(0, 0, title)
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, 2 + len(df), max(len(df.columns) - 1, 0))
        for i, col in enumerate(df.columns):
            ws.set_column(i, i, max(8, min(40, len(str(col)) * 2 + 4)))
    return buf.getvalue()
