-- The 季通报 ranking rules in force (data/reference/bulletin_rules.csv): measure, label, rule, threshold.
-- Grain: one row per measure.
-- Params: none (reference data)
select measure, label, rule, cast(threshold as double) as threshold, threshold_source, description
from ref_bulletin_rules
