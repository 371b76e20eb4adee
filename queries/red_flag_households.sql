-- Monitored households for one month matching the 红色预警户 page's filters, one page of them,
-- sorted in DuckDB; `total` is the number of matching households (for paging).
-- Grain: one row per household (at most $limit rows, from $offset).
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar: province,
--   city, county, township or village code prefix), $red_only (boolean), $categories (varchar[], empty = all),
--   $rule (varchar, '' = any), $stage (varchar, '' = any), $income_min (double), $income_max (double),
--   $guarantee (varchar: '' or 吃穿/义务教育/基本医疗/住房安全/饮水安全), $only_new (boolean),
--   $open_over (integer, 0 = any), $sort (varchar: score / open_days / income / household), $limit (integer),
--   $offset (integer)
-- The filters live in the warehouse macro red_flag_filtered (fupin/warehouse/sql/macros.sql).
with filtered as (
    select *,
        case $sort
            when 'score' then -score
            when 'open_days' then -coalesce(open_days, 0)
            when 'income' then income_estimate
        end as sort_key
    from red_flag_filtered($month, $scope_prefix, $area_prefix, $red_only, $categories, $rule, $stage,
                           $income_min, $income_max, $guarantee, $only_new, $open_over)
),
page as (
    select *, count(*) over () as total
    from filtered
    order by sort_key nulls last, household_id
    limit $limit offset $offset
),
final as (
    select
        p.household_id, p.county_code, c.county_name, t.township_name, v.village_name,
        h.head_name, h.head_id_number, h.phone, h.contact_name, h.contact_phone,
        p.household_category, p.household_size, p.income_estimate, p.income_last_year,
        p.score, p.rules, p.red_flag, p.flag_status, p.first_raised, p.open_days,
        p.clearance_stage, p.stage_days, p.stage_stuck, p.risk_points, p.total, p.sort_key
    from page p
    join stg_household h using (household_id)
    left join ref_county c on c.county_code = p.county_code
    left join ref_township t on t.township_code = p.township_code
    left join ref_village v on v.village_code = p.village_code
)
select * exclude (sort_key) from final
order by sort_key nulls last, household_id
