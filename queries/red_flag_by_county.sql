-- The 红色预警户 page's filters counted per county: matching households, new this month, open long.
-- Grain: one row per county with at least one matching household.
-- Params: same filters as red_flag_households.sql — $month (date), $scope_prefix (varchar), $area_prefix
--   (varchar), $red_only (boolean), $categories (varchar[]), $rule (varchar), $stage (varchar),
--   $income_min (double), $income_max (double), $guarantee (varchar), $only_new (boolean), $open_over (integer)
with flags as (
    select * from warning_flag_month
    where month = $month
      and starts_with(household_id, $scope_prefix)
      and starts_with(household_id, $area_prefix)
),
filtered as (
    select f.*, m.clearance_stage
    from flags f
    join monitor_month m using (household_id, month)
    where (not $red_only or f.red_flag)
      and (len($categories) = 0 or list_contains($categories, f.household_category))
      and ($rule = '' or list_contains(f.rules, $rule))
      and ($stage = '' or m.clearance_stage = $stage)
      and f.income_estimate between $income_min and $income_max
      and ($guarantee = ''
           or ($guarantee = '吃穿' and (not m.food_clothing_ok or contains(m.risk_points, '吃穿不愁')))
           or ($guarantee = '义务教育' and (not m.education_ok or contains(m.risk_points, '义务教育')))
           or ($guarantee = '基本医疗' and (not m.medical_ok or contains(m.risk_points, '基本医疗')))
           or ($guarantee = '住房安全' and (not m.housing_ok or contains(m.risk_points, '住房安全')))
           or ($guarantee = '饮水安全' and (not m.water_ok or contains(m.risk_points, '饮水安全'))))
      and (not $only_new or f.flag_status = 'new')
      and ($open_over = 0 or f.open_days > $open_over)
),
final as (
    select
        f.county_code, c.county_name, c.city_name,
        count(*) as households,
        count(*) filter (where f.flag_status = 'new') as new_this_month,
        count(*) filter (where f.open_days > 60) as open_over_60_days
    from filtered f
    left join ref_county c using (county_code)
    group by all
)
select * from final
order by households desc, county_code
