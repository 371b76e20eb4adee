-- One county's projects as of the month: allocation, payments, status, 项目库 entry and 公告公示;
-- also allocations to project ids missing from the county's 项目库.
-- Grain: one row per project id that is in the 项目库 or received an allocation.
-- Params: $month (date), $county (varchar), $scope_prefix (varchar, from the viewer)
with projects as (
    select * from stg_project
    where month = $month and county_code = $county and starts_with(county_code, $scope_prefix)
),
alloc as (
    select project_id, sum(amount) filter (where fund_kind = '财政专项扶贫资金') as special_allocated,
           sum(amount) as allocated
    from stg_allocation
    where county_code = $county and allocation_date <= last_day(cast($month as date))
      and starts_with(county_code, $scope_prefix)
    group by project_id
),
paid as (
    select project_id, sum(amount) as paid
    from stg_payment
    where county_code = $county and payment_date <= last_day(cast($month as date))
      and starts_with(county_code, $scope_prefix)
    group by project_id
),
final as (
    select
        coalesce(p.project_id, a.project_id) as project_id, p.project_name, p.project_type, p.status,
        p.project_id is not null as in_library, p.publicised, p.actual_start_date,
        p.special_fund_planned, coalesce(a.allocated, 0) as allocated, coalesce(pd.paid, 0) as paid
    from projects p
    full outer join alloc a using (project_id)
    left join paid pd on pd.project_id = coalesce(p.project_id, a.project_id)
)
select * from final
order by in_library, paid desc, project_id
