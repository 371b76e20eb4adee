-- The monitoring checks (built at ingest by fupin/warehouse/sql/monitoring_checks.sql; the checks and their
-- clauses in data/reference/monitoring_checks.csv) counted per check and county for one month.
-- Grain: one row per enabled check × county in scope (counties without a finding are left out; a check without
-- any finding in scope appears once with county_code null and findings 0).
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with checks as (
    select check_id, name as check_name, clause from ref_monitoring_checks where enabled = '1'
),
found as (
    select f.check_id, f.county_code, count(*) as findings
    from monitoring_finding f
    where f.month = $month
      and starts_with(f.county_code, $scope_prefix)
      and starts_with(f.county_code, $area_prefix)
    group by all
),
final as (
    select c.check_id, c.check_name, c.clause, f.county_code, r.county_name, r.city_name,
           coalesce(f.findings, 0) as findings
    from checks c
    left join found f using (check_id)
    left join ref_county r using (county_code)
)
select * from final
order by check_id, findings desc, county_code
