"""Command line: python -m fupin {generate,ingest,contract,reference,report,accounts,work,serve}.

Benchmarks, the load test and the boundary rebuild are tooling, not the product: python -m tools.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fupin", description="皖扶看板 data tools")
    sub = parser.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="write synthetic monthly exports (演示数据)")
    g.add_argument("--scale", choices=["tiny", "demo", "province"], default="demo")
    g.add_argument("--seed", type=int, default=2020)
    g.add_argument("--out", type=Path, required=True)

    i = sub.add_parser("ingest", help="validate exports and swap in a new warehouse")
    i.add_argument("src", type=Path)
    i.add_argument("--db", type=Path, required=True)
    i.add_argument("--dry-run", action="store_true")
    i.add_argument("--report", type=Path)
    i.add_argument(
        "--lock-wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="when another ingest holds the warehouse's lock, wait this long, then give up (exit 3)",
    )
    i.add_argument(
        "--memory-mb",
        type=int,
        default=int(os.environ["FUPIN_INGEST_MEMORY_MB"]) if os.environ.get("FUPIN_INGEST_MEMORY_MB") else None,
        help="cap this process's memory (RLIMIT_AS) and DuckDB's (half of it); running out exits 4, nothing changed "
        "(default: FUPIN_INGEST_MEMORY_MB, else no cap)",
    )
    i.add_argument("--progress", type=Path, help="append progress as JSON lines {fraction, message} to this file")
    i.add_argument(
        "--no-reuse",
        action="store_true",
        help="read every department feed file again (default: copy unchanged ones from the warehouse at --db)",
    )
    i.add_argument(
        "--reuse-from",
        type=Path,
        metavar="WAREHOUSE",
        help="copy unchanged department feed files from this warehouse rather than from --db",
    )

    c = sub.add_parser("contract", help="render docs/export-contract.md from fupin/data/contract.py")
    c.add_argument("--out", type=Path, default=Path("docs/export-contract.md"))

    sub.add_parser("reference", help="rebuild the synthetic townships/villages under data/reference")

    r = sub.add_parser("report", help="月核查 workbook (month 2020-04) or 季通报 (quarter 2020Q1)")
    r.add_argument("kind", choices=["month", "quarter"])
    r.add_argument("period", help="2020-04 for a month, 2020Q1 for a quarter")
    r.add_argument("--out", type=Path, required=True, help="month: the .xlsx file; quarter: a folder")
    r.add_argument("--db", type=Path, help="default: FUPIN_DB or data/warehouse.duckdb")

    a = sub.add_parser("accounts", help="hash a password, or check an accounts file")
    a.add_argument("action", choices=["hash", "check"])
    a.add_argument(
        "file", type=Path, nargs="?", help="check: the accounts file (default FUPIN_ACCOUNTS or data/accounts.toml)"
    )

    w = sub.add_parser("work", help="督办事项: bring the warehouse's findings into the store (after an ingest)")
    w.add_argument("action", choices=["sync"])
    w.add_argument("--db", type=Path, help="default: FUPIN_DB or data/warehouse.duckdb")

    sv = sub.add_parser("serve", help="N app processes behind HAProxy (deploy/haproxy.cfg), supervised")
    sv.add_argument("--workers", type=int, default=None, help="app processes (default: one per core)")
    sv.add_argument("--host", default="127.0.0.1", help="HAProxy's address (0.0.0.0 to serve the network)")
    sv.add_argument("--port", type=int, default=8501, help="HAProxy's port; the processes use the next N ports")
    sv.add_argument("--first-worker-port", type=int, help="default: PORT+1")
    sv.add_argument("--duckdb-memory-mb", type=int, help="DuckDB memory_limit per process (default: 40%% of RAM / N)")
    sv.add_argument("--upload-mb", type=int, default=1024, help="largest upload on 数据导入 (MB)")
    sv.add_argument("--run-dir", type=Path, help="config and logs (default: FUPIN_RUN_DIR or /tmp/wanfu-serve-PORT)")
    sv.add_argument("--print-config", action="store_true", help="print the HAProxy config and exit")

    args = parser.parse_args(argv)
    if args.cmd == "serve":
        from fupin import serving

        p = serving.plan(
            args.workers,
            host=args.host,
            port=args.port,
            first_worker_port=args.first_worker_port,
            duckdb_memory_mb=args.duckdb_memory_mb,
            upload_mb=args.upload_mb,
            run_dir=args.run_dir,
        )
        if args.print_config:
            print(serving.haproxy_config(p))
            return 0
        return serving.serve(p, log=lambda m: print(m, flush=True))
    if args.cmd == "generate":
        from fupin.data.generate import generate

        r = generate(scale=args.scale, seed=args.seed, out=args.out)
        print(f"wrote {r.files} files to {r.out} ({r.scale}, seed {r.seed})")
        for table, n in r.rows.items():
            print(f"  {table:<8} {n:>10,} rows")
        print("  " + ", ".join(f"{k}={v:,.3f}" for k, v in r.figures.items()))
        return 0
    if args.cmd == "ingest":
        if args.memory_mb:
            from fupin.data.memory import limit_memory

            limit_memory(args.memory_mb)  # before DuckDB and pyarrow are loaded
        return run_ingest(args)
    if args.cmd == "contract":
        from fupin.data.contract import render_markdown

        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render_markdown(), encoding="utf-8")
        print(f"wrote {args.out}")
        return 0
    if args.cmd == "reference":
        from fupin.core.reference import build_geography

        towns, villages = build_geography()
        print(f"{len(towns)} townships, {len(villages)} villages")
        return 0
    if args.cmd == "accounts":
        from fupin.access import auth

        if args.action == "hash":
            import getpass

            pw = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            if len(pw) < 8:
                print("refused: use at least 8 characters", file=sys.stderr)
                return 2
            print(auth.hash_password(pw))
            return 0
        from fupin.core.reference import county_codes

        try:
            accounts = auth.load_accounts(args.file or auth.accounts_path(), county_codes=county_codes())
        except auth.AccountsError as exc:
            print(f"INVALID: {exc}", file=sys.stderr)
            return 1
        for acc in accounts.values():
            print(f"{acc.username:<16} {auth.ROLE_LABELS[acc.role]:<6} {acc.scope_code}  {acc.name}")
        return 0
    if args.cmd == "work":
        from fupin.access.store import describe
        from fupin.warehouse.connection import batch_info, db_path, open_read_only
        from fupin.work import demo, sync

        con = open_read_only(args.db or db_path())
        batch = batch_info(con)
        if batch.synthetic and demo.claim(batch.batch_id):
            results = demo.replay(con, batch.batch_id)
        else:
            results = sync.sync(con, batch.batch_id)
        print(f"store: {describe()}; batch {batch.batch_id}")
        for r in results:
            print(f"  {r.month}: raised {r.raised:,}, re-opened {r.reopened:,}, marked cleared by data {r.cleared:,}")
        if not results:
            print("  nothing to sync: every month of this batch is already in the store")
        return 0
    if args.cmd == "report":
        from fupin.access.scope import Viewer
        from fupin.reports import bulletin as reports
        from fupin.warehouse.connection import db_path, open_read_only

        con = open_read_only(args.db or db_path())
        viewer = Viewer.province(name="命令行", role="analyst")
        if args.kind == "month":
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(reports.month_workbook(con, viewer, args.period))
            print(f"wrote {args.out}")
        else:
            xlsx, page, pdf = reports.write_bulletin(con, viewer, args.period, args.out)
            print(f"wrote {xlsx}, {page} and {pdf}")
        return 0
    return 1


EXIT_CODES = {"contract": 2, "upload_mismatch": 2, "locked": 3, "out_of_memory": 4}


def run_ingest(args: argparse.Namespace) -> int:
    """`ingest`: the report is written whatever happens (a contract error, the lock, memory, a bug)."""
    import json
    import time
    import traceback

    progress = None
    if args.progress:
        args.progress.parent.mkdir(parents=True, exist_ok=True)
        fh = args.progress.open("a", encoding="utf-8")

        def progress(fraction: float, message: str) -> None:
            fh.write(
                json.dumps({"fraction": round(fraction, 4), "message": message, "at": time.time()}, ensure_ascii=False)
                + "\n"
            )
            fh.flush()

    try:
        from fupin.data.ingest import ingest

        r = ingest(
            args.src,
            args.db,
            dry_run=args.dry_run,
            report_path=args.report,
            lock_wait=args.lock_wait,
            memory_mb=args.memory_mb,
            progress=progress,
            reuse=not args.no_reuse,
            reuse_from=args.reuse_from,
        )
    except Exception as exc:  # a bug, or memory that ran out outside DuckDB and pyarrow's own checks
        from fupin.data.memory import looks_out_of_memory, out_of_memory_cn

        traceback.print_exc()
        if isinstance(exc, MemoryError) or looks_out_of_memory(
            f"{type(exc).__name__}: {exc}", capped=bool(args.memory_mb)
        ):
            _failed(
                args,
                "out_of_memory",
                f"out of memory (limit {args.memory_mb} MB): {exc}; nothing changed",
                out_of_memory_cn(args.memory_mb),
            )
            return EXIT_CODES["out_of_memory"]
        _failed(args, "internal", f"ingest failed: {type(exc).__name__}: {exc}; nothing changed")
        return 1
    print(r.summary(), file=sys.stdout if r.ok else sys.stderr)
    return 0 if r.ok else EXIT_CODES.get((r.error or {}).get("code", ""), 2)


def _failed(args: argparse.Namespace, code: str, message: str, message_cn: str = "") -> None:
    import json

    print(f"INGEST FAILED — {message}", file=sys.stderr)
    if args.report:
        error = {"code": code, "file": None, "message": message, "message_cn": message_cn}
        report = {"ok": False, "source": str(args.src), "db": str(args.db), "dry_run": args.dry_run, "error": error}
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
