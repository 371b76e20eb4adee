-- 部门数据比对: department records a person must check — a name that differs from the register, an ID not in the
-- register with one (疑似证件号码有误) or several (无法确定) registered people of that name in the village. Household rows.
-- Grain: one row per department record, at most $limit rows.
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar), $limit (integer)
select
    m.department, m.match_status, m.match_reason, m.name, m.registered_name, m.id_number, m.household_id,
    c.county_name, v.village_name, m.village_code
from dept_match m
left join ref_county c on c.county_code = m.county_code
left join ref_village v on v.village_code = m.village_code
where m.match_status <> 'matched' and m.month = $month
  and starts_with(m.village_code, $scope_prefix) and starts_with(m.village_code, $area_prefix)
order by m.match_status, m.village_code, m.department
limit $limit
