"""Ingest in a process of its own, slowed down, for tests that race two ingests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def slow_ingest(src: Path, db: Path, *args: str) -> subprocess.Popen:
    """`python -m fupin ingest` in a process of its own, half a second slower per table validated."""
    script = (
        "import sys, time; import fupin.data.ingest as ing; from fupin.__main__ import main\n"
        "orig = ing._validate_table\n"
        "def slow(*a, **k):\n"
        "    time.sleep(0.5)\n"
        "    return orig(*a, **k)\n"
        "ing._validate_table = slow\n"
        f"sys.exit(main(['ingest', {str(src)!r}, '--db', {str(db)!r}, *{list(args)!r}]))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_until_building(db: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until `proc` is past reading (its half-built file exists, under the lock when there is one)."""
    import time

    deadline = time.monotonic() + timeout
    while not list(db.parent.glob(f".{db.name}.building-{proc.pid}")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
