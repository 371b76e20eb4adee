"""The first start: generate the demo exports (if they are not there, or were not signed by this
installation's generator), ingest them into the warehouse, and give the 督办 loop its demo history."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def build_demo(*, db: Path, exports: Path | None = None, progress: Callable[[float, str], None] | None = None) -> None:
    """Generate the demo exports (if absent) and ingest them: the app's first start.

    The exports go next to the warehouse (data/exports/demo for the default data/warehouse.duckdb).
    """
    exports = exports or db.parent / "exports" / "demo"
    from fupin.data.generate import generate
    from fupin.data.ingest import ingest
    from fupin.data.provenance import signed

    note = progress or (lambda _f, _m: None)
    manifest = exports / "_manifest.json"
    try:
        valid = signed(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        valid = False
    if not valid:  # absent, or made elsewhere / by an older version: generate afresh
        note(0.0, "生成演示数据（全省104个县，约2%的户）…")
        generate(scale="demo", seed=2020, out=exports)
    report = ingest(exports, db, progress=lambda f, m: note(0.3 + 0.6 * f, m))
    if not report.ok:
        raise RuntimeError(report.summary())
    note(0.9, "生成督办事项的演示记录…")
    from fupin.warehouse.connection import batch_info, open_read_only
    from fupin.work import demo, sync

    con = open_read_only(db)
    try:
        batch = batch_info(con)
        if demo.claim(batch.batch_id):
            demo.replay(con, batch.batch_id)
        else:
            sync.sync(con, batch.batch_id)
    finally:
        con.close()
