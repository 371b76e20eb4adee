-- 月核查: the records behind one number of month_check_by_county — households (by 户编号, no names),
-- projects or payments — for one kind of change in the month.
-- Grain: one row per record.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar),
--   $kind (varchar: red_new / red_cleared / monitor_in / monitor_out / edge_in / edge_out /
--   projects_started / payments / unvisited / stuck / dept_hits / dept_unfollowed)
with records as (
    select 'red_new' as kind, county_code, household_id as record_id,
           '触发规则：' || array_to_string(rules, '、') || '；分值 ' || score as detail
    from warning_flag_month where month = $month and flag_status = 'new'
    union all
    select 'red_cleared', county_code, household_id, '本月不再触发红色标注'
    from warning_flag_month where month = $month and flag_status = 'cleared'
    union all
    select kind, county_code, household_id,
           case kind
               when 'monitor_in' then '由' || coalesce(prev_category, '（新增户）') || '转为脱贫监测户'
               when 'monitor_out' then '由脱贫监测户转为' || household_category
               when 'edge_in' then '由' || coalesce(prev_category, '（新增户）') || '转为边缘户'
               else '由边缘户转为' || household_category
           end
    -- the transitions ingest built once: the same rows month_check_by_county counts
    from category_transition_month where month = $month
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
    union all
    -- 部门比对 hits on registered households (the person by 户编号 only; evidence without name or ID number)
    select 'dept_hits', county_code, household_id, rule_id || ' ' || rule_name || '（' || produces || '）：'
           || department || ' ' || evidence
    from dept_hit where month = $month and household_id is not null
    union all
    select 'dept_unfollowed', h.county_code, h.household_id,
           h.rule_id || ' ' || h.rule_name || '：' || h.department || ' ' || h.evidence || '；月底无帮扶措施、未纳入监测'
    from dept_hit h
    left join household_month hm on hm.household_id = h.household_id and hm.month = h.month
    where h.month = $month and h.household_id is not null and h.produces in ('风险', '两不愁三保障问题')
      and not h.measure_recorded and coalesce(hm.household_category, '') not in ('脱贫监测户', '边缘户')
)
select r.kind, r.county_code, c.county_name, r.record_id, r.detail
from records r
left join ref_county c using (county_code)
where r.kind = $kind
  and starts_with(r.record_id, case when r.kind in ('projects_started', 'payments') then '' else $scope_prefix end)
  and starts_with(r.county_code, $scope_prefix) and starts_with(r.county_code, $area_prefix)
order by r.county_code, r.record_id
