-- The warning rules in force (from data/reference/warning_rules.csv): id, name, the clause it enforces, severity,
-- threshold and where the threshold comes from (政策规定: the notice fixes it; 省定参数: a provincial setting);
-- followed by the department comparison rules that produce 风险 (data/reference/department_rules.csv), which count
-- in the red-flag score like any warning rule (their name says the department; description = the condition).
-- Grain: one row per rule.
-- Params: none (reference data)
select rule_id, name, clause, severity, threshold, unit, threshold_source, enabled = '1' as enabled, description
from ref_warning_rules
union all
select rule_id, '部门比对·' || department || '：' || name, clause, severity, threshold, unit,
       case when threshold_source = '政策未定阈值' then '' else threshold_source end, enabled = '1', condition
from ref_department_rules
where produces = '风险'
order by rule_id like 'D%', rule_id
