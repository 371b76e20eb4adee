-- One household's register record (latest version), with its place names.
-- Grain: one row (or none when the household is outside the viewer's scope).
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select h.*, c.county_name, c.city_name, t.township_name, v.village_name
from stg_household h
left join ref_county c on c.county_code = left(h.village_code, 6)
left join ref_township t on t.township_code = left(h.village_code, 9)
left join ref_village v on v.village_code = h.village_code
where h.household_id = $household_id
  and starts_with(h.household_id, $scope_prefix)
