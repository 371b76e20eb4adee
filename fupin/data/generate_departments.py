"""Synthetic department feeds (部门数据比对): one file per department per month, beside the county exports.

Reads the register the county generator already wrote (户信息 and 家庭成员 in the month folders), so it does not
depend on how that generator works inside, and writes `医保结算.csv`, `民政救助.csv`, … into each month folder.
Calibrated to plausible monthly pushes (≈3 million records a month at province scale): most records are people
outside the register; a realistic share are registered or monitored people (the poorer and sicker, the likelier);
a few carry name or ID typos, a 15-digit legacy ID, a duplicate row, an unknown village code or an amount that is
not a number; 公安 reports deaths of registered people; the February lockdown shows as fewer 医保 settlements and
more 人社 unemployment and unpaid social insurance. Deterministic for a seed; every file is 演示数据.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fupin.core.reference import Reference, load_reference
from fupin.data import contract as C
from fupin.data.exportio import read_export, write_csv
from fupin.data.idcard import id_bodies, ids_from_bodies

SCALES: dict[str, float] = {"tiny": 0.002, "demo": 0.02, "province": 1.0}

# Records a month at province scale, before the month's factor; and the share that are registered people.
VOLUME: dict[str, int] = {
    "民政": 350_000,
    "医保": 1_250_000,
    "卫健": 60_000,
    "教育": 330_000,
    "人社": 420_000,
    "住建": 120_000,
    "水利": 80_000,
    "残联": 50_000,
    "公安": 140_000,
    "应急": 100_000,
}
REGISTERED_SHARE: dict[str, float] = {
    "民政": 0.40,
    "医保": 0.18,
    "卫健": 0.18,
    "教育": 0.22,
    "人社": 0.05,  # most 人社 records (unemployment, contributions stopped) are people outside the register
    "住建": 0.30,
    "水利": 0.35,
    "残联": 0.28,
    "公安": 0.04,
    "应急": 0.18,
}
# Month factor (January … June): the lockdown in February, the spring rains and the June floods.
SEASON: dict[str, tuple[float, ...]] = {
    "医保": (1.0, 0.55, 0.85, 1.0, 1.0, 1.0),
    "人社": (1.0, 1.9, 1.5, 1.15, 1.0, 0.95),
    "应急": (0.5, 0.4, 0.6, 0.9, 1.2, 2.4),
    "教育": (0.8, 0.6, 1.0, 1.0, 1.1, 1.3),
}
# How much likelier a registered person of each category turns up in a feed.
CATEGORY_WEIGHT = {
    "未脱贫户": 4.0,
    "脱贫监测户": 4.0,
    "边缘户": 3.0,
    "享受政策的脱贫户": 1.5,
    "不享受政策的脱贫户": 1.0,
}
ENCODING = {"民政": "gb18030", "人社": "gb18030", "残联": "gb18030", "卫健": "utf-8-sig", "水利": "utf-8-sig"}
TITLE = {  # every feed file opens with a title row that says 演示数据 (issue 14: every generated file says so)
    "民政": "安徽省民政厅",
    "医保": "安徽省医疗保障局",
    "卫健": "安徽省卫生健康委员会",
    "教育": "安徽省教育厅",
    "人社": "安徽省人力资源和社会保障厅",
    "住建": "安徽省住房和城乡建设厅",
    "水利": "安徽省水利厅",
    "残联": "安徽省残疾人联合会",
    "公安": "安徽省公安厅",
    "应急": "安徽省应急管理厅",
}

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志文海云飞鹏辉林凤琴春玲德生宝")

TYPO_NAME, TYPO_ID, LEGACY_ID, DUPLICATE, UNKNOWN_AREA, NOT_A_NUMBER = 0.004, 0.0015, 0.015, 0.0005, 0.0003, 0.0005


@dataclass
class Register:
    """The register as the county exports hold it (latest version of each person), for sampling."""

    people: pd.DataFrame  # id_number, name, household_id, village_code, category, birth_year, schooling, head, first
    weight: np.ndarray  # sampling weight per person (category)
    bodies: np.ndarray  # first 17 digits as int64, to keep synthetic outsiders off registered numbers


def _read_table(out: Path, months: list[str], table: C.Table, cols: dict[str, str]) -> pd.DataFrame:
    parts = []
    for k, month in enumerate(months):
        for path in sorted((out / month).glob(f"{table.cn}*")):
            data = read_export(path, table).data.select(list(cols))
            df = data.to_pandas().rename(columns=cols)
            df["first"] = k
            parts.append(df)
    return pd.concat(parts, ignore_index=True)


def read_register(out: Path, months: list[str]) -> Register:
    """The latest version of each registered person, with the month (index) they first appear in."""
    hh = _read_table(
        out, months, C.HOUSEHOLD, {"户编号": "household_id", "行政区划代码": "village_code", "户类别": "category"}
    )
    hh = hh.drop_duplicates("household_id", keep="last").drop(columns="first")
    mem = _read_table(
        out,
        months,
        C.MEMBER,
        {
            "户编号": "household_id",
            "证件号码": "id_number",
            "姓名": "name",
            "出生日期": "birth_date",
            "与户主关系": "relation",
        }
        | {"在校生状况": "schooling", "劳动能力": "labour"},
    )
    first = mem.groupby("id_number", sort=False)["first"].min()
    mem = mem.drop_duplicates("id_number", keep="last").drop(columns="first")
    mem["first"] = mem["id_number"].map(first).to_numpy()
    people = mem.merge(hh, on="household_id", how="inner").reset_index(drop=True)
    people["birth_year"] = pd.to_numeric(people["birth_date"].str[:4], errors="coerce").fillna(1970).astype(int)
    people["head"] = people["relation"] == "户主"
    weight = people["category"].map(CATEGORY_WEIGHT).fillna(1.0).to_numpy()
    bodies = pd.to_numeric(people["id_number"].str[:17], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    return Register(people, weight, np.sort(bodies))


class _Feeds:
    def __init__(self, reg: Register, ref: Reference, scale: float, seed: int) -> None:
        self.reg, self.scale = reg, scale
        self.rng = np.random.default_rng(seed + 15)
        self.villages = ref.villages["village_code"].to_numpy()
        self.gone = np.zeros(len(reg.people), dtype=bool)  # registered people 公安 has reported dead or moved

    # ------------------------------------------------------------------ people
    def registered(
        self, k: int, n: int, mask: np.ndarray | None = None, extra: np.ndarray | None = None
    ) -> pd.DataFrame:
        p = self.reg.people
        ok = (p["first"].to_numpy() <= k) if mask is None else mask & (p["first"].to_numpy() <= k)
        w = np.where(ok, self.reg.weight * (1.0 if extra is None else extra), 0.0)
        if n == 0 or w.sum() == 0:
            return p.iloc[:0][["id_number", "name", "village_code", "birth_year"]].assign(_idx=0)
        idx = self.rng.choice(len(p), size=min(n, int(ok.sum())), replace=False, p=w / w.sum())
        out = p.iloc[idx][["id_number", "name", "village_code", "birth_year"]].reset_index(drop=True)
        out["_idx"] = idx
        return out

    def outsiders(self, n: int, *, born: tuple[int, int] = (1940, 2012)) -> pd.DataFrame:
        rng = self.rng
        village = self.villages[rng.integers(0, len(self.villages), n)]
        year = rng.integers(born[0], born[1] + 1, n)
        ymd = year * 10000 + rng.integers(1, 13, n) * 100 + rng.integers(1, 29, n)
        prefix = np.array([v[:6] for v in village], dtype=np.int64) if n else np.zeros(0, np.int64)
        bodies = id_bodies(prefix, ymd, rng.integers(0, 1000, n))
        clash = np.isin(bodies, self.reg.bodies)
        bodies[clash] = id_bodies(prefix[clash], ymd[clash] - 1, rng.integers(0, 1000, int(clash.sum())))
        names = np.char.add(
            np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)],
            np.char.add(
                np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
                np.where(rng.random(n) < 0.7, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], ""),
            ),
        )
        ids = ids_from_bodies(bodies).to_pylist() if n else []
        return pd.DataFrame({"id_number": ids, "name": names, "village_code": village, "birth_year": year})

    def people(self, dept: str, k: int, **reg_kw: object) -> tuple[pd.DataFrame, np.ndarray]:
        """The month's people for a department: (frame, registered?)."""
        factor = SEASON.get(dept, (1.0,) * 6)[k]
        n = max(4, int(round(VOLUME[dept] * self.scale * factor)))
        n_reg = self.rng.binomial(n, REGISTERED_SHARE[dept])
        reg = self.registered(k, n_reg, **reg_kw)  # type: ignore[arg-type]
        out = self.outsiders(n - len(reg), born=(1935, 2005) if dept != "教育" else (1998, 2014))
        out["_idx"] = -1
        return pd.concat([reg, out], ignore_index=True), np.r_[np.ones(len(reg), bool), np.zeros(len(out), bool)]

    # ------------------------------------------------------------------ measures per department
    def dates(self, k: int, n: int) -> np.ndarray:
        start = np.datetime64(f"2020-{k + 1:02d}-01")
        days = (np.datetime64(f"2020-{k + 2:02d}-01") if k < 11 else np.datetime64("2021-01-01")) - start
        return (start + self.rng.integers(0, days.astype(int), n)).astype(str)

    def pick(self, choices: tuple[str, ...], p: list[float], n: int) -> np.ndarray:
        p_arr = np.array(p, dtype=float)
        return np.array(choices)[self.rng.choice(len(choices), size=n, p=p_arr / p_arr.sum())]

    def money(self, median: float, sigma: float, n: int) -> np.ndarray:
        return np.round(np.exp(np.log(median) + sigma * self.rng.standard_normal(n)), 2)

    def civil(self, k: int) -> pd.DataFrame:
        # 低保 and 特困 go to households the register also supports; rarely to one marked 不享受政策.
        lifted = (self.reg.people["category"] == "不享受政策的脱贫户").to_numpy()
        df, reg = self.people("民政", k, extra=np.where(lifted, 0.05, 1.0))
        n = len(df)
        df["救助类别"] = np.where(
            reg, self.pick(C.RELIEF_KINDS, [60, 15, 25], n), self.pick(C.RELIEF_KINDS, [70, 8, 22], n)
        )
        amount = np.select(
            [df["救助类别"] == "低保", df["救助类别"] == "特困供养"],
            [self.money(520, 0.25, n), self.money(760, 0.2, n)],
            self.money(1500, 0.7, n),
        )
        df["救助金额"] = np.char.mod("%.2f", amount)
        df["救助日期"] = self.dates(k, n)
        return df

    def medical(self, k: int) -> pd.DataFrame:
        df, reg = self.people("医保", k)
        n = len(df)
        # Registered people pay less after 351/180 and 医疗救助; the tail still crosses the 5,000 line.
        paid = np.where(reg, self.money(700, 1.0, n), self.money(1500, 1.0, n)) * (1 + 0.15 * k)  # 本年累计
        share = np.where(reg, self.rng.uniform(0.08, 0.25, n), self.rng.uniform(0.3, 0.6, n))
        df["本年累计医疗总费用"] = np.char.mod("%.2f", np.round(paid / share, 2))
        df["本年累计个人自付"] = np.char.mod("%.2f", np.round(paid, 2))
        df["最近结算日期"] = self.dates(k, n)
        return df

    def health(self, k: int) -> pd.DataFrame:
        df, _ = self.people("卫健", k)
        n = len(df)
        df["病种"] = self.pick(C.SERIOUS_ILLNESSES, [35, 10, 5, 4, 20, 3, 23], n)
        df["确诊日期"] = self.dates(k, n)
        return df

    def education(self, k: int) -> pd.DataFrame:
        p = self.reg.people
        df, reg = self.people(
            "教育", k, mask=(p["schooling"] != "非在校生").to_numpy() & (p["schooling"] != "学前教育").to_numpy()
        )
        n = len(df)
        stage = self.pick(C.SCHOOL_STAGES, [50, 18, 12, 12, 8], n)
        df["学段"] = stage
        compulsory = stage == "义务教育"
        dropout = np.where(reg, 0.012, 0.03)
        df["学籍状态"] = np.where(
            self.rng.random(n) < np.where(compulsory, dropout, 0.02),
            "辍学",
            np.where(self.rng.random(n) < 0.05, "休学", "在读"),
        )
        df["本学年自付费用"] = np.char.mod("%.2f", np.where(compulsory, 0.0, self.money(4200, 0.75, n)))
        df["状态变动日期"] = self.dates(k, n)
        return df

    def labour(self, k: int) -> pd.DataFrame:
        p = self.reg.people
        df, _ = self.people("人社", k, mask=p["labour"].isin(["普通劳动力", "技能劳动力"]).to_numpy())
        n = len(df)
        back_home = [20, 20, 60] if k in (1, 2) else [55, 25, 20]  # February/March: 返乡待业
        df["就业状态"] = self.pick(("断缴社保", "登记失业", "返乡待业"), back_home, n)
        df["连续未缴费月数"] = np.minimum(self.rng.geometric(0.45, n), 12).astype(str)
        df["登记日期"] = self.dates(k, n)
        return df

    def housing(self, k: int) -> pd.DataFrame:
        df, reg = self.people("住建", k, mask=self.reg.people["head"].to_numpy())
        n = len(df)
        df["鉴定等级"] = np.where(
            reg, self.pick(C.HOUSE_GRADES, [58, 36, 5, 1], n), self.pick(C.HOUSE_GRADES, [40, 32, 21, 7], n)
        )
        df["鉴定日期"] = self.dates(k, n)
        return df

    def water(self, k: int) -> pd.DataFrame:
        df, reg = self.people("水利", k, mask=self.reg.people["head"].to_numpy())
        n = len(df)
        bad = self.rng.random(n) < np.where(reg, 0.02, 0.05)
        df["饮水安全评价"] = np.where(bad, "不达标", "达标")
        df["不达标指标"] = np.where(bad, self.pick(C.WATER_PROBLEMS, [30, 35, 15, 20], n), "")
        df["核查日期"] = self.dates(k, n)
        return df

    def disability(self, k: int) -> pd.DataFrame:
        df, _ = self.people("残联", k)
        n = len(df)
        df["残疾类别"] = self.pick(C.DISABILITY_KINDS, [15, 20, 3, 35, 10, 12, 5], n)
        df["残疾等级"] = self.pick(C.DISABILITY_GRADES, [12, 20, 33, 35], n)
        df["变更类型"] = self.pick(C.DISABILITY_CHANGES, [70, 30], n)
        df["发证日期"] = self.dates(k, n)
        return df

    def police(self, k: int) -> pd.DataFrame:
        age = 2020 - self.reg.people["birth_year"].to_numpy()
        old = np.exp(np.clip(age - 60, -30, 40) / 8.0)  # deaths: mostly the old
        df, _ = self.people("公安", k, extra=np.where(self.gone, 0.0, old))  # reported once
        n = len(df)
        df["变动类型"] = np.where(self.rng.random(n) < 0.75, "死亡", "迁出")
        self.gone[df["_idx"].to_numpy()[df["_idx"].to_numpy() >= 0]] = True
        df["变动日期"] = self.dates(k, n)
        return df

    def disaster(self, k: int) -> pd.DataFrame:
        df, reg = self.people("应急", k, mask=self.reg.people["head"].to_numpy())
        n = len(df)
        kinds = {
            0: [5, 5, 5, 60, 5, 20],
            1: [5, 5, 5, 55, 5, 25],
            2: [10, 30, 15, 25, 10, 10],
            3: [15, 50, 15, 5, 10, 5],
        }
        df["灾害种类"] = self.pick(C.DISASTER_KINDS, kinds.get(k, [70, 20, 2, 0.01, 6, 2]), n)
        df["直接经济损失"] = np.char.mod("%.2f", np.where(reg, self.money(2500, 1.1, n), self.money(3500, 1.25, n)))
        df["受灾日期"] = self.dates(k, n)
        return df

    # ------------------------------------------------------------------ the feed as a department exports it
    def damage(self, dept: str, df: pd.DataFrame) -> pd.DataFrame:
        """A few typos, legacy IDs, duplicates, unknown villages and non-numeric amounts, as real feeds have."""
        rng, n = self.rng, len(df)
        t = C.DEPARTMENT_FEEDS[dept]
        id_cn, name_cn, area_cn = (t.column(c).cn for c in ("id_number", "name", "village_code"))
        ids = df["id_number"].to_numpy().astype(object)
        names = df["name"].to_numpy().astype(object)
        typo = np.flatnonzero(rng.random(n) < TYPO_NAME)
        names[typo] = [s[:-1] + GIVEN[rng.integers(0, len(GIVEN))] for s in names[typo]]
        typo = np.flatnonzero(rng.random(n) < TYPO_ID)
        ids[typo] = [s[:14] + str((int(s[14]) + 1) % 10) + s[15:] for s in ids[typo]]
        old = (df["birth_year"].to_numpy() < 1990) & (
            rng.random(n) < LEGACY_ID * (3 if dept in ("公安", "民政") else 1)
        )
        legacy = np.flatnonzero(old)
        ids[legacy] = [s[:6] + s[8:17] for s in ids[legacy]]
        out = pd.DataFrame({id_cn: ids, name_cn: names, area_cn: df["village_code"].to_numpy()})
        for col in t.columns[3:]:
            out[col.cn] = df[col.cn].to_numpy()
        bad_area = np.flatnonzero(rng.random(n) < UNKNOWN_AREA)
        # a well-formed code (村委会 399 of the same township) that is not in the reference: unknown_village
        out.loc[bad_area, area_cn] = out.loc[bad_area, area_cn].str[:9] + "399"
        money = [c.cn for c in t.columns if c.type == "decimal"]
        if money:
            nan = np.flatnonzero(rng.random(n) < NOT_A_NUMBER)
            out.loc[nan, money[-1]] = "待核"
        dup = np.flatnonzero(rng.random(n) < DUPLICATE)
        return pd.concat([out, out.iloc[dup]], ignore_index=True) if len(dup) else out


FEEDS: dict[str, Callable[[_Feeds, int], pd.DataFrame]] = {
    "民政": _Feeds.civil,
    "医保": _Feeds.medical,
    "卫健": _Feeds.health,
    "教育": _Feeds.education,
    "人社": _Feeds.labour,
    "住建": _Feeds.housing,
    "水利": _Feeds.water,
    "残联": _Feeds.disability,
    "公安": _Feeds.police,
    "应急": _Feeds.disaster,
}


def write_department_feeds(out: Path, *, scale: str | float, seed: int, ref: Reference | None = None) -> dict[str, int]:
    """Write every department's feed into each month folder of `out` (after the county exports are written;
    before the manifest is signed). Returns rows written per feed (by the feed's file name)."""
    ref = ref or load_reference()
    months = sorted(p.name for p in out.iterdir() if p.is_dir() and len(p.name) == 7 and p.name[4] == "-")
    reg = read_register(out, months)
    f = _Feeds(reg, ref, SCALES[scale] if isinstance(scale, str) else scale, seed)
    rows: dict[str, int] = {}
    for k, month in enumerate(months):
        for dept, make in FEEDS.items():
            t = C.DEPARTMENT_FEEDS[dept]
            df = f.damage(dept, make(f, k))
            data = pa.table({c: pa.array(df[c].astype(str).to_numpy(), pa.string()) for c in df.columns})
            title = f"{TITLE[dept]} {month[:4]}年{int(month[5:])}月{t.cn}推送（演示数据）"
            write_csv(out / month / f"{t.cn}.csv", data, encoding=ENCODING.get(dept, "utf-8"), title=title)
            rows[t.cn] = rows.get(t.cn, 0) + len(df)
    return rows
