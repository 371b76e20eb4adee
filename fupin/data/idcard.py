"""Resident ID numbers (GB 11643): check digits, validation and vectorised generation."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """True when the number has 17 digits plus a correct check character."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    return check_digit(id_number[:17]) == id_number[17].upper()


_DAYS = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


_WEIGHTS_F = np.array(WEIGHTS, dtype=np.float32)
_CHECK_BYTES = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)


def valid_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Vectorised validity of ID numbers (format, birth date, check character); nulls are False.

    numpy over the raw bytes: where the same check in SQL costs many seconds at province scale. The digits are
    tested as bytes (a byte below '0' wraps above 9 in uint8) and weighted by one matrix product (exact: a sum is at
    most 900): the 5.6 M member IDs of a province batch take 1.4 s, against 3.4 s with int16 arrays and a sum per
    row (the same result on them, and on 200,000 IDs with one character changed)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = pc.utf8_upper(pc.utf8_trim_whitespace(arr.cast(pa.string())))
    out = np.zeros(len(arr), dtype=bool)
    has18 = pc.fill_null(pc.equal(pc.binary_length(arr), 18), False).to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(has18)
    if not len(idx):
        return out
    fixed = arr.take(pa.array(idx)).cast(pa.binary(18))
    raw = np.frombuffer(fixed.buffers()[1], dtype=np.uint8, count=len(fixed) * 18, offset=fixed.offset * 18)
    raw = raw.reshape(-1, 18)
    d = raw[:, :17] - np.uint8(ord("0"))
    digits_ok = (d <= 9).all(axis=1)
    d16 = d.astype(np.int16)
    year = d16[:, 6] * 1000 + d16[:, 7] * 100 + d16[:, 8] * 10 + d16[:, 9]
    month = d16[:, 10] * 10 + d16[:, 11]
    day = d16[:, 12] * 10 + d16[:, 13]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    max_day = _DAYS[np.clip(month - 1, 0, 11)] - ((month == 2) & ~leap)
    date_ok = (year >= 1890) & (year <= 2030) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= max_day)
    total = (np.minimum(d, 9).astype(np.float32) @ _WEIGHTS_F).astype(np.int64)  # a non-digit fails digits_ok
    out[idx] = digits_ok & date_ok & (raw[:, 17] == _CHECK_BYTES[total % 11])
    return out


def upgrade_legacy(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """15-digit legacy numbers (GB 11643-1989: region, YYMMDD, sequence) as 18-digit ones: '19' before the
    2-digit year and the check character appended. Every other value is returned as it is (trimmed, upper case)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = pc.utf8_upper(pc.utf8_trim_whitespace(arr.cast(pa.string())))
    is15 = pc.fill_null(
        pc.and_(pc.equal(pc.binary_length(arr), 15), pc.match_substring_regex(arr, "^[0-9]{15}$")), False
    )
    idx = np.flatnonzero(is15.to_numpy(zero_copy_only=False))
    if not len(idx):
        return arr
    short = arr.take(pa.array(idx))
    body = pc.binary_join_element_wise(pc.utf8_slice_codeunits(short, 0, 6), pc.utf8_slice_codeunits(short, 6), "19")
    fixed = body.cast(pa.binary(17))
    b = np.frombuffer(fixed.buffers()[1], dtype=np.uint8, count=len(fixed) * 17, offset=fixed.offset * 17)
    total = ((b.reshape(-1, 17).astype(np.int16) - ord("0")) * np.array(WEIGHTS, dtype=np.int16)).sum(axis=1)
    full = pc.binary_join_element_wise(body, pa.array(np.array(list(CHECK_CHARS))[total % 11]), "")
    # In place in Arrow: through Python objects, every value of a 1 M-row feed cost ≈ 0.3 s.
    return pc.replace_with_mask(arr, is15, full.cast(pa.string()))


def upgrade_legacy_one(id_number: str) -> str:
    """One 15-digit number as its 18-digit form (anything else unchanged)."""
    v = id_number.strip().upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        return body + check_digit(body)
    return v


def id_bodies(prefix: np.ndarray, birth_yyyymmdd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 digits as int64 (6-digit region, 8-digit birth date, 3-digit sequence)."""
    return prefix.astype(np.int64) * 10**11 + birth_yyyymmdd.astype(np.int64) * 1000 + seq.astype(np.int64)


def ids_from_bodies(bodies: np.ndarray) -> pa.Array:
    """Full ID numbers (body + check character) as an Arrow string array — compact at 5 million rows."""
    total = np.zeros(len(bodies), dtype=np.int64)
    rest = bodies.copy()
    for w in reversed(WEIGHTS):  # least significant digit first
        total += (rest % 10) * w
        rest //= 10
    checks = pa.array(np.array(list(CHECK_CHARS))[total % 11])
    return pc.binary_join_element_wise(pa.array(bodies).cast(pa.string()), checks, "")


def make_ids(prefixes: np.ndarray, birth_yyyymmdd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Vectorised IDs: 6-digit region prefix + birth date + 3-digit sequence + check char.

    `seq` parity carries the sex (odd = male), as in real numbers.
    """
    body = np.char.add(
        np.char.add(prefixes.astype("U6"), birth_yyyymmdd.astype("U8")),
        np.char.zfill(seq.astype("U3"), 3),
    )
    # UCS-4 code points of the 17 digits, as small ints (keeps 5 million IDs to ~100 MB).
    digits = (body.view(np.uint32).reshape(len(body), 17) - ord("0")).astype(np.int16)
    idx = (digits * np.array(WEIGHTS, dtype=np.int16)).sum(axis=1, dtype=np.int32) % 11
    checks = np.array(list(CHECK_CHARS))[idx]
    return np.char.add(body, checks)


def mask_id(id_number: str) -> str:
    """3412**********1234: keep the first 4 and last 4 characters."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    """张**: keep the surname only."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name
