"""Every number the synthetic province is calibrated to, in one place.

Headline targets come from 皖扶组〔2020〕5号 and DESIGN.md (87,000 still poor at end-2019, ≈1.9 M registered
households, projects ≈1/3 started by 10 March and >60 % by 1 April, workshops >90 % by 1 April). The rest are
this project's assumptions, chosen so that the province behaves like a real one: county sizes follow each
county's rural population (`data/reference/county_rural_scale.csv`), incomes are log-normal by household
type, and risks arise and are cleared month by month. Nothing here is official data.
"""

from __future__ import annotations

SCALES: dict[str, float] = {"tiny": 0.002, "demo": 0.02, "province": 1.0}
MONTHS: tuple[str, ...] = ("2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06")

# ---------------------------------------------------------------------------------- headline targets
TOTAL_HOUSEHOLDS = 1_900_000  # 建档立卡户 + 边缘户 in the register
REMAINING_POOR_PERSONS = 87_000  # 剩余贫困人口 at end-2019 (the notice: 8.7万)
RURAL_AVG_INCOME_2019 = 15_416  # 安徽省2019年农村常住居民人均可支配收入（元）
MONITOR_LINE = 5_000  # 脱贫监测户 / 边缘户: 年人均纯收入低于5000元且具有风险
POVERTY_LINE_2019 = 3_218  # 国家扶贫标准 (2,300 yuan at 2010 prices) in 2019 prices: the remaining poor are below it

# ---------------------------------------------------------------------------------- counties
# Registered households per county ∝ rural population × poverty incidence; incidence by class, with a
# log-normal spread inside a class (sigma) so counties of one class differ.
INCIDENCE_BY_CLASS = {"国家级": 2.4, "省级": 1.8, "deep": 1.3, "other": 1.0}
INCIDENCE_SIGMA = 0.35
MIN_HOUSEHOLDS_PER_COUNTY = 8
MIN_HOUSEHOLDS_SUPERVISED_VILLAGE = 5  # a 挂牌督战 village holds at least this many households at any scale
# Remaining poor per registered household, by class; again with a spread inside the class.
REMAINING_POOR_WEIGHT = {"exit_2020": 10.0, "poverty": 1.2, "deep": 0.5, "other": 0.08, "urban": 0.03}
REMAINING_POOR_SIGMA = 0.45

# ---------------------------------------------------------------------------------- households
HOUSEHOLD_SIZE_P = (0.28, 0.31, 0.18, 0.12, 0.07, 0.03, 0.01)  # sizes 1..7
EDGE_SHARE = {"deep": 0.03, "other": 0.02}  # 边缘户 among households not still poor
MONITOR_SHARE = {"deep": 0.06, "other": 0.03}  # 脱贫监测户 among the rest
NOT_ENJOYING_SHARE = 0.35  # 不享受政策的脱贫户 among the other 脱贫户
LATE_EDGE_SHARE = 0.08  # ≈8 % more 边缘户 identified during the epidemic (Feb–May)
LATE_EDGE_MONTH_P = (0.0, 0.35, 0.35, 0.2, 0.1, 0.0)
EXIT_YEAR_P = {2014: 12, 2015: 15, 2016: 20, 2017: 20, 2018: 20, 2019: 13}
# 特困供养 mostly single elderly: chance of the attribute by household size (poor and lifted households).
TEKUN_BY_SIZE = {1: 0.45, 2: 0.06}
DIBAO_SHARE = {"poor": 0.35, "lifted": 0.27}

# Per-capita income (2019, yuan): log-normal (median, sigma) and bounds, by household type.
INCOME = {
    "未脱贫户": (2_650, 0.16, 1_500, POVERTY_LINE_2019 - 8),
    "边缘户": (4_650, 0.12, POVERTY_LINE_2019 + 300, 6_500),
    "脱贫监测户": (4_300, 0.10, 3_400, MONITOR_LINE - 10),
    "享受政策的脱贫户": (9_200, 0.28, MONITOR_LINE + 100, RURAL_AVG_INCOME_2019 - 50),
    "不享受政策的脱贫户": (19_500, 0.18, RURAL_AVG_INCOME_2019 + 50, 42_000),
}
CATEGORY_MISMATCH_SHARE = 0.02  # exported class disagrees with the income (what the class check finds)

# ---------------------------------------------------------------------------------- members
HEAD_AGE = {"poor_like": (60, 12), "other": (52, 12)}  # normal (mean, sd), clipped 24..92
MIN_SPOUSE_AGE = 20  # legal marriage age (women 20, men 22)
MIGRANT_SHARE = 0.55  # of able-bodied 16–60
LOCAL_WORK_SHARE = 0.25

# ---------------------------------------------------------------------------------- monthly life cycle
# Remaining poor leaving poverty each month (Feb..Jun), the rest at year end.
POOR_EXIT_P = (0.03, 0.07, 0.10, 0.12, 0.13)
POOR_EXIT_TO_MONITOR = 0.15  # of those exiting, still below the line with a risk → 脱贫监测户
# New risks per month among 享受政策的脱贫户 with income under RELAPSE_INCOME_CAP (→ 脱贫监测户).
RELAPSE_INCOME_CAP = 9_000
RELAPSE_HAZARD = (0.0, 0.012, 0.009, 0.007, 0.007, 0.008)
# Risk kinds of a new episode by month (Jan..Jun): label → weight.
RISK_KINDS = ("因病", "因残", "因灾", "家庭变故", "意外事故", "务工受阻", "产业受损", "家庭成员确诊", "家庭成员疑似")
RISK_KIND_P = (
    (40, 8, 8, 14, 8, 12, 8, 0, 0),
    (18, 3, 3, 6, 3, 45, 16, 2, 4),
    (25, 4, 4, 9, 5, 35, 15, 1, 2),
    (40, 7, 6, 14, 8, 15, 10, 0, 0),
    (42, 8, 8, 16, 9, 9, 8, 0, 0),
    (35, 6, 25, 13, 8, 6, 7, 0, 0),
)
# Days from a risk's onset to its elimination (log-normal median, sigma) by kind; STUCK_SHARE never clear.
RISK_DAYS = {
    "因病": (60, 0.6),
    "因残": (85, 0.5),
    "因灾": (55, 0.5),
    "家庭变故": (75, 0.6),
    "意外事故": (60, 0.5),
    "务工受阻": (40, 0.45),
    "产业受损": (45, 0.5),
    "家庭成员确诊": (35, 0.3),
    "家庭成员疑似": (21, 0.3),
}
STUCK_SHARE = 0.08
# Households already monitored in January: the risk began in the second half of 2019.
INITIAL_ONSET_WINDOW = ("2019-08-01", "2020-01-20")
# Guarantee problems (两不愁三保障 / 饮水) that come with a risk kind: kind → (label, chance).
GUARANTEE_BY_KIND = {
    "因灾": (("住房安全", 0.25), ("饮水安全", 0.2)),
    "因病": (("基本医疗", 0.08),),
    "家庭变故": (("义务教育", 0.05), ("吃穿不愁", 0.03)),
}
# Problems found on register households that are not monitored: share per month, months to clear.
REGISTER_PROBLEM_P = 0.0015
REGISTER_PROBLEM_FIX_MONTHS_P = (0.0, 0.55, 0.3, 0.1, 0.05)  # 0..4 months after found
INCOME_SHOCK_RANGE = (0.45, 0.8)  # income during an episode, × the household's normal income
RECOVERED_INCOME = (5_150, 6_900)  # after the risk is gone (monitored and edge households), uniform
NOT_RECOVERED_SHARE = 0.05  # reach 省级备案/销号 still below the line (a finding)
# 销号 chain: days from elimination to 村级填报 / 乡镇汇总填报, then between stages (log-normal median, sigma).
FILE_AFTER_DAYS = (3, 16)
STAGE_GAP_DAYS = (8, 0.5)
STALL_SHARE = 0.12  # stall at a stage for months (销号滞留), province average
STALL_COUNTY_SIGMA = 0.25  # counties differ in how they run the 销号 chain (log-normal spread of the stall chance)
STALL_SLOW_COUNTY_SHARE = 0.08  # ≈8 of 104 counties let the chain stall …
STALL_SLOW_FACTOR = 5.0  # … this many times as often
EXPORTED_RED_NOISE = 0.02  # the exported 红色标注 disagrees with the risk (what 月核查 finds)

# ---------------------------------------------------------------------------------- contacts
VISIT_METHOD_P = {  # 入户, 电话, 短信, 微信, 视频 by month: in-person visits fall in the February lockdown
    0: (42, 33, 5, 15, 5),
    1: (12, 48, 6, 26, 8),
    2: (28, 40, 5, 21, 6),
    3: (45, 30, 4, 17, 4),
    4: (50, 27, 4, 15, 4),
    5: (52, 26, 4, 14, 4),
}
MEASURES_BY_KIND = {  # risk kind → measure types (weights)
    "因病": {"健康帮扶": 6, "临时救助": 2, "低保兜底": 1},
    "因残": {"低保兜底": 4, "健康帮扶": 2, "公益性岗位": 2},
    "因灾": {"危房改造": 3, "临时救助": 4, "饮水安全": 2},
    "家庭变故": {"临时救助": 4, "低保兜底": 3, "教育帮扶": 1},
    "意外事故": {"临时救助": 4, "健康帮扶": 2},
    "务工受阻": {"就业帮扶": 5, "公益性岗位": 4, "小额信贷": 1},
    "产业受损": {"产业帮扶": 4, "消费帮扶": 4, "小额信贷": 2},
    "家庭成员确诊": {"临时救助": 6, "健康帮扶": 2},
    "家庭成员疑似": {"临时救助": 5, "健康帮扶": 2},
}
ROUTINE_MEASURE_RATE = 0.05  # other monitored households with a measure in a month

# ---------------------------------------------------------------------------------- projects and funds
PROJECTS_TOTAL = 30_000
PROJECT_TYPE_P = (40, 8, 32, 8, 4, 5, 3)  # order of contract.PROJECT_TYPES
# Which budget levels fund a project of each type (chance each level takes part) and their base shares.
FUND_LEVEL_SHARE = {"中央": 0.55, "省级": 0.25, "市级": 0.05, "县级": 0.15}
FUND_LEVELS_BY_TYPE = {
    "产业发展": {"中央": 0.9, "省级": 0.7, "市级": 0.25, "县级": 0.6},
    "就业扶贫": {"中央": 0.6, "省级": 0.5, "市级": 0.2, "县级": 0.8},
    "基础设施": {"中央": 0.85, "省级": 0.6, "市级": 0.3, "县级": 0.7},
    "公共服务": {"中央": 0.5, "省级": 0.7, "市级": 0.2, "县级": 0.8},
    "易地搬迁后续扶持": {"中央": 0.9, "省级": 0.8, "市级": 0.1, "县级": 0.5},
    "金融扶贫": {"中央": 0.3, "省级": 0.6, "市级": 0.1, "县级": 0.9},
    "其他": {"中央": 0.4, "省级": 0.4, "市级": 0.2, "县级": 0.9},
}
FUND_WINDOWS = {
    "中央": ("2020-01-10", "2020-03-31"),
    "省级": ("2020-01-20", "2020-04-15"),
    "市级": ("2020-02-01", "2020-04-30"),
    "县级": ("2020-01-15", "2020-05-31"),
}
WORKSHOPS_TOTAL = 2_800
LEADING_FIRMS_TOTAL = 600

# ---------------------------------------------------------------------------------- calendar
# 2020 public holidays (国办发明电〔2019〕16号, Spring Festival extended to 2 February for the epidemic):
# payments and allocations fall on working days.
HOLIDAYS_2020 = (
    "2020-01-01",
    *(f"2020-01-{d}" for d in range(24, 32)),
    "2020-02-01",
    "2020-02-02",
    "2020-04-04",
    "2020-04-05",
    "2020-04-06",
    *(f"2020-05-0{d}" for d in range(1, 6)),
    "2020-06-25",
    "2020-06-26",
    "2020-06-27",
)

# Share of started projects publicised only after they started (compliance F4 findings; the rest 5–25 days before).
PUBLICISED_LATE = 0.02
