"""Step 2: the household register in January — who lives where, and in which class; step 4 (after the
members exist): incomes, log-normal by class, with a composition that follows the household's labour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fupin.core.reference import Reference
from fupin.data import contract as C
from fupin.data.generate import calibration as K
from fupin.data.generate.common import any_names, lognormal_between, phones, pick

LIFTED = ("不享受政策的脱贫户", "享受政策的脱贫户", "脱贫监测户")


def register(counties: pd.DataFrame, ref: Reference, rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """户信息 as of January: village, id, size, class, attribute, causes; incomes come later (`incomes`)."""
    vil = ref.villages
    by_county = {code: g for code, g in vil.groupby("county_code")}
    sup = ref.supervision
    supervised = sup.loc[(sup["level"] == "village") & (sup["village_code"] != ""), "village_code"].to_numpy()
    parts = []
    for code, n in zip(counties["county_code"], counties["households"], strict=True):
        v = by_county[code]
        # Villages differ in size too; poverty villages hold more registered households; a 社区 (居委会, village
        # part 001–199) holds few 建档立卡 households.
        comm = v["village_code"].str[9:].astype(int).to_numpy() < 200
        p = (
            np.where(v["is_poverty_village"] == "1", 2.0, 1.0)
            * np.where(comm, 0.3, 1.0)
            * rng.lognormal(0, 0.4, len(v))
        )
        drawn = v["village_code"].to_numpy()[rng.choice(len(v), size=n, p=p / p.sum())]
        # The 挂牌督战 villages (data/reference/supervision_list.csv) exist at every scale: each holds at least
        # K.MIN_HOUSEHOLDS_SUPERVISED_VILLAGE households, taken from other villages of its county.
        mine = [c for c in supervised if c.startswith(code)]
        short = [c for c in mine if (drawn == c).sum() < K.MIN_HOUSEHOLDS_SUPERVISED_VILLAGE]
        if short:
            free = rng.permutation(np.flatnonzero(~np.isin(drawn, mine)))
            need = K.MIN_HOUSEHOLDS_SUPERVISED_VILLAGE
            for i, c in enumerate(short):
                drawn[free[i * need : (i + 1) * need]] = c
        parts.append(drawn)
    village = np.sort(np.concatenate(parts))
    n = len(village)
    hh = pd.DataFrame({"village_code": village})
    hh["county_code"] = hh["village_code"].str[:6]
    seq = hh.groupby("village_code").cumcount().to_numpy() + 1
    hh["household_id"] = np.char.add(village.astype("U12"), np.char.zfill(seq.astype("U4"), 4))
    hh["household_size"] = rng.choice(np.arange(1, 8), size=n, p=K.HOUSEHOLD_SIZE_P)
    hh["appear_month"] = 0

    # Classes: remaining poor first (by county target, in persons), then edge, then monitored.
    cat = np.full(n, "", dtype=object)
    w = counties["w_poor"].to_numpy()
    target = K.REMAINING_POOR_PERSONS * scale * w / w.sum()
    county_idx = hh.groupby("county_code").indices
    sizes_all = hh["household_size"].to_numpy()
    for code, t in zip(counties["county_code"], target, strict=True):
        idx = rng.permutation(county_idx[code])
        sizes = sizes_all[idx]
        cat[idx[np.cumsum(sizes) - sizes / 2 < t]] = "未脱贫户"  # midpoint rule: unbiased at any scale
    deep_codes = set(counties.loc[counties["deep"] | (counties["poverty_level"] != ""), "county_code"])
    deep = hh["county_code"].isin(deep_codes).to_numpy()
    free = cat == ""
    cat[free & (rng.random(n) < np.where(deep, K.EDGE_SHARE["deep"], K.EDGE_SHARE["other"]))] = "边缘户"
    free = cat == ""
    cat[free & (rng.random(n) < np.where(deep, K.MONITOR_SHARE["deep"], K.MONITOR_SHARE["other"]))] = "脱贫监测户"
    free = cat == ""
    cat[free] = np.where(rng.random(free.sum()) < K.NOT_ENJOYING_SHARE, "不享受政策的脱贫户", "享受政策的脱贫户")
    hh["household_category"] = cat
    edge = np.flatnonzero(cat == "边缘户")
    late = rng.choice(edge, size=int(len(edge) * K.LATE_EDGE_SHARE), replace=False)
    hh.loc[late, "appear_month"] = rng.choice(len(K.MONTHS), size=len(late), p=K.LATE_EDGE_MONTH_P)

    poor, is_edge = cat == "未脱贫户", cat == "边缘户"
    lifted = np.isin(cat, LIFTED)
    # 特困供养: mostly people living alone; 低保 among the rest.
    size = hh["household_size"].to_numpy()
    tekun_p = np.select([size == 1, size == 2], [K.TEKUN_BY_SIZE[1], K.TEKUN_BY_SIZE[2]], 0.002)
    tekun = (poor | lifted) & (rng.random(n) < tekun_p * np.where(poor, 1.4, 1.0))
    dibao = ~tekun & (rng.random(n) < np.where(poor, K.DIBAO_SHARE["poor"], K.DIBAO_SHARE["lifted"]))
    hh["poverty_attribute"] = np.where(
        is_edge, "非贫困户", np.where(tekun, "特困供养贫困户", np.where(dibao, "低保贫困户", "一般贫困户"))
    )
    years = tuple(str(y) for y in K.EXIT_YEAR_P)
    hh["exit_year"] = np.where(lifted, pick(rng, years, list(K.EXIT_YEAR_P.values()), n), "")
    cause_p = [40, 15, 6, 3, 3, 1, 8, 10, 8, 2, 4]
    cause = pick(rng, C.POVERTY_CAUSES, cause_p, n)
    cause = np.where(tekun, np.where(rng.random(n) < 0.6, "缺劳力", "因病"), cause)
    hh["poverty_cause"] = np.where(is_edge, "", cause)
    hh["risk_type"] = ""  # set from each household's risk episode (lifecycle)
    for col in ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"):
        hh[col] = C.YES
    risky = poor | is_edge | (cat == "脱贫监测户")
    imp = pick(rng, C.EPIDEMIC_IMPACTS, [72, 0.05, 0.15, 18, 6, 3], n)
    calm = pick(rng, C.EPIDEMIC_IMPACTS, [93, 0.002, 0.01, 5, 2, 0], n)
    hh["epidemic_impact"] = np.where(risky, imp, calm)
    hh["phone"] = np.where(rng.random(n) < 0.85, phones(rng, n), "")
    hh["helper_name"] = np.where(is_edge, "", any_names(rng, n))
    has_contact = is_edge & (rng.random(n) < 0.99)
    hh["contact_name"] = np.where(has_contact, any_names(rng, n), "")
    hh["contact_phone"] = np.where(has_contact, phones(rng, n), "")
    return hh


def incomes(hh: pd.DataFrame, workers: np.ndarray, weak: np.ndarray, rng: np.random.Generator) -> None:
    """年人均纯收入 (2019) per household: log-normal by class; ≈2 % disagree with their class (the class check
    finds them). Then the four components (`income_components`)."""
    n = len(hh)
    cat = hh["household_category"].to_numpy()
    inc = np.zeros(n)
    for name, (median, sigma, lo, hi) in K.INCOME.items():
        sel = cat == name
        # Households with more workers earn more within their class.
        inc[sel] = lognormal_between(rng, median, sigma, lo, hi, int(sel.sum())) * (
            1 + 0.04 * np.minimum(workers[sel], 3)
        )
        inc[sel] = np.clip(inc[sel], lo, hi)
    mismatch = rng.random(n) < K.CATEGORY_MISMATCH_SHARE
    inc = np.where(mismatch & np.isin(cat, ["边缘户", "脱贫监测户"]), rng.uniform(5_000, 7_000, n), inc)
    inc = np.where(mismatch & (cat == "不享受政策的脱贫户"), rng.uniform(9_000, 15_000, n), inc)
    hh["income_per_capita"] = np.round(inc).astype(np.int64)
    hh["_workers"] = workers.astype(np.int8)
    hh["_weak"] = weak.astype(np.int8)
    income_components(hh, rng)


def income_components(hh: pd.DataFrame, rng: np.random.Generator) -> None:
    """工资性 / 生产经营性 / 财产性 / 转移性 income for the whole household: wages only where someone can work;
    transfers (低保, 特困供养, pensions) carry households without labour."""
    n = len(hh)
    total = hh["income_per_capita"].to_numpy() * hh["household_size"].to_numpy()
    workers = hh["_workers"].to_numpy()
    weak = hh["_weak"].to_numpy()
    attr = hh["poverty_attribute"].to_numpy()
    support = np.isin(attr, ["特困供养贫困户", "低保贫困户"])
    ws = np.where(workers > 0, np.clip(rng.normal(0.42 + 0.08 * np.minimum(workers, 3), 0.12, n), 0.1, 0.9), 0.0)
    ws = np.where(support, ws * 0.6, ws)
    bs = np.where(workers + weak > 0, np.clip(rng.normal(0.22, 0.08, n), 0.02, 0.5), rng.uniform(0.0, 0.08, n))
    ps = rng.uniform(0.0, 0.05, n)
    over = ws + bs + ps > 0.95
    scale = np.where(over, 0.95 / (ws + bs + ps), 1.0)
    ws, bs, ps = ws * scale, bs * scale, ps * scale
    hh["wage_income"] = np.round(total * ws).astype(np.int64)
    hh["business_income"] = np.round(total * bs).astype(np.int64)
    hh["property_income"] = np.round(total * ps).astype(np.int64)
    hh["transfer_income"] = total - hh["wage_income"] - hh["business_income"] - hh["property_income"]
