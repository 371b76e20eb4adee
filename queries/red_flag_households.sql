-- Monitored households for one month matching the 红色预警户 page's filters, one page of them,
-- sorted in DuckDB; `total` is the number of matching households (for paging).
-- Grain: one row per household (at most $limit rows, from $offset).
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar: province,
--   city, county, township or village code prefix), $red_only (boolean), $categories (varchar[], empty = all),
--   $rule (varchar, '' = any), $stage (varchar, '' = any), $income_min (double), $income_max (double),
--   $guarantee (varchar: '' or 吃穿/义务教育/基本医疗/住房安全/饮水安全), $only_new (boolean),
--   $open_over (integer, 0 = any), $sort (varchar: score / open_days / income / household), $limit (integer),
--   $offset (integer)
with flags as (
    select * from warning_flag_month
    where month = $month
      and starts_with(household_id, $scope_prefix)
      and starts_with(household_id, $area_prefix)
),
filtered as (
    select f.*, m.household_size, m.income_last_year, m.risk_points, m.clearance_stage,
           c.days_waiting as stage_days, c.stuck as stage_stuck
    from flags f
    join monitor_month m using (household_id, month)
    left join clearance_month c using (household_id, month)
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
page as (
    select *, count(*) over () as total
    from filtered
    order by
        case $sort
            when 'score' then -score
            when 'open_days' then -coalesce(open_days, 0)
            when 'income' then income_estimate
        end nulls last,
        household_id
    limit $limit offset $offset
),
final as (
    select
        p.household_id, p.county_code, c.county_name, t.township_name, v.village_name,
        h.head_name, h.head_id_number, h.phone, h.contact_name, h.contact_phone,
        p.household_category, p.household_size, p.income_estimate, p.income_last_year,
        p.score, p.rules, p.red_flag, p.flag_status, p.first_raised, p.open_days,
        p.clearance_stage, p.stage_days, p.stage_stuck, p.risk_points, p.total
    from page p
    join stg_household h using (household_id)
    left join ref_county c on c.county_code = p.county_code
    left join ref_township t on t.township_code = p.township_code
    left join ref_village v on v.village_code = p.village_code
)
select * from final
order by
    case $sort
        when 'score' then -score
        when 'open_days' then -coalesce(open_days, 0)
        when 'income' then income_estimate
    end nulls last,
    household_id
