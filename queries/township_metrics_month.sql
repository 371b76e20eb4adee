-- Household metrics per township of one county for one month (the map's drill panel).
-- Grain: one row per township of $county that has households.
-- Params: $month (date), $county (varchar, 6-digit), $scope_prefix (varchar, from the viewer)
with townships as (
    select * from summary_township_month
    where month = $month
      and county_code = $county
      and starts_with(county_code, $scope_prefix)
),
final as (
    select
        t.township_code, r.township_name, t.households, t.persons,
        t.remaining_poor_persons,
        case when t.persons > 0 then 1000.0 * t.remaining_poor_persons / t.persons end as incidence_per_mille,
        t.monitor_households, t.edge_households, t.red_flag_households, t.clearance_stuck, t.edge_unvisited,
        t.migrant_workers
    from townships t
    left join ref_township r using (township_code)
)
select * from final
order by remaining_poor_persons desc, township_code
