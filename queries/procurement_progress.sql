-- Government-procurement (政府采购) poverty projects as of the month: procured, started, still waiting.
-- Grain: one row.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
select
    count(*) as projects,
    count(*) filter (where procurement_date is not null) as procured,
    count(*) filter (where actual_start_date is not null) as started,
    count(*) filter (where procurement_date is null and actual_start_date is null) as waiting,
    coalesce(sum(special_fund_planned), 0) as special_fund_planned
from stg_project
where month = $month
  and government_procurement
  and starts_with(county_code, $scope_prefix)
  and starts_with(county_code, $area_prefix)
