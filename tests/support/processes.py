"""Ingest in a process of its own, held at a gate, for tests that race two ingests (no fixed sleeps: the held
ingest waits until the test opens the gate, so the race is decided by the test, not by how busy the machine is)."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# How long a test waits for a tiny ingest in another process: a bound, not a timing (a busy shared 2-core machine
# has taken over 2 minutes for one).
INGEST_BOUND = 600


def held_ingest(src: Path, db: Path, gate: Path, *args: str, hold: float = INGEST_BOUND) -> subprocess.Popen:
    """`python -m fupin ingest` in a process of its own that stops before validating its first table (past
    reading: its half-built file exists, under the lock) until the file `gate` exists (at most `hold` seconds)."""
    script = (
        "import sys, time; from pathlib import Path; import fupin.data.ingest as ing; from fupin.__main__ import main\n"
        "orig = ing._validate_table\n"
        f"gate, deadline = Path({str(gate)!r}), time.monotonic() + {hold!r}\n"
        "def held(*a, **k):\n"
        "    while not gate.exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.02)\n"
        "    return orig(*a, **k)\n"
        "ing._validate_table = held\n"
        f"sys.exit(main(['ingest', {str(src)!r}, '--db', {str(db)!r}, *{list(args)!r}]))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_until_building(db: Path, proc: subprocess.Popen, timeout: float = INGEST_BOUND) -> None:
    """Until `proc` is past reading (its half-built file exists, under the lock when there is one)."""
    deadline = time.monotonic() + timeout
    while not list(db.parent.glob(f".{db.name}.building-{proc.pid}")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)


def wait_for_stderr(proc: subprocess.Popen, text: str, timeout: float = INGEST_BOUND) -> str:
    """Read `proc`'s standard error line by line until a line holds `text` (at most `timeout` seconds); returns
    what was read. The rest stays in the pipe for communicate()."""
    assert proc.stderr is not None
    deadline, seen = time.monotonic() + timeout, ""
    while text not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and proc.poll() is None, (seen, proc.communicate())
        ready, _, _ = select.select([proc.stderr], [], [], min(left, 0.5))
        if ready:
            seen += proc.stderr.readline()
    return seen
