-- 两不愁三保障及饮水安全 动态清零 month by month for the area: found, cleared, open, open in households without a
-- monitoring record (guarantee_county_month, built at ingest).
-- Grain: one row per month of the warehouse.
-- Params: $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with months as (
    select distinct month from household_month
),
area as (
    select month, sum(found) as found, sum(cleared) as cleared, sum(open) as open,
           sum(open_unmonitored) as open_unmonitored
    from guarantee_county_month
    where starts_with(county_code, $scope_prefix)
      and starts_with(county_code, $area_prefix)
    group by all
)
select m.month, coalesce(a.found, 0) as found, coalesce(a.cleared, 0) as cleared, coalesce(a.open, 0) as open,
       coalesce(a.open_unmonitored, 0) as open_unmonitored
from months m
left join area a using (month)
order by m.month
