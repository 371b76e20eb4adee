-- What-if: re-weight the allocation formula of 财政专项扶贫资金. Each county's share = the weighted sum of
-- its shares of remaining poor persons, epidemic-affected households, deep-poverty-area membership
-- and 挂牌督战 status (weights normalised); the scenario allocation splits the actual total in scope.
-- Grain: one row per county in scope.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $w_poor (double), $w_epidemic (double),
--   $w_deep (double), $w_supervised (double)
with counties as (
    select s.county_code, s.county_name, s.city_name, s.remaining_poor_persons, s.epidemic_households,
           s.special_allocated,
           (s.county_code in (select county_code from ref_deep_poverty_area))::integer as deep,
           (s.county_code in (select county_code from ref_supervision where level = 'county'))::integer as supervised
    from summary_county_month s
    where s.month = $month and starts_with(s.county_code, $scope_prefix)
),
totals as (
    select sum(special_allocated) as total, sum(remaining_poor_persons) as poor, sum(epidemic_households) as epi,
           sum(deep) as deep, sum(supervised) as sup
    from counties
),
weights as (
    select greatest($w_poor + $w_epidemic + $w_deep + $w_supervised, 1e-9) as w
),
final as (
    select
        c.county_code, c.county_name, c.city_name, c.remaining_poor_persons, c.epidemic_households,
        c.deep = 1 as deep_poverty_area, c.supervised = 1 as supervised,
        c.special_allocated as actual,
        t.total * (
            $w_poor * coalesce(c.remaining_poor_persons / nullif(t.poor, 0), 0)
            + $w_epidemic * coalesce(c.epidemic_households / nullif(t.epi, 0), 0)
            + $w_deep * coalesce(c.deep / nullif(t.deep, 0), 0)
            + $w_supervised * coalesce(c.supervised / nullif(t.sup, 0), 0)
        ) / w.w as scenario
    from counties c cross join totals t cross join weights w
)
select *, scenario - actual as change
from final
order by change desc, county_code
