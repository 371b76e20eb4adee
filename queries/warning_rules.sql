-- The warning rules in force (from data/reference/warning_rules.csv): id, name, the clause it enforces, severity,
-- threshold and where the threshold comes from (政策规定: the notice fixes it; 省定参数: a provincial setting).
-- Grain: one row per rule.
-- Params: none (reference data)
select rule_id, name, clause, severity, threshold, unit, threshold_source, enabled = '1' as enabled, description
from ref_warning_rules
order by rule_id
