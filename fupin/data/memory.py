"""The ingest process's memory cap (issue 12: a dry run inside the Streamlit server took 9.3 GB).

Light on purpose (no DuckDB or pyarrow): `python -m fupin ingest --memory-mb N` applies the cap before those
libraries load, and recognising a memory failure must work even when loading them was what failed.
"""

from __future__ import annotations

import contextlib
import os

DEFAULT_MEMORY_MB = 8192  # province scale: 5.3 GB of address space at 3.2 GB RSS (see README)
# What running out of address space looks like, by the library that ran out first.
_SIGNS = (
    "out of memory",  # DuckDB OutOfMemoryException, ArrowMemoryError
    "memoryerror",
    "bad allocation",  # DuckDB's std::bad_alloc
    "bad_alloc",
    "failed to allocate",
    "could not allocate",
    "cannot allocate memory",  # ENOMEM; the loader's "cannot allocate memory for thread-local data"
    "failed to map segment",  # a shared library that no longer fits
    "failed to launch worker thread",  # pyarrow: no room for a thread's stack
    "resource temporarily unavailable",  # pthread_create's EAGAIN
)


def ingest_memory_mb() -> int:
    """The cap for an ingest started by the 数据导入 page (FUPIN_INGEST_MEMORY_MB, default 8192)."""
    return int(os.environ.get("FUPIN_INGEST_MEMORY_MB") or DEFAULT_MEMORY_MB)


def limit_memory(mb: int) -> None:
    """Cap this process's address space (RLIMIT_AS) at `mb` MB, and keep the allocators from reserving address
    space they do not use (glibc arenas per thread, jemalloc's chunks), which would count against it."""
    import ctypes
    import resource

    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # read when pyarrow loads
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX = 2
    resource.setrlimit(resource.RLIMIT_AS, (mb * 1024 * 1024, mb * 1024 * 1024))


# Under an address-space cap a C extension whose allocation failed may return an error without setting one; Python
# then raises SystemError with this text (seen while importing sqlalchemy and inside pyarrow under a 450 MB cap).
_CAPPED_SIGN = "error return without exception set"


def looks_out_of_memory(text: str, *, capped: bool = False) -> bool:
    """Does this error (or a dead process's stderr) say it ran out of memory? With `capped` (the process ran under
    limit_memory) a C extension's error without an exception counts too: under a cap that is the cap."""
    low = text.lower()
    return any(sign in low for sign in _SIGNS) or (capped and _CAPPED_SIGN in low)


def out_of_memory_cn(mb: int | None) -> str:
    limit = f"（{mb:,} MB）" if mb else ""
    return (
        f"所需内存超过导入进程的上限{limit}，导入进程已停止：请把大文件按市拆分后重试，"
        "或请管理员调高 FUPIN_INGEST_MEMORY_MB"
    )
