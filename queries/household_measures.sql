-- Assistance measures recorded for one household.
-- Grain: one row per measure.
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select measure_id, measure_date, measure_type, amount, fund_source, project_id
from stg_measure
where household_id = $household_id
  and starts_with(household_id, $scope_prefix)
order by measure_date desc
