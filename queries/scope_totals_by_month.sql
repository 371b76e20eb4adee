-- Headline totals per month for the viewer's scope (the overview's KPI tiles and trends).
-- Grain: one row per month.
-- Params: $scope_prefix (varchar)
with counties as (
    select * from summary_county_month
    where starts_with(county_code, $scope_prefix)
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
        sum(workshops) as workshops,
        sum(workshops_restarted) as workshops_restarted,
        sum(special_allocated) as special_allocated,
        sum(special_paid) as special_paid,
        sum(migrant_workers_reported) as migrant_workers,
        sum(migrant_workers_last_year) as migrant_workers_last_year
    from counties
    group by month
)
select * from final
order by month
