-- Household metrics per township or per village of one county for one month (the map's drill panel).
-- Grain: one row per township ($level = 'township') or per village ($level = 'village') of $county that
-- has households; the village columns are null on township rows. Counts are bigint at both levels.
-- Params: $month (date), $county (varchar, 6-digit), $level (varchar: 'township' or 'village'),
--         $scope_prefix (varchar, from the viewer)
with places as (
    select * from summary_township_month where $level = 'township'
    union all by name
    select * from summary_village_month where $level = 'village'
),
scoped as (
    select * from places
    where month = $month
      and county_code = $county
      and starts_with(county_code, $scope_prefix)
),
final as (
    select
        p.village_code, v.village_name, p.township_code, t.township_name,
        v.is_poverty_village = '1' as poverty_village,
        p.households::bigint as households,
        p.persons::bigint as persons,
        p.remaining_poor_persons::bigint as remaining_poor_persons,
        case when p.persons > 0 then 1000.0 * p.remaining_poor_persons / p.persons end as incidence_per_mille,
        p.monitor_households::bigint as monitor_households,
        p.edge_households::bigint as edge_households,
        p.red_flag_households::bigint as red_flag_households,
        p.clearance_stuck::bigint as clearance_stuck,
        p.edge_unvisited::bigint as edge_unvisited,
        p.migrant_workers::bigint as migrant_workers
    from scoped p
    left join ref_village v using (village_code)
    left join ref_township t on t.township_code = p.township_code
)
select * from final
order by
    remaining_poor_persons desc,
    case when $level = 'village' then red_flag_households end desc,
    coalesce(village_code, township_code)
