"""进度迟缓 (slow progress): the one definition, for the pages and the 季通报 alike.

The rules are reference data — `data/reference/bulletin_rules.csv` (省定参数, loaded into ref_bulletin_rules and
read with the `bulletin_rules` query): per measure a rule and a threshold.

- gap_below_area: slow when the county's value is more than `threshold` below the value of the whole area shown
  (the province, or the city picked in the sidebar);
- below: slow when the value is below `threshold` (资金: the paid share minus the month's required share);
- above: slow when the value is above `threshold` (销号滞留户).

A rule may set `min_base`: a county whose base — the measure's denominator (projects, workshops, 万元 allocated,
edge households, …; BASES) — is smaller is not judged on it, since a share of three projects or one household is
chance, not progress (省定参数, like the thresholds). A measure without a rule is ranked but never called slow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

# 春季攻势 measures: measure → (label, numerator, denominator)
MEASURES: dict[str, tuple[str, str, str]] = {
    "project_start_rate": ("项目开工率", "projects_started", "projects"),
    "workshop_restart_rate": ("扶贫车间复工率", "workshops_restarted", "workshops"),
    "migrant_vs_last_year": ("外出务工为上年同期", "migrant_workers", "migrant_workers_last_year"),
    "public_post_fill_rate": ("公益性岗位在岗率", "public_posts_filled", "public_posts_created"),
}


# Each measure's base (the column of quarter_county_measures / county_funds_month / the 春季攻势 counties that a
# rule's min_base is compared with).
BASES: dict[str, str] = {
    "poor_reduction": "poor_start",
    **{key: den for key, (_label, _num, den) in MEASURES.items()},
    "disbursement_vs_schedule": "special_allocated",
    "visit_rate": "edge_households",
    "clearance_stuck_share": "clearance_entered",
    "dept_unfollowed_share": "dept_hits",
}


class SlowRule(NamedTuple):
    rule: str
    threshold: float
    min_base: float | None = None  # a county whose base is smaller is not judged (None: every county is)


def _number(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(v) else v


def rules_by_measure(rules: pd.DataFrame) -> dict[str, SlowRule]:
    """The `bulletin_rules` query (or the CSV) as measure → SlowRule(rule, threshold, min_base)."""
    return {
        r.measure: SlowRule(r.rule, float(r.threshold), _number(getattr(r, "min_base", None)))
        for r in rules.itertuples()
    }


def judged(base: float | None, min_base: float | None) -> bool:
    """Is a county with this base judged on a rule with this min_base (None: every county is)?"""
    if min_base is None or pd.isna(min_base):
        return True
    return base is not None and not pd.isna(base) and float(base) >= float(min_base)


def is_slow(
    rule: str,
    threshold: float,
    value: float | None,
    area_value: float | None = None,
    *,
    base: float | None = None,
    min_base: float | None = None,
) -> bool:
    """Does `value` break the rule? Missing values (no denominator) never do, nor a county whose `base` is below the
    rule's `min_base`."""
    if value is None or pd.isna(value):
        return False
    if not judged(base, min_base):
        return False
    if rule == "gap_below_area":
        return area_value is not None and not pd.isna(area_value) and value < area_value - threshold
    if rule == "below":
        return value < threshold
    if rule == "above":
        return value > threshold
    raise ValueError(f"unknown 进度迟缓 rule {rule!r} (data/reference/bulletin_rules.csv)")


def slow_mask(
    values: pd.Series,
    rules: Mapping[str, SlowRule],
    measure: str,
    area_value: float | None = None,
    bases: pd.Series | None = None,
) -> pd.Series:
    """Which of `values` (one measure, one row per county) are slow under that measure's rule; `bases` (the same
    rows' BASES[measure]) is needed when the rule sets a min_base."""
    if measure not in rules:
        return pd.Series(False, index=values.index)
    r = rules[measure]
    base_values = [None] * len(values) if bases is None else list(bases)
    return pd.Series(
        [
            is_slow(r.rule, r.threshold, v, area_value, base=b, min_base=r.min_base)
            for v, b in zip(values, base_values, strict=True)
        ],
        index=values.index,
        dtype=bool,
    )


def area_rates(counties: pd.DataFrame) -> dict[str, float | None]:
    """Each measure for the counties taken together (sum of numerators / sum of denominators)."""
    out: dict[str, float | None] = {}
    for key, (_label, num, den) in MEASURES.items():
        d = float(counties[den].sum())
        out[key] = float(counties[num].sum()) / d if d else None
    return out


def rank_counties(counties: pd.DataFrame, rules: Mapping[str, SlowRule]) -> pd.DataFrame:
    """county_code, county_name, each measure's rate and rank (1 = best), and `lagging` (the measures' labels)."""
    out = counties[["county_code", "county_name", "city_name"]].copy()
    overall = area_rates(counties)
    lag_lists: list[list[str]] = [[] for _ in range(len(out))]
    for key, (label, num, den) in MEASURES.items():
        den_v = counties[den].astype(float)
        rate = counties[num].astype(float) / den_v.where(den_v > 0)
        out[key] = rate
        out[f"{key}_rank"] = rate.rank(ascending=False, method="min").astype("Int64")
        for i, slow in enumerate(slow_mask(rate, rules, key, overall[key], den_v).to_numpy()):
            if slow:
                lag_lists[i].append(label)
    out["lagging"] = ["、".join(x) for x in lag_lists]
    return out
