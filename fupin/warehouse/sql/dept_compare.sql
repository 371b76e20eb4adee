-- dept_hit: the comparison rules of data/reference/department_rules.csv applied to each month's department
-- records (dept_fired: the macro dept_rule_fired of dept_rules.sql at the reference thresholds), with the evidence's
-- file and line and the household's state: class, red flag that month (a 风险 hit counts in that flag's score,
-- warnings.sql), already monitored, a measure recorded since.
-- Grain: rule × department record.
create table dept_hit as
with fired as (  -- the rules at the reference thresholds (dept_fired), with the household's red flag that month
    select f.*, coalesce(wf.red_flag, false) as red_flag
    from dept_fired f
    left join warning_flag_month wf on wf.household_id = f.household_id and wf.month = f.month
),
first_hit as (  -- each rule's first record of a person, by month and then row: that hit is new (新发现). A grouped
                -- minimum: a window over 0.67 M rows ordered each partition's evidence text too (1.2 s)
    select rule_id, id_number, min({'month': month, 'row_id': row_id}) as first from dept_fired group by all
),
last_measure as (  -- a measure recorded since the hit's month: the household's last is on or after it (an exists
                   -- per hit joined 0.55 M household-months to the measures: 0.6 s)
    select household_id, max(measure_date) as measure_date from stg_measure group by household_id
),
final as (
    select
        f.month, f.rule_id, f.rule_name, f.department, f.severity, f.produces, f.item,
        f.row_id, f.file, f.line,
        f.id_number, f.id_legacy, f.name, f.household_id, f.village_code, f.township_code, f.county_code,
        f.match_status, f.household_category, f.red_flag,
        f.household_category in ('脱贫监测户', '边缘户') as already_monitored,
        coalesce(m.measure_date >= f.month, false) as measure_recorded,
        f.amount, f.event_date,
        f.evidence,
        coalesce(h.first = {'month': f.month, 'row_id': f.row_id}, false) as new_hit
    from fired f
    left join first_hit h on h.rule_id = f.rule_id and h.id_number is not distinct from f.id_number
    left join last_measure m on m.household_id = f.household_id
)
select * from final order by month, village_code, rule_id, row_id;  -- a scope's month together (min/max per row group)

-- dept_quarantine_area: quarantined department rows by department, month and the area code they gave (which
-- may itself be the reason: an unknown village). Grain: quarantined row.
create table dept_quarantine_area as
with q as (
    select table_name, month, reason_code, message, record from quarantine
    where table_name in ('民政救助', '医保结算', '卫健大病', '教育学籍', '人社就业', '住建危房', '水利饮水', '残联残疾',
                         '公安户籍', '应急受灾')
)
select
    case table_name
        when '民政救助' then '民政' when '医保结算' then '医保' when '卫健大病' then '卫健' when '教育学籍' then '教育'
        when '人社就业' then '人社' when '住建危房' then '住建' when '水利饮水' then '水利' when '残联残疾' then '残联'
        when '公安户籍' then '公安' else '应急'
    end as department,
    cast(month || '-01' as date) as month,
    coalesce(trim(coalesce(
        json_extract_string(record, '$.户籍地区划代码'), json_extract_string(record, '$.参保地区划代码'),
        json_extract_string(record, '$.现住址区划代码'), json_extract_string(record, '$.户籍所在地代码'),
        json_extract_string(record, '$.户籍地行政区划'), json_extract_string(record, '$.房屋所在村代码'),
        json_extract_string(record, '$.所在村代码'), json_extract_string(record, '$.户籍地代码'),
        json_extract_string(record, '$.户籍地址代码'), json_extract_string(record, '$.受灾村代码'))), '') as area_code,
    reason_code, message
from q;

-- dept_feed_month: what each department sent and what became of it, by township. Every count of a month comes from
-- that month's comparison (dept_feed_count, dept_record, dept_hit's rules fired and the quarantine of its feed
-- files), so a month kept from the previous batch keeps its rows (比对按月冻结, dept_match.sql) and only the other
-- months are counted here (on the province: 0.9 s for every month each batch).
-- Grain: department × month × township (township_code; quarantined rows by the area code they gave).
create temp view dept_new_feed_month as
with matched as (  -- dept_record keeps every record that touches the register; the rest are counted below
    select department, month, township_code,
           count(*) filter (where match_status = 'matched') as matched,
           count(*) filter (where match_status = 'name_mismatch') as name_mismatch,
           count(*) filter (where match_status = 'id_suspect') as id_suspect,
           count(*) filter (where match_status = 'ambiguous') as ambiguous
    from dept_record
    where month >= dept_new_from() and month not in (select month from dept_kept_month)
    group by all
),
loaded as (
    select c.department, c.month, c.township_code, c.loaded,
           coalesce(m.matched, 0) as matched, coalesce(m.name_mismatch, 0) as name_mismatch,
           coalesce(m.id_suspect, 0) as id_suspect, coalesce(m.ambiguous, 0) as ambiguous,
           c.loaded - coalesce(m.matched + m.name_mismatch + m.id_suspect + m.ambiguous, 0) as not_registered,
           c.legacy_ids
    from dept_feed_count c
    left join matched m using (department, month, township_code)
    where c.month >= dept_new_from() and c.month not in (select month from dept_kept_month)
),
quarantined as (  -- a month whose every row was quarantined has no records, but is counted here
    select department, month, left(area_code, 9) as township_code, count(*) as quarantined
    from dept_quarantine_area
    where month >= dept_new_from() and month not in (select month from dept_kept_month)
    group by all
),
hits as (
    select department, month, township_code,
           count(*) filter (where produces <> '新识别候选') as hits,
           count(distinct household_id) filter (where produces <> '新识别候选') as dept_households_hit,
           count(distinct id_number) filter (where produces = '新识别候选') as candidates
    from dept_hit
    where month >= dept_new_from() and month not in (select month from dept_kept_month)
    group by all
)
select
    department, month, township_code, left(township_code, 6) as county_code,
    coalesce(l.loaded, 0) + coalesce(q.quarantined, 0) as received,
    coalesce(l.loaded, 0) as loaded, coalesce(q.quarantined, 0) as quarantined,
    coalesce(l.matched, 0) as matched, coalesce(l.name_mismatch, 0) as name_mismatch,
    coalesce(l.id_suspect, 0) as id_suspect, coalesce(l.ambiguous, 0) as ambiguous,
    coalesce(l.not_registered, 0) as not_registered, coalesce(l.legacy_ids, 0) as legacy_ids,
    coalesce(h.hits, 0) as hits, coalesce(h.dept_households_hit, 0) as dept_households_hit,
    coalesce(h.candidates, 0) as candidates
from loaded l
full join quarantined q using (department, month, township_code)
full join hits h using (department, month, township_code)
order by all;
create table if not exists dept_kept_feed_month as from dept_new_feed_month limit 0;
insert into dept_kept_feed_month by name from dept_new_feed_month;
alter table dept_kept_feed_month rename to dept_feed_month;
