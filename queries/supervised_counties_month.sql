-- The supervised (挂牌督战) counties with remaining poor in January and in the as-of month.
-- Grain: one row per supervised county in scope.
-- Params: $month (date), $scope_prefix (varchar, from the viewer)
with listed as (
    select county_code from ref_supervision
    where level = 'county' and starts_with(county_code, $scope_prefix)
),
final as (
    select
        s.county_code, s.county_name,
        max(s.remaining_poor_persons) filter (where s.month = (select min(month) from summary_county_month)) as start_of_year,
        max(s.remaining_poor_persons) filter (where s.month = $month) as now
    from summary_county_month s
    join listed l using (county_code)
    where s.month <= $month
    group by all
)
select * from final
order by now desc, county_code
