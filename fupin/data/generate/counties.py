"""Step 1: the 104 counties — class, weights, and how many households, remaining poor, projects and
enterprises each gets. Sizes follow each county's rural population (heavy-tailed, as in the province) times
a poverty incidence that differs between counties of one class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fupin.core.reference import REFERENCE_DIR, Reference, read_csv_text
from fupin.data.generate import calibration as K


def county_frame(ref: Reference, rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """One row per county: class flags, `households` (register size), `w_poor` (remaining-poor weight per
    household) and `w_activity` (projects and enterprises follow registered households)."""
    c = ref.counties.copy()
    pov = ref.poverty_counties.set_index("county_code")
    deep = set(ref.deep_poverty_areas["county_code"])
    c["poverty_level"] = c["county_code"].map(pov["level"]).fillna("")
    c["exit_2020"] = c["county_code"].map(pov["exit_date"]).fillna("").str.startswith("2020")
    c["deep"] = c["county_code"].isin(deep)
    c["urban"] = c["county_name"].str.endswith("区") & (c["poverty_level"] == "")
    rural = read_csv_text(REFERENCE_DIR / "county_rural_scale.csv").set_index("county_code")["rural_population_10k"]
    c["rural_population_10k"] = c["county_code"].map(rural).astype(float).fillna(rural.astype(float).median())

    klass = np.where(c["poverty_level"] != "", c["poverty_level"], np.where(c["deep"], "deep", "other"))
    incidence = np.array([K.INCIDENCE_BY_CLASS[k] for k in klass]) * np.exp(rng.normal(0, K.INCIDENCE_SIGMA, len(c)))
    w = c["rural_population_10k"].to_numpy() * incidence
    c["households"] = share_out(K.TOTAL_HOUSEHOLDS * scale, w, minimum=K.MIN_HOUSEHOLDS_PER_COUNTY)

    poor_class = np.where(
        c["urban"],
        "urban",
        np.where(
            c["exit_2020"],
            "exit_2020",
            np.where(c["poverty_level"] != "", "poverty", np.where(c["deep"], "deep", "other")),
        ),
    )
    spread = np.exp(rng.normal(0, K.REMAINING_POOR_SIGMA, len(c)))
    c["w_poor"] = np.array([K.REMAINING_POOR_WEIGHT[k] for k in poor_class]) * spread * c["households"]
    c["w_activity"] = c["households"] / c["households"].sum()
    return c.reset_index(drop=True)


def share_out(total: float, weights: np.ndarray, *, minimum: int) -> np.ndarray:
    """`total` split by `weights` (each at least `minimum`), as integers summing to about `total`: the
    shares above the minimum shrink to make room for the ones raised to it."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    floor = raw < minimum
    if floor.any() and not floor.all():
        room = max(total - minimum * floor.sum(), 0.0)
        raw = np.where(floor, minimum, room * w / w[~floor].sum())
    return np.maximum(minimum, np.round(raw)).astype(int)
