-- The 季通报 ranking rules in force (data/reference/bulletin_rules.csv): measure, label, rule, threshold, and the
-- smallest base (min_base, e.g. department leads in the quarter) below which a county is not judged on the measure.
-- Grain: one row per measure.
-- Params: none (reference data)
select measure, label, rule, cast(threshold as double) as threshold, threshold_source, description,
    try_cast(nullif(min_base, '') as double) as min_base
from ref_bulletin_rules
