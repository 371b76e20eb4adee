-- Funds allocated and paid up to the as-of month's end, per county and fund source (资金级次:
-- 中央/省级/市级/县级 for 财政专项扶贫资金, and 结对帮扶 / 社会帮扶), in 万元.
-- Grain: one row per county × source.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with alloc as (
    select county_code, fund_level, fund_kind, sum(amount) as allocated
    from stg_allocation
    where allocation_date <= last_day(cast($month as date))
      and starts_with(county_code, $scope_prefix)
      and starts_with(county_code, $area_prefix)
    group by all
),
paid as (
    select p.county_code, a.fund_level, sum(p.amount) as paid
    from stg_payment p
    join stg_allocation a using (allocation_id)
    where p.payment_date <= last_day(cast($month as date))
      and starts_with(p.county_code, $scope_prefix)
      and starts_with(p.county_code, $area_prefix)
    group by all
),
final as (
    select a.county_code, c.county_name, c.city_name, a.fund_level, a.fund_kind, a.allocated,
           coalesce(p.paid, 0) as paid
    from alloc a
    left join paid p using (county_code, fund_level)
    left join ref_county c using (county_code)
)
select * from final
order by county_code, fund_level
