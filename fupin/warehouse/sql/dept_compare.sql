-- dept_hit: the comparison rules of data/reference/department_rules.csv applied to each month's department
-- records. This file only says what each rule id tests; thresholds, who a rule applies to, severity and what it
-- produces (风险 / 两不愁三保障问题 / 数据纠错 / 新识别候选) are the reference data.
-- Grain: rule × department record. Only confirmed matches (match_status = 'matched') fire rules on registered
-- households; rules for 非登记人口 fire on not_registered records only (never on a suspect or ambiguous one).
create table dept_hit as
with rules as (
    select rule_id, department, name as rule_name, severity, produces, item, applies_to,
           string_split(applies_to, '|') as applies, try_cast(nullif(threshold, '') as double) as t,
           threshold
    from ref_department_rules
    where enabled = '1'
),
outside_min as (  -- the lowest amount any 非登记人口 rule needs: everything below it is skipped early
    select coalesce(min(t), 0) as t from rules where list_contains(applies, '非登记人口')
),
rec as (
    select d.*, coalesce(hm.household_category, h.household_category) as household_category,
           coalesce(wf.red_flag, false) as red_flag
    from dept_record d
    left join household_month hm on hm.household_id = d.household_id and hm.month = d.month
    left join stg_household h on h.household_id = d.household_id
    left join warning_flag_month wf on wf.household_id = d.household_id and wf.month = d.month
    where d.match_status = 'matched'
       or (d.match_status = 'not_registered' and d.amount >= (select t from outside_min))
),
fired as (
    select r.rule_id, r.rule_name, r.severity, r.produces, r.item, r.threshold, rec.*
    from rec
    join rules r on r.department = rec.department
    where (
        case when rec.match_status = 'matched' then list_contains(r.applies, rec.household_category)
             else list_contains(r.applies, '非登记人口') end
    ) and (
        case r.rule_id
            when 'D01' then rec.amount >= r.t
            when 'D02' then rec.amount >= r.t
            when 'D03' then true
            when 'D04' then rec.category = '义务教育' and rec.status = '辍学'
            when 'D05' then rec.category <> '义务教育' and rec.amount > r.t
            when 'D06' then rec.status in ('登记失业', '返乡待业') or rec.months >= r.t
            when 'D07' then rec.category >= r.threshold
            when 'D08' then rec.status = '不达标'
            when 'D09' then true
            when 'D10' then rec.category in ('低保', '特困供养')
            when 'D11' then rec.category = '临时救助' and rec.amount >= r.t
            when 'D12' then rec.status = '死亡'
            when 'D13' then rec.status = '迁出'
            when 'D14' then rec.amount >= r.t
            when 'D15' then rec.amount >= r.t
            else false
        end
    )
),
sources as (  -- file and line of each record, for the evidence
    select _row_id, _file, _line from raw_dept_civil
    union all select _row_id, _file, _line from raw_dept_medical
    union all select _row_id, _file, _line from raw_dept_health
    union all select _row_id, _file, _line from raw_dept_education
    union all select _row_id, _file, _line from raw_dept_labour
    union all select _row_id, _file, _line from raw_dept_housing
    union all select _row_id, _file, _line from raw_dept_water
    union all select _row_id, _file, _line from raw_dept_disability
    union all select _row_id, _file, _line from raw_dept_police
    union all select _row_id, _file, _line from raw_dept_disaster
),
final as (
    select
        f.month, f.rule_id, f.rule_name, f.department, f.severity, f.produces, f.item,
        f.row_id, s._file as file, s._line as line,
        f.id_number, f.id_legacy, f.name, f.household_id, f.village_code, f.township_code, f.county_code,
        f.match_status, f.household_category, f.red_flag,
        f.household_category in ('脱贫监测户', '边缘户') as already_monitored,
        f.household_id is not null and exists (
            select 1 from stg_measure m where m.household_id = f.household_id and m.measure_date >= f.month
        ) as measure_recorded,
        f.amount, f.event_date,
        case f.department
            when '民政' then f.category || '，救助金额 ' || printf('%,.0f', f.amount) || '元'
            when '医保' then '本年累计个人自付 ' || printf('%,.0f', f.amount) || '元（医疗总费用 '
                || printf('%,.0f', f.total_cost) || '元）'
            when '卫健' then '确诊' || f.category
            when '教育' then f.category || '，学籍状态' || f.status || '，本学年自付 ' || printf('%,.0f', f.amount) || '元'
            when '人社' then f.status || '，连续未缴费' || f.months || '个月'
            when '住建' then '房屋鉴定为' || f.category
            when '水利' then '饮水安全' || f.status || coalesce('（' || f.category || '）', '')
            when '残联' then f.category || '残疾' || f.grade || '（' || f.status || '）'
            when '公安' then '户口' || case f.status when '死亡' then '注销（死亡）' else '迁出省外' end
            when '应急' then f.category || '，直接经济损失 ' || printf('%,.0f', f.amount) || '元'
        end || '，' || strftime(f.event_date, '%Y-%m-%d') as evidence,
        row_number() over (partition by f.rule_id, f.id_number order by f.month, f.row_id) = 1 as new_hit
    from fired f
    left join sources s on s._row_id = f.row_id
)
select * from final order by month, rule_id, row_id;

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

-- dept_feed_month: what each department sent and what became of it, by township.
-- Grain: department × month × township (township_code; quarantined rows by the area code they gave).
create table dept_feed_month as
with loaded as (
    select department, month, township_code,
           count(*) as loaded,
           count(*) filter (where match_status = 'matched') as matched,
           count(*) filter (where match_status = 'name_mismatch') as name_mismatch,
           count(*) filter (where match_status = 'id_suspect') as id_suspect,
           count(*) filter (where match_status = 'ambiguous') as ambiguous,
           count(*) filter (where match_status = 'not_registered') as not_registered,
           count(*) filter (where id_legacy) as legacy_ids
    from dept_record
    group by all
),
quarantined as (
    select department, month, left(area_code, 9) as township_code, count(*) as quarantined
    from dept_quarantine_area
    group by all
),
hits as (
    select department, month, township_code,
           count(*) filter (where produces <> '新识别候选') as hits,
           count(distinct household_id) filter (where produces <> '新识别候选') as dept_households_hit,
           count(distinct id_number) filter (where produces = '新识别候选') as candidates
    from dept_hit
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
