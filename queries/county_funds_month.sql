-- Per county for one month: 财政专项扶贫资金 allocated and paid, the rate against the schedule, and the
-- epidemic tilt (allocation per remaining poor person and per epidemic-affected household).
-- Grain: one row per county in scope.
-- Params: $month (date), $scope_prefix (varchar, from the viewer)
with counties as (
    select * from summary_county_month
    where month = $month and starts_with(county_code, $scope_prefix)
),
schedule as (
    select cast(required_share as double) as required_share
    from ref_disbursement_schedule where month = strftime(cast($month as date), '%Y-%m')
),
final as (
    select
        c.county_code, c.county_name, c.city_name, c.special_allocated, c.special_paid,
        case when c.special_allocated > 0 then c.special_paid / c.special_allocated end as disbursement_rate,
        s.required_share,
        c.remaining_poor_persons, c.epidemic_households,
        case when c.remaining_poor_persons > 0 then c.special_allocated / c.remaining_poor_persons end
            as allocated_per_poor_person,
        case when c.epidemic_households > 0 then c.special_allocated / c.epidemic_households end
            as allocated_per_epidemic_household
    from counties c
    left join schedule s on true
)
select * from final
order by county_code
