-- summary_county_month: everything the pages show per county and month.
-- Grain: county × month, all 104 counties in every month (zeros where nothing was exported).
create table summary_county_month as
with months as (
    select distinct month from household_month
),
grid as (
    select m.month, c.county_code, c.county_name, c.city_code, c.city_name,
           last_day(m.month) as month_end
    from months m cross join ref_county c
),
households as (
    -- every household figure of the township summary, summed to the county
    select month, county_code, sum(columns(* exclude (month, township_code, county_code, city_code)))
    from summary_township_month
    group by all
),
projects as (
    select
        month, county_code,
        count(*) as projects,
        count(*) filter (where actual_start_date is not null) as projects_started,
        count(*) filter (where status = '停工') as projects_stopped,
        count(*) filter (where restart_date is not null) as projects_restarted,
        count(*) filter (where status = '已完工') as projects_completed,
        count(*) filter (where actual_start_date is null and planned_start_date <= last_day(month)) as projects_overdue,
        sum(special_fund_planned) as special_fund_planned
    from stg_project
    group by all
),
enterprises as (
    select
        month, county_code,
        count(*) filter (where enterprise_type = '扶贫车间') as workshops,
        count(*) filter (where enterprise_type = '扶贫车间' and restarted) as workshops_restarted,
        count(*) filter (where enterprise_type = '龙头企业') as leading_enterprises,
        count(*) filter (where enterprise_type = '龙头企业' and restarted) as leading_enterprises_restarted,
        sum(poor_workers_before) as poor_workers_before,
        sum(poor_workers_now) as poor_workers_now
    from stg_enterprise
    group by all
),
allocated as (
    select g.month, g.county_code,
           sum(a.amount) filter (where a.fund_kind = '财政专项扶贫资金') as special_allocated,
           sum(a.amount) as all_allocated
    from grid g join stg_allocation a on a.county_code = g.county_code and a.allocation_date <= g.month_end
    group by all
),
paid as (
    select g.month, g.county_code,
           sum(p.amount) filter (where a.fund_kind = '财政专项扶贫资金') as special_paid,
           sum(p.amount) as all_paid
    from grid g
    join stg_payment p on p.county_code = g.county_code and p.payment_date <= g.month_end
    join stg_allocation a on a.allocation_id = p.allocation_id
    group by all
),
final as (
    select
        g.month, g.county_code, g.county_name, g.city_code, g.city_name,
        coalesce(h.households, 0) as households, coalesce(h.persons, 0) as persons,
        coalesce(h.remaining_poor_households, 0) as remaining_poor_households,
        coalesce(h.remaining_poor_persons, 0) as remaining_poor_persons,
        coalesce(h.exited_this_year_persons, 0) as exited_this_year_persons,
        coalesce(h.monitor_households, 0) as monitor_households,
        coalesce(h.monitor_persons, 0) as monitor_persons,
        coalesce(h.edge_households, 0) as edge_households,
        coalesce(h.edge_persons, 0) as edge_persons,
        coalesce(h.red_flag_households, 0) as red_flag_households,
        coalesce(h.exported_red_households, 0) as exported_red_households,
        coalesce(h.epidemic_households, 0) as epidemic_households,
        coalesce(h.red_flag_new, 0) as red_flag_new,
        coalesce(h.red_flag_cleared, 0) as red_flag_cleared,
        coalesce(h.red_flag_long_open, 0) as red_flag_long_open,
        coalesce(h.clearance_in_progress, 0) as clearance_in_progress,
        coalesce(h.clearance_stuck, 0) as clearance_stuck,
        coalesce(h.edge_unvisited, 0) as edge_unvisited,
        coalesce(h.migrant_workers, 0) as migrant_workers,
        coalesce(p.projects, 0) as projects,
        coalesce(p.projects_started, 0) as projects_started,
        coalesce(p.projects_stopped, 0) as projects_stopped,
        coalesce(p.projects_restarted, 0) as projects_restarted,
        coalesce(p.projects_completed, 0) as projects_completed,
        coalesce(p.projects_overdue, 0) as projects_overdue,
        coalesce(e.workshops, 0) as workshops,
        coalesce(e.workshops_restarted, 0) as workshops_restarted,
        coalesce(e.leading_enterprises, 0) as leading_enterprises,
        coalesce(e.leading_enterprises_restarted, 0) as leading_enterprises_restarted,
        coalesce(e.poor_workers_before, 0) as poor_workers_before,
        coalesce(e.poor_workers_now, 0) as poor_workers_now,
        coalesce(al.special_allocated, 0) as special_allocated,
        coalesce(pa.special_paid, 0) as special_paid,
        coalesce(al.all_allocated, 0) as all_allocated,
        coalesce(pa.all_paid, 0) as all_paid,
        coalesce(em.migrant_workers, 0) as migrant_workers_reported,
        coalesce(em.migrant_workers_last_year, 0) as migrant_workers_last_year,
        coalesce(em.public_posts_created, 0) as public_posts_created,
        coalesce(em.public_posts_filled, 0) as public_posts_filled
    from grid g
    left join households h using (month, county_code)
    left join projects p using (month, county_code)
    left join enterprises e using (month, county_code)
    left join allocated al using (month, county_code)
    left join paid pa using (month, county_code)
    left join stg_employment em using (month, county_code)
)
select * from final order by month, county_code;
