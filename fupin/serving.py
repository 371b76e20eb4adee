"""`python -m fupin serve --workers N`: N `streamlit run serve.py` processes behind HAProxy, supervised.

Sits beside the CLI (on top of every layer; nothing imports it). What the processes share and how:
- the session-cookie key (fupin/access/keys.py) and Streamlit's cookie secret (`server.cookieSecret`, which signs
  the XSRF cookie uploads need) are provisioned once, before any process starts, in the key folder: created
  atomically, so concurrent first starts of several hosts or commands still agree on one key;
- sign-in lockout, session revocation and the audit log are in the store (FUPIN_STORE / FUPIN_STORE_URL);
- DuckDB `threads` and `memory_limit` are set per process so N processes together stay within the machine;
- ingest takes the warehouse's lock (one at a time) and swaps the file by rename; every process reopens it.
HAProxy (Debian `haproxy`) routes each browser to the process holding its session by an inserted cookie; its
config is deploy/haproxy.cfg with the {{...}} fields filled in. SIGTERM or SIGINT stops HAProxy and every
process (terminate, then kill after a grace period); a process that dies is restarted.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from fupin.core.reference import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "haproxy.cfg"
UPLOAD_MB = 1024  # 数据导入: a province's month of exports
GRACE_S = 15.0


def total_memory_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 4096


@dataclass(frozen=True)
class Plan:
    workers: int
    host: str
    port: int
    ports: list[int]
    threads: int  # DuckDB threads per process
    memory_mb: int  # DuckDB memory_limit per process
    upload_mb: int
    run_dir: Path


def plan(
    workers: int | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8501,
    first_worker_port: int | None = None,
    duckdb_memory_mb: int | None = None,
    upload_mb: int = UPLOAD_MB,
    run_dir: Path | None = None,
) -> Plan:
    """How N processes share the machine: one per core by default; DuckDB's threads split the cores and its
    memory limits add up to at most 40 % of RAM (the rest is Python, pandas and the page cache)."""
    cores = os.cpu_count() or 1
    n = cores if workers is None else workers
    if not 1 <= n <= 64:
        raise ValueError("workers: 1 to 64")
    first = first_worker_port or port + 1
    memory = duckdb_memory_mb or max(256, int(total_memory_mb() * 0.4) // n)
    return Plan(
        workers=n,
        host=host,
        port=port,
        ports=[first + i for i in range(n)],
        threads=max(1, cores // n),
        memory_mb=memory,
        upload_mb=upload_mb,
        run_dir=run_dir or Path(os.environ.get("FUPIN_RUN_DIR") or f"/tmp/wanfu-serve-{port}"),
    )


def haproxy_config(p: Plan, template: Path = TEMPLATE) -> str:
    servers = "\n".join(f"    server app{i} 127.0.0.1:{port} cookie app{i} check" for i, port in enumerate(p.ports))
    fields = {
        "BIND": f"{p.host}:{p.port}",
        "SERVERS": servers,
        "MAXCONN": str(max(2000, 500 * p.workers)),
        "SERVER_MAXCONN": "1000",
        "UPLOAD_MB": str(p.upload_mb),
    }
    text = template.read_text(encoding="utf-8")
    for k, v in fields.items():
        text = text.replace("{{" + k + "}}", v)
    if re.search(r"\{\{[A-Z_]+\}\}", text):
        raise ValueError("deploy/haproxy.cfg has a field the start command does not fill in")
    return text


def shared_secrets() -> dict[str, str]:
    """Provision the keys every process must share, once, before any of them starts (atomic creation)."""
    from fupin.access.keys import load_key

    load_key("session")  # signs the wanfu_session cookie: any process accepts any process's cookie
    load_key("audit")
    return {"STREAMLIT_SERVER_COOKIE_SECRET": load_key("streamlit-cookie").hex()}


def worker_command(p: Plan, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",  # only HAProxy reaches the processes
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--server.maxUploadSize",
        str(p.upload_mb),
    ]


def worker_env(p: Plan, index: int, secrets_env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **secrets_env,
        "FUPIN_TRUST_PROXY": "1",  # the client address for the sign-in limit comes from X-Forwarded-For
        "FUPIN_DUCKDB_THREADS": str(p.threads),
        "FUPIN_DUCKDB_MEMORY_MB": str(p.memory_mb),
        "FUPIN_WORKER": str(index),
        "FUPIN_WORKERS": str(p.workers),  # the warm-up starts at this worker's share of the scopes
    }


@dataclass
class Child:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # the supervisor has no other threads
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _die_with_parent() -> None:
    """Linux: the child is killed when the supervisor dies without stopping it (e.g. by SIGKILL): no orphans."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _routed(p: Plan, i: int) -> bool:
    """Whether HAProxy sends a browser holding process i's affinity cookie to process i: it answers without setting
    another FUPINSRV (the cookie is `indirect`: kept as it is while its server is up). A process that was slow to
    start is taken out by HAProxy's checks and comes back only `rise` checks after it answers, so a browser arriving
    between the two would be sent elsewhere (the test of two processes failed that way)."""
    host = "127.0.0.1" if p.host in ("", "0.0.0.0", "::") else p.host
    req = urllib.request.Request(f"http://{host}:{p.port}/_stcore/health", headers={"Cookie": f"FUPINSRV=app{i}"})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            cookies = r.headers.get_all("Set-Cookie") or []
            return r.status == 200 and not any(c.startswith("FUPINSRV=") for c in cookies)
    except OSError:
        return False


def stop_all(children: list[Child], grace_s: float = GRACE_S) -> None:
    """SIGTERM every child, wait up to `grace_s`, then SIGKILL whatever is left."""
    for c in children:
        if c.alive():
            c.proc.terminate()  # type: ignore[union-attr]
    deadline = time.monotonic() + grace_s
    for c in children:
        if c.proc is None:
            continue
        try:
            c.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            c.proc.kill()
            c.proc.wait(timeout=5)


def serve(p: Plan, *, haproxy: str | None = None, ready_file: Path | None = None, log=print) -> int:
    """Start, supervise, stop on SIGTERM/SIGINT. Returns the exit code."""
    haproxy = haproxy or shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        log("haproxy not found: apt-get install haproxy (Debian)")
        return 2
    p.run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    cfg = p.run_dir / "haproxy.cfg"
    cfg.write_text(haproxy_config(p), encoding="utf-8")
    check = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
    if check.returncode != 0:
        log(f"haproxy config rejected:\n{check.stdout}{check.stderr}")
        return 2
    secrets_env = shared_secrets()
    workers = [
        Child(f"app{i}", worker_command(p, port), worker_env(p, i, secrets_env), p.run_dir / f"app{i}.log")
        for i, port in enumerate(p.ports)
    ]
    lb = Child("haproxy", [haproxy, "-db", "-f", str(cfg)], dict(os.environ), p.run_dir / "haproxy.log")
    stopping = {"signal": 0}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = signum

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    everyone = [lb, *workers]
    try:
        for w in workers:
            w.start()
        lb.start()
        log(
            f"serving on http://{p.host}:{p.port} via HAProxy: {p.workers} processes on ports "
            f"{p.ports[0]}–{p.ports[-1]} (DuckDB {p.threads} threads, {p.memory_mb} MB each); logs in {p.run_dir}"
        )
        ready = False
        while not stopping["signal"]:
            if not lb.alive():
                log(f"haproxy exited ({lb.proc.returncode if lb.proc else '?'}): stopping")  # type: ignore[union-attr]
                return 1
            for w, port in zip(workers, p.ports, strict=True):
                if not w.alive():
                    now = time.monotonic()
                    w.restarts = [t for t in w.restarts if now - t < 300] + [now]
                    if len(w.restarts) > 5:
                        log(f"{w.name} died 5 times in 5 minutes: stopping")
                        return 1
                    log(f"{w.name} (port {port}) exited with {w.proc.returncode if w.proc else '?'}: restarting")
                    w.start()
            if (
                not ready
                and all(_healthy(port) for port in p.ports)
                and all(_routed(p, i) for i in range(len(p.ports)))
            ):
                ready = True
                log("ready: every process answers /_stcore/health, and HAProxy sends its browsers to it")
                if ready_file:
                    ready_file.write_text(str(os.getpid()), encoding="utf-8")
            time.sleep(0.5)
        log(f"signal {stopping['signal']}: stopping HAProxy and {p.workers} processes")
        return 0
    finally:
        stop_all(everyone)
        for s, h in old.items():
            signal.signal(s, h)
