"""Step 3: household members — relations, sex-consistent names, plausible ages (no married minors),
ID numbers with the region code in force when the person was born, labour, health, schooling — and each
able-bodied member's migrant work month by month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from fupin.core.reference import REFERENCE_DIR, read_csv_text
from fupin.data import contract as C
from fupin.data.generate import calibration as K
from fupin.data.generate.common import SURNAMES, names, pick, positions
from fupin.data.idcard import id_bodies, ids_from_bodies

WORK_PLACES = (
    "江苏省苏州市",
    "浙江省杭州市",
    "上海市",
    "江苏省南京市",
    "浙江省宁波市",
    "广东省深圳市",
    "安徽省合肥市",
    "安徽省芜湖市",
)
_AWAY = (C.MIGRANT_STATUSES.index("省外务工"), C.MIGRANT_STATUSES.index("省内县外务工"))


@dataclass
class Members:
    """The member register (`frame`) and what later steps need from it, aligned with `frame`'s rows."""

    frame: pd.DataFrame  # contract columns + "_h" (household row)
    migrant_status: np.ndarray  # (members × months) codes into C.MIGRANT_STATUSES
    work_place: np.ndarray  # index into WORK_PLACES
    is_migrant: np.ndarray
    workers: np.ndarray  # per household: members with 普通/技能劳动力
    weak: np.ndarray  # per household: members with 弱劳动力或半劳动力
    migrants: np.ndarray  # per household: members working away from the county in 2019


def region_prefix(county: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """The 6-digit region code an ID issued at birth carries: a former code for people born before the
    county's code changed (data/reference/county_code_history.csv)."""
    hist = read_csv_text(REFERENCE_DIR / "county_code_history.csv")
    code = county.astype(np.int64)
    prefix = code.copy()
    # Latest change first, so an earlier former code (e.g. 无为 341422 before 2011) wins for older people.
    for row in hist.sort_values("used_until_year", ascending=False).itertuples():
        sel = (code == int(row.county_code)) & (birth_year <= int(row.used_until_year))
        prefix[sel] = int(row.former_code)
    return prefix


def members(hh: pd.DataFrame, rng: np.random.Generator) -> Members:
    """家庭成员 for every household; also fills the head's name and ID on `hh`."""
    size = hh["household_size"].to_numpy()
    nh = len(hh)
    hidx = np.repeat(np.arange(nh), size)
    pos = positions(size)
    n = len(hidx)
    cat = hh["household_category"].to_numpy()
    poor_like = np.isin(cat, ["未脱贫户", "脱贫监测户", "边缘户"])
    tekun = hh["poverty_attribute"].to_numpy() == "特困供养贫困户"
    m_poor, s_poor = K.HEAD_AGE["poor_like"]
    m_other, s_other = K.HEAD_AGE["other"]
    h_age = np.where(poor_like, rng.normal(m_poor, s_poor, nh), rng.normal(m_other, s_other, nh))
    h_age = np.where(tekun, rng.uniform(62, 92, nh), h_age)
    h_age = np.clip(h_age, 24, 92) + rng.random(nh)
    head_age = h_age[hidx]

    # Relation by position: head, spouse, two children, grandchild, parent, other.
    rel_template = np.array(["户主", "配偶", "之子", "之女", "之孙子", "之父", "其他"])
    relation = rel_template[np.minimum(pos, 6)]
    swap = rng.random(n) < 0.5
    relation = np.where(np.isin(pos, [2, 3]) & swap, np.where(relation == "之子", "之女", "之子"), relation)
    relation = np.where((pos == 4) & swap, "之孙女", relation)
    relation = np.where((pos == 5) & swap, "之母", relation)
    # Widowed heads: no spouse in some households of older people.
    widowed = (pos == 1) & (head_age > 62) & (rng.random(n) < 0.35)
    relation = np.where(widowed, np.where(swap, "之子", "之女"), relation)

    age = np.zeros(n)
    spouse = relation == "配偶"
    age[spouse] = np.maximum(
        K.MIN_SPOUSE_AGE + rng.random(spouse.sum()), head_age[spouse] + rng.normal(-2, 3, spouse.sum())
    )
    child = np.isin(relation, ["之子", "之女"])
    # Children born when the head was 20..38 (never before the head turned 20): no spike at ages 0–3.
    gap = 20 + (np.minimum(head_age[child], 58) - 20) * rng.beta(2.2, 2.0, child.sum())
    age[child] = np.maximum(head_age[child] - gap, rng.uniform(0.05, 0.95, child.sum()))
    age[child] = np.where(head_age[child] - gap < 0, rng.uniform(0, head_age[child] - 20), age[child])
    grand = np.isin(relation, ["之孙子", "之孙女"])
    age[grand] = np.maximum(head_age[grand] - rng.uniform(42, 60, grand.sum()), rng.uniform(0, 12, grand.sum()))
    # A grandchild in a household whose head is under 45 is a further child.
    young = grand & (head_age < 45)
    relation = np.where(young, np.where(relation == "之孙子", "之子", "之女"), relation)
    parent = np.isin(relation, ["之父", "之母"])
    age[parent] = head_age[parent] + rng.uniform(22, 34, parent.sum())
    old = parent & (age > 97)
    relation = np.where(old, "其他", relation)
    other = relation == "其他"
    age[other] = np.clip(head_age[other] + rng.normal(-8, 14, other.sum()), 1, 96)
    age = np.where(relation == "户主", head_age, age)
    age = np.clip(age, 0.02, 99.5)

    head_male = rng.random(nh)[hidx] < np.where(tekun[hidx], 0.7, 0.85)
    male = np.select(
        [
            relation == "户主",
            relation == "配偶",
            np.isin(relation, ["之子", "之孙子", "之父"]),
            np.isin(relation, ["之女", "之孙女", "之母"]),
        ],
        [head_male, ~head_male, True, False],
        default=rng.random(n) < 0.5,
    )
    birth = np.datetime64("2020-01-01") - (age * 365.25).astype("timedelta64[D]")
    birth_s = np.datetime_as_string(birth, unit="D")
    bd = pd.DatetimeIndex(birth)
    ymd = (bd.year * 10000 + bd.month * 100 + bd.day).to_numpy()
    prefix = region_prefix(hh["county_code"].to_numpy()[hidx], bd.year.to_numpy())
    del bd
    seq = rng.integers(0, 500, n) * 2 + male.astype(int)
    bodies = id_bodies(prefix, ymd, seq)
    for _ in range(20):  # resolve the rare collisions (same region, birth date and sequence)
        order = np.argsort(bodies, kind="stable")
        dup = np.zeros(n, dtype=bool)
        dup[order[1:]] = bodies[order[1:]] == bodies[order[:-1]]
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, dup.sum()) * 2 + male[dup].astype(int)
        bodies[dup] = id_bodies(prefix[dup], ymd[dup], seq[dup])
    ids = ids_from_bodies(bodies)
    del bodies, order, dup, prefix, ymd
    surname_h = rng.choice(SURNAMES, size=nh)
    surname = np.where(np.isin(relation, ["配偶", "之母", "其他"]), rng.choice(SURNAMES, size=n), surname_h[hidx])
    person_names = names(rng, surname, male)
    del surname, surname_h

    health = pick(rng, C.HEALTH_STATES, [75, 15, 4, 6], n)
    health = np.where((age > 60) & (rng.random(n) < 0.3), "长期慢性病", health)
    labour = np.where(
        age < 16,
        "无劳动力",
        np.where(
            age <= 60,
            pick(rng, C.LABOUR_ABILITIES[:4], [70, 12, 10, 8], n),
            pick(rng, C.LABOUR_ABILITIES[2:], [40, 30, 30], n),
        ),
    )
    labour = np.where(np.isin(health, ["患有大病", "残疾"]) & (labour != "无劳动力"), "丧失劳动力", labour)
    labour = np.where(
        tekun[hidx] & (labour != "无劳动力"), np.where(age > 60, "丧失劳动力", "弱劳动力或半劳动力"), labour
    )
    schooling = np.select(
        [age < 3, age < 6, age < 16, age < 19, age < 23],
        [
            "非在校生",
            "学前教育",
            "义务教育",
            pick(rng, ("高中", "中职"), [6, 4], n),
            np.where(rng.random(n) < 0.4, pick(rng, ("高职高专", "本科及以上"), [6, 4], n), "非在校生"),
        ],
        default="非在校生",
    )
    # Build the frame column by column, freeing each numpy array as it goes: at province scale
    # these are 4.8 million rows, and low-cardinality columns are stored as categoricals.
    head = pos == 0
    hh["head_name"] = person_names[head]
    hh["head_id_number"] = pd.array(ids.filter(pa.array(head)), dtype="str")
    m = pd.DataFrame({"household_id": pd.array(hh["household_id"].to_numpy()[hidx], dtype="str")})
    m["id_number"] = pd.Series(ids, dtype="str")
    del ids
    m["name"] = pd.array(person_names, dtype="str")
    del person_names
    m["relation"] = pd.Categorical(relation)
    m["sex"] = pd.Categorical(np.where(male, "男", "女"))
    m["birth_date"] = pd.array(birth_s, dtype="str")
    del birth_s, relation
    able = np.isin(labour, ["普通劳动力", "技能劳动力"])
    m["labour_ability"] = pd.Categorical(labour)
    m["health"] = pd.Categorical(health)
    m["schooling"] = pd.Categorical(schooling)
    weak_m = labour == "弱劳动力或半劳动力"
    del labour, health, schooling
    m["_h"] = hidx
    status, place, migrant = _migration(rng, able & (age >= 16) & (age <= 60))
    return Members(
        frame=m,
        migrant_status=status,
        work_place=place,
        is_migrant=migrant,
        workers=np.bincount(hidx, weights=able, minlength=nh).astype(int),
        weak=np.bincount(hidx, weights=weak_m, minlength=nh).astype(int),
        migrants=np.bincount(hidx, weights=migrant, minlength=nh).astype(int),
    )


def _migration(rng: np.random.Generator, able: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Migrant status per month: home for Spring Festival, held back in February, back by May."""
    n = len(able)
    migrant = able & (rng.random(n) < K.MIGRANT_SHARE)
    local = able & ~migrant & (rng.random(n) < K.LOCAL_WORK_SHARE)
    back_m = np.where(
        rng.random(n) < 0.3, 0, rng.choice([1, 2, 3, 4, 5, 99], size=n, p=[0.05, 0.45, 0.30, 0.08, 0.04, 0.08])
    )
    switch_local = rng.random(n) < 0.15
    outside = rng.random(n) < 0.7  # 省外务工, else 省内县外务工
    place = np.where(outside, rng.integers(0, 6, n), rng.integers(6, len(WORK_PLACES), n)).astype(np.int8)
    code = {s: np.int8(i) for i, s in enumerate(C.MIGRANT_STATUSES)}
    dest_code = np.where(outside, code["省外务工"], code["省内县外务工"]).astype(np.int8)
    status = np.empty((n, len(K.MONTHS)), dtype=np.int8)
    for k in range(len(K.MONTHS)):
        s = np.where(local, code["县内务工"], code["未务工"])
        away = migrant & (back_m <= k)
        s = np.where(migrant & ~away, np.where(switch_local & (k >= 2), code["县内务工"], code["待返岗"]), s)
        s = np.where(away, dest_code, s)
        status[:, k] = s
    return status, place, migrant


def member_rows(mem: Members, appear: np.ndarray, m: int) -> pd.DataFrame:
    """家庭成员 for month m: everyone in January; later, new households' members and status changes."""
    st = mem.migrant_status[:, m]
    appear_m = appear[mem.frame["_h"].to_numpy()]
    if m == 0:
        keep = appear_m == 0
    else:
        keep = (appear_m == m) | ((appear_m < m) & (st != mem.migrant_status[:, m - 1]))
    out = mem.frame.copy(deep=False) if keep.all() else mem.frame.loc[keep].copy(deep=False)
    out["migrant_status"] = np.array(C.MIGRANT_STATUSES)[st[keep]]
    away = np.isin(st[keep], _AWAY)
    out["work_place"] = np.where(away, np.array(WORK_PLACES)[mem.work_place[keep]], "")
    return out


def migrants_away(mem: Members, m: int) -> np.ndarray:
    """Per member: working outside the county in month m."""
    return np.isin(mem.migrant_status[:, m], _AWAY)
