"""春季攻势: rank counties on each restart measure and mark the lagging ones (进度迟缓).

A county lags on a measure when it is more than LAG_GAP (10 percentage points) below the value of
the whole area shown — the province, or the city picked in the sidebar.
"""

from __future__ import annotations

import pandas as pd

LAG_GAP = 0.10
# measure → (label, numerator, denominator)
MEASURES: dict[str, tuple[str, str, str]] = {
    "project_start_rate": ("项目开工率", "projects_started", "projects"),
    "workshop_restart_rate": ("扶贫车间复工率", "workshops_restarted", "workshops"),
    "migrant_vs_last_year": ("外出务工为上年同期", "migrant_workers", "migrant_workers_last_year"),
    "public_post_fill_rate": ("公益性岗位在岗率", "public_posts_filled", "public_posts_created"),
}


def area_rates(counties: pd.DataFrame) -> dict[str, float | None]:
    """Each measure for the counties taken together (sum of numerators / sum of denominators)."""
    out: dict[str, float | None] = {}
    for key, (_label, num, den) in MEASURES.items():
        d = float(counties[den].sum())
        out[key] = float(counties[num].sum()) / d if d else None
    return out


def rank_counties(counties: pd.DataFrame) -> pd.DataFrame:
    """county_code, county_name, each measure's rate and rank (1 = best), and `lagging` (labels)."""
    out = counties[["county_code", "county_name", "city_name"]].copy()
    overall = area_rates(counties)
    lag_lists: list[list[str]] = [[] for _ in range(len(out))]
    for key, (label, num, den) in MEASURES.items():
        den_v = counties[den].astype(float)
        rate = counties[num].astype(float) / den_v.where(den_v > 0)
        out[key] = rate
        out[f"{key}_rank"] = rate.rank(ascending=False, method="min").astype("Int64")
        if overall[key] is not None:
            lags = (rate < overall[key] - LAG_GAP).fillna(False).to_numpy()
            for i in range(len(out)):
                if lags[i]:
                    lag_lists[i].append(label)
    out["lagging"] = ["、".join(x) for x in lag_lists]
    return out
