-- summary_village_month / summary_township_month: household figures per area and month.
-- Grain: village × month (and township × month). Persons are household sizes from the register.
create table summary_village_month as
with hm as (
    select * from household_month
),
agg as (
    select
        month, village_code, township_code, county_code, city_code,
        count(*) as households,
        sum(household_size) as persons,
        count(*) filter (where household_category = '未脱贫户') as remaining_poor_households,
        coalesce(sum(household_size) filter (where household_category = '未脱贫户'), 0) as remaining_poor_persons,
        coalesce(sum(household_size) filter (
            where exit_year = 2020 and household_category <> '未脱贫户'), 0) as exited_this_year_persons,
        count(*) filter (where household_category = '脱贫监测户') as monitor_households,
        coalesce(sum(household_size) filter (where household_category = '脱贫监测户'), 0) as monitor_persons,
        count(*) filter (where household_category = '边缘户') as edge_households,
        coalesce(sum(household_size) filter (where household_category = '边缘户'), 0) as edge_persons,
        count(*) filter (where red_mark) as red_flag_households
    from hm
    group by all
),
final as (
    select a.*, coalesce(mm.migrant_workers, 0) as migrant_workers
    from agg a
    left join member_migrant_month mm using (month, village_code)
)
select * from final order by month, village_code;

create table summary_township_month as
select
    month, township_code, county_code, city_code,
    sum(households) as households, sum(persons) as persons,
    sum(remaining_poor_households) as remaining_poor_households,
    sum(remaining_poor_persons) as remaining_poor_persons,
    sum(exited_this_year_persons) as exited_this_year_persons,
    sum(monitor_households) as monitor_households, sum(monitor_persons) as monitor_persons,
    sum(edge_households) as edge_households, sum(edge_persons) as edge_persons,
    sum(red_flag_households) as red_flag_households,
    sum(migrant_workers) as migrant_workers
from summary_village_month
group by all
order by month, township_code;
