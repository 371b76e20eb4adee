"""Synthetic county exports, calibrated to the figures in 皖扶组〔2020〕5号 and DESIGN.md.

`python -m fupin generate --scale province` writes ≈1.9 million households and ≈4.8 million people: 87,000
still poor at end-2019, concentrated in the 9 counties that exited in 2020 and the deep-poverty areas,
falling month by month; monitored households ≈5 % of registered, whose risks arise and clear month by month;
projects ≈1/3 started by 10 March and >60 % by 1 April; workshops >90 % restarted by 1 April.

The steps, in order (each a function of what the earlier ones made, all drawing from one seeded generator):

1. `counties.county_frame` — sizes from each county's rural population and poverty incidence;
2. `households.register` — the January register: villages, classes, attributes;
3. `members.members` — people, ages, names, ID numbers, labour, migrant work by month;
4. `households.incomes` — incomes by class, composed according to the household's labour;
5. `lifecycle.lifecycle` — exits, risk episodes, recoveries and the 销号 chain, month by month;
6. `contacts.visits` / `contacts.measures` — contact visits and help measures;
7. `projects.*` — projects, funds, enterprises, pairing, employment;

then `writer.Writer` writes one folder per month. Every number lives in `calibration`. Everything is
vectorised with numpy and deterministic for a seed. The data is synthetic and every file says so in its
title row and in `_manifest.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fupin.core.reference import Reference, load_reference
from fupin.data import contract as C
from fupin.data import provenance
from fupin.data.generate import contacts, counties, households, lifecycle, members, projects
from fupin.data.generate.calibration import (
    MONITOR_LINE,
    MONTHS,
    REMAINING_POOR_PERSONS,
    RURAL_AVG_INCOME_2019,
    SCALES,
    TOTAL_HOUSEHOLDS,
)
from fupin.data.generate.common import MONTH_ENDS
from fupin.data.generate.writer import GenerateReport, Writer
from fupin.data.generate_departments import write_department_feeds

__all__ = [
    "MONITOR_LINE",
    "MONTHS",
    "REMAINING_POOR_PERSONS",
    "RURAL_AVG_INCOME_2019",
    "SCALES",
    "TOTAL_HOUSEHOLDS",
    "GenerateReport",
    "Province",
    "build_province",
    "generate",
]


@dataclass
class Province:
    """Everything one run draws, before it is written: the steps' outputs, for the writer and for other
    generators that add tables keyed on the same households (department feeds)."""

    ref: Reference
    rng: np.random.Generator
    counties: pd.DataFrame
    hh: pd.DataFrame
    mem: members.Members
    life: lifecycle.Lifecycle


def build_province(ref: Reference, scale: float, seed: int) -> Province:
    """Steps 1–5: counties, register, members, incomes, the monthly life cycle."""
    rng = np.random.default_rng(seed)
    cty = counties.county_frame(ref, rng, scale)
    hh = households.register(cty, ref, rng, scale)
    mem = members.members(hh, rng)
    households.incomes(hh, mem.workers, mem.weak, rng)
    life = lifecycle.lifecycle(hh, mem.migrants, rng)
    return Province(ref=ref, rng=rng, counties=cty, hh=hh, mem=mem, life=life)


def generate(*, scale: str, seed: int, out: Path, ref: Reference | None = None) -> GenerateReport:
    """Write one folder per month of synthetic exports into `out`."""
    ref = ref or load_reference()
    prov = build_province(ref, SCALES[scale], seed)
    rng, hh = prov.rng, prov.hh
    report = GenerateReport(out=out, scale=scale, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for m in MONTHS:
        (out / m).mkdir(exist_ok=True)
    w = Writer(out, rng, report, sorted(ref.cities["city_code"]))

    appear = hh["appear_month"].to_numpy()
    for k, month in enumerate(MONTHS):
        w.by_city(C.HOUSEHOLD, month, lifecycle.household_rows(hh, prov.life, k, rng), "village_code")
        w.by_city(C.MEMBER, month, members.member_rows(prov.mem, appear, k), "household_id")
    monitoring = lifecycle.monitoring(hh, prov.life, rng)
    for k, month in enumerate(MONTHS):
        w.by_city(C.MONITORING, month, monitoring[k], "household_id")
    for k, v in enumerate(contacts.visits(hh, prov.life, ref, rng)):
        w.by_city(C.VISIT, MONTHS[k], v, "household_id")
    for k, v in enumerate(contacts.measures(hh, prov.life, rng)):
        w.by_city(C.MEASURE, MONTHS[k], v, "household_id")
    del monitoring

    proj = projects.projects(prov.counties, ref, rng, SCALES[scale])
    ent = projects.enterprises(prov.counties, ref, rng, SCALES[scale])
    alloc, pay = projects.funds(proj, rng)
    pairing = projects.pairing(prov.counties, ref, rng)
    employment = projects.employment(hh, prov.mem, prov.counties, rng)
    for k, month in enumerate(MONTHS):
        w.single(C.PROJECT, month, projects.project_rows(proj, k))
        w.single(C.ENTERPRISE, month, projects.enterprise_rows(ent, k))
        w.single(C.ALLOCATION, month, alloc[alloc["month"] == k])
        w.single(C.PAYMENT, month, pay[pay["month"] == k])
        pr = pairing.copy()
        pr["arranged_date"] = np.where(
            pr["arranged_date"].to_numpy() <= MONTH_ENDS[k], pr["arranged_date"], np.datetime64("NaT")
        )
        w.single(C.PAIRING, month, pr)
        w.single(C.EMPLOYMENT, month, employment[employment["month"] == month])

    report.rows |= (dept := write_department_feeds(out, scale=scale, seed=seed, ref=ref))  # 部门数据比对
    report.files += len(dept) * len(MONTHS)

    report.figures = _figures(prov, len(proj))
    manifest = {
        "synthetic": True,
        "generator": "fupin.data.generate",
        "scale": scale,
        "seed": seed,
        "months": list(MONTHS),
        "rows": report.rows,
        "figures": report.figures,
        "note": "演示数据：由 python -m fupin generate 合成，不是真实数据",
    }
    provenance.sign_folder(out, manifest)  # only these files, unchanged, make a synthetic batch
    return report


def _figures(prov: Province, n_projects: int) -> dict[str, float]:
    """The calibration figures of the run (also in `_manifest.json`)."""
    hh, life = prov.hh, prov.life
    jan = hh["appear_month"].to_numpy() == 0
    cat = hh["household_category"].to_numpy()
    size = hh["household_size"].to_numpy()
    c = prov.counties
    cv = {}
    for label, sel in (("国家级", c["poverty_level"] == "国家级"), ("省级", c["poverty_level"] == "省级")):
        x = c.loc[sel, "households"].to_numpy().astype(float)
        cv[f"county_households_cv_{label}"] = float(x.std() / x.mean())
    cats = life.cats
    return {
        "households": float(len(hh)),
        "persons": float(size.sum()),
        "remaining_poor_persons_jan": float(size[jan & (cat == "未脱贫户")].sum()),
        "remaining_poor_persons_jun": float(size[cats[:, -1] == "未脱贫户"].sum()),
        "projects": float(n_projects),
        "monitor_share": float((cat == "脱贫监测户").mean()),
        **cv,
        "monitor_exits_feb_jun": float(((cats[:, :-1] == "脱贫监测户") & (cats[:, 1:] == "享受政策的脱贫户")).sum()),
        "risk_episodes_open_jun": float(life.active(len(MONTHS) - 1).sum()),
    }
