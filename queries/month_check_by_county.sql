-- 月核查: what changed in the month, per county — red flags raised / cleared, households entering or
-- leaving 脱贫监测户 and 边缘户, remaining poor vs the previous month, projects started, special funds
-- paid in the month, edge households not visited, 销号 items stuck.
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
        n.edge_unvisited, n.clearance_stuck
    from now n
    left join prev p using (county_code)
    left join moves m using (county_code)
    left join paid pd using (county_code)
)
select * from final
order by county_code
