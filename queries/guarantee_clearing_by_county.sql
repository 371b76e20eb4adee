-- 两不愁三保障及饮水安全 动态清零 (春季攻势意见 三（四）1) per county for one month: problems found this month,
-- cleared this month, still open, and open in register households without a monitoring record — from
-- guarantee_county_month (built at ingest by fupin/warehouse/sql/monitoring_checks.sql).
-- Grain: one row per county in scope with any problem found, cleared or open in the month.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with month_rows as (
    select * from guarantee_county_month
    where month = $month
      and starts_with(county_code, $scope_prefix)
      and starts_with(county_code, $area_prefix)
),
final as (
    select
        g.county_code, r.county_name, r.city_name,
        sum(g.found) as found, sum(g.cleared) as cleared, sum(g.open) as open,
        sum(g.open_unmonitored) as open_unmonitored,
        string_agg(g.item || ' ' || g.open, '、' order by g.item) filter (where g.open > 0) as open_items
    from month_rows g
    left join ref_county r using (county_code)
    group by all
)
select * from final
order by open desc, county_code
