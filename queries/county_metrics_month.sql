-- Map metrics per county for one month: counts, incidence and rates, for the counties in scope.
-- Grain: one row per county (all counties in the viewer's scope, zeros where nothing was exported).
-- Params: $month (date), $scope_prefix (varchar, from the viewer)
with counties as (
    select * from summary_county_month
    where month = $month
      and starts_with(county_code, $scope_prefix)
),
final as (
    select
        county_code, county_name, city_code, city_name,
        persons, households,
        remaining_poor_persons,
        remaining_poor_households,
        case when persons > 0 then 1000.0 * remaining_poor_persons / persons end as incidence_per_mille,
        exited_this_year_persons,
        monitor_households, edge_households, red_flag_households, red_flag_new, red_flag_long_open,
        clearance_in_progress, clearance_stuck, edge_unvisited,
        projects, projects_started, projects_restarted, projects_overdue,
        case when projects > 0 then projects_started / projects end as project_start_rate,
        projects_stopped,
        case when projects > 0 then projects_restarted / projects end as project_restart_rate,
        workshops, workshops_restarted, leading_enterprises, leading_enterprises_restarted,
        poor_workers_before, poor_workers_now,
        public_posts_created, public_posts_filled,
        case when workshops > 0 then workshops_restarted / workshops end as workshop_restart_rate,
        special_allocated, special_paid,
        case when special_allocated > 0 then special_paid / special_allocated end as disbursement_rate,
        migrant_workers_reported as migrant_workers, migrant_workers_last_year,
        case when migrant_workers_last_year > 0 then migrant_workers_reported / migrant_workers_last_year end
            as migrant_vs_last_year
    from counties
)
select * from final
order by county_code
