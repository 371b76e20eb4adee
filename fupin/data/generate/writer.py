"""Writing the exports: one folder per month, one file per table (household tables split per city), in the
encodings and formats county offices use. Every file opens with a title row that says 演示数据 — the
reader skips title rows above the header (`fupin.data.exportio`), so each stays readable by ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fupin.data import contract as C
from fupin.data.exportio import write_csv, write_xlsx
from fupin.data.generate.common import date_str

# Each city's office exports in its own encoding.
_CITY_ENCODINGS = ("utf-8", "gb18030", "utf-8-sig", "utf-8", "gb18030", "utf-8", "utf-8-sig", "gb18030")
# Province-wide tables: (format, encoding).
_SMALL_FORMATS: dict[str, tuple[str, str]] = {
    "项目库": ("xlsx", ""),
    "扶贫车间": ("xlsx", ""),
    "资金下达": ("csv", "gb18030"),
    "资金支付": ("csv", "utf-8"),
    "结对帮扶": ("xlsx", ""),
    "务工就业月报": ("csv", "utf-8-sig"),
}
SYNTHETIC_LABEL = "演示数据"


@dataclass
class GenerateReport:
    """What was written: per table, rows over all months; and the calibration figures."""

    out: Path
    scale: str
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    figures: dict[str, float] = field(default_factory=dict)


def to_arrow(table: C.Table, df: pd.DataFrame) -> pa.Table:
    """The export's columns, in contract order, with Chinese headers, all as text."""
    cols = {}
    for col in table.columns:
        s = df[col.en]
        kind = s.dtype.kind
        if kind == "M":
            arr = pa.array(date_str(s.to_numpy().astype("datetime64[D]")))
        elif kind == "f":
            arr = pa.array(np.char.mod("%.2f", s.to_numpy()))
        elif kind in "iub":
            arr = pa.array(s.to_numpy()).cast(pa.string())
        else:  # text: str, object or categorical columns, without a detour through Python objects
            arr = pa.array(s.astype("str"), from_pandas=True)
        cols[col.cn] = pc.fill_null(arr.cast(pa.string()), "")
    return pa.table(cols)


class Writer:
    """Writes each table's monthly file(s) into `out` and counts them in `report`."""

    def __init__(self, out: Path, rng: np.random.Generator, report: GenerateReport, cities: list[str]) -> None:
        self.out, self.report = out, report
        self.enc = {c: _CITY_ENCODINGS[i % len(_CITY_ENCODINGS)] for i, c in enumerate(rng.permutation(cities))}

    def by_city(self, table: C.Table, month: str, df: pd.DataFrame, code_col: str) -> None:
        city = df[code_col].str[:4]
        for c4, part in df.groupby(city, sort=True):
            code = f"{c4}00"
            title = f"{month[:4]}年{month[5:]}月 {table.cn}导出（{code}，{SYNTHETIC_LABEL}）"
            path = self.out / month / f"{table.cn}_{code}.csv"
            write_csv(path, to_arrow(table, part), encoding=self.enc[code], title=title)
            self.report.files += 1
        self.report.rows[table.cn] = self.report.rows.get(table.cn, 0) + len(df)

    def single(self, table: C.Table, month: str, df: pd.DataFrame) -> None:
        fmt, enc = _SMALL_FORMATS[table.cn]
        title = f"{month[:4]}年{month[5:]}月 安徽省{table.cn}（{SYNTHETIC_LABEL}）"
        data = to_arrow(table, df)
        if fmt == "xlsx":
            write_xlsx(self.out / month / f"{table.cn}.xlsx", data, title=title)
        else:
            write_csv(self.out / month / f"{table.cn}.csv", data, encoding=enc, title=title)
        self.report.files += 1
        self.report.rows[table.cn] = self.report.rows.get(table.cn, 0) + len(df)
