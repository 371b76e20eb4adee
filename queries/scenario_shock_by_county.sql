-- What-if: an income shock. Migrant-work income down $migrant_cut for $migrant_months months (for
-- households with members working away or waiting to return) and farm-sales loss of $farm_loss of
-- business income, in the chosen counties ($counties, empty = all in scope). Per county: households
-- hit, the average per-capita income before and after, and the households that would fall below $line.
-- Grain: one row per county in scope.
-- Params: $scope_prefix (varchar, from the viewer), $area_prefix (varchar), $counties (varchar[]),
--   $migrant_cut (double, 0–1), $migrant_months (integer, 0–12), $farm_loss (double, 0–1), $line (double)
with households as (
    select b.*,
        case when len($counties) = 0 or list_contains($counties, b.county_code) then
            (case when b.migrants > 0 then b.wage_income * $migrant_cut * $migrant_months / 12.0 else 0 end
             + b.business_income * $farm_loss) / greatest(b.household_size, 1)
        else 0 end as loss_pc
    from household_income_base b
    where starts_with(b.household_id, $scope_prefix) and starts_with(b.household_id, $area_prefix)
),
final as (
    select
        h.county_code, c.county_name, c.city_name,
        count(*) as households,
        count(*) filter (where h.loss_pc > 0) as households_hit,
        avg(h.income_pc) as income_pc_before,
        avg(h.income_pc - h.loss_pc) as income_pc_after,
        count(*) filter (where h.income_pc >= $line and h.income_pc - h.loss_pc < $line) as cross_line,
        count(*) filter (where h.income_pc >= $line and h.income_pc - h.loss_pc < $line
                         and h.household_category in ('享受政策的脱贫户', '不享受政策的脱贫户')) as cross_line_lifted,
        count(*) filter (where h.income_pc >= $line and h.income_pc - h.loss_pc < $line
                         and h.household_category = '脱贫监测户') as cross_line_monitor,
        count(*) filter (where h.income_pc < $line) as below_line_before,
        count(*) filter (where h.income_pc - h.loss_pc < $line) as below_line_after
    from households h
    left join ref_county c using (county_code)
    group by all
)
select * from final
order by cross_line desc, county_code
