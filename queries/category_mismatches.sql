-- Data-quality findings: households whose exported 户类别 differs from the policy's definition
-- recomputed at ingest (never overwritten), for an area in the viewer's scope.
-- Grain: one row per mismatching household.
-- Params: $scope_prefix (varchar, from the viewer), $area_prefix (varchar: province/city/county/... prefix)
select d.household_id, c.county_name, d.exported, d.expected, d.income, d.reason
from dq_category_mismatch d
left join ref_county c using (county_code)
where starts_with(d.household_id, $scope_prefix)
  and starts_with(d.household_id, $area_prefix)
order by d.county_code, d.household_id
