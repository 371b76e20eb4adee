-- The warning settings in force (data/reference/warning_settings.csv): red-flag score, severities, limits, and
-- where each value comes from (政策规定 / 省定参数).
-- Grain: one row per setting.
-- Params: none (reference data)
select key, value, source, description from ref_warning_settings order by key
