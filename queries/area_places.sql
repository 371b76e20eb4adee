-- Townships and villages of one county, for the cascading 乡镇 → 村 filters.
-- Grain: one row per village.
-- Params: $county (varchar), $scope_prefix (varchar, from the viewer)
select t.township_code, t.township_name, v.village_code, v.village_name
from ref_village v
join ref_township t using (township_code)
where v.county_code = $county
  and starts_with(v.county_code, $scope_prefix)
order by v.village_code
