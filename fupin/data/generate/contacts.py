"""Step 6: contact visits (走访) and help measures (帮扶措施), month by month.

Visits fall on any day of the month; in the February lockdown most contact is by phone or WeChat. Edge
households keep their contact person after 销号. Measures follow a risk's onset within days, of a kind that
fits the risk (临时救助 for 确诊/疑似, 就业帮扶 and 公益性岗位 for 务工受阻 …), and recur while it lasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fupin.core.reference import Reference
from fupin.data import contract as C
from fupin.data.generate import calibration as K
from fupin.data.generate.common import (
    MONTH_ENDS,
    MONTH_STARTS,
    any_names,
    date_str,
    dates_between,
    month_of,
    pick,
)
from fupin.data.generate.lifecycle import NMONTHS, Lifecycle

_NOTES = ("了解生产生活情况", "宣传疫情防控政策", "核实收入变化", "落实帮扶措施", "")


def visits(hh: pd.DataFrame, life: Lifecycle, ref: Reference, rng: np.random.Generator) -> list[pd.DataFrame]:
    """走访记录 per month for monitored households and every 边缘户 in the register."""
    towns = ref.townships["township_code"].to_numpy()
    weak_town = rng.random(len(towns)) < 0.1
    rate = np.where(weak_town, rng.beta(6, 4, len(towns)), rng.beta(18, 2, len(towns)))
    hrate = hh["village_code"].str[:9].map(dict(zip(towns, rate, strict=True))).to_numpy()
    appear = hh["appear_month"].to_numpy()
    ids = hh["household_id"].to_numpy()
    contact = hh["contact_name"].to_numpy()
    helper = hh["helper_name"].to_numpy()
    out = []
    for m in range(NMONTHS):
        cat = life.cats[:, m]
        edge = (cat == "边缘户") & (appear <= m)
        pool = np.flatnonzero(life.monitored[:, m] | edge)
        active = life.active(m)[pool]
        c = cat[pool]
        p = np.where(c == "边缘户", hrate[pool], np.where(c == "脱贫监测户", 0.55, 0.4))
        p = np.where(active, np.maximum(p, 0.85), p)
        vis = pool[rng.random(len(pool)) < p]
        twice = vis[rng.random(len(vis)) < 0.2]
        vis = np.sort(np.concatenate([vis, twice]))
        k = len(vis)
        # Any day of the month; a visit about a new risk comes after its onset.
        dates = dates_between(rng, MONTH_STARTS[m], MONTH_ENDS[m], k)
        onset = life.onset[vis]
        late = (month_of(onset) == m) & (dates < onset)
        dates = np.where(
            late, onset + (rng.random(k) * (MONTH_ENDS[m] - onset).astype(int)).astype("timedelta64[D]"), dates
        )
        out.append(
            pd.DataFrame(
                {
                    "visit_id": np.char.add(
                        f"ZF{K.MONTHS[m].replace('-', '')}", np.char.zfill(np.arange(1, k + 1).astype("U7"), 7)
                    ),
                    "household_id": ids[vis],
                    "visit_date": date_str(dates),
                    "method": pick(rng, C.VISIT_METHODS, K.VISIT_METHOD_P[m], k),
                    "visitor_name": np.where(
                        contact[vis] != "", contact[vis], np.where(helper[vis] != "", helper[vis], any_names(rng, k))
                    ),
                    "notes": pick(rng, _NOTES, [3, 2 if m in (1, 2) else 1, 2, 2, 1], k),
                }
            )
        )
    return out


def _measure_types(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    out = pick(rng, C.MEASURE_TYPES, [20, 15, 10, 12, 8, 5, 5, 8, 8, 5, 4], len(kinds))
    for kind, weights in K.MEASURES_BY_KIND.items():
        sel = kinds == kind
        if sel.any():
            out[sel] = pick(rng, tuple(weights), list(weights.values()), int(sel.sum()))
    return out


def measures(hh: pd.DataFrame, life: Lifecycle, rng: np.random.Generator) -> list[pd.DataFrame]:
    """帮扶措施 per month: the first within days of a risk's onset, follow-ups while it lasts, and a few
    routine ones for other monitored households."""
    ids = hh["household_id"].to_numpy()
    onset_m = month_of(life.onset)
    first = life.onset + rng.integers(1, 21, len(hh)).astype("timedelta64[D]")
    first = np.where(
        life.onset < MONTH_STARTS[0], MONTH_STARTS[0] + rng.integers(0, 60, len(hh)).astype("timedelta64[D]"), first
    )
    first_m = month_of(first)
    out = []
    for m in range(NMONTHS):
        mon = life.monitored[:, m]
        active = life.active(m)
        initial = np.flatnonzero((first_m == m) & (life.kind != "") & (mon | (onset_m == m)))
        follow = np.flatnonzero(active & mon & (first_m < m) & (rng.random(len(hh)) < 0.45))
        routine = np.flatnonzero(mon & ~active & (life.kind == "") & (rng.random(len(hh)) < K.ROUTINE_MEASURE_RATE))
        idx = np.concatenate([initial, follow, routine])
        k = len(idx)
        start = np.concatenate(
            [
                first[initial],
                np.maximum(MONTH_STARTS[m], life.onset[follow]),
                np.full(len(routine), MONTH_STARTS[m]),
            ]
        )
        span = (MONTH_ENDS[m] - start).astype(int) + 1
        dates = np.concatenate(
            [
                first[initial],
                start[len(initial) :] + (rng.random(k - len(initial)) * span[len(initial) :]).astype("timedelta64[D]"),
            ]
        )
        order = np.argsort(dates, kind="stable")
        idx, dates = idx[order], dates[order]
        mtype = _measure_types(rng, life.kind[idx].astype(str))
        amount = np.where(np.isin(mtype, ["就业帮扶", "消费帮扶"]), 0, rng.integers(5, 60, k) * 100)
        edge = life.cats[idx, m] == "边缘户"
        src = np.where(
            edge,
            pick(rng, C.FUND_SOURCES_MEASURE, [0, 45, 15, 25, 10, 0, 5], k),
            pick(rng, C.FUND_SOURCES_MEASURE, [35, 40, 10, 0, 0, 5, 10], k),
        )
        violate = edge & (rng.random(k) < 0.008)  # edge help paid from 财政专项扶贫资金: forbidden
        src = np.where(violate, "财政专项扶贫资金", src)
        out.append(
            pd.DataFrame(
                {
                    "measure_id": np.char.add(
                        f"CS{K.MONTHS[m].replace('-', '')}", np.char.zfill(np.arange(1, k + 1).astype("U7"), 7)
                    ),
                    "household_id": ids[idx],
                    "measure_type": mtype,
                    "measure_date": date_str(dates),
                    "amount": amount,
                    "fund_source": src,
                    "project_id": "",
                }
            )
        )
    return out
