"""Aggregate query results shared by every app process on a host: Arrow files beside the warehouse, one folder per
batch and file (`<warehouse>.results/<batch id>-<inode>-<mtime>/`).

Each app process keeps its own in-memory cache (fupin/ui/connection.py). Without this layer N processes each run
every cold aggregate query and each warm the same first pages after a start or a swap: N times the CPU for the same
rows. With it, the first process to need a result computes it and writes it once (to a temporary file, then
renamed: a reader sees a whole file or none); the others read it in milliseconds. The warehouse is read-only per
batch, so a result never goes stale; a new file gets a new folder and the folders of earlier files are removed when a
process warms the new one (prune).

Arrow IPC, not pickle: a file in the folder is data, never code. Only aggregates are written — queries returning
household rows (queries.HOUSEHOLD_ROWS) stay in process memory, so no list of people is copied out of the warehouse.
FUPIN_RESULTS=off turns the layer off (each process on its own, as before).

May import: fupin.core; pandas, pyarrow. Not streamlit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

_LOG = logging.getLogger(__name__)
SUFFIX = ".results"


def enabled() -> bool:
    return os.environ.get("FUPIN_RESULTS", "on").lower() not in ("off", "0", "no")


def generation(batch_id: str, identity: tuple[int, int]) -> str:
    """The warehouse file's batch and its identity (inode, mtime): a re-ingest of the same exports (the same batch
    id, perhaps other reference data or code) is another generation."""
    return f"{_safe(batch_id)}-{identity[0]}-{identity[1]}"


def folder(warehouse: Path, gen: str) -> Path:
    return warehouse.with_name(warehouse.name + SUFFIX) / gen


def _safe(text: str) -> str:
    """A batch id as a folder name: its hash when it holds anything but letters, digits, '-' and '_'."""
    if text and all(c.isalnum() or c in "-_" for c in text) and len(text) <= 64:
        return text
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def key_of(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def cached(warehouse: Path, gen: str, key: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The result stored under `key` for this warehouse generation, or compute() stored there for the other
    processes. The key names the query, its SQL text, the scope and the parameters (key_of)."""
    if not enabled():
        return compute()
    path = folder(warehouse, gen) / f"{key}.arrow"
    try:
        return feather.read_table(path, memory_map=False).to_pandas()
    except FileNotFoundError:
        pass
    except (OSError, pa.ArrowException) as exc:  # a damaged file: computed again and replaced
        _LOG.warning("result file %s unreadable (%r): computing it again", path, exc)
    df = compute()
    _write(path, df)
    return df


def _write(path: Path, df: pd.DataFrame) -> None:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        table = pa.Table.from_pandas(df, preserve_index=False)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".arrow")
        os.close(fd)
        feather.write_feather(table, tmp, compression="uncompressed")
        os.replace(tmp, path)
        tmp = None
    except (OSError, pa.ArrowException, ValueError, TypeError) as exc:  # sharing is an optimisation
        _LOG.warning("cannot keep result %s (%r)", path, exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def prune(warehouse: Path, keep: str) -> int:
    """Remove the result folders of every generation but `keep` (the file now in place). Returns how many."""
    root = warehouse.with_name(warehouse.name + SUFFIX)
    removed = 0
    with contextlib.suppress(FileNotFoundError):
        for d in root.iterdir():
            if d.is_dir() and d.name != keep:
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
    return removed
