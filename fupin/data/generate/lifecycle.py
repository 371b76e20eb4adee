"""Step 5: the monthly life cycle, January–June 2020.

Each household has at most one risk episode in the half-year: the 脱贫监测户 and 边缘户 of January carry one
that began in the second half of 2019; 享受政策的脱贫户 fall into one month by month (illness, disaster,
家庭变故, 务工受阻 in the February lockdown …) and become 脱贫监测户; newly identified 边缘户 bring one. An
episode ends after weeks to months (a minority never within the half-year); measures follow its onset; once
the risk is gone the household's income recovers and the 销号 chain starts (村级填报 → 乡镇审查 → 市县审核 →
省级备案; 边缘户: 乡镇汇总填报 → 县级审核 → 省级销号), some stalling at a stage (far more often in a few counties). A
脱贫监测户 whose 省级备案 is done is a 享受政策的脱贫户 from the next month and leaves monitoring; a cleared 边缘户
leaves monitoring and keeps its contact person. The remaining poor leave poverty month by month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fupin.data import contract as C
from fupin.data.generate import calibration as K
from fupin.data.generate.common import MONTH_ENDS, MONTH_STARTS, date_str, dates_between, month_of
from fupin.data.generate.households import income_components

NMONTHS = len(K.MONTHS)
_NAT = np.datetime64("NaT", "D")
_KIND_TO_RISK_TYPE = {"家庭成员确诊": "因疫情", "家庭成员疑似": "因疫情"}


@dataclass
class Lifecycle:
    """Per household (rows of the register): class per month, the risk episode, the 销号 chain."""

    cats: np.ndarray  # (households × months) 户类别
    monitored: np.ndarray  # (households × months) a 监测记录 this month
    exit_m: np.ndarray  # month a remaining-poor household leaves poverty (99: not in the half-year)
    exit_income: np.ndarray
    kind: np.ndarray  # risk kind of the episode ('' none)
    onset: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D]; NaT: still open at the end of June
    guarantee: np.ndarray  # 两不愁三保障 / 饮水 problem that comes with the episode ('' none)
    during_income: np.ndarray  # income estimate while the risk lasts
    after_income: np.ndarray  # … and after it is gone
    stage_dates: np.ndarray  # (households × 4) datetime64[D]; NaT where not reached or stalled
    edge_chain: np.ndarray  # the episode ends as a 边缘户 (3-stage chain)
    cleared_m: np.ndarray  # month the last stage is reached (99: not in the half-year)
    problem_found: np.ndarray  # register-only 两不愁三保障 problem: month found (99 none) …
    problem_fixed: np.ndarray  # … and month fixed (99: still open)
    problem_label: np.ndarray

    def active(self, m: int) -> np.ndarray:
        """The episode's risk is present at the end of month m."""
        e = MONTH_ENDS[m]
        return (~np.isnat(self.onset)) & (self.onset <= e) & (np.isnat(self.end) | (self.end > e))


def _kinds(rng: np.random.Generator, months: np.ndarray) -> np.ndarray:
    out = np.empty(len(months), dtype=object)
    for m in range(NMONTHS):
        sel = months == m
        p = np.asarray(K.RISK_KIND_P[m], dtype=float)
        out[sel] = rng.choice(np.array(K.RISK_KINDS), size=int(sel.sum()), p=p / p.sum())
    return out


def _stall_p(county: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per household, the chance its 销号 stalls at a stage: counties differ in how they run the chain (a
    log-normal spread), and a few (K.STALL_SLOW_COUNTY_SHARE) let it stall several times as often — the counties a
    季通报 should name. Scaled so that the province as a whole stalls K.STALL_SHARE of its chains."""
    codes, inv = np.unique(county, return_inverse=True)
    slow = rng.random(len(codes)) < K.STALL_SLOW_COUNTY_SHARE
    factor = np.exp(rng.normal(0, K.STALL_COUNTY_SIGMA, len(codes))) * np.where(slow, K.STALL_SLOW_FACTOR, 1.0)
    p = factor[inv]
    return np.minimum(p * K.STALL_SHARE / p.mean(), 0.9)


def lifecycle(hh: pd.DataFrame, migrants: np.ndarray, rng: np.random.Generator) -> Lifecycle:
    """Draw every household's half-year: exits, episodes, recoveries and 销号."""
    n = len(hh)
    cat0 = hh["household_category"].to_numpy()
    appear = hh["appear_month"].to_numpy()
    base = hh["income_per_capita"].to_numpy().astype(float)

    # Remaining poor leaving poverty.
    exit_m = np.full(n, 99)
    poor = np.flatnonzero(cat0 == "未脱贫户")
    p_exit = np.array([*K.POOR_EXIT_P, 1 - sum(K.POOR_EXIT_P)])
    exit_m[poor] = rng.choice([1, 2, 3, 4, 5, 99], size=len(poor), p=p_exit)
    to_monitor = (exit_m < 99) & (rng.random(n) < K.POOR_EXIT_TO_MONITOR)
    exit_income = np.where(to_monitor, rng.uniform(4_200, 4_990, n), rng.uniform(5_200, 7_500, n))

    # Episodes: who, when, which kind.
    onset_m = np.full(n, 99)
    onset = np.full(n, _NAT)
    initial = np.isin(cat0, ["脱贫监测户", "边缘户"]) & (appear == 0)
    onset[initial] = dates_between(rng, *K.INITIAL_ONSET_WINDOW, int(initial.sum()))
    onset_m[initial] = 0
    late_edge = (cat0 == "边缘户") & (appear > 0)
    onset_m[late_edge] = appear[late_edge]
    exited_at_risk = to_monitor
    onset_m[exited_at_risk] = exit_m[exited_at_risk]
    # Relapse among modest-income 脱贫户; households with migrant workers are hit hardest in Feb–Mar.
    can_relapse = (cat0 == "享受政策的脱贫户") & (base < K.RELAPSE_INCOME_CAP)
    for m in range(1, NMONTHS):
        hazard = K.RELAPSE_HAZARD[m] * np.where((migrants > 0) & (m in (1, 2)), 1.8, 1.0)
        new = can_relapse & (onset_m == 99) & (rng.random(n) < hazard)
        onset_m[new] = m
    later = (onset_m >= 1) & (onset_m < 99)
    onset[later] = MONTH_STARTS[onset_m[later]] + rng.integers(0, 28, int(later.sum())).astype("timedelta64[D]")
    onset[exited_at_risk] = np.maximum(onset[exited_at_risk], MONTH_STARTS[np.minimum(exit_m[exited_at_risk], 5)])
    has = onset_m < 99
    kind = np.full(n, "", dtype=object)
    kind[has] = _kinds(rng, np.minimum(onset_m[has], 5))
    # 务工受阻 needs someone who works away; others get an illness instead.
    kind = np.where((kind == "务工受阻") & (migrants == 0), "因病", kind)

    # Duration and whether it ever ends within the half-year.
    days = np.zeros(n)
    for k, (median, sigma) in K.RISK_DAYS.items():
        sel = kind == k
        days[sel] = median * np.exp(rng.normal(0, sigma, int(sel.sum())))
    stuck = has & (rng.random(n) < K.STUCK_SHARE)
    end = np.where(has & ~stuck, onset + np.ceil(days).astype("timedelta64[D]"), _NAT)
    # A risk already present in January runs on from the start of the year.
    jan_left = np.datetime64("2020-01-02") + np.ceil(days * rng.uniform(0.4, 1.2, n)).astype("timedelta64[D]")
    end = np.where(initial & ~stuck, jan_left, end)
    end = np.where(end > MONTH_ENDS[-1], _NAT, end)

    guarantee = np.full(n, "", dtype=object)
    for k, items in K.GUARANTEE_BY_KIND.items():
        sel = kind == k
        u = rng.random(n)
        acc = 0.0
        for label, chance in items:
            guarantee = np.where(sel & (u >= acc) & (u < acc + chance), label, guarantee)
            acc += chance

    # Incomes during and after the risk.
    lo, hi = K.INCOME_SHOCK_RANGE
    shocked = np.clip(base * rng.uniform(lo, hi, n), 1_500, K.MONITOR_LINE - 50)
    already = np.minimum(base * rng.uniform(0.9, 1.0, n), rng.uniform(3_600, K.MONITOR_LINE - 50, n))
    during = np.where(initial, already, shocked)
    during = np.where(exited_at_risk, exit_income, during)
    recovered = np.maximum(rng.uniform(*K.RECOVERED_INCOME, n), base * rng.uniform(0.98, 1.06, n))
    not_recovered = rng.random(n) < K.NOT_RECOVERED_SHARE
    after = np.where(not_recovered, rng.uniform(4_300, K.MONITOR_LINE - 10, n), recovered)

    # The 销号 chain after the risk is gone; edge households run the 3-stage chain.
    edge_chain = cat0 == "边缘户"
    filed = end + rng.integers(*K.FILE_AFTER_DAYS, n).astype("timedelta64[D]")
    gmed, gsig = K.STAGE_GAP_DAYS
    gaps = np.ceil(gmed * np.exp(rng.normal(0, gsig, (n, 3)))).astype("timedelta64[D]")
    stage_dates = np.full((n, 4), _NAT)
    stage_dates[:, 0] = filed
    for s in range(1, 4):
        stage_dates[:, s] = stage_dates[:, s - 1] + gaps[:, s - 1]
    stage_dates[edge_chain, 3] = _NAT
    stall_at = np.where(rng.random(n) < _stall_p(hh["county_code"].to_numpy(), rng), rng.integers(1, 4, n), 9)
    for s in range(4):
        stage_dates[stall_at <= s, s] = _NAT
    stage_dates[stage_dates > MONTH_ENDS[-1]] = _NAT
    last = np.where(edge_chain, stage_dates[:, 2], stage_dates[:, 3])
    cleared_m = month_of(last)
    cleared_m = np.where(cleared_m < 0, 99, cleared_m)

    # Class per month.
    cats = np.empty((n, NMONTHS), dtype=object)
    exit_to = np.where(to_monitor, "脱贫监测户", "享受政策的脱贫户")
    relapsed = can_relapse & has
    for m in range(NMONTHS):
        cm = cat0.copy()
        cm = np.where(exit_m <= m, exit_to, cm)
        cm = np.where(relapsed & (onset_m <= m), "脱贫监测户", cm)
        cm = np.where((cm == "脱贫监测户") & (cleared_m < m), "享受政策的脱贫户", cm)
        cats[:, m] = cm
    months = np.arange(NMONTHS)[None, :]
    in_class = np.isin(cats, ["未脱贫户", "脱贫监测户", "边缘户"]) | (exit_m[:, None] <= months)
    monitored = in_class & (months >= appear[:, None]) & ~(cleared_m[:, None] < months)

    # Register households (not monitored) where a 两不愁三保障 / 饮水 problem is found, and later fixed.
    quiet = np.isin(cat0, ["享受政策的脱贫户", "不享受政策的脱贫户"]) & ~has
    problem_found = np.where(quiet & (rng.random(n) < K.REGISTER_PROBLEM_P * NMONTHS), rng.integers(0, NMONTHS, n), 99)
    fix_p = np.asarray(K.REGISTER_PROBLEM_FIX_MONTHS_P)
    problem_fixed = np.where(problem_found < 99, problem_found + rng.choice(len(fix_p), n, p=fix_p / fix_p.sum()), 99)
    problem_fixed = np.where(problem_fixed >= NMONTHS, 99, problem_fixed)
    problem_label = np.where(
        problem_found < 99,
        np.array(["住房安全", "饮水安全", "基本医疗", "义务教育", "吃穿不愁"])[
            rng.choice(5, n, p=[0.35, 0.3, 0.15, 0.15, 0.05])
        ],
        "",
    )
    return Lifecycle(
        cats=cats,
        monitored=monitored,
        exit_m=exit_m,
        exit_income=np.round(exit_income).astype(np.int64),
        kind=kind,
        onset=onset,
        end=end,
        guarantee=guarantee,
        during_income=during,
        after_income=after,
        stage_dates=stage_dates,
        edge_chain=edge_chain,
        cleared_m=cleared_m,
        problem_found=problem_found,
        problem_fixed=problem_fixed,
        problem_label=problem_label,
    )


_FLAG_COLUMN = {
    "吃穿不愁": "food_clothing_ok",
    "义务教育": "education_ok",
    "基本医疗": "medical_ok",
    "住房安全": "housing_ok",
    "饮水安全": "water_ok",
}


def household_rows(hh: pd.DataFrame, life: Lifecycle, m: int, rng: np.random.Generator) -> pd.DataFrame:
    """户信息 for month m: the full register in January; new or changed households after."""
    cat = life.cats[:, m]
    appear = hh["appear_month"].to_numpy()
    if m == 0:
        keep = appear == 0
    else:
        prev = life.cats[:, m - 1]
        keep = (appear == m) | (cat != prev) | (life.problem_found == m) | (life.problem_fixed == m)
    idx = np.flatnonzero(keep)
    out = hh.iloc[idx].copy()
    c = cat[idx]
    out["household_category"] = c
    exited = life.exit_m[idx] <= m
    out.loc[exited, "exit_year"] = "2020"
    out.loc[exited, "income_per_capita"] = life.exit_income[idx][exited]
    at_risk = (life.kind[idx] != "") & (life.onset[idx] <= MONTH_ENDS[m]) & np.isin(c, ["脱贫监测户", "边缘户"])
    kind = life.kind[idx]
    out["risk_type"] = np.where(at_risk, pd.Series(kind).replace(_KIND_TO_RISK_TYPE).to_numpy(), "")
    label = life.problem_label[idx]
    open_problem = (life.problem_found[idx] <= m) & (life.problem_fixed[idx] > m)
    for lab, col in _FLAG_COLUMN.items():
        out[col] = np.where(open_problem & (label == lab), C.NO, C.YES)
    if exited.any():
        income_components(out, rng)  # components follow the new income
    return out


def monitoring(hh: pd.DataFrame, life: Lifecycle, rng: np.random.Generator) -> list[pd.DataFrame]:
    """监测记录 per month: income estimate, risk points, red mark, 销号 stage and dates."""
    base = hh["income_per_capita"].to_numpy().astype(float)
    impact = hh["epidemic_impact"].to_numpy()
    shock = np.array([1.0, 0.72, 0.8, 0.9, 0.95, 0.98])
    hit = np.isin(impact, ["务工受阻", "农产品滞销"])
    ids = hh["household_id"].to_numpy()
    out = []
    for m in range(NMONTHS):
        idx = np.flatnonzero(life.monitored[:, m])
        k = len(idx)
        cat = life.cats[idx, m]
        poor_now = cat == "未脱贫户"
        exited = life.exit_m[idx] <= m
        has = life.kind[idx] != ""
        active = life.active(m)[idx]
        ended = has & ~active & (life.onset[idx] <= MONTH_ENDS[m])
        noise = rng.uniform(0.98, 1.02, k)
        est = base[idx] * np.where(hit[idx] & poor_now, shock[m], 1.0)
        est = np.where(exited, life.exit_income[idx], est)
        est = np.where(active, life.during_income[idx], est)
        est = np.where(ended, life.after_income[idx], est)
        est = est * noise
        points = _risk_points(life, idx, m, active, est, base[idx], impact[idx], poor_now)
        in_scheme = np.isin(cat, ["脱贫监测户", "边缘户"])
        red = in_scheme & (active ^ (rng.random(k) < K.EXPORTED_RED_NOISE))
        sd = life.stage_dates[idx]
        reached = np.where(in_scheme | exited, (sd <= MONTH_ENDS[m]).sum(axis=1), 0)
        edge = life.edge_chain[idx] & (cat == "边缘户")
        reached = np.where(edge, np.minimum(reached, 3), reached)
        stage = np.where(
            reached == 0,
            "未启动",
            np.where(
                edge,
                np.array(("", *C.EDGE_CLEARANCE_STAGES))[np.minimum(reached, 3)],
                np.array(("", *C.MONITOR_CLEARANCE_STAGES))[np.minimum(reached, 4)],
            ),
        )
        rec = pd.DataFrame(
            {
                "household_id": ids[idx],
                "month": K.MONTHS[m],
                "household_category": cat,
                "income_estimate": np.round(est).astype(np.int64),
                "income_last_year": base[idx].astype(np.int64),
                "risk_points": points,
                "red_mark": np.where(red, C.YES, C.NO),
                "clearance_stage": stage,
            }
        )
        for s, col in enumerate(
            ("village_filed_date", "township_reviewed_date", "county_audited_date", "province_recorded_date")
        ):
            rec[col] = np.where(~edge & (reached > s), date_str(sd[:, s]), "")
        for s, col in enumerate(("township_filed_date", "county_reviewed_date", "province_cleared_date")):
            rec[col] = np.where(edge & (reached > s), date_str(sd[:, s]), "")
        rec["_h"] = idx
        out.append(rec)
    return out


def _risk_points(
    life: Lifecycle,
    idx: np.ndarray,
    m: int,
    active: np.ndarray,
    est: np.ndarray,
    base: np.ndarray,
    impact: np.ndarray,
    poor_now: np.ndarray,
) -> np.ndarray:
    """风险点 this month, joined by ；: the episode's kind and guarantee problem while it lasts; a sharp drop in
    income; for the remaining poor, the epidemic's effect in February–April."""
    kind = np.where(active, life.kind[idx], "")
    parts = [
        np.where(est < base * 0.7, "收入骤减", ""),
        kind.astype(str),
        np.where(active, life.guarantee[idx], "").astype(str),
        np.where(poor_now & (impact == "务工受阻") & (m in (1, 2, 3)), "务工受阻", ""),
        np.where(poor_now & (impact == "农产品滞销") & (m in (1, 2, 3)), "产业受损", ""),
        np.where(poor_now & np.isin(impact, ["家庭成员确诊", "家庭成员疑似"]) & (m in (1, 2)), impact, ""),
    ]
    joined = parts[0].astype(object)
    for p in parts[1:]:
        p = p.astype(object)
        joined = np.where((joined != "") & (p != ""), joined + "；" + p, joined + p)
    # a kind can repeat (务工受阻 twice): keep each label once
    return pd.Series(joined).map(lambda s: "；".join(dict.fromkeys(s.split("；"))) if "；" in s else s).to_numpy()


def month_onsets(life: Lifecycle, m: int) -> np.ndarray:
    """Households whose risk began in month m."""
    return np.flatnonzero(month_of(life.onset) == m)
