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

-- dept_feed_count: the loaded records by department, month and township, before matching: what dept_feed_month
-- counts, including the records outside the register that dept_record does not keep.
create table dept_feed_count as
select department, month, left(village_code, 9) as township_code, count(*) as loaded,
       count(*) filter (where id_legacy) as legacy_ids
from dept_feed_row
group by all;

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
            else min(case when rule_id = 'D02' then least(t, 1000) else t end) end as latest_month
from r
group by department;

-- dept_record: the department records matched to the register (家庭成员) by the normalised ID number and confirmed
-- by name: every record that touches the register, and the records outside it that a rule for 非登记人口 can use
-- (at or above dept_keep_floor); the rest are only counted (dept_feed_count → dept_feed_month). Storing all 17 M
-- records of a province batch cost ≈50 CPU-s; 80 % of them are people outside the register that no rule reads.
-- Grain: department record (row_id). match_status:
--   matched         ID in the register and the same name
--   name_mismatch   ID in the register, another name (listed for the township to check; no rule fires)
--   id_suspect      ID not in the register, but exactly one registered person of that name in that village
--   ambiguous       ID not in the register, several registered people of that name in that village
--   not_registered  neither: a person outside the register (the usual case)
create table dept_record as
with register as (  -- each registered person's latest version: stg_member (one row per ID number, its latest month)
    select id_number, name as reg_name, household_id from stg_member
),
same_name as (  -- registered people by village and name, for records whose ID is not in the register
    select left(household_id, 12) as village_code, reg_name as name, count(*) as n,
           min(household_id) as household_id
    from register
    group by all
),
final as (
    select
        f.row_id, f.file, f.line, f.department, f.month, f.id_number, coalesce(f.id_legacy, false) as id_legacy, f.name,
        f.village_code, left(f.village_code, 9) as township_code, left(f.village_code, 6) as county_code,
        f.category, f.status, f.grade, f.months, f.amount, f.total_cost, f.event_date,
        case
            when r.id_number is not null and r.reg_name = f.name then 'matched'
            when r.id_number is not null then 'name_mismatch'
            when s.n = 1 then 'id_suspect'
            when s.n > 1 then 'ambiguous'
            else 'not_registered'
        end as match_status,
        coalesce(r.household_id, s.household_id) as household_id,
        r.reg_name as registered_name,
        s.n as same_name_count
    from dept_feed_row f
    left join register r on r.id_number = f.id_number
    left join same_name s on r.id_number is null and s.village_code = f.village_code and s.name = f.name
)
select f.* from final f
left join dept_keep_floor k on k.department = f.department
cross join (select max(month) as latest from dept_feed_row) m
where f.match_status <> 'not_registered'
   or (k.department is not null  -- a rule for 非登记人口 reads this department's records: from its floor up
       and coalesce(f.amount >= case when f.month = m.latest then k.latest_month else k.earlier_months end,
                    k.earlier_months is null));

-- dept_match: the records that touch the register or need a person to look (everything but not_registered),
-- with the reason in Chinese. Grain: department record.
create table dept_match as
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
where match_status <> 'not_registered'
-- Stored in the order the page reads it (a month, the records to check first, a scope's villages together): the
-- month's and the scope's row groups are found from DuckDB's min/max per row group, not by scanning 3 M rows
-- (部门比对's list of records to check: 0.12 → 0.02 s, province warehouse).
order by month, match_status, village_code;
