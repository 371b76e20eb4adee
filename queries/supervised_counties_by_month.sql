-- 挂牌督战 counties (from ref_supervision, i.e. data/reference/supervision_list.csv) month by month,
-- up to the as-of month: remaining poor, projects, funds, red flags.
-- Grain: one row per supervised county per month.
-- Params: $month (date), $scope_prefix (varchar, from the viewer)
with listed as (
    select distinct county_code from ref_supervision
    where level = 'county' and starts_with(county_code, $scope_prefix)
),
final as (
    select
        s.month, s.county_code, s.county_name, s.city_name,
        s.remaining_poor_persons, s.remaining_poor_households, s.red_flag_households,
        s.projects, s.projects_started, s.special_allocated, s.special_paid
    from summary_county_month s
    join listed l using (county_code)
    where s.month <= $month
)
select * from final
order by county_code, month
