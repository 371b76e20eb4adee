-- 季通报: each county's tracked measures at the quarter's end, with the start-of-quarter remaining poor, and the
-- quarter's department comparison leads (部门比对 hits producing 风险 or 两不愁三保障问题 on registered households)
-- with how many of them nobody followed up by the quarter's end: no 帮扶措施 recorded since the hit's month and
-- the household neither 脱贫监测户 nor 边缘户 (not taken into monitoring) at the quarter's end.
-- Grain: one row per county in scope.
-- Params: $start_month (date, first month of the quarter), $end_month (date, last month),
--   $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with e as (
    select * from summary_county_month
    where month = $end_month and starts_with(county_code, $scope_prefix) and starts_with(county_code, $area_prefix)
),
s as (
    select county_code, remaining_poor_persons as poor_start
    from summary_county_month
    where month = cast(cast($start_month as date) - interval 1 month as date)
       or (month = $start_month and cast($start_month as date) = (select min(month) from summary_county_month))
),
edge as (
    select county_code, count(*) as edge_households, count(*) filter (where visited) as edge_visited
    from visit_sla_month where month = $end_month
    group by all
),
dept as (
    select h.county_code, count(*) as dept_hits,
           count(*) filter (where not h.measure_recorded
                            and coalesce(e.household_category, '') not in ('脱贫监测户', '边缘户')) as dept_unfollowed
    from dept_hit h
    left join household_month e on e.household_id = h.household_id and e.month = $end_month
    where h.month between $start_month and $end_month
      and h.produces in ('风险', '两不愁三保障问题') and h.household_id is not null
    group by all
),
chain as (  -- households that entered the 销号 chain this year up to the quarter's end (销号滞留率's denominator)
    select county_code, count(distinct household_id) as clearance_entered
    from clearance_month where month <= $end_month
    group by all
),
schedule as (
    select cast(required_share as double) as required_share
    from ref_disbursement_schedule where month = strftime(cast($end_month as date), '%Y-%m')
)
select
    e.county_code, e.county_name, e.city_name,
    coalesce(s.poor_start, e.remaining_poor_persons) as poor_start, e.remaining_poor_persons as poor_end,
    e.projects, e.projects_started, e.workshops, e.workshops_restarted,
    e.migrant_workers_reported as migrant_workers, e.migrant_workers_last_year,
    e.public_posts_created, e.public_posts_filled,
    e.special_allocated, e.special_paid, sc.required_share,
    coalesce(ed.edge_households, 0) as edge_households, coalesce(ed.edge_visited, 0) as edge_visited,
    e.clearance_stuck, e.red_flag_households,
    coalesce(d.dept_hits, 0) as dept_hits, coalesce(d.dept_unfollowed, 0) as dept_unfollowed,
    coalesce(ch.clearance_entered, 0) as clearance_entered
from e
left join s using (county_code)
left join edge ed using (county_code)
left join dept d using (county_code)
left join chain ch using (county_code)
left join schedule sc on true
order by e.county_code
