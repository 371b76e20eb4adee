-- Fund compliance findings (built at ingest by fupin/warehouse/sql/compliance.sql) for the counties
-- in scope: which clause, which county, which record, by how much.
-- Grain: one row per finding.
-- Params: $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
select f.check_id, f.check_name, f.clause, f.county_code, c.county_name, f.record_type, f.record_id,
       f.amount_wan, f.detail, f.found_month
from compliance_finding f
left join ref_county c using (county_code)
where starts_with(f.county_code, $scope_prefix)
  and starts_with(f.county_code, $area_prefix)
order by f.check_id, f.county_code, f.record_id
