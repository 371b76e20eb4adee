"""The export contract: which tables counties export, and what each column must hold.

This module is the single source of truth for the file format that `generate` writes and
`ingest` reads. The Chinese headers are what a county official sees in the export of
全国扶贫开发信息系统; the English names are what the warehouse (stg_* tables) uses.
`docs/export-contract.md` is rendered from here (`python -m fupin contract`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal[
    "text",  # free text
    "county_code",  # 6-digit county code, must exist in ref_county
    "village_code",  # 12-digit village code, must exist in ref_village
    "household_id",  # 户编号
    "id_number",  # 18-digit resident ID with a valid check digit
    "phone",  # 11-digit mobile number
    "int",
    "decimal",
    "date",
    "month",  # YYYY-MM
    "flag",  # 是 / 否
    "enum",  # one of `allowed`
]

TableMode = Literal["register", "monthly", "snapshot", "transactions"]

YES, NO = "是", "否"

HOUSEHOLD_CATEGORIES = ("未脱贫户", "不享受政策的脱贫户", "享受政策的脱贫户", "脱贫监测户", "边缘户")
POVERTY_ATTRIBUTES = ("一般贫困户", "低保贫困户", "特困供养贫困户", "非贫困户")
POVERTY_CAUSES = (
    "因病",
    "因残",
    "因学",
    "因灾",
    "缺土地",
    "缺水",
    "缺技术",
    "缺劳力",
    "缺资金",
    "交通条件落后",
    "自身发展动力不足",
)
RISK_TYPES = (
    "因疫情",
    "因病",
    "因残",
    "因灾",
    "因学",
    "家庭变故",
    "意外事故",
    "务工受阻",
    "产业受损",
    "其他",
)
EPIDEMIC_IMPACTS = ("无", "家庭成员确诊", "家庭成员疑似", "务工受阻", "农产品滞销", "其他")
RELATIONS = (
    "户主",
    "配偶",
    "之子",
    "之女",
    "之儿媳",
    "之女婿",
    "之孙子",
    "之孙女",
    "之父",
    "之母",
    "其他",
)
SEXES = ("男", "女")
LABOUR_ABILITIES = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
HEALTH_STATES = ("健康", "长期慢性病", "患有大病", "残疾")
SCHOOLING = ("非在校生", "学前教育", "义务教育", "高中", "中职", "高职高专", "本科及以上")
MIGRANT_STATUSES = ("未务工", "县内务工", "省内县外务工", "省外务工", "待返岗")
RISK_POINTS = (
    "收入骤减",
    "因病",
    "因残",
    "因灾",
    "家庭变故",
    "意外事故",
    "家庭成员确诊",
    "家庭成员疑似",
    "务工受阻",
    "产业受损",
    "吃穿不愁",
    "义务教育",
    "基本医疗",
    "住房安全",
    "饮水安全",
)
# 销号 (clearance) chains, from 关于防止返贫致贫加强监测预警和动态帮扶的意见 三（三）.
MONITOR_CLEARANCE_STAGES = ("村级填报", "乡镇审查", "市县审核", "省级备案")
EDGE_CLEARANCE_STAGES = ("乡镇汇总填报", "县级审核", "省级销号")
CLEARANCE_STAGES = ("未启动", *MONITOR_CLEARANCE_STAGES, *EDGE_CLEARANCE_STAGES)
VISIT_METHODS = ("入户", "电话", "短信", "微信", "视频")
MEASURE_TYPES = (
    "产业帮扶",
    "就业帮扶",
    "公益性岗位",
    "健康帮扶",
    "教育帮扶",
    "危房改造",
    "饮水安全",
    "低保兜底",
    "临时救助",
    "小额信贷",
    "消费帮扶",
)
FUND_SOURCES_MEASURE = (
    "财政专项扶贫资金",
    "行业部门资金",
    "社会帮扶资金",
    "县级救助基金",
    "村集体收入",
    "结对帮扶资金",
    "其他",
)
PROJECT_TYPES = ("产业发展", "就业扶贫", "基础设施", "公共服务", "易地搬迁后续扶持", "金融扶贫", "其他")
PROJECT_STATUSES = ("未开工", "已开工", "停工", "已复工", "已完工")
ENTERPRISE_TYPES = ("扶贫车间", "龙头企业")
ALLOCATION_LEVELS = ("中央", "省级", "市级", "县级", "结对帮扶", "社会帮扶")
FUND_KINDS = ("财政专项扶贫资金", "结对帮扶资金", "社会帮扶资金")


@dataclass(frozen=True)
class Column:
    """One column of an export table."""

    cn: str  # header as exported
    en: str  # stg_* column name
    type: ColumnType
    required: bool = True
    allowed: tuple[str, ...] = ()
    ref: str | None = None  # "table.column" this value must exist in
    unit: str = ""
    note: str = ""
    # id_number only: a 15-digit legacy number (GB 11643-1989) is accepted and converted to 18 digits.
    legacy_id: bool = False


@dataclass(frozen=True)
class Table:
    """One export table: a file per table (optionally split by city) in each month folder."""

    cn: str  # file stem as exported, e.g. 户信息
    en: str  # entity name: raw_<en>, stg_<en>
    mode: TableMode
    key: tuple[str, ...]  # English column names that identify a row
    columns: tuple[Column, ...]
    description: str
    # How a key may repeat: within one month folder (register/monthly/snapshot) or the whole batch.
    key_scope: Literal["month", "batch"] = "month"
    area_column: str | None = None  # English name of the column giving the row's area

    def column(self, en: str) -> Column:
        for c in self.columns:
            if c.en == en:
                return c
        raise KeyError(en)

    @property
    def headers(self) -> list[str]:
        return [c.cn for c in self.columns]

    @property
    def required_headers(self) -> list[str]:
        return [c.cn for c in self.columns if c.required]


def _flag(cn: str, en: str, *, required: bool = True, note: str = "") -> Column:
    return Column(cn, en, "flag", required, (YES, NO), note=note)


def _enum(cn: str, en: str, allowed: tuple[str, ...], *, required: bool = True, note: str = "") -> Column:
    return Column(cn, en, "enum", required, allowed, note=note)


def _money(cn: str, en: str, *, unit: str = "元", required: bool = True, note: str = "") -> Column:
    return Column(cn, en, "decimal", required, unit=unit, note=note)


HOUSEHOLD = Table(
    cn="户信息",
    en="household",
    mode="register",
    key=("household_id",),
    area_column="village_code",
    description=(
        "建档立卡户、边缘户的户级信息。首月（2020-01）为全量户册；之后各月只含新增或信息变更的户，"
        "同一户编号以最近月份的记录为准。"
    ),
    columns=(
        Column(
            "行政区划代码",
            "village_code",
            "village_code",
            ref="ref_village.village_code",
            note="12位村（社区）代码：乡镇段、村段均为001–399",
        ),
        Column("户编号", "household_id", "household_id", note="16位：村代码+4位序号"),
        Column("户主姓名", "head_name", "text"),
        Column("户主证件号码", "head_id_number", "id_number", note="18位公民身份号码，校验位正确"),
        Column("家庭人口数", "household_size", "int", note="≥1，应等于家庭成员表中该户人数"),
        _enum("贫困户属性", "poverty_attribute", POVERTY_ATTRIBUTES, note="边缘户填 非贫困户"),
        _enum("户类别", "household_category", HOUSEHOLD_CATEGORIES),
        Column("脱贫年度", "exit_year", "int", required=False, note="已脱贫户必填，2014–2020"),
        _enum("主要致贫原因", "poverty_cause", POVERTY_CAUSES, required=False),
        _enum("返贫致贫风险", "risk_type", RISK_TYPES, required=False),
        _money("年人均纯收入", "income_per_capita", note="上年度，元/人"),
        _money("工资性收入", "wage_income", note="全户，元"),
        _money("生产经营性收入", "business_income", note="全户净收入，元"),
        _money("财产性收入", "property_income"),
        _money("转移性收入", "transfer_income"),
        _flag("吃穿不愁", "food_clothing_ok"),
        _flag("义务教育有保障", "education_ok"),
        _flag("基本医疗有保障", "medical_ok"),
        _flag("住房安全有保障", "housing_ok"),
        _flag("饮水安全有保障", "water_ok"),
        _enum("疫情影响", "epidemic_impact", EPIDEMIC_IMPACTS),
        Column("联系电话", "phone", "phone", required=False),
        Column("帮扶责任人", "helper_name", "text", required=False),
        Column("联系人姓名", "contact_name", "text", required=False, note="边缘户必须有联系人"),
        Column("联系人电话", "contact_phone", "phone", required=False),
    ),
)

MEMBER = Table(
    cn="家庭成员",
    en="member",
    mode="register",
    key=("id_number",),
    description="户内成员。首月为全量；之后各月只含新增成员或状态（务工等）变化的成员，以最近月份为准。",
    columns=(
        Column("户编号", "household_id", "household_id", ref="household.household_id"),
        Column("证件号码", "id_number", "id_number"),
        Column("姓名", "name", "text"),
        _enum("与户主关系", "relation", RELATIONS),
        _enum("性别", "sex", SEXES),
        Column("出生日期", "birth_date", "date"),
        _enum("劳动能力", "labour_ability", LABOUR_ABILITIES),
        _enum("健康状况", "health", HEALTH_STATES),
        _enum("在校生状况", "schooling", SCHOOLING),
        _enum("务工状态", "migrant_status", MIGRANT_STATUSES),
        Column("务工地点", "work_place", "text", required=False, note="县外务工时填写"),
    ),
)

MONITORING = Table(
    cn="监测记录",
    en="monitoring",
    mode="monthly",
    key=("household_id", "month"),
    description=(
        "月核查：未脱贫户、当年脱贫户、脱贫监测户、边缘户每户每月一条，含当月预估收入、风险点、红色标注和销号进度。"
    ),
    columns=(
        Column("户编号", "household_id", "household_id", ref="household.household_id"),
        Column("监测年月", "month", "month", note="YYYY-MM，须与所在月份文件夹一致"),
        _enum("户类别", "household_category", HOUSEHOLD_CATEGORIES, note="当月类别"),
        _money("预估年人均纯收入", "income_estimate", note="按当月情况折算全年，元/人"),
        _money("上年人均纯收入", "income_last_year", note="元/人"),
        Column("风险点", "risk_points", "text", required=False, note="多项以；分隔，取值：" + "、".join(RISK_POINTS)),
        _flag("红色标注", "red_mark"),
        _enum(
            "销号阶段",
            "clearance_stage",
            CLEARANCE_STAGES,
            note="脱贫监测户：" + "→".join(MONITOR_CLEARANCE_STAGES) + "；边缘户：" + "→".join(EDGE_CLEARANCE_STAGES),
        ),
        Column("村级填报日期", "village_filed_date", "date", required=False),
        Column("乡镇审查日期", "township_reviewed_date", "date", required=False),
        Column("市县审核日期", "county_audited_date", "date", required=False),
        Column("省级备案日期", "province_recorded_date", "date", required=False),
        Column("乡镇汇总填报日期", "township_filed_date", "date", required=False),
        Column("县级审核日期", "county_reviewed_date", "date", required=False),
        Column("省级销号日期", "province_cleared_date", "date", required=False),
    ),
)

VISIT = Table(
    cn="走访记录",
    en="visit",
    mode="transactions",
    key=("visit_id",),
    key_scope="batch",
    description="联系人对边缘户、帮扶责任人对监测户的走访联系记录，每次一条，各月只含当月新增。",
    columns=(
        Column("走访编号", "visit_id", "text"),
        Column("户编号", "household_id", "household_id", ref="household.household_id"),
        Column("走访日期", "visit_date", "date"),
        _enum("走访方式", "method", VISIT_METHODS),
        Column("走访人", "visitor_name", "text"),
        Column("走访情况", "notes", "text", required=False),
    ),
)

MEASURE = Table(
    cn="帮扶措施",
    en="measure",
    mode="transactions",
    key=("measure_id",),
    key_scope="batch",
    description="落实到户的帮扶措施及其资金来源；边缘户不得使用财政专项扶贫资金。各月只含当月新增。",
    columns=(
        Column("措施编号", "measure_id", "text"),
        Column("户编号", "household_id", "household_id", ref="household.household_id"),
        _enum("措施类型", "measure_type", MEASURE_TYPES),
        Column("落实日期", "measure_date", "date"),
        _money("金额", "amount", note="元；无资金的措施填0"),
        _enum("资金来源", "fund_source", FUND_SOURCES_MEASURE),
        Column("项目编号", "project_id", "text", required=False),
    ),
)

PROJECT = Table(
    cn="项目库",
    en="project",
    mode="snapshot",
    key=("project_id",),
    area_column="county_code",
    description="县级脱贫攻坚项目库（当年项目），每月全量，含开工、停工、复工、完工进度和公告公示。",
    columns=(
        Column("项目编号", "project_id", "text"),
        Column("县代码", "county_code", "county_code", ref="ref_county.county_code"),
        Column("实施村代码", "village_code", "village_code", required=False, ref="ref_village.village_code"),
        Column("项目名称", "project_name", "text"),
        _enum("项目类型", "project_type", PROJECT_TYPES),
        Column("项目年度", "project_year", "int"),
        _money("计划总投资", "planned_investment", unit="万元"),
        _money("其中财政专项扶贫资金", "special_fund_planned", unit="万元"),
        Column("计划开工日期", "planned_start_date", "date"),
        Column("实际开工日期", "actual_start_date", "date", required=False),
        Column("停工日期", "stop_date", "date", required=False),
        Column("复工日期", "restart_date", "date", required=False),
        Column("完工日期", "completion_date", "date", required=False),
        _enum("项目状态", "status", PROJECT_STATUSES),
        _flag("是否公告公示", "publicised"),
        Column("公示日期", "publicised_date", "date", required=False),
        _flag("是否政府采购", "government_procurement"),
        Column("采购完成日期", "procurement_date", "date", required=False),
        Column("受益贫困户数", "beneficiary_households", "int"),
        Column("受益贫困人口数", "beneficiary_persons", "int"),
    ),
)

ENTERPRISE = Table(
    cn="扶贫车间",
    en="enterprise",
    mode="snapshot",
    key=("enterprise_id",),
    area_column="county_code",
    description="扶贫车间和扶贫龙头企业复工复产情况，每月全量。",
    columns=(
        Column("主体编号", "enterprise_id", "text"),
        _enum("主体类型", "enterprise_type", ENTERPRISE_TYPES),
        Column("名称", "name", "text"),
        Column("县代码", "county_code", "county_code", ref="ref_county.county_code"),
        Column("所在村代码", "village_code", "village_code", required=False, ref="ref_village.village_code"),
        _flag("是否复工", "restarted"),
        Column("复工日期", "restart_date", "date", required=False),
        Column("疫情前吸纳贫困人口数", "poor_workers_before", "int"),
        Column("当前吸纳贫困人口数", "poor_workers_now", "int"),
    ),
)

ALLOCATION = Table(
    cn="资金下达",
    en="allocation",
    mode="transactions",
    key=("allocation_id",),
    key_scope="batch",
    area_column="county_code",
    description="扶贫资金下达到县、落实到项目的记录，各月只含当月新增。",
    columns=(
        Column("下达编号", "allocation_id", "text"),
        Column("县代码", "county_code", "county_code", ref="ref_county.county_code"),
        Column("项目编号", "project_id", "text", note="应在本县项目库中；不在库的作为合规问题列出，不隔离"),
        _enum("资金级次", "fund_level", ALLOCATION_LEVELS),
        _enum("资金性质", "fund_kind", FUND_KINDS),
        Column("文号", "document_no", "text", required=False),
        Column("下达日期", "allocation_date", "date"),
        _money("下达金额", "amount", unit="万元"),
    ),
)

PAYMENT = Table(
    cn="资金支付",
    en="payment",
    mode="transactions",
    key=("payment_id",),
    key_scope="batch",
    area_column="county_code",
    description="按项目的资金支付（拨付）记录，各月只含当月新增；累计支付不得超过对应下达金额。",
    columns=(
        Column("支付编号", "payment_id", "text"),
        Column("县代码", "county_code", "county_code", ref="ref_county.county_code"),
        Column("项目编号", "project_id", "text"),
        Column("下达编号", "allocation_id", "text", ref="allocation.allocation_id"),
        Column("支付日期", "payment_date", "date"),
        _money("支付金额", "amount", unit="万元"),
    ),
)

PAIRING = Table(
    cn="结对帮扶",
    en="pairing",
    mode="snapshot",
    key=("helper_code", "helped_county_code"),
    area_column="helped_county_code",
    description="县域结对帮扶：帮扶资金不得少于上年度，并在一季度安排到位。每月全量。",
    columns=(
        Column("帮扶方代码", "helper_code", "county_code", ref="ref_county.county_code"),
        Column("帮扶方", "helper_name", "text"),
        Column("受援县代码", "helped_county_code", "county_code", ref="ref_county.county_code"),
        _money("本年度帮扶资金", "amount_this_year", unit="万元"),
        _money("上年度帮扶资金", "amount_last_year", unit="万元"),
        Column("资金安排到位日期", "arranged_date", "date", required=False),
        Column("帮扶项目数", "project_count", "int"),
    ),
)

EMPLOYMENT = Table(
    cn="务工就业月报",
    en="employment",
    mode="monthly",
    key=("county_code", "month"),
    area_column="county_code",
    description="四帮四促：贫困劳动力外出务工与上年同期对比、公益性岗位开发和在岗，每县每月一条。",
    columns=(
        Column("县代码", "county_code", "county_code", ref="ref_county.county_code"),
        Column("统计年月", "month", "month"),
        Column("外出务工贫困劳动力", "migrant_workers", "int", unit="人", note="县外务工（省内县外+省外）"),
        Column("上年同期外出务工贫困劳动力", "migrant_workers_last_year", "int", unit="人"),
        Column("公益性岗位开发数", "public_posts_created", "int", unit="个"),
        Column("公益性岗位在岗人数", "public_posts_filled", "int", unit="人"),
    ),
)

TABLES: tuple[Table, ...] = (
    HOUSEHOLD,
    MEMBER,
    MONITORING,
    VISIT,
    MEASURE,
    PROJECT,
    ENTERPRISE,
    ALLOCATION,
    PAYMENT,
    PAIRING,
    EMPLOYMENT,
)


# ---------------------------------------------------------------------------------- department feeds
# 部门数据比对: each provincial department pushes one file a month (民政, 医保, 卫健, 教育, 人社, 住建, 水利, 残联,
# 公安, 应急), with its own column names, keyed by the person's ID number (18 digits; the 15-digit numbers some
# older systems still hold are converted), the name, an area code and the department's measure. Matched to the
# register at ingest (fupin/warehouse/sql/dept_match.sql), compared by data/reference/department_rules.csv.
RELIEF_KINDS = ("低保", "特困供养", "临时救助")
SERIOUS_ILLNESSES = ("恶性肿瘤", "尿毒症", "白血病", "先天性心脏病", "重性精神病", "耐多药肺结核", "其他重大疾病")
SCHOOL_STAGES = ("义务教育", "高中", "中职", "高职高专", "本科及以上")
SCHOOL_STATUSES = ("在读", "休学", "辍学")
JOB_STATUSES = ("登记失业", "断缴社保", "返乡待业")
HOUSE_GRADES = ("A级", "B级", "C级", "D级")
WATER_STATUSES = ("达标", "不达标")
WATER_PROBLEMS = ("水量", "水质", "用水方便程度", "供水保证率")
DISABILITY_KINDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
DISABILITY_CHANGES = ("新办", "等级变更")
HOUSEHOLD_CHANGES = ("死亡", "迁出")
DISASTER_KINDS = ("洪涝", "风雹", "干旱", "低温冷冻", "地质灾害", "火灾")


def _person(id_cn: str, name_cn: str, area_cn: str) -> tuple[Column, Column, Column]:
    """The three columns every feed has, under the department's own names."""
    return (
        Column(id_cn, "id_number", "id_number", legacy_id=True, note="18位，或15位旧号码（入库时转换为18位）"),
        Column(name_cn, "name", "text", note="与户籍登记姓名比对"),
        Column(
            area_cn,
            "village_code",
            "village_code",
            ref="ref_village.village_code",
            note="12位村（社区）代码：乡镇段、村段均为001–399",
        ),
    )


def _feed(cn: str, en: str, department: str, key: tuple[str, ...], cols: tuple[Column, ...], what: str) -> Table:
    return Table(
        cn=cn,
        en=en,
        mode="monthly",
        key=key,
        area_column="village_code",
        columns=cols,
        description=f"{department}：{what}每月一个文件（本月推送），与建档立卡和边缘户名单按身份证号比对。",
    )


DEPT_CIVIL = _feed(
    "民政救助",
    "dept_civil",
    "民政",
    ("id_number", "category"),
    (
        *_person("身份证号码", "姓名", "户籍地区划代码"),
        _enum("救助类别", "category", RELIEF_KINDS),
        _money("救助金额", "amount", note="本月发放，元"),
        Column("救助日期", "event_date", "date", note="审批或发放日期"),
    ),
    "本月在册的低保、特困供养对象和临时救助对象，",
)
DEPT_MEDICAL = _feed(
    "医保结算",
    "dept_medical",
    "医保",
    ("id_number",),
    (
        *_person("证件号码", "参保人姓名", "参保地区划代码"),
        Column("最近结算日期", "event_date", "date"),
        _money("本年累计医疗总费用", "total_cost", note="元"),
        _money("本年累计个人自付", "amount", note="经基本医保、大病保险、医疗救助等报销后个人负担，元"),
    ),
    "本月有住院或门诊慢特病结算的参保人（每人一条，本年累计），",
)
DEPT_HEALTH = _feed(
    "卫健大病",
    "dept_health",
    "卫健",
    ("id_number", "category"),
    (
        *_person("身份证号", "患者姓名", "现住址区划代码"),
        _enum("病种", "category", SERIOUS_ILLNESSES),
        Column("确诊日期", "event_date", "date"),
    ),
    "本月新确诊的大病专项救治患者，",
)
DEPT_EDUCATION = _feed(
    "教育学籍",
    "dept_education",
    "教育",
    ("id_number",),
    (
        *_person("身份证件号", "学生姓名", "户籍所在地代码"),
        _enum("学段", "category", SCHOOL_STAGES),
        _enum("学籍状态", "status", SCHOOL_STATUSES),
        _money("本学年自付费用", "amount", note="学费、住宿费等扣除资助后的家庭负担，元"),
        Column("状态变动日期", "event_date", "date"),
    ),
    "本月学籍状态变动的学生（辍学、休学、复学）和非义务教育阶段受资助学生，",
)
DEPT_LABOUR = _feed(
    "人社就业",
    "dept_labour",
    "人社",
    ("id_number",),
    (
        *_person("公民身份号码", "姓名", "户籍地行政区划"),
        _enum("就业状态", "status", JOB_STATUSES),
        Column("连续未缴费月数", "months", "int", unit="月", note="城乡居民/职工社保连续未缴费"),
        Column("登记日期", "event_date", "date"),
    ),
    "本月登记失业、断缴社保或返乡待业的劳动力，",
)
DEPT_HOUSING = _feed(
    "住建危房",
    "dept_housing",
    "住建",
    ("id_number",),
    (
        *_person("户主身份证号", "户主姓名", "房屋所在村代码"),
        _enum("鉴定等级", "category", HOUSE_GRADES),
        Column("鉴定日期", "event_date", "date"),
    ),
    "本月完成农村房屋安全性鉴定的农户（户主），",
)
DEPT_WATER = _feed(
    "水利饮水",
    "dept_water",
    "水利",
    ("id_number",),
    (
        *_person("户主身份证号码", "户主姓名", "所在村代码"),
        _enum("饮水安全评价", "status", WATER_STATUSES),
        _enum("不达标指标", "category", WATER_PROBLEMS, required=False, note="不达标时填写"),
        Column("核查日期", "event_date", "date"),
    ),
    "本月农村饮水安全核查的农户（户主），",
)
DEPT_DISABILITY = _feed(
    "残联残疾",
    "dept_disability",
    "残联",
    ("id_number",),
    (
        *_person("残疾人身份证号", "残疾人姓名", "户籍地代码"),
        _enum("残疾类别", "category", DISABILITY_KINDS),
        _enum("残疾等级", "grade", DISABILITY_GRADES),
        _enum("变更类型", "status", DISABILITY_CHANGES),
        Column("发证日期", "event_date", "date"),
    ),
    "本月新办或等级变更的残疾人证，",
)
DEPT_POLICE = _feed(
    "公安户籍",
    "dept_police",
    "公安",
    ("id_number",),
    (
        *_person("公民身份号码", "姓名", "户籍地址代码"),
        _enum("变动类型", "status", HOUSEHOLD_CHANGES),
        Column("变动日期", "event_date", "date"),
    ),
    "本月注销户口（死亡）和户口迁出省外的人员，",
)
DEPT_DISASTER = _feed(
    "应急受灾",
    "dept_disaster",
    "应急",
    ("id_number", "event_date"),
    (
        *_person("户主身份证号", "户主姓名", "受灾村代码"),
        _enum("灾害种类", "category", DISASTER_KINDS),
        _money("直接经济损失", "amount", note="元"),
        Column("受灾日期", "event_date", "date"),
    ),
    "本月自然灾害受灾农户（户主）及其直接经济损失，",
)
# department → its feed, in the order the page lists them
DEPARTMENT_FEEDS: dict[str, Table] = {
    "民政": DEPT_CIVIL,
    "医保": DEPT_MEDICAL,
    "卫健": DEPT_HEALTH,
    "教育": DEPT_EDUCATION,
    "人社": DEPT_LABOUR,
    "住建": DEPT_HOUSING,
    "水利": DEPT_WATER,
    "残联": DEPT_DISABILITY,
    "公安": DEPT_POLICE,
    "应急": DEPT_DISASTER,
}
DEPARTMENT_TABLES: tuple[Table, ...] = tuple(DEPARTMENT_FEEDS.values())
# What ingest reads: the county exports, then the department feeds (optional in a batch).
ALL_TABLES: tuple[Table, ...] = TABLES + DEPARTMENT_TABLES
TABLES_BY_CN: dict[str, Table] = {t.cn: t for t in ALL_TABLES}
TABLES_BY_EN: dict[str, Table] = {t.en: t for t in ALL_TABLES}

# Reference tables (data/reference/*.csv): edited by the province, loaded into ref_* at ingest.
REFERENCE_FILES: dict[str, str] = {
    "cities.csv": "ref_city",
    "counties.csv": "ref_county",
    "townships.csv": "ref_township",
    "villages.csv": "ref_village",
    "poverty_counties.csv": "ref_poverty_county",
    "deep_poverty_areas.csv": "ref_deep_poverty_area",
    "supervision_list.csv": "ref_supervision",
    "warning_rules.csv": "ref_warning_rules",
    "warning_settings.csv": "ref_warning_settings",
    "disbursement_schedule.csv": "ref_disbursement_schedule",
    "compliance_checks.csv": "ref_compliance_checks",
    "bulletin_rules.csv": "ref_bulletin_rules",
    "department_rules.csv": "ref_department_rules",
    "work_item_rules.csv": "ref_work_item_rules",
    "work_settings.csv": "ref_work_settings",
    "monitoring_checks.csv": "ref_monitoring_checks",
}


@dataclass
class ContractError(Exception):
    """A file that breaks the contract: the whole batch fails and the warehouse stays as it was."""

    file: str
    message: str
    column: str | None = None
    extra: dict = field(default_factory=dict)
    cn: str = ""  # the same message in Chinese, for the UI

    def __str__(self) -> str:
        col = f" (column {self.column})" if self.column else ""
        return f"{self.file}{col}: {self.message}"


def table_for_file(stem: str) -> Table | None:
    """Map a file stem such as '户信息' or '户信息_340100' to its table."""
    return TABLES_BY_CN.get(stem.split("_", 1)[0])


def render_markdown() -> str:
    """The contract as a Markdown document (docs/export-contract.md)."""
    type_cn = {
        "text": "文本",
        "county_code": "县代码(6位)",
        "village_code": "村代码(12位)",
        "household_id": "户编号(16位)",
        "id_number": "身份证号(18位)",
        "phone": "手机号(11位)",
        "int": "整数",
        "decimal": "数值",
        "date": "日期",
        "month": "年月",
        "flag": "是/否",
        "enum": "枚举",
    }
    out = [
        "# 导出文件约定 (export contract)",
        "",
        "Rendered from `fupin/data/contract.py` by `python -m fupin contract`; do not edit by hand.",
        "",
        "- One folder per month (`2020-01`, `2020-02`, …); in it one file per table, named by the",
        "  table's Chinese name, optionally split by city: `户信息.csv`, `户信息_340100.csv`, `项目库.xlsx`.",
        "- CSV in UTF-8 (with or without BOM) or GB18030; XLSX, or XLS (Excel 97-2003; WPS 表格 `.et` in the same",
        "  format) — the first sheet. Title rows above the header are skipped: the header is the first row that",
        "  holds the table's required columns, or two rows that do together (merged group headers such as",
        "  「收入情况（元）」 above the column names; a column merged down both rows keeps its name in the upper one).",
        "- Sheet furniture is skipped and counted per file, neither loaded nor quarantined: 合计 / 小计 / 总计 rows",
        "  (the first non-empty cell) as 合计行, rows without any value as 空行. read = loaded + quarantined + "
        "skipped.",
        "- Values are normalised before validation and counted per file by kind: full-width digits and letters",
        "  (NFKC; not in free-text columns), surrounding spaces, Excel's leading apostrophe, a lower-case `x` as an",
        "  ID's check digit, 元 / ¥ / thousands separators in money columns, and dates that Excel turned into serial",
        "  numbers (43831 → 2020-01-01; only 4–5 digit numbers within 1920–2050).",
        "- An ID or code that Excel saved as a number cannot be repaired: `3.41221E+17` (scientific notation), or an",
        "  18-digit ID ending in 000 that fails its check digit (Excel keeps 15 digits), is quarantined with reason",
        "  `excel_number`: `「证件号码」被转换为数字（科学计数法）：…，请将该列设为文本后重新导出`.",
        "- Village codes are the 12-digit 统计用区划代码: county (6) + township (3) + village (3). The township",
        "  part is 001–099 for a 街道, 100–199 for a 镇, 200–399 for a 乡; the village part 001–199 for a 居委会",
        "  (社区), 200–399 for a 村委会. A 12-digit code with either part outside 001–399 is quarantined with",
        "  reason `bad_division_code`: `「行政区划代码」的乡镇段「999」或村段「999」不在001–399（…）：341221999999`;",
        "  a code in range that is not in `data/reference/villages.csv` with `unknown_village`.",
        "- Encodings: the header's encoding is the file's (UTF-8 when the header decodes as UTF-8, else GB18030).",
        "  - UTF-16 (with or without BOM) fails the batch: `文件编码为 UTF-16，请另存为 UTF-8 或 GBK` (file, line 1).",
        "  - A header that is neither UTF-8 nor GB18030 fails the batch, naming the file and line.",
        "  - A data row in another encoding (a GB18030 row pasted into a UTF-8 file, or a UTF-8 row in a GB18030",
        "    file — recognised when the line is entirely valid UTF-8 and holds two Chinese characters in a row) does",
        "    not stop the batch: the row is read in the encoding it decodes in and quarantined with reason",
        "    `bad_encoding`, `第N行含无法识别的字符（编码混用）`; every other row loads, read = loaded + quarantined.",
        "- `_manifest.json` beside the month folders, when present, must be a UTF-8 JSON object; otherwise the",
        "  batch fails with `_manifest.json 无法解析（第N行第M列）：不是有效的 JSON`.",
        "- Dates: `2020-03-01`, `2020/3/1`, `20200301` or `2020年3月1日`. Amounts may carry thousands separators.",
        "- A file whose name matches no table, or that lacks a required column, fails the whole batch.",
        "  A row that breaks a rule goes to `quarantine` with its reason code; it never stops the batch.",
        "",
        "Modes: **register** — first month full, later months new or changed rows (latest wins); "
        "**monthly** — one row per key per month; **snapshot** — full table every month; "
        "**transactions** — only the month's new rows, keys unique across the batch.",
        "",
    ]
    for t in ALL_TABLES:
        if t is DEPARTMENT_TABLES[0]:
            out += [
                "## 部门数据（部门数据比对）",
                "",
                "One file per department per month in the same month folders (`医保结算.csv`, …),",
                "with the department's own column names. Optional: a batch without them loads as before.",
                "Each row is matched to the register (家庭成员) as it stood at the end of the row's month",
                "(the month folder's 家庭成员 and the months before it; a month's comparison is kept as made",
                "while its files and the register up to it are unchanged) by the normalised ID number — 18 digits",
                "with a valid check digit, or a 15-digit legacy number converted to 18 (`19` inserted",
                "before the 2-digit year, check digit computed) — and confirmed by name: a different name",
                "is listed as 姓名不一致, never dropped. Bad rows (bad ID, unknown area, duplicate, amount",
                "not a number…) are quarantined like any other; a feed missing a required column fails",
                "the batch.",
                "The comparison rules are `data/reference/department_rules.csv`.",
                "",
            ]
        out += [f"## {t.cn} → `stg_{t.en}`", "", t.description, ""]
        out += [f"- mode: **{t.mode}**; key: `{', '.join(t.key)}` (unique per {t.key_scope})", ""]
        out += ["| 列名 | column | 类型 | 必填 | 取值 / 引用 | 说明 |", "|---|---|---|---|---|---|"]
        for c in t.columns:
            allowed = "、".join(c.allowed) if c.type == "enum" else ""
            ref = f"→ `{c.ref}`" if c.ref else ""
            unit = f"（{c.unit}）" if c.unit else ""
            kind = "身份证号(18位或15位)" if c.legacy_id else type_cn[c.type]
            out.append(
                f"| {c.cn}{unit} | `{c.en}` | {kind} | {'是' if c.required else ''} | {allowed} {ref} | {c.note} |"
            )
        out.append("")
    out += ["## Reference data (data/reference)", ""]
    out += [f"- `{f}` → `{t}`" for f, t in REFERENCE_FILES.items()]
    out.append("")
    return "\n".join(out)
