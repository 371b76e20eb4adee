-- household_income_base: one row per household (latest register) with what the what-if page needs
-- to apply income shocks in DuckDB: per-capita income (the latest monitoring estimate where monitored),
-- wage and business income, migrant members, risk. Nothing here is a scenario; scenarios only read it.
create table household_income_base as
with hm as (
    select * from household_month where month = (select max(month) from household_month)
),
mon as (
    select * from monitor_month where month = (select max(month) from household_month)
),
migrants as (
    select household_id,
           count(*) filter (where migrant_status in ('省外务工', '省内县外务工', '待返岗')) as migrants
    from stg_member
    group by household_id
),
final as (
    select
        h.household_id, hm.village_code, hm.township_code, hm.county_code, hm.household_category,
        h.poverty_attribute, h.exit_year, h.household_size,
        coalesce(mon.income_estimate, h.income_per_capita) as income_pc,
        h.wage_income, h.business_income,
        coalesce(mg.migrants, 0) as migrants,
        (nullif(h.risk_type, '') is not null or coalesce(mon.risk_points, '') <> '') as has_risk
    from stg_household h
    join hm using (household_id)
    left join mon using (household_id)
    left join migrants mg using (household_id)
)
select * from final order by household_id;
