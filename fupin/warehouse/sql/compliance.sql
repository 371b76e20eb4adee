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
checks as (
    select check_id, enabled = '1' as enabled, threshold from ref_compliance_checks
),
alloc as (
    -- the 项目库 entry of the allocation's own county, and (when there is none) the county whose library holds it
    select a.*, p.project_id is not null as in_library, p.publicised, p.publicised_date, p.actual_start_date,
           o.county_code as library_county
    from stg_allocation a
    left join projects p on p.project_id = a.project_id and p.county_code = a.county_code
    left join (select project_id, min(county_code) as county_code from projects group by all) o
        on o.project_id = a.project_id and p.project_id is null
),
findings as (
    -- F1: pairing funds below last year
    select 'F1' as check_id, helped_county_code as county_code, '结对帮扶' as record_type,
           helper_name || ' → ' || helped_county_code as record_id, amount_last_year - amount_this_year as amount,
           '本年度 ' || amount_this_year || ' 万元，上年度 ' || amount_last_year || ' 万元' as detail,
           month as found_month
    from pairing where amount_this_year < amount_last_year
    union all
    -- F2: pairing funds not arranged by the deadline of ref_compliance_checks (一季度末)
    select 'F2', helped_county_code, '结对帮扶', helper_name || ' → ' || helped_county_code, amount_this_year,
           coalesce('资金安排到位日期 ' || strftime(arranged_date, '%Y-%m-%d'), '资金尚未安排到位'), month
    from pairing where arranged_date is null
        or arranged_date > (select cast(threshold as date) from checks where check_id = 'F2')
    union all
    -- F3: help for an edge household paid from 财政专项扶贫资金
    select 'F3', left(m.household_id, 6), '帮扶措施', m.measure_id, m.amount / 10000.0,
           '边缘户 ' || m.household_id || ' 的' || m.measure_type || '（' || m.amount || ' 元）使用财政专项扶贫资金',
           m.month
    from stg_measure m
    join household_month h on h.household_id = m.household_id and h.month = date_trunc('month', m.measure_date)
    where m.fund_source = '财政专项扶贫资金' and h.household_category = '边缘户'
    union all
    -- F4: a funded project that started without being publicised on or before its start date
    select 'F4', county_code, '项目', project_id, sum(amount),
           '已下达 ' || count(*) || ' 笔资金；项目于 ' || strftime(any_value(actual_start_date), '%Y-%m-%d') || ' 开工，'
           || case
                when not any_value(publicised) then '未公告公示'
                when any_value(publicised_date) is null then '已标公示但无公示日期，无法核实开工前公示'
                else '公示日期 ' || strftime(any_value(publicised_date), '%Y-%m-%d') || ' 晚于开工日期'
              end,
           max(month)
    from alloc
    where in_library and actual_start_date is not null
      and (not publicised or publicised_date is null or publicised_date > actual_start_date)
    group by county_code, project_id
    union all
    -- F5: money for a project that is not in the county's own 项目库 (in no library, or in another county's)
    select 'F5', a.county_code, '资金下达', a.allocation_id, a.amount,
           '项目编号 ' || a.project_id || case
               when a.library_county is null then ' 不在任何县的项目库中'
               else ' 不在本县项目库中（在 ' || coalesce(rc.county_name, a.library_county) || ' 的项目库中）'
           end,
           a.month
    from alloc a left join ref_county rc on rc.county_code = a.library_county
    where not a.in_library
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
    -- F8: paid before the project started (or it has not started at all) — not in the notice (预付款 are normal):
    -- runs only when ref_compliance_checks enables it (off by default)
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
where c.enabled = '1'
order by f.check_id, f.county_code, f.record_id;
