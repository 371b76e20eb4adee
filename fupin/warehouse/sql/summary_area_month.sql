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
        count(*) filter (where red_mark) as exported_red_households,
        count(*) filter (where epidemic_impact <> '无') as epidemic_households
    from hm
    group by all
),
settings as (
    select * from warning_settings
),
warnings as (
    select
        month, village_code,
        count(*) filter (where red_flag) as red_flag_households,
        count(*) filter (where flag_status = 'new') as red_flag_new,
        count(*) filter (where flag_status = 'cleared') as red_flag_cleared,
        count(*) filter (where red_flag and open_days > s.long_days) as red_flag_long_open
    from warning_flag_month cross join settings s
    group by all
),
clearance as (
    select month, village_code,
           count(*) filter (where not cleared) as clearance_in_progress,
           count(*) filter (where stuck) as clearance_stuck
    from clearance_month
    group by all
),
visits as (
    select month, village_code, count(*) filter (where not visited) as edge_unvisited
    from visit_sla_month
    group by all
),
final as (
    select
        a.*,
        -- a village with no flag, clearance, visit or migrant row that month counts 0 of each
        coalesce(columns(w.* exclude (month, village_code)), 0),
        coalesce(columns(c.* exclude (month, village_code)), 0),
        coalesce(columns(v.* exclude (month, village_code)), 0),
        coalesce(mm.migrant_workers, 0) as migrant_workers
    from agg a
    left join warnings w using (month, village_code)
    left join clearance c using (month, village_code)
    left join visits v using (month, village_code)
    left join member_migrant_month mm using (month, village_code)
)
select * from final order by month, village_code;

-- Townships sum their villages' figures: every column after the area codes is a count.
create table summary_township_month as
select
    month, township_code, county_code, city_code,
    sum(columns(* exclude (month, village_code, township_code, county_code, city_code)))
from summary_village_month
group by all
order by month, township_code;
