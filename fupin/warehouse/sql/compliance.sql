-- Fund compliance findings (资金合规检查): each check of ref_compliance_checks (the clause of
-- 皖扶组〔2020〕5号 it enforces) over the whole batch, as of the latest month. One row per finding:
-- which check, which county, which record, by how much (万元).
create table compliance_finding as
with last_month as (
    select max(month) as month from stg_project
),
projects as (
    select p.* from stg_project p join last_month l using (month)
),
pairing as (
    select p.* from stg_pairing p where p.month = (select max(month) from stg_pairing)
),
alloc as (
    select a.*, p.project_id is not null as in_library, p.publicised, p.actual_start_date
    from stg_allocation a
    left join projects p using (project_id)
),
findings as (
    -- F1: pairing funds below last year
    select 'F1' as check_id, helped_county_code as county_code, '结对帮扶' as record_type,
           helper_name || ' → ' || helped_county_code as record_id, amount_last_year - amount_this_year as amount,
           '本年度 ' || amount_this_year || ' 万元，上年度 ' || amount_last_year || ' 万元' as detail,
           month as found_month
    from pairing where amount_this_year < amount_last_year
    union all
    -- F2: pairing funds not arranged within Q1
    select 'F2', helped_county_code, '结对帮扶', helper_name || ' → ' || helped_county_code, amount_this_year,
           coalesce('资金安排到位日期 ' || strftime(arranged_date, '%Y-%m-%d'), '资金尚未安排到位'), month
    from pairing where arranged_date is null or arranged_date > date '2020-03-31'
    union all
    -- F3: help for an edge household paid from 财政专项扶贫资金
    select 'F3', left(m.household_id, 6), '帮扶措施', m.measure_id, m.amount / 10000.0,
           '边缘户 ' || m.household_id || ' 的' || m.measure_type || '（' || m.amount || ' 元）使用财政专项扶贫资金',
           m.month
    from stg_measure m
    join household_month h on h.household_id = m.household_id and h.month = date_trunc('month', m.measure_date)
    where m.fund_source = '财政专项扶贫资金' and h.household_category = '边缘户'
    union all
    -- F4: funded project without 公告公示
    select 'F4', county_code, '项目', project_id, sum(amount), '已下达 ' || count(*) || ' 笔资金，项目未公告公示',
           max(month)
    from alloc where in_library and not publicised
    group by county_code, project_id
    union all
    -- F5: money for a project that is not in the county's 项目库
    select 'F5', county_code, '资金下达', allocation_id, amount, '项目编号 ' || project_id || ' 不在项目库中', month
    from alloc where not in_library
    union all
    -- F6: payments above the allocation (quarantined at ingest; the finding keeps them visible)
    select 'F6', q.record ->> '县代码', '资金支付', q.record ->> '支付编号',
           try_cast(replace(q.record ->> '支付金额', ',', '') as decimal(18,2)), q.message,
           cast(q.month || '-01' as date)
    from quarantine q where q.reason_code = 'payment_exceeds_allocation'
    union all
    -- F7: payment dated before its allocation
    select 'F7', p.county_code, '资金支付', p.payment_id, p.amount,
           '支付日期 ' || strftime(p.payment_date, '%Y-%m-%d') || ' 早于下达日期 ' || strftime(a.allocation_date, '%Y-%m-%d'),
           p.month
    from stg_payment p join stg_allocation a using (allocation_id)
    where p.payment_date < a.allocation_date
    union all
    -- F8: paid before the project started (or it has not started at all)
    select 'F8', p.county_code, '资金支付', p.payment_id, p.amount,
           case when pr.actual_start_date is null then '项目 ' || p.project_id || ' 尚未开工'
                else '项目 ' || p.project_id || ' 于 ' || strftime(pr.actual_start_date, '%Y-%m-%d') || ' 开工' end,
           p.month
    from stg_payment p join projects pr using (project_id)
    where pr.actual_start_date is null or p.payment_date < pr.actual_start_date
)
select f.check_id, c.name as check_name, c.clause, f.county_code, f.record_type, f.record_id,
       cast(f.amount as decimal(18,4)) as amount_wan, f.detail, f.found_month
from findings f
join ref_compliance_checks c using (check_id)
order by f.check_id, f.county_code, f.record_id;
