-- Contact visits logged for one household.
-- Grain: one row per visit.
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select visit_date, method, visitor_name, notes
from stg_visit
where household_id = $household_id
  and starts_with(household_id, $scope_prefix)
order by visit_date desc
