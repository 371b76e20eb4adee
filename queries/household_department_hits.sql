-- One household's department comparison hits (部门数据比对), every month, for the household detail.
-- Grain: one row per rule hit on a member of the household.
-- Params: $household_id (varchar), $scope_prefix (varchar)
select month, rule_id, rule_name, department, produces, severity, name, evidence, file || ' 第' || line || '行' as source
from dept_hit
where household_id = $household_id and starts_with(household_id, $scope_prefix)
order by month desc, rule_id
