-- The warning rules in force (from data/reference/warning_rules.csv): id, name, clause, severity, threshold.
-- Grain: one row per rule.
-- Params: none (reference data)
select rule_id, name, clause, severity, threshold, unit, enabled = '1' as enabled, description
from ref_warning_rules
order by rule_id
