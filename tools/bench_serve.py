"""Serving benchmark (not part of CI): `python -m fupin serve --workers N` on a warehouse, driven by the websocket
load client (tools/wsload.py) with the load test's role mix; one JSON line per run, and a plot of p95 vs sessions.

`python -m tools.bench_serve --db WAREHOUSE --workers 1 2 --sessions 20 50 100 200 --minutes 5 --warmup 60 --think 10`
(`--beside 'CMD'`: CMD runs during the measured window at the import's priority, e.g. an import dry run)

Per run: a fresh start of the serve command (its caches warm in the background), the sessions sign in (their
starts spread over the warm-up), then only requests that start after the warm-up count. Client time: rerun request
→ script_finished as the client saw it; server time: app.py's own script-run time (FUPIN_TIMING_LOG). CPU seconds
and peak RSS of each app process and of HAProxy are sampled every second; the load average before and after is
recorded, because this machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from fupin.core.reference import PROJECT_ROOT
from tools.harness import free_port
from tools.wsload import Sample, drive, pct, plans_from_accounts, summarize

PASSWORD = "load-test-password"


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _watch(pid: int, stop: threading.Event, out: dict, t_measure: float) -> None:
    import psutil

    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            for c in root.children(recursive=True):
                name = (
                    "haproxy" if "haproxy" in c.name() else f"app:{c.cmdline()[c.cmdline().index('--server.port') + 1]}"
                )
                t = c.cpu_times()
                rec = out.setdefault(name, {"cpu0": t.user + t.system, "rss_max_mib": 0.0})
                rec["cpu1"] = t.user + t.system
                if time.time() < t_measure or "cpu_m" not in rec:
                    rec["cpu_m"] = rec["cpu1"]  # the CPU used before the measured window starts
                rec["rss_max_mib"] = max(rec["rss_max_mib"], c.memory_info().rss / 2**20)
        except (psutil.Error, ValueError, IndexError):
            pass
        stop.wait(1.0)


def _beside(cmd: list[str], start_at: float, stop: threading.Event, out: dict) -> None:
    """Run `cmd` from `start_at` (the measured window) at the import's lower priority (fupin/data/importer.py), until
    it ends or the window does; record its wall time and exit code."""
    from fupin.data.importer import lower_priority

    while time.time() < start_at and not stop.is_set():
        stop.wait(0.2)
    if stop.is_set():
        return
    t0 = time.monotonic()
    proc = subprocess.Popen([*lower_priority(), *cmd], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    out["command"] = " ".join([*lower_priority(), *cmd])
    while proc.poll() is None and not stop.is_set():
        stop.wait(0.5)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(30)
        out["finished"] = False
    else:
        out["finished"] = True
    out["exit_code"], out["wall_s"] = proc.returncode, round(time.monotonic() - t0, 1)


def run_one(
    *,
    db: Path,
    workdir: Path,
    workers: int,
    sessions: int,
    minutes: float,
    warmup_s: float,
    think_s: float,
    beside: list[str] | None = None,
) -> dict:
    from tools.loadtest import plans, write_accounts

    workdir.mkdir(parents=True, exist_ok=True)
    accounts = workdir / "load-accounts.toml"
    write_accounts(accounts, plans(max(sessions, 2)))
    timing = workdir / f"times-{workers}-{sessions}.tsv"
    timing.unlink(missing_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "FUPIN_DB": str(db),
        "FUPIN_ACCOUNTS": str(accounts),
        "FUPIN_TIMING_LOG": str(timing),
        "FUPIN_STORE": os.environ.get("FUPIN_STORE", str(workdir / "store.sqlite")),
        "FUPIN_KEY_DIR": os.environ.get("FUPIN_KEY_DIR", str(workdir / "keys")),
    }
    run_dir = workdir / f"run-{workers}-{sessions}"
    cmd = [sys.executable, "-m", "fupin", "serve", "--workers", str(workers), "--port", str(port)]
    cmd += ["--run-dir", str(run_dir), "--first-worker-port", str(free_port() + 7)]
    log = workdir / f"serve-{workers}-{sessions}.log"
    load_before = _loadavg()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    procs: dict = {}
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 300
        while "ready:" not in log.read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(encoding="utf-8"))
            time.sleep(0.5)
        t_measure = time.time() + warmup_s
        watcher = threading.Thread(target=_watch, args=(proc.pid, stop, procs, t_measure), daemon=True)
        watcher.start()
        other: dict = {}
        if beside:
            side = threading.Thread(target=_beside, args=(beside, t_measure, stop, other), daemon=True)
            side.start()
        samples: list[Sample] = asyncio.run(
            drive(
                f"http://127.0.0.1:{port}",
                plans_from_accounts(sessions, PASSWORD),
                minutes=minutes,
                think_s=think_s,
                ramp_s=warmup_s,
            )
        )
        stop.set()
        watcher.join(timeout=5)
        if beside:
            side.join(timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    measured = [s for s in samples if s.kind == "signin" or s.started >= t_measure]
    summary = summarize(measured)
    server = []
    if timing.exists():
        for line in timing.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and float(parts[0]) >= t_measure:
                server.append(float(parts[3]))
    wall = minutes * 60
    result = {
        "workers": workers,
        "sessions": sessions,
        "minutes": minutes,
        "warmup_s": warmup_s,
        "think_s": think_s,
        **summary,
        "server_runs": len(server),
        "server_p50_s": pct(server, 50),
        "server_p95_s": pct(server, 95),
        "server_max_s": round(max(server, default=0.0), 3),
        "processes": {
            k: {
                "cpu_s": round(v.get("cpu1", 0) - v["cpu0"], 1),
                "cpu_s_measured": round(v.get("cpu1", 0) - v.get("cpu_m", 0), 1),
                "cpu_share_measured": round((v.get("cpu1", 0) - v.get("cpu_m", 0)) / wall, 2),
                "rss_max_mib": round(v["rss_max_mib"]),
            }
            for k, v in sorted(procs.items())
        },
        "app_cpu_s_per_request": round(
            sum(v.get("cpu1", 0) - v.get("cpu_m", 0) for k, v in procs.items() if k.startswith("app"))
            / max(1, summary["requests"]),
            3,
        ),
        "beside": other if beside else None,
        "load_before": load_before,
        "load_after": _loadavg(),
        "cores": os.cpu_count(),
    }
    with (workdir / "bench-serve.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")
    return result


def plot(jsonl: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for workers in sorted({r["workers"] for r in rows}):
        pts = sorted((r["sessions"], r["client_p95_s"], r["errors"]) for r in rows if r["workers"] == workers)
        label = f"{workers} process{'es' if workers > 1 else ''} behind HAProxy"
        done = [p for p in pts if p[1] > 0]  # a run where no page finished has no p95: marked at 0 with an x
        line = ax.plot([p[0] for p in done], [p[1] for p in done], marker="o", label=label)[0]
        none = [p for p in pts if p[1] == 0]
        ax.plot([p[0] for p in none], [0] * len(none), "x", color=line.get_color(), markersize=9)
        for s, p95, err in pts:
            note = f"{err} err" + ("" if p95 else ", no page finished")
            ax.annotate(note, (s, p95), textcoords="offset points", xytext=(4, 4 + 10 * (workers - 1)), fontsize=7)
    loads = [x for r in rows for x in (r["load_before"][0], r["load_after"][0])]
    ax.set_title(
        f"Province warehouse, {rows[0].get('cores', 2)}-core machine (load average {min(loads):.0f}–{max(loads):.0f}): "
        "p95 vs sessions",
        fontsize=9,
    )
    ax.axhline(1.5, color="grey", linestyle="--", linewidth=0.8, label="target p95 1.5 s")
    ax.set_xlabel("concurrent sessions (10 s think time)")
    ax.set_ylabel("client-observed p95 (s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.margins(x=0.08, y=0.12)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_serve")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--workdir", type=Path, default=Path("bench/serve"))
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sessions", type=int, nargs="+", default=[20, 50, 100, 200])
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=60.0)
    p.add_argument("--think", type=float, default=10.0)
    p.add_argument("--plot", type=Path, help="only draw the PNG from WORKDIR/bench-serve.jsonl")
    p.add_argument(
        "--beside",
        help="a command run during the measured window at the import's priority, e.g. "
        "'python -m fupin ingest EXPORTS --db /tmp/dry.duckdb --dry-run' (an import dry run beside the sessions)",
    )
    a = p.parse_args(argv)
    if a.plot:
        plot(a.workdir / "bench-serve.jsonl", a.plot)
        return 0
    for sessions in a.sessions:
        for workers in a.workers:
            r = run_one(
                db=a.db.resolve(),
                workdir=a.workdir.resolve(),
                workers=workers,
                sessions=sessions,
                minutes=a.minutes,
                warmup_s=a.warmup,
                think_s=a.think,
                beside=shlex.split(a.beside) if a.beside else None,
            )
            print(json.dumps(r, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
