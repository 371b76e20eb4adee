-- 部门数据比对 by area: records received, matched, hits and new-identification candidates per township (the view
-- adds townships up to counties when the area is wider than one county).
-- Grain: one row per township with department records in the month.
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar)
with feed as (
    select * from dept_feed_month
    where month = $month and starts_with(township_code, $scope_prefix) and starts_with(township_code, $area_prefix)
),
final as (
    select
        f.county_code, c.county_name, f.township_code, coalesce(t.township_name, '（代码不存在）') as township_name,
        sum(f.received) as received, sum(f.quarantined) as quarantined, sum(f.matched) as matched,
        sum(f.name_mismatch + f.id_suspect + f.ambiguous) as to_check,
        sum(f.hits) as hits, sum(f.dept_households_hit) as dept_households_hit, sum(f.candidates) as candidates
    from feed f
    left join ref_county c on c.county_code = f.county_code
    left join ref_township t on t.township_code = f.township_code
    group by all
)
select * from final order by county_code, township_code
