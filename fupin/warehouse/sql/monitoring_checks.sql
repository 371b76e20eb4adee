-- What 防返贫意见 and 春季攻势意见 demand of the register beyond the warning rules, checked at ingest:
-- monitoring_finding (one row per household × month × check of ref_monitoring_checks, the clause it enforces)
-- and guarantee_county_month (两不愁三保障及饮水安全 动态清零: problems found, cleared and still open per county,
-- month and item — for every register household, monitored or not).

-- versions_asof: the columns the checks read of household_version (household_month.sql), materialised once
-- because three checks join it.
create temp table versions_asof as
select
    household_id, village_code, helper_name, contact_name, risk_type, epidemic_impact,
    food_clothing_ok, education_ok, medical_ok, housing_ok, water_ok, valid_from, valid_to
from household_version;

create table monitoring_finding as
with settings as (
    select * from warning_settings
),
months as (
    select distinct month from household_month
),
-- M1: 销号 reached its last stage (省级备案 / 省级销号) while the risk was still there (三（三）: 消除风险 first)
final_stage as (
    select
        m.household_id, m.month, m.county_code, m.clearance_stage, m.income_estimate,
        coalesce(m.province_recorded_date, m.province_cleared_date) as stage_date,
        lag(m.clearance_stage) over (partition by m.household_id order by m.month) as prev_stage
    from monitor_month m
),
m1 as (
    select 'M1' as check_id, fs.month, fs.household_id, fs.county_code,
           fs.clearance_stage || coalesce('（' || strftime(fs.stage_date, '%Y-%m-%d') || '）', '') || '，当月'
           || concat_ws('；',
                case when f.red_flag then '仍为红色预警（' || array_to_string(f.rules, '、') || '）' end,
                case when fs.income_estimate < s.line then '预估年人均纯收入 ' || cast(fs.income_estimate as bigint)
                     || ' 元仍低于 ' || cast(s.line as bigint) || ' 元' end) as detail
    from final_stage fs
    join warning_flag_month f using (household_id, month)
    cross join settings s
    where fs.clearance_stage in ('省级备案', '省级销号')
      and coalesce(fs.prev_stage, '') not in ('省级备案', '省级销号')
      and (f.red_flag or fs.income_estimate < s.line)
),
-- M2 / M3: the register as of each month, for the few versions without a 帮扶责任人 or 联系人
missing_person as (
    select hm.household_id, hm.month, hm.county_code, hm.household_category, v.helper_name, v.contact_name
    from (select * from versions_asof
          where coalesce(trim(helper_name), '') = '' or coalesce(trim(contact_name), '') = '') v
    join household_month hm
      on hm.household_id = v.household_id and hm.month >= v.valid_from and (v.valid_to is null or hm.month < v.valid_to)
),
m2 as (
    select 'M2', month, household_id, county_code, household_category || '，帮扶责任人为空'
    from missing_person
    where household_category in ('不享受政策的脱贫户', '享受政策的脱贫户', '脱贫监测户')
      and coalesce(trim(helper_name), '') = ''
),
m3 as (
    select 'M3', month, household_id, county_code, '边缘户，联系人为空'
    from missing_person
    where household_category = '边缘户' and coalesce(trim(contact_name), '') = ''
),
-- M4: red for longer than measure_due_days and no measure recorded since it was first raised
m4 as (
    select 'M4', f.month, f.household_id, f.county_code,
           '自 ' || strftime(f.first_raised, '%Y-%m') || ' 起红色预警（' || array_to_string(f.rules, '、') || '），已 '
           || f.open_days || ' 天，无帮扶措施记录'
    from warning_flag_month f
    cross join settings s
    where f.red_flag and f.open_days > s.measure_due_days
      and not exists (
          select 1 from stg_measure me
          where me.household_id = f.household_id
            and me.measure_date between f.first_raised and last_day(f.month)
      )
),
-- M5: a confirmed or suspected case in the family (register or this month's risk points), no 临时救助 by month end
cases as (
    select hm.household_id, hm.month, hm.county_code,
           case when hm.epidemic_impact = '家庭成员确诊' or contains(coalesce(mo.risk_points, ''), '家庭成员确诊')
                then '家庭成员确诊' else '家庭成员疑似' end as kind
    from household_month hm
    left join stg_monitoring mo using (household_id, month)
    where hm.epidemic_impact in ('家庭成员确诊', '家庭成员疑似')
       or contains(coalesce(mo.risk_points, ''), '家庭成员确诊')
       or contains(coalesce(mo.risk_points, ''), '家庭成员疑似')
),
m5 as (
    select 'M5', c.month, c.household_id, c.county_code,
           c.kind || '，截至 ' || strftime(last_day(c.month), '%Y-%m-%d') || ' 未记录临时救助措施'
    from cases c
    left join household_relief r using (household_id)
    where r.first_relief_date is null or r.first_relief_date > last_day(c.month)
),
-- M6: 不享受政策的脱贫户 given a 财政专项扶贫资金 subsidy, without the clause's exception (a 两不愁三保障 / 饮水
-- problem, or 因灾 / 家庭变故)
subsidies as (
    select me.measure_id, me.household_id, me.measure_type, me.amount, me.measure_date,
           date_trunc('month', me.measure_date) as month, hm.county_code
    from stg_measure me
    join household_month hm
      on hm.household_id = me.household_id and hm.month = date_trunc('month', me.measure_date)
    where me.fund_source = '财政专项扶贫资金' and me.amount > 0
      and hm.household_category = '不享受政策的脱贫户'
),
m6 as (
    select 'M6', sb.month, sb.household_id, sb.county_code,
           '措施 ' || sb.measure_id || '：' || sb.measure_type || ' ' || cast(sb.amount as bigint)
           || ' 元，资金来源财政专项扶贫资金（' || strftime(sb.measure_date, '%Y-%m-%d') || '）'
    from subsidies sb
    join versions_asof v
      on v.household_id = sb.household_id and sb.month >= v.valid_from and (v.valid_to is null or sb.month < v.valid_to)
    left join stg_monitoring mo on mo.household_id = sb.household_id and mo.month = sb.month
    where not (not v.food_clothing_ok or not v.education_ok or not v.medical_ok or not v.housing_ok or not v.water_ok
               or coalesce(v.risk_type, '') in ('因灾', '家庭变故')
               or regexp_matches(coalesce(mo.risk_points, ''), '因灾|家庭变故|吃穿不愁|义务教育|基本医疗|住房安全|饮水安全'))
),
findings as (
    select * from m1
    union all select * from m2
    union all select * from m3
    union all select * from m4
    union all select * from m5
    union all select * from m6
)
select f.check_id, c.name as check_name, c.clause, f.month, f.household_id, f.county_code, f.detail
from findings f
join ref_monitoring_checks c using (check_id)
where c.enabled = '1'
order by f.check_id, f.month, f.household_id;

-- guarantee_county_month: 两不愁三保障及饮水安全 动态清零 (春季攻势意见 三（四）1). A problem is an item the register
-- marks 否 (as of the month) or a risk point of that month's monitoring record. found = open this month and not
-- the month before (in the warehouse's first month every open problem counts as found); cleared = open the month
-- before and not this month; open = open this month; open_unmonitored = open in households without a monitoring
-- record that month (only the register can show them).
create table guarantee_county_month as
with items as (
    select * from (values ('吃穿', '吃穿不愁'), ('义务教育', '义务教育'), ('基本医疗', '基本医疗'),
                          ('住房安全', '住房安全'), ('饮水安全', '饮水安全')) t(item, risk_point)
),
months as (
    select distinct month from household_month
),
flagged as (
    select * from versions_asof
    where not food_clothing_ok or not education_ok or not medical_ok or not housing_ok or not water_ok
),
from_register as (
    select v.household_id, m.month, i.item
    from flagged v
    join months m on m.month >= v.valid_from and (v.valid_to is null or m.month < v.valid_to)
    join items i on (i.item = '吃穿' and not v.food_clothing_ok) or (i.item = '义务教育' and not v.education_ok)
        or (i.item = '基本医疗' and not v.medical_ok) or (i.item = '住房安全' and not v.housing_ok)
        or (i.item = '饮水安全' and not v.water_ok)
),
from_monitoring as (
    select mo.household_id, mo.month, i.item
    from stg_monitoring mo
    join items i on contains(coalesce(mo.risk_points, ''), i.risk_point)
),
problems as (
    select distinct p.household_id, p.month, p.item, hm.county_code, hm.monitored
    from (select * from from_register union all select * from from_monitoring) p
    join household_month hm using (household_id, month)
),
found as (
    select p.county_code, p.month, p.item, count(*) as found
    from problems p
    where not exists (
        select 1 from problems q
        where q.household_id = p.household_id and q.item = p.item and q.month = cast(p.month - interval 1 month as date)
    )
    group by all
),
cleared as (
    select p.county_code, cast(p.month + interval 1 month as date) as month, p.item, count(*) as cleared
    from problems p
    where cast(p.month + interval 1 month as date) in (select month from months)
      and not exists (
          select 1 from problems q
          where q.household_id = p.household_id and q.item = p.item and q.month = cast(p.month + interval 1 month as date)
      )
    group by all
),
open_ as (
    select county_code, month, item, count(*) as open, count(*) filter (where not monitored) as open_unmonitored
    from problems
    group by all
),
grid as (
    select county_code, month, item from found
    union select county_code, month, item from cleared
    union select county_code, month, item from open_
)
select
    g.county_code, g.month, g.item,
    coalesce(f.found, 0) as found, coalesce(c.cleared, 0) as cleared,
    coalesce(o.open, 0) as open, coalesce(o.open_unmonitored, 0) as open_unmonitored
from grid g
left join found f using (county_code, month, item)
left join cleared c using (county_code, month, item)
left join open_ o using (county_code, month, item)
order by g.month, g.county_code, g.item;
