"""Masking of names, ID numbers and phone numbers (张** / 3412**********1234 / 138****5678).

Masked by default for everyone; only a role that may unmask (省级管理员) sees them in full, and
only when asked — and that view is audited like any other.
"""

from __future__ import annotations

import pandas as pd

NAME_COLUMNS = ("head_name", "name", "contact_name", "visitor_name")
ID_COLUMNS = ("head_id_number", "id_number")
PHONE_COLUMNS = ("phone", "contact_phone")


def mask_names(s: pd.Series) -> pd.Series:
    s = s.fillna("").astype(str)
    return s.str[:1] + s.str.len().clip(lower=2).sub(1).map(lambda n: "*" * n).where(s != "", "")


def mask_ids(s: pd.Series) -> pd.Series:
    s = s.fillna("").astype(str)
    return (s.str[:4] + "**********" + s.str[-4:]).where(s.str.len() >= 8, s.map(lambda v: "*" * len(v)))


def mask_phones(s: pd.Series) -> pd.Series:
    s = s.fillna("").astype(str)
    return (s.str[:3] + "****" + s.str[-4:]).where(s.str.len() >= 7, s)


def mask_frame(df: pd.DataFrame, *, unmask: bool = False) -> pd.DataFrame:
    """A copy with every personal column masked (unless `unmask`, which the caller must be allowed)."""
    if unmask:
        return df.copy()
    out = df.copy()
    for col in out.columns:
        if col in NAME_COLUMNS:
            out[col] = mask_names(out[col])
        elif col in ID_COLUMNS:
            out[col] = mask_ids(out[col])
        elif col in PHONE_COLUMNS:
            out[col] = mask_phones(out[col])
    return out
