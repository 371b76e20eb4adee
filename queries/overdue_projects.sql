-- Projects whose planned start has passed without a start, as of the month's end: the 春季攻势 list.
-- Grain: one row per overdue project (at most $limit, most overdue first); `total` counts them all.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar), $limit (integer)
with overdue as (
    select p.*, c.county_name, date_diff('day', p.planned_start_date, last_day(cast($month as date))) as days_overdue
    from stg_project p
    left join ref_county c using (county_code)
    where p.month = $month
      and p.actual_start_date is null
      and p.planned_start_date <= last_day(cast($month as date))
      and starts_with(p.county_code, $scope_prefix)
      and starts_with(p.county_code, $area_prefix)
)
select
    project_id, county_name, project_name, project_type, planned_investment, special_fund_planned,
    planned_start_date, days_overdue, government_procurement, procurement_date, count(*) over () as total
from overdue
order by days_overdue desc, project_id
limit $limit
