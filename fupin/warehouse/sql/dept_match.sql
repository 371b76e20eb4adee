-- dept_feed_row: every loaded department record (部门数据比对) in one shape for all ten feeds, with the file and line
-- it was read from. A view over the typed feed tables (stg_dept_*), not a copy.
create view dept_feed_row as
select '民政' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, amount::double as amount, event_date
from stg_dept_civil
union all by name
select '医保' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, amount::double as amount, total_cost::double as total_cost, event_date
from stg_dept_medical
union all by name
select '卫健' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, event_date
from stg_dept_health
union all by name
select '教育' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, status, amount::double as amount, event_date
from stg_dept_education
union all by name
select '人社' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, status, months, event_date
from stg_dept_labour
union all by name
select '住建' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, event_date
from stg_dept_housing
union all by name
select '水利' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, status, event_date
from stg_dept_water
union all by name
select '残联' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, grade, status, event_date
from stg_dept_disability
union all by name
select '公安' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, status, event_date
from stg_dept_police
union all by name
select '应急' as department, _row_id as row_id, _file as file, _line as line, month, id_number, id_number_legacy as id_legacy, name,
       village_code, category, amount::double as amount, event_date
from stg_dept_disaster;

-- 比对按月冻结: a month's comparison is made against the register as it stood at that month's end, as the notice's
-- 月核查 does it ("每月底进行系统数据分析"), and is kept as made. Ingest keeps a month's dept_feed_count, dept_record,
-- dept_match and dept_fired rows from the previous batch's warehouse (as dept_kept_*; its months in dept_kept_month)
-- when that month's feed files, every export file of that month and the months before it, the reference data and
-- this build SQL are unchanged (fupin/data/ingest.py `_freeze_months`). Only the other months are compared here: a
-- monthly batch compares its new month. Every statement below that makes one of those four tables therefore fills
-- dept_kept_<table> (an empty one in a batch that keeps nothing) with the new months' rows and renames it.
-- dept_new_month: the months compared in this batch. dept_new_from() (a constant macro ingest defines: the first
-- month not kept) is said next to it in every filter: DuckDB pushes a constant down to the scans, which then read
-- only the new months' row groups (the rules for one month: 2.2 → 1.1 s at province scale).
create temp table dept_new_month as
select distinct month from dept_feed_row
where month >= dept_new_from() and month not in (select month from dept_kept_month);

-- dept_feed_month_all: every month with department records, kept or compared now (the latest of them is the month
-- the what-if page moves D02 in; reading it from here, not from the 17 M records, saves a scan).
create temp view dept_feed_month_all as
select month from dept_new_month union select month from dept_kept_month;

-- dept_feed_count: the loaded records by department, month and township, before matching: what dept_feed_month
-- counts, including the records outside the register that dept_record does not keep.
create temp view dept_new_feed_count as
select department, month, left(village_code, 9) as township_code, count(*) as loaded,
       count(*) filter (where id_legacy) as legacy_ids
from dept_feed_row
where month >= dept_new_from() and month in (select month from dept_new_month)
group by all;
create table if not exists dept_kept_feed_count as from dept_new_feed_count limit 0;
insert into dept_kept_feed_count by name from dept_new_feed_count;
alter table dept_kept_feed_count rename to dept_feed_count;

-- dept_keep_floor: per department with a rule for 非登记人口 (新识别候选, department_rules.csv), the lowest amount at
-- which such a rule can fire (null: the rule has no amount threshold, every record is kept). In the latest month
-- D02 may be moved by the what-if page (情景推演) down to DEPT_D02_MIN yuan (fupin/domain/scenario.py; a test holds
-- the two equal), so that month keeps its records from there.
create table dept_keep_floor as
with r as (
    select department, rule_id, try_cast(nullif(threshold, '') as double) as t
    from ref_department_rules
    where enabled = '1' and list_contains(string_split(applies_to, '|'), '非登记人口')
)
select department,
       case when bool_or(t is null) then null else min(t) end as earlier_months,
       case when bool_or(t is null) then null
            else min(case when rule_id = 'D02' then least(t, 5000) else t end) end as latest_month
from r
group by department;

-- dept_record: the department records matched to the register (家庭成员) by the normalised ID number and confirmed
-- by name: every record that touches the register, and the records outside it that a rule for 非登记人口 can use
-- (at or above dept_keep_floor); the rest are only counted (dept_feed_count → dept_feed_month). Storing all 17 M
-- records of a province batch cost ≈50 CPU-s; 80 % of them are people outside the register that no rule reads.
-- A record is matched against the register as it stood at the end of its month (each person's version valid that
-- month, as household_version does it for households), so a month's figures are those of its month-end comparison.
-- Grain: department record (row_id). match_status:
--   matched         ID in the register and the same name
--   name_mismatch   ID in the register, another name (listed for the township to check; no rule fires)
--   id_suspect      ID not in the register, but exactly one registered person of that name in that village
--   ambiguous       ID not in the register, several registered people of that name in that village
--   not_registered  neither: a person outside the register (the usual case)
create temp view dept_new_record as
with feed as not materialized (  -- read where used: a cold batch's 14.5 M records are not held in memory
    select * from dept_feed_row where month >= dept_new_from() and month in (select month from dept_new_month)
),
latest as (select max(month) as month from stg_member_version),
version as (  -- each person's versions with the months each is valid for, read only for months compared before the
              -- register's last (a cold batch): a monthly batch compares that last month, where stg_member is the
              -- register as it stood then
    select id_number, name, household_id, left(household_id, 12) as village_code, month as valid_from,
           lead(month) over (partition by id_number order by month) as valid_to
    from stg_member_version
    where month <= dept_versions_to()  -- a constant from ingest (`_freeze_months`): the scan reads no row group after it
      and month <= (select max(n.month) from dept_new_month n, latest l where n.month < l.month)
),
person as (  -- the record's ID in the register as it stood in the record's month
    select f.row_id, s.name as reg_name, s.household_id
    from feed f, latest l, stg_member s
    where f.month >= l.month and s.id_number = f.id_number
    union all
    select f.row_id, v.name, v.household_id
    from feed f, latest l, version v
    where f.month < l.month and v.id_number = f.id_number
      and f.month >= v.valid_from and (v.valid_to is null or f.month < v.valid_to)
),
unknown as not materialized (  -- records whose ID is not in the register then
    select f.row_id, f.month, f.village_code, f.name from feed f anti join person p on p.row_id = f.row_id
),
same_name as (  -- registered people of such a record's village and name then
    select row_id, count(*) as n, min(household_id) as household_id from (
        select u.row_id, s.household_id
        from unknown u, latest l, stg_member s
        where u.month >= l.month and left(s.household_id, 12) = u.village_code and s.name = u.name
        union all
        select u.row_id, v.household_id
        from unknown u, latest l, version v
        where u.month < l.month and v.village_code = u.village_code and v.name = u.name
          and u.month >= v.valid_from and (v.valid_to is null or u.month < v.valid_to)
    )
    group by row_id
),
final as (
    select
        f.row_id, f.file, f.line, f.department, f.month, f.id_number, coalesce(f.id_legacy, false) as id_legacy, f.name,
        f.village_code, left(f.village_code, 9) as township_code, left(f.village_code, 6) as county_code,
        f.category, f.status, f.grade, f.months, f.amount, f.total_cost, f.event_date,
        case
            when r.row_id is not null and r.reg_name = f.name then 'matched'
            when r.row_id is not null then 'name_mismatch'
            when s.n = 1 then 'id_suspect'
            when s.n > 1 then 'ambiguous'
            else 'not_registered'
        end as match_status,
        coalesce(r.household_id, s.household_id) as household_id,
        r.reg_name as registered_name,
        s.n as same_name_count
    from feed f
    left join person r on r.row_id = f.row_id
    left join same_name s on s.row_id = f.row_id
)
select f.* from final f
left join dept_keep_floor k on k.department = f.department
cross join (select max(month) as latest from dept_feed_month_all) m
where f.match_status <> 'not_registered'
   or (k.department is not null  -- a rule for 非登记人口 reads this department's records: from its floor up
       and coalesce(f.amount >= case when f.month = m.latest then k.latest_month else k.earlier_months end,
                    k.earlier_months is null));
create table if not exists dept_kept_record as from dept_new_record limit 0;
-- A kept month that was the latest is not any more: its records outside the register below the earlier months'
-- floor go (the what-if page moves D02 in the latest month only).
delete from dept_kept_record d
using dept_keep_floor k
where k.department = d.department and d.match_status = 'not_registered'
  and d.month < (select max(month) from dept_feed_month_all)
  and not coalesce(d.amount >= k.earlier_months, k.earlier_months is null);
-- Stored in the order the page reads the records to check (a month, the records to check first, a scope's villages
-- together): a month's and a scope's row groups are found from DuckDB's min/max per row group, not by scanning 3 M
-- rows (部门比对's list of records to check: 0.12 → 0.02 s, province warehouse). A kept month's rows stay together.
insert into dept_kept_record by name select * from dept_new_record order by month, match_status, village_code;
alter table dept_kept_record rename to dept_record;

-- dept_match: the records that touch the register or need a person to look (everything but not_registered),
-- with the reason in Chinese. Grain: department record. A view over dept_record, which is stored in the order its
-- readers need: a table of its own copied 0.6 M rows a monthly batch (≈ 1.5 s with the checkpoint that wrote them).
create view dept_match as
select
    row_id, department, month, id_number, id_legacy, name, registered_name, village_code, township_code,
    county_code, household_id, match_status,
    case match_status
        when 'matched' then '证件号码与姓名均一致'
        when 'name_mismatch' then '证件号码在册，姓名与登记不一致'
        when 'id_suspect' then '证件号码不在册；同村有1名同名登记人员，疑似证件号码有误'
        when 'ambiguous' then '证件号码不在册；同村有' || same_name_count || '名同名登记人员，无法确定'
    end || case when id_legacy then '（15位旧号码已转换）' else '' end as match_reason
from dept_record
where match_status <> 'not_registered';
