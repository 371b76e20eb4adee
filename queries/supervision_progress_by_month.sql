-- 挂牌督战 progress per month: supervised counties and villages, and how many have no remaining poor.
-- Grain: one row per month up to $month. The supervised set comes from ref_supervision (data/reference), never code.
-- Params: $month (date, the as-of month), $scope_prefix (varchar, from the viewer),
--   $area_prefix (varchar: '34', a city or county prefix)
with listed as (
    select level, county_code, village_code from ref_supervision
    where starts_with(county_code, $scope_prefix) and starts_with(county_code, $area_prefix)
),
counties as (
    select s.month, count(*) as counties, count(*) filter (where s.remaining_poor_persons = 0) as counties_cleared,
           sum(s.remaining_poor_persons) as county_remaining_poor
    from summary_county_month s
    join listed l on l.level = 'county' and l.county_code = s.county_code
    group by s.month
),
villages as (
    select m.month, count(*) as villages,
           count(*) filter (where coalesce(v.remaining_poor_persons, 0) = 0) as villages_cleared,
           coalesce(sum(v.remaining_poor_persons), 0) as village_remaining_poor
    from (select distinct month from summary_county_month where month <= $month) m
    cross join listed l
    left join summary_village_month v on v.month = m.month and v.village_code = l.village_code
    where l.level = 'village'
    group by m.month
),
final as (
    select
        m.month,
        coalesce(c.counties, 0) as counties, coalesce(c.counties_cleared, 0) as counties_cleared,
        coalesce(c.county_remaining_poor, 0) as county_remaining_poor,
        coalesce(v.villages, 0) as villages, coalesce(v.villages_cleared, 0) as villages_cleared,
        coalesce(v.village_remaining_poor, 0) as village_remaining_poor
    from (select distinct month from summary_county_month where month <= $month) m
    left join counties c using (month)
    left join villages v using (month)
)
select * from final
order by month
