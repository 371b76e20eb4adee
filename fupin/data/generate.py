"""Synthetic county exports, calibrated to the figures in 皖扶组〔2020〕5号 and DESIGN.md.

`python -m fupin generate --scale province` writes ≈1.9 million households and ≈4.8 million
people; 87,000 still poor at end-2019, concentrated in the 9 counties that exited in 2020 and
the deep-poverty areas, falling month by month; monitored households ≈5% of registered;
projects ≈1/3 started by 10 March and >60% by 1 April; workshops >90% restarted by 1 April.
Everything is vectorised with numpy and deterministic for a seed. The data is synthetic and
every file says so in its title row or in `_manifest.json`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fupin.core.reference import Reference, load_reference
from fupin.data import contract as C
from fupin.data import provenance
from fupin.data.exportio import write_csv, write_xlsx
from fupin.data.generate_departments import write_department_feeds
from fupin.data.idcard import id_bodies, ids_from_bodies

SCALES: dict[str, float] = {"tiny": 0.002, "demo": 0.02, "province": 1.0}
MONTHS: tuple[str, ...] = ("2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06")
TOTAL_HOUSEHOLDS = 1_900_000
REMAINING_POOR_PERSONS = 87_000
RURAL_AVG_INCOME_2019 = 15_416  # 安徽省2019年农村常住居民人均可支配收入（元）
MONITOR_LINE = 5_000

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彩春菊凤梅琴云莲珍荣兵建国志刚文辉林海波宏成德福贵永胜利民安庆长发祥金银宝山水清广家明"
)
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
PROJECT_NOUNS = {
    "产业发展": ("特色种植基地", "光伏电站运维", "畜禽养殖小区", "茶叶加工厂", "水产养殖基地"),
    "就业扶贫": ("扶贫车间建设", "就业技能培训", "公益性岗位补贴"),
    "基础设施": ("道路硬化", "安全饮水巩固提升", "农田水利", "桥梁建设", "村组道路"),
    "公共服务": ("村卫生室提升", "村级综合服务中心", "文化广场"),
    "易地搬迁后续扶持": ("安置点配套设施", "安置点产业配套"),
    "金融扶贫": ("扶贫小额信贷贴息", "特色农业保险补贴"),
    "其他": ("人居环境整治", "村级公益事业"),
}


@dataclass
class GenerateReport:
    """What was written: per table, rows over all months; and the calibration figures."""

    out: Path
    scale: str
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    figures: dict[str, float] = field(default_factory=dict)


def _month_end(m: int) -> np.datetime64:
    y, mm = map(int, MONTHS[m].split("-"))
    nxt = dt.date(y + (mm == 12), mm % 12 + 1, 1)
    return np.datetime64(nxt - dt.timedelta(days=1))


def _month_start(m: int) -> np.datetime64:
    return np.datetime64(MONTHS[m] + "-01")


def _dates_between(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    a, b = np.datetime64(start), np.datetime64(end)
    return a + rng.integers(0, int((b - a).astype(int)) + 1, size=n).astype("timedelta64[D]")


def _month_of(dates: np.ndarray) -> np.ndarray:
    """Month index 0..5 of each date (NaT → -1; after June → 99)."""
    out = np.full(len(dates), -1, dtype=np.int64)
    ok = ~np.isnat(dates)
    months = dates[ok].astype("datetime64[M]").astype(int) - np.datetime64("2020-01", "M").astype(int)
    out[ok] = np.where(months > 5, 99, months)
    return out


def _date_str(dates: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(dates, unit="D")
    return np.where(np.isnat(dates), "", s)


def _names(rng: np.random.Generator, surnames: np.ndarray) -> np.ndarray:
    n = len(surnames)
    g1 = rng.choice(GIVEN, size=n)
    g2 = np.where(rng.random(n) < 0.7, rng.choice(GIVEN, size=n), "")
    return np.char.add(np.char.add(surnames, g1), g2)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    head = rng.choice(["13", "15", "18", "17", "19"], size=n)
    return np.char.add(head, np.char.zfill(rng.integers(0, 10**9, size=n).astype("U9"), 9))


def _pick(rng: np.random.Generator, choices: tuple[str, ...], p: list[float], n: int) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return rng.choice(np.array(choices), size=n, p=p_arr / p_arr.sum())


class _Gen:
    """Holds the state of one generation run; each method adds one kind of entity."""

    def __init__(self, ref: Reference, scale: float, seed: int) -> None:
        self.ref = ref
        self.scale = scale
        self.rng = np.random.default_rng(seed)
        c = ref.counties.copy()
        pov = ref.poverty_counties.set_index("county_code")
        deep = set(ref.deep_poverty_areas["county_code"])
        c["poverty_level"] = c["county_code"].map(pov["level"]).fillna("")
        c["exit_2020"] = c["county_code"].map(pov["exit_date"]).fillna("").str.startswith("2020")
        c["deep"] = c["county_code"].isin(deep)
        c["urban"] = c["county_name"].str.endswith("区") & (c["poverty_level"] == "")
        w = np.where(c["poverty_level"] == "国家级", 2.6, np.where(c["poverty_level"] == "省级", 2.0, 1.0))
        w = np.where(c["deep"] & (c["poverty_level"] == ""), 1.4, w)
        c["w_households"] = np.where(c["urban"], 0.3, w)
        wp = np.where(c["exit_2020"], 10.0, np.where(c["poverty_level"] != "", 1.2, np.where(c["deep"], 0.5, 0.08)))
        c["w_poor"] = np.where(c["urban"], 0.03, wp)
        self.counties = c.reset_index(drop=True)

    # ------------------------------------------------------------------ households
    def households(self) -> pd.DataFrame:
        rng, c = self.rng, self.counties
        n_total = TOTAL_HOUSEHOLDS * self.scale
        per_county = np.maximum(8, np.round(n_total * c["w_households"] / c["w_households"].sum())).astype(int)
        vil = self.ref.villages
        parts = []
        for code, n in zip(c["county_code"], per_county, strict=True):
            v = vil[vil["county_code"] == code]
            p = np.where(v["is_poverty_village"] == "1", 2.0, 1.0)
            parts.append(v["village_code"].to_numpy()[rng.choice(len(v), size=n, p=p / p.sum())])
        village = np.sort(np.concatenate(parts))
        n = len(village)
        hh = pd.DataFrame({"village_code": village})
        hh["county_code"] = hh["village_code"].str[:6]
        seq = hh.groupby("village_code").cumcount().to_numpy() + 1
        hh["household_id"] = np.char.add(village.astype("U12"), np.char.zfill(seq.astype("U4"), 4))
        hh["household_size"] = rng.choice(np.arange(1, 8), size=n, p=[0.28, 0.31, 0.18, 0.12, 0.07, 0.03, 0.01])
        hh["appear_month"] = 0

        # Categories: remaining poor first (by county target), then edge, then monitored.
        cat = np.full(n, "", dtype=object)
        target = REMAINING_POOR_PERSONS * self.scale * c["w_poor"] / c["w_poor"].sum()
        county_idx = hh.groupby("county_code").indices
        for code, t in zip(c["county_code"], target, strict=True):
            idx = rng.permutation(county_idx[code])
            sizes = hh["household_size"].to_numpy()[idx]
            take = idx[np.cumsum(sizes) - sizes / 2 < t]  # midpoint rule: unbiased at any scale
            cat[take] = "未脱贫户"
        deep = hh["county_code"].isin(set(c.loc[c["deep"] | (c["poverty_level"] != ""), "county_code"])).to_numpy()
        free = cat == ""
        u = rng.random(n)
        cat[free & (u < np.where(deep, 0.03, 0.02))] = "边缘户"
        free = cat == ""
        u = rng.random(n)
        cat[free & (u < np.where(deep, 0.06, 0.03))] = "脱贫监测户"
        free = cat == ""
        cat[free] = np.where(rng.random(free.sum()) < 0.35, "不享受政策的脱贫户", "享受政策的脱贫户")
        hh["household_category"] = cat
        # ≈8% more edge households are identified during Feb–May (epidemic): new in those months.
        edge = np.flatnonzero(cat == "边缘户")
        late = rng.choice(edge, size=int(len(edge) * 0.08), replace=False)
        hh.loc[late, "appear_month"] = rng.choice([1, 2, 3, 4], size=len(late), p=[0.35, 0.35, 0.2, 0.1])

        poor, lifted = cat == "未脱贫户", np.isin(cat, ["不享受政策的脱贫户", "享受政策的脱贫户", "脱贫监测户"])
        is_edge = cat == "边缘户"
        risky = poor | is_edge | (cat == "脱贫监测户")
        hh["poverty_attribute"] = np.where(
            is_edge,
            "非贫困户",
            np.where(
                poor,
                _pick(rng, C.POVERTY_ATTRIBUTES[:3], [0.45, 0.35, 0.2], n),
                _pick(rng, C.POVERTY_ATTRIBUTES[:3], [0.68, 0.27, 0.05], n),
            ),
        )
        hh["exit_year"] = np.where(
            lifted, _pick(rng, tuple(str(y) for y in range(2014, 2020)), [12, 15, 20, 20, 20, 13], n), ""
        )
        cause_p = [40, 15, 6, 3, 3, 1, 8, 10, 8, 2, 4]
        hh["poverty_cause"] = np.where(is_edge, "", _pick(rng, C.POVERTY_CAUSES, cause_p, n))
        risk_p = [20, 30, 10, 5, 3, 5, 5, 15, 5, 2]
        hh["risk_type"] = np.where(risky & ~poor, _pick(rng, C.RISK_TYPES, risk_p, n), "")

        # Income (per capita, 2019) by category; ~2% deliberately disagree with their category.
        inc = np.where(
            poor,
            np.clip(rng.normal(3900, 450, n), 2500, 4990),
            np.where(
                is_edge | (cat == "脱贫监测户"),
                rng.uniform(3600, 4990, n),
                np.where(cat == "享受政策的脱贫户", rng.uniform(5200, 15300, n), rng.uniform(15500, 28000, n)),
            ),
        )
        mismatch = rng.random(n) < 0.02
        inc = np.where(mismatch & (is_edge | (cat == "脱贫监测户")), rng.uniform(5000, 7000, n), inc)
        inc = np.where(mismatch & (cat == "不享受政策的脱贫户"), rng.uniform(9000, 15000, n), inc)
        hh["income_per_capita"] = np.round(inc).astype(np.int64)
        self._income_components(hh)

        flag_rate = np.where(risky, 1.0, 0.06)
        for col, rate in (
            ("food_clothing_ok", 0.002),
            ("education_ok", 0.008),
            ("medical_ok", 0.008),
            ("housing_ok", 0.01),
            ("water_ok", 0.012),
        ):
            hh[col] = np.where(rng.random(n) < rate * flag_rate, C.NO, C.YES)
        imp = _pick(rng, C.EPIDEMIC_IMPACTS, [72, 0.05, 0.15, 18, 6, 3], n)
        calm = _pick(rng, C.EPIDEMIC_IMPACTS, [93, 0.002, 0.01, 5, 2, 0], n)
        hh["epidemic_impact"] = np.where(risky, imp, calm)
        hh["phone"] = np.where(rng.random(n) < 0.85, _phones(rng, n), "")
        hh["helper_name"] = np.where(is_edge, "", _names(rng, rng.choice(SURNAMES, size=n)))
        has_contact = is_edge & (rng.random(n) < 0.99)
        hh["contact_name"] = np.where(has_contact, _names(rng, rng.choice(SURNAMES, size=n)), "")
        hh["contact_phone"] = np.where(has_contact, _phones(rng, n), "")
        self.hh = hh
        return hh

    def _income_components(self, hh: pd.DataFrame) -> None:
        rng, n = self.rng, len(hh)
        total = hh["income_per_capita"].to_numpy() * hh["household_size"].to_numpy()
        ws = np.clip(rng.normal(0.55, 0.15, n), 0.05, 0.9)
        bs = np.clip(rng.normal(0.22, 0.08, n), 0.0, 0.5)
        ps = rng.uniform(0.0, 0.05, n)
        hh["wage_income"] = np.round(total * ws).astype(np.int64)
        hh["business_income"] = np.round(total * bs).astype(np.int64)
        hh["property_income"] = np.round(total * ps).astype(np.int64)
        rest = total - hh["wage_income"] - hh["business_income"] - hh["property_income"]
        over = rest < 0
        hh.loc[over, "wage_income"] += rest[over]
        hh["transfer_income"] = np.maximum(rest, 0)

    # ------------------------------------------------------------------ dynamics
    def dynamics(self) -> None:
        """Exits of the remaining poor, new monitored households: the category in each month."""
        rng, hh = self.rng, self.hh
        n = len(hh)
        cat0 = hh["household_category"].to_numpy()
        exit_m = np.full(n, 99)
        poor = np.flatnonzero(cat0 == "未脱贫户")
        exit_m[poor] = rng.choice([1, 2, 3, 4, 5, 99], size=len(poor), p=[0.03, 0.07, 0.10, 0.12, 0.13, 0.55])
        relapse_m = np.full(n, 99)
        income = hh["income_per_capita"].to_numpy()
        stable = np.flatnonzero((cat0 == "享受政策的脱贫户") & (income < 9000))
        relapse = stable[rng.random(len(stable)) < 0.03]
        relapse_m[relapse] = rng.choice([1, 2, 3], size=len(relapse), p=[0.4, 0.4, 0.2])
        cats = np.empty((n, len(MONTHS)), dtype=object)
        exit_to = np.where(rng.random(n) < 0.85, "享受政策的脱贫户", "脱贫监测户")
        for m in range(len(MONTHS)):
            cm = cat0.copy()
            cm = np.where(exit_m <= m, exit_to, cm)
            cm = np.where(relapse_m <= m, "脱贫监测户", cm)
            cats[:, m] = cm
        self.cats = cats
        self.exit_m, self.relapse_m = exit_m, relapse_m
        # A household is monitored (one record a month) once it is poor, monitored or edge.
        self.monitored = np.isin(cats, ["未脱贫户", "脱贫监测户", "边缘户"]) | (exit_m[:, None] < 99)
        self.monitored &= np.arange(len(MONTHS))[None, :] >= hh["appear_month"].to_numpy()[:, None]
        new_income = np.where(exit_to == "享受政策的脱贫户", rng.uniform(5200, 7500, n), rng.uniform(4200, 4990, n))
        self.exit_income = np.round(new_income).astype(np.int64)

    def household_rows(self, m: int) -> pd.DataFrame:
        """户信息 for month m: the full register in January, new or changed households after."""
        hh = self.hh.copy()
        cat = self.cats[:, m]
        hh["household_category"] = cat
        exited = self.exit_m <= m
        hh.loc[exited, "exit_year"] = "2020"
        hh.loc[exited, "income_per_capita"] = self.exit_income[exited]
        relapsed = self.relapse_m <= m
        hh.loc[relapsed, "risk_type"] = "因疫情"
        if m == 0:
            keep = hh["appear_month"].to_numpy() == 0
        else:
            keep = (hh["appear_month"].to_numpy() == m) | (self.exit_m == m) | (self.relapse_m == m)
        out = hh[keep].copy()
        if exited[keep].any():
            self._income_components(out)  # components follow the new income
        return out

    # ------------------------------------------------------------------ members
    def members(self) -> pd.DataFrame:
        rng, hh = self.rng, self.hh
        size = hh["household_size"].to_numpy()
        hidx = np.repeat(np.arange(len(hh)), size)
        pos = _positions(size)
        n = len(hidx)
        poor_like = np.isin(self.hh["household_category"].to_numpy(), ["未脱贫户", "脱贫监测户", "边缘户"])
        head_age = np.where(poor_like, rng.normal(60, 12, len(hh)), rng.normal(52, 12, len(hh)))
        head_age = np.clip(head_age, 22, 92)[hidx]
        rel_template = np.array(["户主", "配偶", "之子", "之女", "之孙子", "之父", "其他"])
        relation = rel_template[np.minimum(pos, 6)]
        swap = rng.random(n) < 0.5
        relation = np.where(np.isin(pos, [2, 3]) & swap, np.where(relation == "之子", "之女", "之子"), relation)
        relation = np.where((pos == 4) & swap, "之孙女", relation)
        relation = np.where((pos == 5) & swap, "之母", relation)
        head_male = rng.random(len(hh))[hidx] < 0.85
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
        offset = np.select(
            [
                relation == "户主",
                relation == "配偶",
                np.isin(relation, ["之子", "之女"]),
                np.isin(relation, ["之孙子", "之孙女"]),
                np.isin(relation, ["之父", "之母"]),
            ],
            [0, rng.normal(-2, 3, n), rng.normal(-27, 4, n), rng.normal(-52, 4, n), rng.normal(26, 3, n)],
            default=rng.normal(-10, 15, n),
        )
        age = head_age + offset
        age = np.where(age < 0.2, rng.uniform(0.2, 4, n), np.where(age > 99, rng.uniform(88, 99, n), age))
        birth = np.datetime64("2020-01-01") - (age * 365.25).astype("timedelta64[D]")
        birth_s = np.datetime_as_string(birth, unit="D")
        bd = pd.DatetimeIndex(birth)
        ymd = (bd.year * 10000 + bd.month * 100 + bd.day).to_numpy()
        del bd
        prefix = hh["county_code"].to_numpy().astype(np.int64)[hidx]
        seq = rng.integers(0, 500, n) * 2 + male.astype(int)
        bodies = id_bodies(prefix, ymd, seq)
        for _ in range(20):  # resolve the rare collisions (same county, birth date and sequence)
            order = np.argsort(bodies, kind="stable")
            dup = np.zeros(n, dtype=bool)
            dup[order[1:]] = bodies[order[1:]] == bodies[order[:-1]]
            if not dup.any():
                break
            seq[dup] = rng.integers(0, 500, dup.sum()) * 2 + male[dup].astype(int)
            bodies[dup] = id_bodies(prefix[dup], ymd[dup], seq[dup])
        ids = ids_from_bodies(bodies)
        del bodies, order, dup
        surname_h = rng.choice(SURNAMES, size=len(hh))
        surname = np.where(
            np.isin(relation, ["配偶", "之儿媳", "之母", "其他"]), rng.choice(SURNAMES, size=n), surname_h[hidx]
        )
        names = _names(rng, surname)
        health = _pick(rng, C.HEALTH_STATES, [75, 15, 4, 6], n)
        health = np.where((age > 60) & (rng.random(n) < 0.3), "长期慢性病", health)
        labour = np.where(
            age < 16,
            "无劳动力",
            np.where(
                age <= 60,
                _pick(rng, C.LABOUR_ABILITIES[:4], [70, 12, 10, 8], n),
                _pick(rng, C.LABOUR_ABILITIES[2:], [40, 30, 30], n),
            ),
        )
        labour = np.where(np.isin(health, ["患有大病", "残疾"]) & (labour != "无劳动力"), "丧失劳动力", labour)
        schooling = np.select(
            [age < 3, age < 6, age < 16, age < 19, age < 23],
            [
                "非在校生",
                "学前教育",
                "义务教育",
                _pick(rng, ("高中", "中职"), [6, 4], n),
                np.where(rng.random(n) < 0.4, _pick(rng, ("高职高专", "本科及以上"), [6, 4], n), "非在校生"),
            ],
            default="非在校生",
        )
        del offset, birth, seq, prefix, ymd, surname, surname_h
        # Build the frame column by column, freeing each numpy array as it goes: at province scale
        # these are 4.8 million rows, and low-cardinality columns are stored as categoricals.
        head = pos == 0
        hh["head_name"] = names[head]
        hh["head_id_number"] = pd.array(ids.filter(pa.array(head)), dtype="str")
        m = pd.DataFrame({"household_id": pd.array(hh["household_id"].to_numpy()[hidx], dtype="str")})
        m["id_number"] = pd.Series(ids, dtype="str")
        del ids
        m["name"] = pd.array(names, dtype="str")
        del names
        m["relation"] = pd.Categorical(relation)
        m["sex"] = pd.Categorical(np.where(male, "男", "女"))
        m["birth_date"] = pd.array(birth_s, dtype="str")
        del birth_s, relation
        m["labour_ability"] = pd.Categorical(labour)
        m["health"] = pd.Categorical(health)
        m["schooling"] = pd.Categorical(schooling)
        del labour, health, schooling
        m["_h"] = hidx
        self._migration(m, age)
        self.mem = m
        return m

    def _migration(self, m: pd.DataFrame, age: np.ndarray) -> None:
        """Migrant status per month: home for Spring Festival, held back in February, back by May."""
        rng, n = self.rng, len(m)
        able = np.isin(m["labour_ability"].to_numpy(), ["普通劳动力", "技能劳动力"]) & (age >= 16) & (age <= 60)
        migrant = able & (rng.random(n) < 0.55)
        local = able & ~migrant & (rng.random(n) < 0.25)
        back_m = np.where(
            rng.random(n) < 0.3, 0, rng.choice([1, 2, 3, 4, 5, 99], size=n, p=[0.05, 0.45, 0.30, 0.08, 0.04, 0.08])
        )
        switch_local = rng.random(n) < 0.15
        outside = rng.random(n) < 0.7  # 省外务工, else 省内县外务工
        place = np.where(outside, rng.integers(0, 6, n), rng.integers(6, len(WORK_PLACES), n)).astype(np.int8)
        code = {s: np.int8(i) for i, s in enumerate(C.MIGRANT_STATUSES)}
        dest_code = np.where(outside, code["省外务工"], code["省内县外务工"]).astype(np.int8)
        status = np.empty((n, len(MONTHS)), dtype=np.int8)  # codes into C.MIGRANT_STATUSES
        for k in range(len(MONTHS)):
            s = np.where(local, code["县内务工"], code["未务工"])
            away = migrant & (back_m <= k)
            s = np.where(migrant & ~away, np.where(switch_local & (k >= 2), code["县内务工"], code["待返岗"]), s)
            s = np.where(away, dest_code, s)
            status[:, k] = s
        self.migrant_status = status
        self.work_place = place  # index into WORK_PLACES
        self.is_migrant = migrant

    def member_rows(self, m: int) -> pd.DataFrame:
        """家庭成员 for month m: everyone in January; later, new households' members and status changes."""
        st = self.migrant_status[:, m]
        appear = self.hh["appear_month"].to_numpy()[self.mem["_h"].to_numpy()]
        if m == 0:
            keep = appear == 0
        else:
            keep = (appear == m) | ((appear < m) & (st != self.migrant_status[:, m - 1]))
        mem = self.mem.copy(deep=False) if keep.all() else self.mem.loc[keep].copy(deep=False)
        names = np.array(C.MIGRANT_STATUSES)
        mem["migrant_status"] = names[st[keep]]
        away = np.isin(st[keep], [C.MIGRANT_STATUSES.index("省外务工"), C.MIGRANT_STATUSES.index("省内县外务工")])
        mem["work_place"] = np.where(away, np.array(WORK_PLACES)[self.work_place[keep]], "")
        return mem

    # ------------------------------------------------------------------ monitoring
    def monitoring(self) -> list[pd.DataFrame]:
        """监测记录 per month: income estimate, risk points, red mark, clearance (销号) stages."""
        rng, hh = self.rng, self.hh
        n = len(hh)
        base = hh["income_per_capita"].to_numpy().astype(float)
        impact = hh["epidemic_impact"].to_numpy()
        shock = np.array([1.0, 0.72, 0.8, 0.9, 0.95, 0.98])
        hit = np.isin(impact, ["务工受阻", "农产品滞销"])
        # One red-flag episode for ≈30% of monitored/edge households.
        red_start = np.where(rng.random(n) < 0.3, rng.choice(6, size=n, p=[0.1, 0.35, 0.25, 0.15, 0.1, 0.05]), 99)
        red_len = rng.choice([1, 2, 3, 4], size=n, p=[0.3, 0.35, 0.25, 0.1])
        red_end = red_start + red_len  # first month no longer red: clearance starts then
        start_dates = np.array([_month_start(k) for k in range(len(MONTHS))])
        cs = start_dates[np.minimum(red_end, 5)] + rng.integers(0, 25, n).astype("timedelta64[D]")
        gaps = rng.integers(4, 20, size=(n, 4)).astype("timedelta64[D]")
        stage_dates = cs[:, None] + np.cumsum(gaps, axis=1)
        stall_at = np.where(rng.random(n) < 0.15, rng.integers(1, 4, n), 9)  # stuck after this many stages
        out = []
        for m in range(len(MONTHS)):
            idx = np.flatnonzero(self.monitored[:, m])
            cat = self.cats[idx, m]
            est = base[idx] * np.where(hit[idx], shock[m], 1.0) * rng.uniform(0.97, 1.04, len(idx))
            exited = self.exit_m[idx] <= m
            est = np.where(exited, self.exit_income[idx] * rng.uniform(0.98, 1.03, len(idx)), est)
            relapsed = self.relapse_m[idx] <= m  # epidemic pushed them under the line
            est = np.where(relapsed, np.minimum(est * 0.55, rng.uniform(3800, 4900, len(idx))), est)
            family_shock = rng.random(len(idx)) < 0.004  # illness, accident, disaster this month
            est = np.where(family_shock, est * 0.55, est)
            points = self._risk_points(idx, est, base[idx], family_shock, m)
            # The system's 红色标注: high-risk points this month, with ~2% disagreeing (what 月核查 finds).
            high = (
                pd.Series(points)
                .str.contains(
                    "收入骤减|家庭成员确诊|家庭成员疑似|意外事故|因灾|吃穿不愁|义务教育|基本医疗|住房安全|饮水安全"
                )
                .to_numpy()
            )
            red = np.isin(cat, ["脱贫监测户", "边缘户"]) & (high ^ (rng.random(len(idx)) < 0.02))
            in_chain = np.isin(cat, ["脱贫监测户", "边缘户"]) & (red_end[idx] <= m)
            reached = (stage_dates[idx] <= _month_end(m)).sum(axis=1)
            reached = np.where(in_chain, np.minimum(reached, stall_at[idx]), 0)
            edge = cat == "边缘户"
            reached = np.where(edge, np.minimum(reached, 3), reached)
            stage = np.where(
                reached == 0,
                "未启动",
                np.where(
                    edge,
                    np.array(("", *C.EDGE_CLEARANCE_STAGES))[np.minimum(reached, 3)],
                    np.array(("", *C.MONITOR_CLEARANCE_STAGES))[reached],
                ),
            )
            rec = pd.DataFrame(
                {
                    "household_id": hh["household_id"].to_numpy()[idx],
                    "month": MONTHS[m],
                    "household_category": cat,
                    "income_estimate": np.round(est).astype(np.int64),
                    "income_last_year": base[idx].astype(np.int64),
                    "risk_points": points,
                    "red_mark": np.where(red, C.YES, C.NO),
                    "clearance_stage": stage,
                }
            )
            sd = stage_dates[idx]
            for k, col in enumerate(
                ("village_filed_date", "township_reviewed_date", "county_audited_date", "province_recorded_date")
            ):
                rec[col] = np.where(~edge & (reached > k), _date_str(sd[:, k]), "")
            for k, col in enumerate(("township_filed_date", "county_reviewed_date", "province_cleared_date")):
                rec[col] = np.where(edge & (reached > k), _date_str(sd[:, k]), "")
            rec["_h"] = idx
            out.append(rec)
        return out

    def _risk_points(self, idx: np.ndarray, est: np.ndarray, base: np.ndarray, shock: np.ndarray, m: int) -> np.ndarray:
        hh = self.hh
        parts: list[np.ndarray] = []
        impact = hh["epidemic_impact"].to_numpy()[idx]
        risk = hh["risk_type"].to_numpy()[idx]
        parts.append(np.where(est < base * 0.7, "收入骤减", ""))
        parts.append(np.where(risk == "因病", "因病", ""))
        parts.append(np.where(risk == "因残", "因残", ""))
        parts.append(np.where((risk == "因灾") | (shock & (self.rng.random(len(idx)) < 0.3)), "因灾", ""))
        parts.append(np.where(risk == "意外事故", "意外事故", ""))
        parts.append(np.where(impact == "家庭成员确诊", "家庭成员确诊", ""))
        parts.append(np.where(impact == "家庭成员疑似", "家庭成员疑似", ""))
        parts.append(np.where((impact == "务工受阻") & (m in (1, 2, 3)), "务工受阻", ""))
        parts.append(np.where((impact == "农产品滞销") & (m in (1, 2, 3)), "产业受损", ""))
        for col, label in (
            ("food_clothing_ok", "吃穿不愁"),
            ("education_ok", "义务教育"),
            ("medical_ok", "基本医疗"),
            ("housing_ok", "住房安全"),
            ("water_ok", "饮水安全"),
        ):
            parts.append(np.where(hh[col].to_numpy()[idx] == C.NO, label, ""))
        joined = pd.Series(np.array(parts).T.tolist()).map(lambda xs: "；".join(x for x in xs if x))
        return joined.to_numpy()

    # ------------------------------------------------------------------ visits and measures
    def visits(self, monitoring: list[pd.DataFrame]) -> list[pd.DataFrame]:
        rng, hh = self.rng, self.hh
        towns = self.ref.townships["township_code"].to_numpy()
        poor_town = rng.random(len(towns)) < 0.1
        rate = np.where(poor_town, rng.beta(6, 4, len(towns)), rng.beta(18, 2, len(towns)))
        town_rate = dict(zip(towns, rate, strict=True))
        hrate = hh["village_code"].str[:9].map(town_rate).to_numpy()
        out = []
        for m, rec in enumerate(monitoring):
            idx = rec["_h"].to_numpy()
            cat = rec["household_category"].to_numpy()
            p = np.where(cat == "边缘户", hrate[idx], np.where(cat == "脱贫监测户", 0.55, 0.4))
            vis = idx[rng.random(len(idx)) < p]
            twice = vis[rng.random(len(vis)) < 0.2]
            vis = np.sort(np.concatenate([vis, twice]))
            k = len(vis)
            dates = _dates_between(rng, f"{MONTHS[m]}-01", f"{MONTHS[m]}-28", k)
            contact = hh["contact_name"].to_numpy()[vis]
            helper = hh["helper_name"].to_numpy()[vis]
            out.append(
                pd.DataFrame(
                    {
                        "visit_id": np.char.add(
                            f"ZF{MONTHS[m].replace('-', '')}", np.char.zfill(np.arange(1, k + 1).astype("U7"), 7)
                        ),
                        "household_id": hh["household_id"].to_numpy()[vis],
                        "visit_date": _date_str(dates),
                        "method": _pick(rng, C.VISIT_METHODS, [45, 30, 5, 15, 5], k),
                        "visitor_name": np.where(
                            contact != "",
                            contact,
                            np.where(helper != "", helper, _names(rng, rng.choice(SURNAMES, size=k))),
                        ),
                        "notes": _pick(
                            rng,
                            ("了解生产生活情况", "宣传疫情防控政策", "核实收入变化", "落实帮扶措施", ""),
                            [3, 2, 2, 2, 1],
                            k,
                        ),
                    }
                )
            )
        return out

    def measures(self, monitoring: list[pd.DataFrame]) -> list[pd.DataFrame]:
        rng, hh = self.rng, self.hh
        out = []
        for m, rec in enumerate(monitoring):
            sel = rng.random(len(rec)) < 0.12
            idx = rec["_h"].to_numpy()[sel]
            cat = rec["household_category"].to_numpy()[sel]
            k = len(idx)
            edge = cat == "边缘户"
            mtype = _pick(rng, C.MEASURE_TYPES, [20, 15, 10, 12, 8, 5, 5, 8, 8, 5, 4], k)
            amount = np.where(np.isin(mtype, ["就业帮扶", "消费帮扶"]), 0, rng.integers(5, 60, k) * 100)
            src = np.where(
                edge,
                _pick(rng, C.FUND_SOURCES_MEASURE, [0, 45, 15, 25, 10, 0, 5], k),
                _pick(rng, C.FUND_SOURCES_MEASURE, [35, 40, 10, 0, 0, 5, 10], k),
            )
            violate = edge & (rng.random(k) < 0.008)  # edge help paid from 财政专项扶贫资金: forbidden
            src = np.where(violate, "财政专项扶贫资金", src)
            dates = _dates_between(rng, f"{MONTHS[m]}-01", f"{MONTHS[m]}-28", k)
            out.append(
                pd.DataFrame(
                    {
                        "measure_id": np.char.add(
                            f"CS{MONTHS[m].replace('-', '')}", np.char.zfill(np.arange(1, k + 1).astype("U7"), 7)
                        ),
                        "household_id": hh["household_id"].to_numpy()[idx],
                        "measure_type": mtype,
                        "measure_date": _date_str(dates),
                        "amount": amount,
                        "fund_source": src,
                        "project_id": "",
                    }
                )
            )
        return out

    # ------------------------------------------------------------------ projects and funds
    def projects(self) -> pd.DataFrame:
        rng, c = self.rng, self.counties
        per = np.maximum(3, np.round(30_000 * self.scale * c["w_households"] / c["w_households"].sum())).astype(int)
        county = np.repeat(c["county_code"].to_numpy(), per)
        n = len(county)
        seq = pd.Series(county).groupby(county).cumcount().to_numpy() + 1
        vil = self.ref.villages.groupby("county_code")
        vcode = np.empty(n, dtype=object)
        vname = np.empty(n, dtype=object)
        for code, idx in pd.Series(range(n)).groupby(county).groups.items():
            v = vil.get_group(code)
            pick = rng.integers(0, len(v), len(idx))
            vcode[idx] = v["village_code"].to_numpy()[pick]
            vname[idx] = v["village_name"].to_numpy()[pick]
        ptype = _pick(rng, C.PROJECT_TYPES, [40, 8, 32, 8, 4, 5, 3], n)
        noun = np.array([rng.choice(PROJECT_NOUNS[t]) for t in ptype])
        planned = np.clip(rng.lognormal(3.5, 0.8, n), 5, 2000).round(2)
        special = (planned * rng.uniform(0.6, 1.0, n)).round(2)
        planned_start = np.where(
            rng.random(n) < 0.5,
            _dates_between(rng, "2020-02-10", "2020-03-10", n),
            np.where(
                rng.random(n) < 0.6,
                _dates_between(rng, "2020-03-10", "2020-04-15", n),
                _dates_between(rng, "2020-04-15", "2020-05-31", n),
            ),
        )
        q = rng.random(n)
        start = np.select(
            [q < 0.335, q < 0.65, q < 0.86, q < 0.93],
            [
                _dates_between(rng, "2020-02-15", "2020-03-09", n),
                _dates_between(rng, "2020-03-10", "2020-03-31", n),
                _dates_between(rng, "2020-04-01", "2020-05-15", n),
                _dates_between(rng, "2020-05-16", "2020-06-30", n),
            ],
            default=np.datetime64("NaT"),
        ).astype("datetime64[D]")
        stopped = (~np.isnat(start)) & (start < np.datetime64("2020-03-20")) & (rng.random(n) < 0.12)
        stop = np.where(stopped, start + rng.integers(3, 20, n).astype("timedelta64[D]"), np.datetime64("NaT"))
        restart = np.where(
            stopped & (rng.random(n) < 0.85),
            stop + rng.integers(7, 35, n).astype("timedelta64[D]"),
            np.datetime64("NaT"),
        )
        done = (~np.isnat(start)) & (start < np.datetime64("2020-04-01")) & (rng.random(n) < 0.3)
        completion = np.where(
            done,
            np.maximum(start, np.where(np.isnat(restart), start, restart))
            + rng.integers(40, 100, n).astype("timedelta64[D]"),
            np.datetime64("NaT"),
        )
        completion = np.where(stopped & np.isnat(restart), np.datetime64("NaT"), completion)
        publicised = rng.random(n) >= 0.03
        gp = rng.random(n) < 0.18
        proc = np.where(
            gp & ~np.isnat(start), start - rng.integers(3, 20, n).astype("timedelta64[D]"), np.datetime64("NaT")
        )
        hh_b = rng.integers(5, 200, n)
        self.proj = pd.DataFrame(
            {
                "project_id": np.char.add(
                    np.char.add("XM", county.astype("U6")), np.char.add("2020", np.char.zfill(seq.astype("U4"), 4))
                ),
                "county_code": county,
                "village_code": vcode,
                "project_name": np.char.add(np.char.add(vname.astype("U10"), "2020年"), noun.astype("U20")),
                "project_type": ptype,
                "project_year": 2020,
                "planned_investment": planned,
                "special_fund_planned": special,
                "planned_start_date": planned_start.astype("datetime64[D]"),
                "actual_start_date": start,
                "stop_date": stop.astype("datetime64[D]"),
                "restart_date": restart.astype("datetime64[D]"),
                "completion_date": completion.astype("datetime64[D]"),
                "publicised": np.where(publicised, C.YES, C.NO),
                "publicised_date": np.where(
                    publicised,
                    planned_start.astype("datetime64[D]") - rng.integers(5, 25, n).astype("timedelta64[D]"),
                    np.datetime64("NaT"),
                ),
                "government_procurement": np.where(gp, C.YES, C.NO),
                "procurement_date": proc.astype("datetime64[D]"),
                "beneficiary_households": hh_b,
                "beneficiary_persons": (hh_b * rng.uniform(2.0, 2.8, n)).astype(int),
            }
        )
        return self.proj

    def project_rows(self, m: int) -> pd.DataFrame:
        p = self.proj.copy()
        end = _month_end(m)
        for col in ("actual_start_date", "stop_date", "restart_date", "completion_date", "procurement_date"):
            d = p[col].to_numpy()
            p[col] = np.where(d <= end, _date_str(d), "")
        for col in ("planned_start_date", "publicised_date"):
            p[col] = _date_str(p[col].to_numpy())
        started, stopped = p["actual_start_date"] != "", p["stop_date"] != ""
        restarted, done = p["restart_date"] != "", p["completion_date"] != ""
        p["status"] = np.select(
            [done, restarted, stopped, started], ["已完工", "已复工", "停工", "已开工"], default="未开工"
        )
        return p

    def funds(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """资金下达 per project and level, and 资金支付 drawn against them month by month."""
        rng, p = self.rng, self.proj
        shares = {"中央": 0.55, "省级": 0.25, "市级": 0.05, "县级": 0.15}
        windows = {
            "中央": ("2020-01-10", "2020-03-31"),
            "省级": ("2020-01-20", "2020-04-15"),
            "市级": ("2020-02-01", "2020-04-30"),
            "县级": ("2020-01-15", "2020-05-31"),
        }
        rows = []
        n = len(p)
        for level, share in shares.items():
            amount = (p["special_fund_planned"].to_numpy() * share * rng.uniform(0.9, 1.0, n)).round(2)
            rows.append(
                pd.DataFrame(
                    {
                        "county_code": p["county_code"],
                        "project_id": p["project_id"],
                        "fund_level": level,
                        "fund_kind": "财政专项扶贫资金",
                        "allocation_date": _dates_between(rng, *windows[level], n),
                        "amount": amount,
                    }
                )
            )
        extra = rng.random(n) < 0.06  # 结对帮扶 / 社会帮扶 money to some projects
        kind = np.where(rng.random(n) < 0.6, "结对帮扶", "社会帮扶")
        rows.append(
            pd.DataFrame(
                {
                    "county_code": p["county_code"][extra],
                    "project_id": p["project_id"][extra],
                    "fund_level": kind[extra],
                    "fund_kind": np.where(kind[extra] == "结对帮扶", "结对帮扶资金", "社会帮扶资金"),
                    "allocation_date": _dates_between(rng, "2020-02-01", "2020-05-31", int(extra.sum())),
                    "amount": rng.uniform(5, 80, int(extra.sum())).round(2),
                }
            )
        )
        alloc = pd.concat(rows, ignore_index=True)
        # A few allocations name a project that is not in the county's 项目库 (a compliance finding).
        orphan = rng.random(len(alloc)) < 0.003
        alloc.loc[orphan, "project_id"] = (
            alloc.loc[orphan, "project_id"].str[:-4] + "9" + alloc.loc[orphan, "project_id"].str[-3:]
        )
        alloc = alloc.sort_values(["allocation_date", "county_code", "project_id"], kind="stable").reset_index(
            drop=True
        )
        alloc["allocation_id"] = "XD2020" + pd.Series(np.arange(1, len(alloc) + 1)).astype(str).str.zfill(7)
        alloc["document_no"] = np.where(
            alloc["fund_level"].isin(["中央", "省级"]),
            "皖财农〔2020〕" + pd.Series(rng.integers(10, 900, len(alloc))).astype(str) + "号",
            "",
        )
        alloc["month"] = _month_of(alloc["allocation_date"].to_numpy().astype("datetime64[D]"))

        start = p.set_index("project_id")["actual_start_date"]
        st = alloc["project_id"].map(start).to_numpy().astype("datetime64[D]")
        adate = alloc["allocation_date"].to_numpy().astype("datetime64[D]")
        amount = alloc["amount"].to_numpy()
        paid_but_not_started = np.isnat(st) & (rng.random(len(alloc)) < 0.01)
        st = np.where(paid_but_not_started, adate + rng.integers(5, 30, len(alloc)).astype("timedelta64[D]"), st)
        first = np.maximum(st, adate)
        pays = []
        cum_prev = np.zeros(len(alloc))
        for m in range(len(MONTHS)):
            end = _month_end(m)
            months_in = (end - first).astype("timedelta64[D]").astype(float) / 30.0
            frac = np.where(np.isnat(first) | (first > end), 0.0, np.clip(0.25 + 0.2 * months_in, 0, 1))
            cum = np.round(amount * frac, 2)
            cum = np.maximum(cum, cum_prev)
            inc = np.round(cum - cum_prev, 2)
            idx = np.flatnonzero(inc > 0)
            lo = np.maximum(first[idx], _month_start(m))
            span = (end - lo).astype(int) + 1
            pdate = lo + (rng.random(len(idx)) * span).astype("timedelta64[D]")
            pays.append(
                pd.DataFrame(
                    {"allocation_id": alloc["allocation_id"].to_numpy()[idx], "payment_date": pdate, "amount": inc[idx]}
                )
            )
            cum_prev = cum
        pay = pd.concat(pays, ignore_index=True)
        # A few payments dated before their allocation (a compliance finding, still loaded).
        early = rng.random(len(pay)) < 0.003
        amap = alloc.set_index("allocation_id")["allocation_date"]
        ad = pay["allocation_id"].map(amap).to_numpy().astype("datetime64[D]")
        pay["payment_date"] = np.where(
            early & (_month_of(ad - 10) == _month_of(ad)),
            ad - rng.integers(1, 10, len(pay)).astype("timedelta64[D]"),
            pay["payment_date"].to_numpy().astype("datetime64[D]"),
        )
        # …and a very few that push a project past its allocation: ingest quarantines these.
        over_alloc = alloc[(alloc["month"] <= 4) & (rng.random(len(alloc)) < 0.0005)]
        over = pd.DataFrame(
            {
                "allocation_id": over_alloc["allocation_id"],
                "payment_date": _dates_between(rng, "2020-06-01", "2020-06-28", len(over_alloc)),
                "amount": (over_alloc["amount"] * 1.2 + 1).round(2),
            }
        )
        pay = pd.concat([pay, over], ignore_index=True)
        pay = pay.merge(alloc[["allocation_id", "county_code", "project_id"]], on="allocation_id")
        pay = pay.sort_values(["payment_date", "allocation_id"], kind="stable").reset_index(drop=True)
        pay["payment_id"] = "ZF2020" + pd.Series(np.arange(1, len(pay) + 1)).astype(str).str.zfill(8)
        pay["month"] = _month_of(pay["payment_date"].to_numpy().astype("datetime64[D]"))
        alloc["allocation_date"] = _date_str(adate)
        pay["payment_date"] = _date_str(pay["payment_date"].to_numpy().astype("datetime64[D]"))
        return alloc, pay

    def enterprises(self) -> pd.DataFrame:
        rng, c = self.rng, self.counties
        parts = []
        for etype, total, before in (("扶贫车间", 2_800, (5, 40)), ("龙头企业", 600, (10, 150))):
            per = np.maximum(1, np.round(total * self.scale * c["w_households"] / c["w_households"].sum())).astype(int)
            county = np.repeat(c["county_code"].to_numpy(), per)
            n = len(county)
            q = rng.random(n)
            fast = 0.05 if etype == "龙头企业" else 0.0
            restart = np.select(
                [q < 0.15 + fast, q < 0.55 + fast, q < 0.93 + fast / 2, q < 0.98],
                [
                    _dates_between(rng, "2020-02-10", "2020-02-23", n),
                    _dates_between(rng, "2020-02-24", "2020-02-29", n),
                    _dates_between(rng, "2020-03-01", "2020-03-31", n),
                    _dates_between(rng, "2020-04-01", "2020-06-30", n),
                ],
                default=np.datetime64("NaT"),
            ).astype("datetime64[D]")
            parts.append(
                pd.DataFrame(
                    {
                        "enterprise_type": etype,
                        "county_code": county,
                        "restart": restart,
                        "poor_workers_before": rng.integers(*before, n),
                    }
                )
            )
        e = pd.concat(parts, ignore_index=True)
        vil = self.ref.villages.groupby("county_code")["village_code"].first()
        e["village_code"] = e["county_code"].map(vil)
        e["enterprise_id"] = (
            np.where(e["enterprise_type"] == "扶贫车间", "CJ", "QY")
            + e["county_code"]
            + pd.Series(e.groupby("county_code").cumcount() + 1).astype(str).str.zfill(4)
        )
        prefix = rng.choice(["皖", "徽", "淮", "江", "新", "兴", "惠", "福"], size=len(e))
        suffix = np.where(
            e["enterprise_type"] == "扶贫车间",
            rng.choice(["服装加工扶贫车间", "电子组装扶贫车间", "农产品加工扶贫车间", "手工编织扶贫车间"], size=len(e)),
            rng.choice(["农业科技有限公司", "食品有限公司", "茶业有限公司", "生态农业有限公司"], size=len(e)),
        )
        e["name"] = np.char.add(
            np.char.add(prefix.astype("U2"), rng.choice(list("源丰达盛兴和润泰"), size=len(e))), suffix.astype("U20")
        )
        self.ent = e
        return e

    def enterprise_rows(self, m: int) -> pd.DataFrame:
        e = self.ent.copy()
        end = _month_end(m)
        r = e["restart"].to_numpy().astype("datetime64[D]")
        on = (~np.isnat(r)) & (r <= end)
        months_on = np.where(on, (end - r).astype(int) / 30.0, 0)
        factor = np.minimum(1.08, 0.6 + 0.15 * months_on)
        e["restarted"] = np.where(on, C.YES, C.NO)
        e["restart_date"] = np.where(on, _date_str(r), "")
        e["poor_workers_now"] = np.where(on, np.round(e["poor_workers_before"] * factor), 0).astype(int)
        return e

    def pairing(self) -> pd.DataFrame:
        """县域结对帮扶: 31 helper districts for the 31 poverty counties, a few breaking the rules."""
        rng, c = self.rng, self.counties
        helped = self.ref.poverty_counties.sort_values("county_code")["county_code"].to_numpy()
        cand = c[(c["poverty_level"] == "") & ~c["deep"]].sort_values("w_households")["county_code"].to_numpy()
        helpers = cand[: len(helped)]
        name = c.set_index("county_code")
        last = rng.uniform(800, 3000, len(helped)).round(2)
        this = (last * rng.uniform(1.0, 1.3, len(helped))).round(2)
        below = rng.choice(len(helped), 3, replace=False)
        this[below] = (last[below] * rng.uniform(0.7, 0.95, 3)).round(2)
        date = _dates_between(rng, "2020-01-10", "2020-03-25", len(helped)).astype(object)
        late = rng.choice(np.setdiff1d(np.arange(len(helped)), below), 3, replace=False)
        date[late[:2]] = _dates_between(rng, "2020-04-10", "2020-05-20", 2)
        date[late[2]] = np.datetime64("NaT")
        return pd.DataFrame(
            {
                "helper_code": helpers,
                "helper_name": name.loc[helpers, "city_name"].to_numpy() + name.loc[helpers, "county_name"].to_numpy(),
                "helped_county_code": helped,
                "amount_this_year": this,
                "amount_last_year": last,
                "arranged_date": np.array(date, dtype="datetime64[D]"),
                "project_count": rng.integers(3, 25, len(helped)),
            }
        )

    def employment(self) -> pd.DataFrame:
        """务工就业月报: county-month migrant workers (from the member statuses) vs last year."""
        rng = self.rng
        county = self.hh["county_code"].to_numpy()[self.mem["_h"].to_numpy()]
        appear = self.hh["appear_month"].to_numpy()[self.mem["_h"].to_numpy()]
        ly = np.array([0.35, 0.85, 0.96, 0.97, 0.98, 0.98])
        codes = self.counties["county_code"].to_numpy()
        persons = pd.Series(1, index=county).groupby(level=0).sum().reindex(codes, fill_value=0).to_numpy()
        migrants = (
            pd.Series(self.is_migrant.astype(int), index=county)
            .groupby(level=0)
            .sum()
            .reindex(codes, fill_value=0)
            .to_numpy()
        )
        posts0 = np.round(persons * 0.015 * rng.uniform(0.8, 1.2, len(codes)))
        growth = np.array([1.0, 1.1, 1.5, 1.8, 2.0, 2.1])
        out = []
        for m in range(len(MONTHS)):
            out_codes = [C.MIGRANT_STATUSES.index("省外务工"), C.MIGRANT_STATUSES.index("省内县外务工")]
            away = np.isin(self.migrant_status[:, m], out_codes) & (appear <= m)
            now = (
                pd.Series(away.astype(int), index=county).groupby(level=0).sum().reindex(codes, fill_value=0).to_numpy()
            )
            created = np.round(posts0 * growth[m]).astype(int)
            out.append(
                pd.DataFrame(
                    {
                        "county_code": codes,
                        "month": MONTHS[m],
                        "migrant_workers": now,
                        "migrant_workers_last_year": np.round(
                            migrants * ly[m] * rng.uniform(1.0, 1.05, len(codes))
                        ).astype(int),
                        "public_posts_created": created,
                        "public_posts_filled": np.round(created * rng.uniform(0.9, 0.98, len(codes))).astype(int),
                    }
                )
            )
        return pd.concat(out, ignore_index=True)


def _positions(size: np.ndarray) -> np.ndarray:
    """0..size-1 for each household, concatenated (vectorised)."""
    ends = np.cumsum(size)
    starts = np.repeat(ends - size, size)
    return np.arange(ends[-1]) - starts


# ---------------------------------------------------------------------------------- writing

# Each city's office exports in its own encoding; a few add a title row (as the national system does).
_CITY_ENCODINGS = ("utf-8", "gb18030", "utf-8-sig", "utf-8", "gb18030", "utf-8", "utf-8-sig", "gb18030")
# Province-wide tables: (format, encoding, title?)
_SMALL_FORMATS: dict[str, tuple[str, str, bool]] = {
    "项目库": ("xlsx", "", True),
    "扶贫车间": ("xlsx", "", True),
    "资金下达": ("csv", "gb18030", True),
    "资金支付": ("csv", "utf-8", False),
    "结对帮扶": ("xlsx", "", False),
    "务工就业月报": ("csv", "utf-8-sig", False),
}


def _to_arrow(table: C.Table, df: pd.DataFrame) -> pa.Table:
    """The export's columns, in contract order, with Chinese headers, all as text."""
    cols = {}
    for col in table.columns:
        s = df[col.en]
        kind = s.dtype.kind
        if kind == "M":
            arr = pa.array(_date_str(s.to_numpy().astype("datetime64[D]")))
        elif kind == "f":
            arr = pa.array(np.char.mod("%.2f", s.to_numpy()))
        elif kind in "iub":
            arr = pa.array(s.to_numpy()).cast(pa.string())
        else:  # text: str, object or categorical columns, without a detour through Python objects
            arr = pa.array(s.astype("str"), from_pandas=True)
        cols[col.cn] = pc.fill_null(arr.cast(pa.string()), "")
    return pa.table(cols)


class _Writer:
    def __init__(self, out: Path, rng: np.random.Generator, report: GenerateReport, cities: list[str]) -> None:
        self.out, self.report = out, report
        self.enc = {c: _CITY_ENCODINGS[i % len(_CITY_ENCODINGS)] for i, c in enumerate(rng.permutation(cities))}

    def by_city(self, table: C.Table, month: str, df: pd.DataFrame, code_col: str) -> None:
        city = df[code_col].str[:4]
        for c4, part in df.groupby(city, sort=True):
            code = f"{c4}00"
            enc = self.enc[code]
            title = f"{month[:4]}年{month[5:]}月 {table.cn}导出（{code}，演示数据）" if enc == "gb18030" else None
            write_csv(self.out / month / f"{table.cn}_{code}.csv", _to_arrow(table, part), encoding=enc, title=title)
            self.report.files += 1
        self.report.rows[table.cn] = self.report.rows.get(table.cn, 0) + len(df)

    def single(self, table: C.Table, month: str, df: pd.DataFrame) -> None:
        fmt, enc, titled = _SMALL_FORMATS[table.cn]
        title = f"安徽省{month[:4]}年{month[5:]}月{table.cn}（演示数据）" if titled else None
        data = _to_arrow(table, df)
        if fmt == "xlsx":
            write_xlsx(self.out / month / f"{table.cn}.xlsx", data, title=title)
        else:
            write_csv(self.out / month / f"{table.cn}.csv", data, encoding=enc, title=title)
        self.report.files += 1
        self.report.rows[table.cn] = self.report.rows.get(table.cn, 0) + len(df)


def generate(*, scale: str, seed: int, out: Path, ref: Reference | None = None) -> GenerateReport:
    """Write one folder per month of synthetic exports into `out`."""
    ref = ref or load_reference()
    g = _Gen(ref, SCALES[scale], seed)
    report = GenerateReport(out=out, scale=scale, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for m in MONTHS:
        (out / m).mkdir(exist_ok=True)
    w = _Writer(out, g.rng, report, sorted(ref.cities["city_code"]))

    g.households()
    g.dynamics()
    g.members()
    for k, month in enumerate(MONTHS):
        w.by_city(C.HOUSEHOLD, month, g.household_rows(k), "village_code")
        w.by_city(C.MEMBER, month, g.member_rows(k), "household_id")
    monitoring = g.monitoring()
    for k, month in enumerate(MONTHS):
        w.by_city(C.MONITORING, month, monitoring[k], "household_id")
    for k, v in enumerate(g.visits(monitoring)):
        w.by_city(C.VISIT, MONTHS[k], v, "household_id")
    for k, v in enumerate(g.measures(monitoring)):
        w.by_city(C.MEASURE, MONTHS[k], v, "household_id")

    g.projects()
    g.enterprises()
    alloc, pay = g.funds()
    pairing = g.pairing()
    employment = g.employment()
    for k, month in enumerate(MONTHS):
        w.single(C.PROJECT, month, g.project_rows(k))
        w.single(C.ENTERPRISE, month, g.enterprise_rows(k))
        w.single(C.ALLOCATION, month, alloc[alloc["month"] == k])
        w.single(C.PAYMENT, month, pay[pay["month"] == k])
        pr = pairing.copy()
        pr["arranged_date"] = np.where(
            pr["arranged_date"].to_numpy() <= _month_end(k), pr["arranged_date"], np.datetime64("NaT")
        )
        w.single(C.PAIRING, month, pr)
        w.single(C.EMPLOYMENT, month, employment[employment["month"] == month])

    report.rows |= (dept := write_department_feeds(out, scale=scale, seed=seed, ref=ref))  # 部门数据比对
    report.files += len(dept) * len(MONTHS)

    hh0 = g.hh[g.hh["appear_month"] == 0]
    report.figures = {
        "households": float(len(g.hh)),
        "persons": float(g.hh["household_size"].sum()),
        "remaining_poor_persons_jan": float(hh0.loc[hh0["household_category"] == "未脱贫户", "household_size"].sum()),
        "projects": float(len(g.proj)),
        "monitor_share": float((g.hh["household_category"] == "脱贫监测户").mean()),
    }
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
