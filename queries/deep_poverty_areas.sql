-- Deep-poverty area membership (data/reference/deep_poverty_areas.csv).
-- Grain: one row per county × area.
-- Params: none (reference data)
select county_code, county_name, area from ref_deep_poverty_area order by area, county_code
