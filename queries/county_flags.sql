-- Region attributes of every county in the viewer's scope: poverty county (level, exit year), 挂牌督战,
-- deep-poverty areas.
-- Grain: one row per county (104 for the province). Reference data only, no household rows.
-- Params: $scope_prefix (varchar, from the viewer: a county user's map outlines only their county)
with poverty as (
    select county_code, level, exit_year, exit_date from ref_poverty_county
),
supervised as (
    select distinct county_code from ref_supervision where level = 'county'
),
deep as (
    select county_code, string_agg(area, '、' order by area) as deep_areas from ref_deep_poverty_area group by 1
),
final as (
    select
        c.county_code, c.county_name, c.city_code, c.city_name,
        p.county_code is not null as poverty_county,
        p.level as poverty_level, p.exit_year, p.exit_date,
        s.county_code is not null as supervised,
        d.deep_areas
    from ref_county c
    left join poverty p using (county_code)
    left join supervised s using (county_code)
    left join deep d using (county_code)
)
select * from final
where starts_with(county_code, $scope_prefix)
order by county_code
