-- The 红色预警户 page's filters counted per county: matching households, new this month, open longer than the
-- open_long_days setting (data/reference/warning_settings.csv, 省定参数).
-- Grain: one row per county with at least one matching household.
-- Params: same filters as red_flag_households.sql — $month (date), $scope_prefix (varchar), $area_prefix
--   (varchar), $red_only (boolean), $categories (varchar[]), $rule (varchar), $stage (varchar),
--   $income_min (double), $income_max (double), $guarantee (varchar), $only_new (boolean), $open_over (integer)
with filtered as (
    select * from red_flag_filtered($month, $scope_prefix, $area_prefix, $red_only, $categories, $rule, $stage,
                                    $income_min, $income_max, $guarantee, $only_new, $open_over)
),
final as (
    select
        f.county_code, c.county_name, c.city_name,
        count(*) as households,
        count(*) filter (where f.flag_status = 'new') as new_this_month,
        count(*) filter (where f.open_days > s.long_days) as open_long
    from filtered f
    cross join warning_settings s
    left join ref_county c using (county_code)
    group by all
)
select * from final
order by households desc, county_code
