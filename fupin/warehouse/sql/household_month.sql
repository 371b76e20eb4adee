-- household_month: one row per household per month (as-of state), the base of every area summary.
-- Grain: household × month. The register's latest version at or before the month, with that
-- month's monitoring record (category, red mark) where the household is monitored.
-- household_version: the register's versions with the months each is valid for (a month takes the latest version
-- at or before it). The one as-of definition: household_month, monitor_month (warnings) and the monitoring checks
-- join a month to the register through it. A temp view: it lives for the ingest's connection only.
create temp view household_version as
select
    *,
    month as valid_from,
    lead(month) over (partition by household_id order by month) as valid_to
from stg_household_version;

create table household_month as
with months as (
    select distinct month from stg_household_version
    union
    select distinct month from stg_monitoring
),
final as (
    select
        m.month,
        v.household_id,
        v.village_code,
        left(v.village_code, 9) as township_code,
        left(v.village_code, 6) as county_code,
        left(v.village_code, 4) || '00' as city_code,
        v.household_size,
        coalesce(mo.household_category, v.household_category) as household_category,
        v.exit_year,
        v.epidemic_impact,
        coalesce(mo.red_mark, false) as red_mark,
        mo.household_id is not null as monitored
    from months m
    join household_version v on m.month >= v.valid_from and (v.valid_to is null or m.month < v.valid_to)
    left join stg_monitoring mo on mo.household_id = v.household_id and mo.month = m.month
)
select * from final order by month, household_id;

-- member_migrant_month: migrant workers (county-external work) per village and month, from the
-- member register's as-of status.
create table member_migrant_month as
with months as (select distinct month from household_month),
versions as (
    select
        household_id, migrant_status, month as valid_from,
        lead(month) over (partition by id_number order by month) as valid_to
    from stg_member_version
)
select m.month, left(v.household_id, 12) as village_code,
       count(*) filter (where v.migrant_status in ('省外务工', '省内县外务工')) as migrant_workers,
       count(*) filter (where v.migrant_status = '待返岗') as awaiting_return,
       count(*) filter (where v.migrant_status = '县内务工') as local_workers
from months m
join versions v on m.month >= v.valid_from and (v.valid_to is null or m.month < v.valid_to)
group by all
order by all;
