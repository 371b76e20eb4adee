-- Headline totals per month for an area inside the viewer's scope (the overview's KPI tiles and trends).
-- Grain: one row per month.
-- Params: $scope_prefix (varchar, from the viewer), $area_prefix (varchar: '34', a city or county prefix)
with counties as (
    select * from summary_county_month
    where starts_with(county_code, $scope_prefix)
      and starts_with(county_code, $area_prefix)
),
final as (
    select
        month,
        sum(households) as households,
        sum(persons) as persons,
        sum(remaining_poor_persons) as remaining_poor_persons,
        sum(exited_this_year_persons) as exited_this_year_persons,
        sum(monitor_households) as monitor_households,
        sum(edge_households) as edge_households,
        sum(red_flag_households) as red_flag_households,
        sum(projects) as projects,
        sum(projects_started) as projects_started,
        sum(projects_stopped) as projects_stopped,
        sum(projects_restarted) as projects_restarted,
        sum(workshops) as workshops,
        sum(workshops_restarted) as workshops_restarted,
        sum(leading_enterprises) as leading_enterprises,
        sum(leading_enterprises_restarted) as leading_enterprises_restarted,
        sum(poor_workers_before) as poor_workers_before,
        sum(poor_workers_now) as poor_workers_now,
        sum(projects_overdue) as projects_overdue,
        sum(special_allocated) as special_allocated,
        sum(special_paid) as special_paid,
        sum(migrant_workers_reported) as migrant_workers,
        sum(migrant_workers_last_year) as migrant_workers_last_year,
        sum(public_posts_created) as public_posts_created,
        sum(public_posts_filled) as public_posts_filled
    from counties
    group by month
)
select * from final
order by month
