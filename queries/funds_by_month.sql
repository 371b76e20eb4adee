-- 财政专项扶贫资金 allocated and paid, cumulative at each month's end, with the required share of
-- the disbursement schedule (data/reference/disbursement_schedule.csv).
-- Grain: one row per month up to $month.
-- Params: $month (date, the as-of month), $scope_prefix (varchar, from the viewer), $area_prefix (varchar)
with months as (
    select distinct month from summary_county_month where month <= $month
),
totals as (
    select month, sum(special_allocated) as allocated, sum(special_paid) as paid
    from summary_county_month
    where starts_with(county_code, $scope_prefix) and starts_with(county_code, $area_prefix)
    group by month
),
final as (
    select m.month, t.allocated, t.paid,
           case when t.allocated > 0 then t.paid / t.allocated end as paid_share,
           cast(s.required_share as double) as required_share
    from months m
    left join totals t using (month)
    left join ref_disbursement_schedule s on s.month = strftime(m.month, '%Y-%m')
)
select * from final
order by month
