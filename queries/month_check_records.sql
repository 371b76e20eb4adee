-- 月核查: the records behind one number of month_check_by_county — households (by 户编号, no names),
-- projects or payments — for one kind of change in the month.
-- Grain: one row per record.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar),
--   $kind (varchar: red_new / red_cleared / monitor_in / monitor_out / edge_in / edge_out /
--   projects_started / payments / unvisited / stuck)
with hm as (
    select household_id, county_code, month, household_category,
           lag(household_category) over (partition by household_id order by month) as prev_category
    from household_month
    -- only this month and the one before: the transition needs nothing older
    where month in ($month, cast(cast($month as date) - interval 1 month as date))
      and starts_with(household_id, $scope_prefix) and starts_with(household_id, $area_prefix)
),
records as (
    select 'red_new' as kind, county_code, household_id as record_id,
           '触发规则：' || array_to_string(rules, '、') || '；分值 ' || score as detail
    from warning_flag_month where month = $month and flag_status = 'new'
    union all
    select 'red_cleared', county_code, household_id, '本月不再触发红色标注'
    from warning_flag_month where month = $month and flag_status = 'cleared'
    union all
    select 'monitor_in', county_code, household_id, '由' || coalesce(prev_category, '（新增户）') || '转为脱贫监测户'
    from hm where month = $month and household_category = '脱贫监测户' and coalesce(prev_category, '') <> '脱贫监测户'
    union all
    select 'monitor_out', county_code, household_id, '由脱贫监测户转为' || household_category
    from hm where month = $month and household_category <> '脱贫监测户' and prev_category = '脱贫监测户'
    union all
    select 'edge_in', county_code, household_id, '由' || coalesce(prev_category, '（新增户）') || '转为边缘户'
    from hm where month = $month and household_category = '边缘户' and coalesce(prev_category, '') <> '边缘户'
    union all
    select 'edge_out', county_code, household_id, '由边缘户转为' || household_category
    from hm where month = $month and household_category <> '边缘户' and prev_category = '边缘户'
    union all
    select 'projects_started', county_code, project_id, project_name || '，' || strftime(actual_start_date, '%Y-%m-%d') || ' 开工'
    from stg_project where month = $month and date_trunc('month', actual_start_date) = cast($month as date)
    union all
    select 'payments', p.county_code, p.payment_id,
           '项目 ' || p.project_id || ' 支付 ' || p.amount || ' 万元（' || strftime(p.payment_date, '%Y-%m-%d') || '）'
    from stg_payment p join stg_allocation a using (allocation_id)
    where a.fund_kind = '财政专项扶贫资金' and date_trunc('month', p.payment_date) = cast($month as date)
    union all
    select 'unvisited', county_code, household_id, '边缘户本月无联系记录'
    from visit_sla_month where month = $month and not visited
    union all
    select 'stuck', county_code, household_id, clearance_stage || ' 已停留 ' || days_waiting || ' 天'
    from clearance_month where month = $month and stuck
)
select r.kind, r.county_code, c.county_name, r.record_id, r.detail
from records r
left join ref_county c using (county_code)
where r.kind = $kind
  and starts_with(r.record_id, case when r.kind in ('projects_started', 'payments') then '' else $scope_prefix end)
  and starts_with(r.county_code, $scope_prefix) and starts_with(r.county_code, $area_prefix)
order by r.county_code, r.record_id
