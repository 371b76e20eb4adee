-- The comparison rules of data/reference/department_rules.csv as one table macro, so that ingest (with the
-- reference thresholds) and the what-if page (with an analyst's thresholds) run the very same rules; built before
-- warnings.sql because a 风险 hit counts in the red-flag score (rule_hits). This file only says what each rule id
-- tests; thresholds, who a rule applies to, severity and what it produces are the reference data.

-- dept_thresholds: the reference thresholds the what-if page can move, as one typed row.
create view dept_thresholds as
select
    max(case when rule_id = 'D01' then try_cast(threshold as double) end) as d01,
    max(case when rule_id = 'D02' then try_cast(threshold as double) end) as d02,
    max(case when rule_id = 'D05' then try_cast(threshold as double) end) as d05
from ref_department_rules;

-- dept_rule_fired(p_month, d01, d02, d05): rule × department record that fires, with the household's class that
-- month and the evidence text (department's measure and date). p_month null = every month; d01 / d02 / d05 are
-- the thresholds of D01 (医保, registered), D02 (医保, other rural people) and D05 (教育, non-compulsory).
-- Only confirmed matches (match_status = 'matched') fire rules on registered households; rules for 非登记人口
-- fire on not_registered records only (never on a suspect or ambiguous one).
create macro dept_rule_fired(p_month, d01, d02, d05) as table
with rules as (
    select rule_id, department, name as rule_name, severity, produces, item, applies_to,
           string_split(applies_to, '|') as applies,
           case rule_id
               when 'D01' then cast(d01 as double)
               when 'D02' then cast(d02 as double)
               when 'D05' then cast(d05 as double)
               else try_cast(nullif(threshold, '') as double)
           end as t,
           threshold
    from ref_department_rules
    where enabled = '1'
),
outside_min as (  -- the lowest amount any 非登记人口 rule needs: everything below it is skipped early
    select coalesce(min(t), 0) as t from rules where list_contains(applies, '非登记人口')
),
rec as (  -- the records a rule can fire on: confirmed matches with their household's class that month, and the
          -- records outside the register from the lowest 非登记人口 threshold (no household to look up)
    select d.*, coalesce(hm.household_category, h.household_category) as household_category
    from dept_record d
    left join household_month hm on hm.household_id = d.household_id and hm.month = d.month
    left join stg_household h on h.household_id = d.household_id
    where (p_month is null or d.month = p_month) and d.match_status = 'matched'
    union all by name
    select d.*, null::varchar as household_category
    from dept_record d
    where (p_month is null or d.month = p_month) and d.match_status = 'not_registered'
      and d.amount >= (select t from outside_min)
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
)
select
    f.*,
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
    end || '，' || strftime(f.event_date, '%Y-%m-%d') as evidence
from fired f;

-- dept_fired: the rules at the reference thresholds, evaluated once for each month compared (dept_new_month; a
-- month kept from the previous batch keeps its rows, see 比对按月冻结 in dept_match.sql); warnings.sql (风险 hits in
-- the red-flag score) and dept_compare.sql (dept_hit) read it, the what-if page calls the macro with its own
-- thresholds. Grain: rule × department record.
create temp view dept_new_fired as
select f.* from dept_thresholds t, dept_rule_fired(null, t.d01, t.d02, t.d05) f
where f.month >= dept_new_from() and f.month in (select month from dept_new_month);
create table if not exists dept_kept_fired as from dept_new_fired limit 0;
insert into dept_kept_fired by name from dept_new_fired;
alter table dept_kept_fired rename to dept_fired;
