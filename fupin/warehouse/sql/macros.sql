-- red_flag_filtered: the 红色预警户 page's filters in one place, as a table macro stored in the
-- warehouse; queries/red_flag_households.sql and red_flag_by_county.sql both read from it.
-- Grain: one row per monitored household in the month that matches.
create macro red_flag_filtered(
    p_month, p_scope_prefix, p_area_prefix, p_red_only, p_categories, p_rule, p_stage,
    p_income_min, p_income_max, p_guarantee, p_only_new, p_open_over
) as table
select
    f.*, m.household_size, m.income_last_year, m.risk_points, m.clearance_stage,
    c.days_waiting as stage_days, c.stuck as stage_stuck
from warning_flag_month f
join monitor_month m using (household_id, month)
left join clearance_month c using (household_id, month)
where f.month = p_month
  and starts_with(f.household_id, p_scope_prefix)
  and starts_with(f.household_id, p_area_prefix)
  and (not p_red_only or f.red_flag)
  and (len(p_categories) = 0 or list_contains(p_categories, f.household_category))
  and (p_rule = '' or list_contains(f.rules, p_rule))
  and (p_stage = '' or m.clearance_stage = p_stage)
  and f.income_estimate between p_income_min and p_income_max
  and (p_guarantee = ''
       or (p_guarantee = '吃穿' and (not m.food_clothing_ok or contains(m.risk_points, '吃穿不愁')))
       or (p_guarantee = '义务教育' and (not m.education_ok or contains(m.risk_points, '义务教育')))
       or (p_guarantee = '基本医疗' and (not m.medical_ok or contains(m.risk_points, '基本医疗')))
       or (p_guarantee = '住房安全' and (not m.housing_ok or contains(m.risk_points, '住房安全')))
       or (p_guarantee = '饮水安全' and (not m.water_ok or contains(m.risk_points, '饮水安全'))))
  and (not p_only_new or f.flag_status = 'new')
  and (p_open_over = 0 or f.open_days > p_open_over);
