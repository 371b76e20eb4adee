"""Tables with the registry's Chinese labels (`fupin.core.labels.COLUMNS`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from fupin.core.labels import COLUMNS
from fupin.views.base import Table, labelled


def table_of(
    df: pd.DataFrame, names: Sequence[str], *, formats: dict[str, str] | None = None, height: int | None = None
) -> Table:
    """`names` (query columns, in order) labelled from COLUMNS; `formats` keyed by query column too."""
    fmt = {COLUMNS[c]: f for c, f in (formats or {}).items() if c in names}
    return Table(labelled(df, {c: COLUMNS[c] for c in names}), formats=fmt or None, height=height)
