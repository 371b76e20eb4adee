-- Headline totals per month for an area inside the viewer's scope, up to the as-of month (the overview's KPI
-- tiles and trends, 春季攻势), with the restart and disbursement rates.
-- Grain: one row per month up to $month.
-- Params: $month (date, the as-of month), $scope_prefix (varchar, from the viewer),
--   $area_prefix (varchar: '34', a city or county prefix)
with counties as (
    select * from summary_county_month
    where starts_with(county_code, $scope_prefix)
      and starts_with(county_code, $area_prefix)
      and month <= $month
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
select
    *,
    case when projects > 0 then projects_started / projects end as project_start_rate,
    case when workshops > 0 then workshops_restarted / workshops end as workshop_restart_rate,
    case when leading_enterprises > 0 then leading_enterprises_restarted / leading_enterprises end
        as enterprise_restart_rate,
    case when special_allocated > 0 then special_paid / special_allocated end as disbursement_rate,
    case when migrant_workers_last_year > 0 then migrant_workers / migrant_workers_last_year end
        as migrant_vs_last_year,
    case when public_posts_created > 0 then public_posts_filled / public_posts_created end as public_post_fill_rate
from final
order by month
