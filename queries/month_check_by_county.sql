-- 月核查: what changed in the month, per county — red flags raised / cleared, households entering or
-- leaving 脱贫监测户 and 边缘户, remaining poor vs the previous month, projects started, special funds
-- paid in the month, edge households not visited, 销号 items stuck; and the month's department comparison (部门比对:
-- records received and matched, hits by what they produce, new hits, new-identification candidates, and the month's
-- 风险 / 两不愁三保障问题 hits nobody followed up by the month's end — no 帮扶措施 since and the household neither
-- 脱贫监测户 nor 边缘户; whether the township verified a hit is 督办 state, kept in the store, not here).
-- Grain: one row per county in scope.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with moves as (
    -- the transitions ingest built once (category_transition_month): the records query lists the same rows
    select county_code,
        count(*) filter (where kind = 'monitor_in') as monitor_in,
        count(*) filter (where kind = 'monitor_out') as monitor_out,
        count(*) filter (where kind = 'edge_in') as edge_in,
        count(*) filter (where kind = 'edge_out') as edge_out
    from category_transition_month
    where month = $month and starts_with(household_id, $scope_prefix) and starts_with(household_id, $area_prefix)
    group by all
),
now as (
    select * from summary_county_month
    where month = $month and starts_with(county_code, $scope_prefix) and starts_with(county_code, $area_prefix)
),
prev as (
    select * from summary_county_month
    where month = cast(cast($month as date) - interval 1 month as date) and starts_with(county_code, $scope_prefix)
),
paid as (
    select p.county_code, sum(p.amount) as paid_in_month
    from stg_payment p join stg_allocation a using (allocation_id)
    where a.fund_kind = '财政专项扶贫资金' and date_trunc('month', p.payment_date) = cast($month as date)
      and starts_with(p.county_code, $scope_prefix) and starts_with(p.county_code, $area_prefix)
    group by all
),
feeds as (
    select county_code, sum(received) as dept_received, sum(matched) as dept_matched
    from dept_feed_month
    where month = $month and starts_with(county_code, $scope_prefix) and starts_with(county_code, $area_prefix)
    group by all
),
dept as (
    select h.county_code,
        count(*) filter (where h.produces = '风险') as dept_risk,
        count(*) filter (where h.produces = '两不愁三保障问题') as dept_guarantee,
        count(*) filter (where h.produces = '数据纠错') as dept_correction,
        count(distinct h.id_number) filter (where h.produces = '新识别候选') as dept_candidates,
        count(*) filter (where h.new_hit and h.produces <> '新识别候选') as dept_new_hits,
        count(*) filter (where h.produces in ('风险', '两不愁三保障问题') and not h.measure_recorded
                         and coalesce(hm.household_category, '') not in ('脱贫监测户', '边缘户')) as dept_unfollowed
    from dept_hit h
    left join household_month hm on hm.household_id = h.household_id and hm.month = h.month
    where h.month = $month and starts_with(h.county_code, $scope_prefix) and starts_with(h.county_code, $area_prefix)
    group by all
),
final as (
    select
        n.county_code, n.county_name, n.city_name,
        n.red_flag_new, n.red_flag_cleared, n.red_flag_households,
        coalesce(m.monitor_in, 0) as monitor_in, coalesce(m.monitor_out, 0) as monitor_out,
        coalesce(m.edge_in, 0) as edge_in, coalesce(m.edge_out, 0) as edge_out,
        n.remaining_poor_persons, n.remaining_poor_persons - coalesce(p.remaining_poor_persons, n.remaining_poor_persons)
            as remaining_poor_change,
        n.projects_started - coalesce(p.projects_started, 0) as projects_started_in_month,
        coalesce(pd.paid_in_month, 0) as paid_in_month,
        n.edge_unvisited, n.clearance_stuck,
        coalesce(f.dept_received, 0) as dept_received, coalesce(f.dept_matched, 0) as dept_matched,
        coalesce(d.dept_risk, 0) as dept_risk, coalesce(d.dept_guarantee, 0) as dept_guarantee,
        coalesce(d.dept_correction, 0) as dept_correction, coalesce(d.dept_candidates, 0) as dept_candidates,
        coalesce(d.dept_new_hits, 0) as dept_new_hits, coalesce(d.dept_unfollowed, 0) as dept_unfollowed
    from now n
    left join prev p using (county_code)
    left join moves m using (county_code)
    left join paid pd using (county_code)
    left join feeds f using (county_code)
    left join dept d using (county_code)
)
select * from final
order by county_code
