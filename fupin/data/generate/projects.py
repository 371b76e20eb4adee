"""Step 7: projects (项目库), funds (资金下达 / 资金支付), enterprises (扶贫车间 / 龙头企业), 县域结对帮扶 and the
monthly employment report.

Each county's number of projects and enterprises follows its register (with some spread); which budget
levels fund a project depends on its type; allocations and payments fall on working days; workshops sit
in varied villages under varied names; pairing help comes from the stronger cities' districts and counties.
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
    date_str,
    dates_between,
    month_of,
    pick,
    working_days,
)
from fupin.data.generate.counties import share_out
from fupin.data.generate.members import Members, migrants_away

PROJECT_NOUNS = {
    "产业发展": (
        "特色种植基地",
        "光伏电站运维",
        "畜禽养殖小区",
        "茶叶加工厂",
        "水产养殖基地",
        "中药材种植基地",
        "果蔬大棚",
    ),
    "就业扶贫": ("扶贫车间建设", "就业技能培训", "公益性岗位补贴", "劳务输出奖补"),
    "基础设施": ("道路硬化", "安全饮水巩固提升", "农田水利", "桥梁建设", "村组道路", "塘坝清淤", "电网改造"),
    "公共服务": ("村卫生室提升", "村级综合服务中心", "文化广场", "教学点改造"),
    "易地搬迁后续扶持": ("安置点配套设施", "安置点产业配套"),
    "金融扶贫": ("扶贫小额信贷贴息", "特色农业保险补贴"),
    "其他": ("人居环境整治", "村级公益事业"),
}
# Words for the names of workshops and firms (字号) and their trades.
_BRAND = list("皖徽淮江新兴惠福源丰达盛和润泰华恒佳瑞祥鑫宏远康宁金利昌荣顺安嘉德明光耀益民众汇通鼎聚协正")
_WORKSHOP_TRADES = (
    "服装加工",
    "电子组装",
    "农产品加工",
    "手工编织",
    "箱包加工",
    "假发制作",
    "玩具加工",
    "鞋帽加工",
    "食品包装",
    "竹木加工",
    "羽毛制品",
    "柳编工艺",
)
_FIRM_TRADES = (
    "农业科技有限公司",
    "食品有限公司",
    "茶业有限公司",
    "生态农业有限公司",
    "农产品开发有限公司",
    "粮油有限公司",
    "畜牧有限公司",
    "中药材有限公司",
    "林业开发有限公司",
    "水产有限公司",
)
# Cities whose districts and counties take on 县域结对帮扶 (the stronger economies first).
_HELPER_CITIES = ("340100", "340200", "340500", "340700", "341800", "341100", "340800")


def projects(counties: pd.DataFrame, ref: Reference, rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """项目库: one row per project with its dates (the full timeline; `project_rows` cuts it per month)."""
    spread = counties["w_activity"].to_numpy() * rng.lognormal(0, 0.25, len(counties))
    per = share_out(K.PROJECTS_TOTAL * scale, spread, minimum=3)
    county = np.repeat(counties["county_code"].to_numpy(), per)
    n = len(county)
    seq = pd.Series(county).groupby(county).cumcount().to_numpy() + 1
    vil = ref.villages.groupby("county_code")
    vcode = np.empty(n, dtype=object)
    vname = np.empty(n, dtype=object)
    for code, idx in pd.Series(range(n)).groupby(county).groups.items():
        v = vil.get_group(code)
        p = np.where(v["is_poverty_village"] == "1", 2.5, 1.0)
        pick_ = rng.choice(len(v), len(idx), p=p / p.sum())
        vcode[idx] = v["village_code"].to_numpy()[pick_]
        vname[idx] = v["village_name"].to_numpy()[pick_]
    ptype = pick(rng, C.PROJECT_TYPES, K.PROJECT_TYPE_P, n)
    noun = np.array([rng.choice(PROJECT_NOUNS[t]) for t in ptype])
    planned = np.clip(rng.lognormal(3.5, 0.8, n), 5, 2000).round(2)
    special = (planned * rng.uniform(0.6, 1.0, n)).round(2)
    planned_start = np.where(
        rng.random(n) < 0.5,
        dates_between(rng, "2020-02-10", "2020-03-10", n),
        np.where(
            rng.random(n) < 0.6,
            dates_between(rng, "2020-03-10", "2020-04-15", n),
            dates_between(rng, "2020-04-15", "2020-05-31", n),
        ),
    )
    q = rng.random(n)
    start = np.select(
        [q < 0.335, q < 0.65, q < 0.86, q < 0.93],
        [
            dates_between(rng, "2020-02-15", "2020-03-09", n),
            dates_between(rng, "2020-03-10", "2020-03-31", n),
            dates_between(rng, "2020-04-01", "2020-05-15", n),
            dates_between(rng, "2020-05-16", "2020-06-30", n),
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
    return pd.DataFrame(
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
            "publicised_date": np.where(publicised, _publicised_on(planned_start, start, rng), np.datetime64("NaT")),
            "government_procurement": np.where(gp, C.YES, C.NO),
            "procurement_date": proc.astype("datetime64[D]"),
            "beneficiary_households": hh_b,
            "beneficiary_persons": (hh_b * rng.uniform(2.0, 2.8, n)).astype(int),
        }
    )


def _publicised_on(planned_start: np.ndarray, start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """公告公示 5–25 days before the earlier of the planned and the actual start (a working day); a few (the
    F4 findings) only after the project had started."""
    n = len(planned_start)
    planned = planned_start.astype("datetime64[D]")
    first = np.where(np.isnat(start), planned, np.minimum(planned, start.astype("datetime64[D]")))
    on = working_days(first - rng.integers(5, 25, n).astype("timedelta64[D]"))
    late = ~np.isnat(start) & (rng.random(n) < K.PUBLICISED_LATE)
    return np.where(
        late, working_days(start.astype("datetime64[D]") + rng.integers(3, 20, n).astype("timedelta64[D]")), on
    )


def project_rows(proj: pd.DataFrame, m: int) -> pd.DataFrame:
    p = proj.copy()
    end = MONTH_ENDS[m]
    for col in ("actual_start_date", "stop_date", "restart_date", "completion_date", "procurement_date"):
        d = p[col].to_numpy()
        p[col] = np.where(d <= end, date_str(d), "")
    for col in ("planned_start_date", "publicised_date"):
        p[col] = date_str(p[col].to_numpy())
    started, stopped = p["actual_start_date"] != "", p["stop_date"] != ""
    restarted, done = p["restart_date"] != "", p["completion_date"] != ""
    p["status"] = np.select(
        [done, restarted, stopped, started], ["已完工", "已复工", "停工", "已开工"], default="未开工"
    )
    return p


def funds(proj: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """资金下达 per project and level (levels by project type), and 资金支付 drawn against them month by month."""
    p = proj
    n = len(p)
    ptype = p["project_type"].to_numpy()
    take = np.zeros((n, len(K.FUND_LEVEL_SHARE)), dtype=bool)
    levels = tuple(K.FUND_LEVEL_SHARE)
    for t, chances in K.FUND_LEVELS_BY_TYPE.items():
        sel = ptype == t
        for j, level in enumerate(levels):
            take[sel, j] = rng.random(int(sel.sum())) < chances[level]
    none = ~take.any(axis=1)
    take[none, 3] = True  # at least the county pays
    base = np.array([K.FUND_LEVEL_SHARE[lv] for lv in levels])
    share = take * base[None, :]
    share = share / share.sum(axis=1, keepdims=True)
    rows = []
    for j, level in enumerate(levels):
        sel = take[:, j]
        k = int(sel.sum())
        amount = (p["special_fund_planned"].to_numpy()[sel] * share[sel, j] * rng.uniform(0.9, 1.0, k)).round(2)
        rows.append(
            pd.DataFrame(
                {
                    "county_code": p["county_code"].to_numpy()[sel],
                    "project_id": p["project_id"].to_numpy()[sel],
                    "fund_level": level,
                    "fund_kind": "财政专项扶贫资金",
                    "allocation_date": working_days(dates_between(rng, *K.FUND_WINDOWS[level], k)),
                    "amount": amount,
                }
            )
        )
    extra = rng.random(n) < 0.06  # 结对帮扶 / 社会帮扶 money to some projects
    kind = np.where(rng.random(n) < 0.6, "结对帮扶", "社会帮扶")
    ne = int(extra.sum())
    rows.append(
        pd.DataFrame(
            {
                "county_code": p["county_code"].to_numpy()[extra],
                "project_id": p["project_id"].to_numpy()[extra],
                "fund_level": kind[extra],
                "fund_kind": np.where(kind[extra] == "结对帮扶", "结对帮扶资金", "社会帮扶资金"),
                "allocation_date": working_days(dates_between(rng, "2020-02-03", "2020-05-29", ne)),
                "amount": rng.uniform(5, 80, ne).round(2),
            }
        )
    )
    alloc = pd.concat(rows, ignore_index=True)
    # A few allocations name a project that is not in the county's 项目库 (a compliance finding).
    orphan = rng.random(len(alloc)) < 0.003
    alloc.loc[orphan, "project_id"] = (
        alloc.loc[orphan, "project_id"].str[:-4] + "9" + alloc.loc[orphan, "project_id"].str[-3:]
    )
    alloc = alloc.sort_values(["allocation_date", "county_code", "project_id"], kind="stable").reset_index(drop=True)
    alloc["allocation_id"] = "XD2020" + pd.Series(np.arange(1, len(alloc) + 1)).astype(str).str.zfill(7)
    alloc["document_no"] = np.where(
        alloc["fund_level"].isin(["中央", "省级"]),
        "皖财农〔2020〕" + pd.Series(rng.integers(10, 900, len(alloc))).astype(str) + "号",
        "",
    )
    alloc["month"] = month_of(alloc["allocation_date"].to_numpy().astype("datetime64[D]"))

    start = p.set_index("project_id")["actual_start_date"]
    st = alloc["project_id"].map(start).to_numpy().astype("datetime64[D]")
    adate = alloc["allocation_date"].to_numpy().astype("datetime64[D]")
    amount = alloc["amount"].to_numpy()
    paid_but_not_started = np.isnat(st) & (rng.random(len(alloc)) < 0.01)
    st = np.where(paid_but_not_started, adate + rng.integers(5, 30, len(alloc)).astype("timedelta64[D]"), st)
    first = np.maximum(st, adate)
    pays = []
    cum_prev = np.zeros(len(alloc))
    for m in range(len(K.MONTHS)):
        end = MONTH_ENDS[m]
        months_in = (end - first).astype("timedelta64[D]").astype(float) / 30.0
        frac = np.where(np.isnat(first) | (first > end), 0.0, np.clip(0.25 + 0.2 * months_in, 0, 1))
        cum = np.maximum(np.round(amount * frac, 2), cum_prev)
        inc = np.round(cum - cum_prev, 2)
        idx = np.flatnonzero(inc > 0)
        lo = np.maximum(first[idx], MONTH_STARTS[m])
        span = (end - lo).astype(int) + 1
        pdate = working_days(lo + (rng.random(len(idx)) * span).astype("timedelta64[D]"))
        pdate = np.where(pdate < lo, lo, pdate)  # no working day left in the month: the date stays
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
    before = working_days(ad - rng.integers(1, 10, len(pay)).astype("timedelta64[D]"))
    pay["payment_date"] = np.where(
        early & (month_of(before) == month_of(ad)) & (before < ad),
        before,
        pay["payment_date"].to_numpy().astype("datetime64[D]"),
    )
    # …and a very few that push a project past its allocation: ingest quarantines these.
    over_alloc = alloc[(alloc["month"] <= 4) & (rng.random(len(alloc)) < 0.0005)]
    over = pd.DataFrame(
        {
            "allocation_id": over_alloc["allocation_id"],
            "payment_date": working_days(dates_between(rng, "2020-06-01", "2020-06-28", len(over_alloc))),
            "amount": (over_alloc["amount"] * 1.2 + 1).round(2),
        }
    )
    pay = pd.concat([pay, over], ignore_index=True)
    pay = pay.merge(alloc[["allocation_id", "county_code", "project_id"]], on="allocation_id")
    pay = pay.sort_values(["payment_date", "allocation_id"], kind="stable").reset_index(drop=True)
    pay["payment_id"] = "ZF2020" + pd.Series(np.arange(1, len(pay) + 1)).astype(str).str.zfill(8)
    pay["month"] = month_of(pay["payment_date"].to_numpy().astype("datetime64[D]"))
    alloc["allocation_date"] = date_str(adate)
    pay["payment_date"] = date_str(pay["payment_date"].to_numpy().astype("datetime64[D]"))
    return alloc, pay


def enterprises(counties: pd.DataFrame, ref: Reference, rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """扶贫车间 and 龙头企业 with their restart dates; each in a village of its county, under its own name."""
    parts = []
    for etype, total, before in (
        ("扶贫车间", K.WORKSHOPS_TOTAL, (5, 40)),
        ("龙头企业", K.LEADING_FIRMS_TOTAL, (10, 150)),
    ):
        spread = counties["w_activity"].to_numpy() * rng.lognormal(0, 0.3, len(counties))
        per = share_out(total * scale, spread, minimum=1)
        county = np.repeat(counties["county_code"].to_numpy(), per)
        n = len(county)
        q = rng.random(n)
        fast = 0.05 if etype == "龙头企业" else 0.0
        restart = np.select(
            [q < 0.15 + fast, q < 0.55 + fast, q < 0.95 + fast / 2, q < 0.985],
            [
                dates_between(rng, "2020-02-10", "2020-02-23", n),
                dates_between(rng, "2020-02-24", "2020-02-29", n),
                dates_between(rng, "2020-03-01", "2020-03-31", n),
                dates_between(rng, "2020-04-01", "2020-06-30", n),
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
    vil = ref.villages
    by_county = {code: g for code, g in vil.groupby("county_code")}
    vcode = np.empty(len(e), dtype=object)
    vname = np.empty(len(e), dtype=object)
    for code, idx in e.groupby("county_code").indices.items():
        v = by_county[code]
        p = np.where(v["is_poverty_village"] == "1", 3.0, 1.0)
        k = rng.choice(len(v), len(idx), p=p / p.sum())
        vcode[idx] = v["village_code"].to_numpy()[k]
        vname[idx] = v["village_name"].to_numpy()[k]
    e["village_code"] = vcode
    e["enterprise_id"] = (
        np.where(e["enterprise_type"] == "扶贫车间", "CJ", "QY")
        + e["county_code"]
        + pd.Series(e.groupby("county_code").cumcount() + 1).astype(str).str.zfill(4)
    )
    n = len(e)
    brand = np.char.add(rng.choice(_BRAND, size=n), rng.choice(_BRAND, size=n))
    workshop = e["enterprise_type"].to_numpy() == "扶贫车间"
    place = np.array([s.removesuffix("社区").removesuffix("村") for s in vname])  # 和楼村 → 和楼, 桃沟社区 → 桃沟
    ws_name = np.char.add(
        np.char.add(np.char.add(place.astype("U8"), brand), rng.choice(_WORKSHOP_TRADES, size=n)), "扶贫车间"
    )
    firm_name = np.char.add(np.char.add("安徽", brand), rng.choice(_FIRM_TRADES, size=n))
    e["name"] = np.where(workshop, ws_name, firm_name)
    return e


def enterprise_rows(ent: pd.DataFrame, m: int) -> pd.DataFrame:
    e = ent.copy()
    end = MONTH_ENDS[m]
    r = e["restart"].to_numpy().astype("datetime64[D]")
    on = (~np.isnat(r)) & (r <= end)
    months_on = np.where(on, (end - r).astype(int) / 30.0, 0)
    factor = np.minimum(1.08, 0.6 + 0.15 * months_on)
    e["restarted"] = np.where(on, C.YES, C.NO)
    e["restart_date"] = np.where(on, date_str(r), "")
    e["poor_workers_now"] = np.where(on, np.round(e["poor_workers_before"] * factor), 0).astype(int)
    return e


def pairing(counties: pd.DataFrame, ref: Reference, rng: np.random.Generator) -> pd.DataFrame:
    """县域结对帮扶: each of the 31 poverty counties helped by a district or county of a stronger city (合肥,
    芜湖, 马鞍山, 铜陵, 宣城, 滁州, 安庆 — in that order), a few breaking the rules."""
    helped = ref.poverty_counties.sort_values("county_code")["county_code"].to_numpy()
    c = counties[(counties["poverty_level"] == "") & counties["city_code"].isin(_HELPER_CITIES)].copy()
    c["city_rank"] = c["city_code"].map({code: i for i, code in enumerate(_HELPER_CITIES)})
    c = c.sort_values(["city_rank", "county_code"])
    helpers = c["county_code"].to_numpy()[: len(helped)]
    helpers = helpers[rng.permutation(len(helpers))]
    name = counties.set_index("county_code")
    last = rng.uniform(800, 3000, len(helped)).round(2)
    this = (last * rng.uniform(1.0, 1.3, len(helped))).round(2)
    below = rng.choice(len(helped), 3, replace=False)
    this[below] = (last[below] * rng.uniform(0.7, 0.95, 3)).round(2)
    date = working_days(dates_between(rng, "2020-01-10", "2020-03-25", len(helped))).astype(object)
    late = rng.choice(np.setdiff1d(np.arange(len(helped)), below), 3, replace=False)
    date[late[:2]] = working_days(dates_between(rng, "2020-04-10", "2020-05-20", 2))
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


def employment(hh: pd.DataFrame, mem: Members, counties: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """务工就业月报: county-month migrant workers (from the member statuses) vs last year."""
    h = mem.frame["_h"].to_numpy()
    county = hh["county_code"].to_numpy()[h]
    appear = hh["appear_month"].to_numpy()[h]
    ly = np.array([0.35, 0.85, 0.96, 0.97, 0.98, 0.98])
    codes = counties["county_code"].to_numpy()

    def per_county(values: np.ndarray) -> np.ndarray:
        return pd.Series(values, index=county).groupby(level=0).sum().reindex(codes, fill_value=0).to_numpy()

    persons = per_county(np.ones(len(h), dtype=int))
    migrants = per_county(mem.is_migrant.astype(int))
    posts0 = np.round(persons * 0.015 * rng.uniform(0.8, 1.2, len(codes)))
    growth = np.array([1.0, 1.1, 1.5, 1.8, 2.0, 2.1])
    out = []
    for m in range(len(K.MONTHS)):
        now = per_county((migrants_away(mem, m) & (appear <= m)).astype(int))
        created = np.round(posts0 * growth[m]).astype(int)
        out.append(
            pd.DataFrame(
                {
                    "county_code": codes,
                    "month": K.MONTHS[m],
                    "migrant_workers": now,
                    "migrant_workers_last_year": np.round(migrants * ly[m] * rng.uniform(1.0, 1.05, len(codes))).astype(
                        int
                    ),
                    "public_posts_created": created,
                    "public_posts_filled": np.round(created * rng.uniform(0.9, 0.98, len(codes))).astype(int),
                }
            )
        )
    return pd.concat(out, ignore_index=True)
