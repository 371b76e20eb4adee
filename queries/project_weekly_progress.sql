-- 春季攻势: cumulative started / stopped / restarted poverty projects week by week since February,
-- from the as-of month's 项目库 snapshot, per project type or per county.
-- Grain: one row per week × group.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar),
--   $group_by (varchar: 'type' or 'county')
with projects as (
    select p.*, c.county_name,
           case when $group_by = 'county' then c.county_name else p.project_type end as grp
    from stg_project p
    left join ref_county c using (county_code)
    where p.month = $month
      and starts_with(p.county_code, $scope_prefix)
      and starts_with(p.county_code, $area_prefix)
),
weeks as (
    -- Sundays from the first week of February; the last week ends at the month's end
    select least(cast(w as date), last_day(cast($month as date))) as week_end
    from generate_series(date '2020-02-02', last_day(cast($month as date)) + 6, interval 7 day) t(w)
),
final as (
    select
        w.week_end, p.grp,
        count(*) as projects,
        count(*) filter (where p.actual_start_date <= w.week_end) as started,
        count(*) filter (where p.stop_date <= w.week_end) as stopped,
        count(*) filter (where p.restart_date <= w.week_end) as restarted
    from weeks w cross join projects p
    group by all
)
select * from final
order by grp, week_end
