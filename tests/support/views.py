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
) -> Selection:
    con = open_read_only(db)
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
        query=lambda name, **params: queries.run(con, name, viewer, **params),
    )
