-- The warning rules one household triggered, month by month, with their evidence; department comparison hits that
-- count in the red-flag score (rule D.., evidence: department, measure, date) come with their clause too.
-- Grain: one row per household-month-rule.
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select h.month, h.rule_id, h.rule_name, h.severity, h.evidence, coalesce(r.clause, d.clause) as clause
from warning_hit h
left join ref_warning_rules r using (rule_id)
left join ref_department_rules d using (rule_id)
where h.household_id = $household_id
  and starts_with(h.household_id, $scope_prefix)
order by h.month desc, h.rule_id
