-- Household metrics per village of one county for one month (the map's drill panel).
-- Grain: one row per village of $county that has households.
-- Params: $month (date), $county (varchar, 6-digit), $scope_prefix (varchar, from the viewer)
with villages as (
    select * from summary_village_month
    where month = $month
      and county_code = $county
      and starts_with(county_code, $scope_prefix)
),
final as (
    select
        v.village_code, r.village_name, t.township_name, r.is_poverty_village = '1' as poverty_village,
        v.households, v.persons, v.remaining_poor_persons,
        case when v.persons > 0 then 1000.0 * v.remaining_poor_persons / v.persons end as incidence_per_mille,
        v.monitor_households, v.edge_households, v.red_flag_households, v.clearance_stuck, v.edge_unvisited
    from villages v
    left join ref_village r using (village_code)
    left join ref_township t on t.township_code = v.township_code
)
select * from final
order by remaining_poor_persons desc, red_flag_households desc, village_code
