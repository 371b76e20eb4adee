"""A `Selection` on a warehouse without Streamlit: what a view receives in the app, for unit tests."""

from __future__ import annotations

from pathlib import Path

from fupin.access.scope import Viewer
from fupin.views.base import Selection
from fupin.warehouse import queries
from fupin.warehouse.connection import batch_info, open_read_only

ADMIN = Viewer(name="测试管理员", role="province_admin", scope_level="province", username="admin")
LINQUAN = Viewer(name="临泉县用户", role="county", scope_level="county", scope_code="341221", username="linquan")


def selection(
    db: Path,
    viewer: Viewer = ADMIN,
    *,
    month: str | None = None,
    county: str | None = None,
    city: str | None = None,
    present: bool = False,
    min_base: dict[str, float | None] | None = None,
) -> Selection:
    """The sidebar's selection on warehouse `db` as `viewer`. `min_base` overrides bulletin_rules' min_base per
    measure (None: judge every county), as an administrator editing the 省定参数 would: the tiny warehouse's
    counties are far below the province's bases."""
    con = open_read_only(db)

    def query(name: str, **params: object) -> object:
        out = queries.run(con, name, viewer, **params)
        if name == "bulletin_rules" and min_base:
            out = out.copy()
            for measure, value in min_base.items():
                out.loc[out["measure"] == measure, "min_base"] = value
        return out

    batch = batch_info(con)
    if viewer.scope_level == "county":
        county, city = viewer.scope_code, viewer.scope_code[:4] + "00"
    elif viewer.scope_level == "city":
        city = viewer.scope_code
    return Selection(
        viewer=viewer,
        batch=batch,
        month=month or batch.newest_first[0],
        city=city,
        county=county,
        area_name="",
        present=present,
        carousel_seconds=0,
        query=query,
    )
