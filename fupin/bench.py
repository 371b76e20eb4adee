"""Province-scale benchmark of generate + ingest: wall time and peak RSS of each step.

Each step runs in its own child process so its peak RSS is its own (ru_maxrss of the child).
Not part of CI; run `python -m fupin bench ingest` (or `make bench`) and copy the table to the README.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

_CHILD = (
    "import resource, sys; from fupin.__main__ import main; rc = main(sys.argv[1:]); "
    "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
)


def _run(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one `python -m fupin …` step in its own process."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    peak = next((int(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("PEAK_RSS_KB")), 0)
    return seconds, peak / 1024, proc.returncode


def bench_ingest(*, scale: str, workdir: Path) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    exports, db = workdir / f"exports-{scale}", workdir / f"warehouse-{scale}.duckdb"
    results = {"scale": scale, "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores", "steps": {}}
    steps = [
        ("generate", ["generate", "--scale", scale, "--seed", "2020", "--out", str(exports)]),
        ("ingest", ["ingest", str(exports), "--db", str(db), "--report", str(workdir / "ingest-report.json")]),
    ]
    for name, cmd in steps:
        seconds, rss, code = _run(cmd)
        results["steps"][name] = {"seconds": round(seconds, 1), "peak_rss_mib": round(rss), "exit": code}
        print(f"{name:<9} {seconds:8.1f} s   peak RSS {rss:8.0f} MiB   exit {code}", flush=True)
        if code:
            return code
    size = sum(p.stat().st_size for p in exports.rglob("*") if p.is_file())
    results["exports_mib"] = round(size / 2**20)
    results["warehouse_mib"] = round(db.stat().st_size / 2**20)
    (workdir / f"bench-ingest-{scale}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0
