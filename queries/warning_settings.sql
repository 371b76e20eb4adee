-- The warning settings in force (data/reference/warning_settings.csv): red-flag score, severities, limits.
-- Grain: one row per setting.
-- Params: none (reference data)
select key, value, description from ref_warning_settings order by key
