"""进度迟缓 (slow progress): the one definition, for the pages and the 季通报 alike.

The rules are reference data — `data/reference/bulletin_rules.csv` (省定参数, loaded into ref_bulletin_rules and
read with the `bulletin_rules` query): per measure a rule and a threshold.

- gap_below_area: slow when the county's value is more than `threshold` below the value of the whole area shown
  (the province, or the city picked in the sidebar);
- below: slow when the value is below `threshold` (资金: the paid share minus the month's required share);
- above: slow when the value is above `threshold` (销号滞留户).

A measure without a rule is ranked but never called slow.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

# 春季攻势 measures: measure → (label, numerator, denominator)
MEASURES: dict[str, tuple[str, str, str]] = {
    "project_start_rate": ("项目开工率", "projects_started", "projects"),
    "workshop_restart_rate": ("扶贫车间复工率", "workshops_restarted", "workshops"),
    "migrant_vs_last_year": ("外出务工为上年同期", "migrant_workers", "migrant_workers_last_year"),
    "public_post_fill_rate": ("公益性岗位在岗率", "public_posts_filled", "public_posts_created"),
}


def rules_by_measure(rules: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """The `bulletin_rules` query (or the CSV) as measure → (rule, threshold)."""
    return {r.measure: (r.rule, float(r.threshold)) for r in rules.itertuples()}


def is_slow(rule: str, threshold: float, value: float | None, area_value: float | None = None) -> bool:
    """Does `value` break the rule? Missing values (no denominator) never do."""
    if value is None or pd.isna(value):
        return False
    if rule == "gap_below_area":
        return area_value is not None and not pd.isna(area_value) and value < area_value - threshold
    if rule == "below":
        return value < threshold
    if rule == "above":
        return value > threshold
    raise ValueError(f"unknown 进度迟缓 rule {rule!r} (data/reference/bulletin_rules.csv)")


def slow_mask(
    values: pd.Series, rules: Mapping[str, tuple[str, float]], measure: str, area_value: float | None = None
) -> pd.Series:
    """Which of `values` (one measure, one row per county) are slow under that measure's rule."""
    if measure not in rules:
        return pd.Series(False, index=values.index)
    rule, threshold = rules[measure]
    return pd.Series([is_slow(rule, threshold, v, area_value) for v in values], index=values.index, dtype=bool)


def area_rates(counties: pd.DataFrame) -> dict[str, float | None]:
    """Each measure for the counties taken together (sum of numerators / sum of denominators)."""
    out: dict[str, float | None] = {}
    for key, (_label, num, den) in MEASURES.items():
        d = float(counties[den].sum())
        out[key] = float(counties[num].sum()) / d if d else None
    return out


def rank_counties(counties: pd.DataFrame, rules: Mapping[str, tuple[str, float]]) -> pd.DataFrame:
    """county_code, county_name, each measure's rate and rank (1 = best), and `lagging` (the measures' labels)."""
    out = counties[["county_code", "county_name", "city_name"]].copy()
    overall = area_rates(counties)
    lag_lists: list[list[str]] = [[] for _ in range(len(out))]
    for key, (label, num, den) in MEASURES.items():
        den_v = counties[den].astype(float)
        rate = counties[num].astype(float) / den_v.where(den_v > 0)
        out[key] = rate
        out[f"{key}_rank"] = rate.rank(ascending=False, method="min").astype("Int64")
        for i, slow in enumerate(slow_mask(rate, rules, key, overall[key]).to_numpy()):
            if slow:
                lag_lists[i].append(label)
    out["lagging"] = ["、".join(x) for x in lag_lists]
    return out
