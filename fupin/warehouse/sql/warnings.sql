-- Return-to-poverty monitoring (月核查): rule hits with evidence, red flags and their lifecycle,
-- 销号 progress, the monthly visit SLA for edge households, and category recomputation.
-- Rule thresholds, severities and settings come from ref_warning_rules / ref_warning_settings
-- (data/reference), never from code; only what each rule_id tests is written here.

-- warning_thresholds / warning_settings: the reference thresholds and settings as one typed row each,
-- read by the rules below, the summaries and the what-if queries.
create view warning_thresholds as
select
    max(case when rule_id = 'R01' then try_cast(threshold as double) end) as t01,
    max(case when rule_id = 'R02' then try_cast(threshold as double) end) as t02,
    max(case when rule_id = 'R09' then try_cast(threshold as double) end) as t09
from ref_warning_rules;

create view warning_settings as
select
    max(case when key = 'red_flag_min_score' then cast(value as integer) end) as min_score,
    max(case when key = 'score_高' then cast(value as integer) end) as s_high,
    max(case when key = 'score_中' then cast(value as integer) end) as s_mid,
    max(case when key = 'score_低' then cast(value as integer) end) as s_low,
    max(case when key = 'monitor_line' then cast(value as double) end) as line,
    max(case when key = 'rural_avg_income' then cast(value as double) end) as rural_avg,
    max(case when key = 'clearance_stuck_days' then cast(value as integer) end) as stuck_days,
    max(case when key = 'open_long_days' then cast(value as integer) end) as long_days,
    max(case when key = 'measure_due_days' then cast(value as integer) end) as measure_due_days
from ref_warning_settings;

-- household_relief: the first 临时救助 measure recorded for each household (春季攻势意见 三（四）5 asks for it for
-- households with a confirmed or suspected case), read by R05 and the monitoring checks.
create table household_relief as
select household_id, min(measure_date) as first_relief_date, count(*) as relief_measures
from stg_measure
where measure_type = '临时救助'
group by all
order by household_id;

-- monitor_month: one row per monitoring record, with the register as of that month.
create table monitor_month as
with final as (
    select
        m.household_id, m.month, v.village_code,
        left(v.village_code, 9) as township_code, left(v.village_code, 6) as county_code,
        m.household_category, m.income_estimate, m.income_last_year, coalesce(m.risk_points, '') as risk_points,
        m.red_mark as exported_red_mark, m.clearance_stage,
        m.village_filed_date, m.township_reviewed_date, m.county_audited_date, m.province_recorded_date,
        m.township_filed_date, m.county_reviewed_date, m.province_cleared_date,
        v.household_size, v.poverty_attribute, v.exit_year, v.risk_type, v.income_per_capita,
        v.food_clothing_ok, v.education_ok, v.medical_ok, v.housing_ok, v.water_ok, v.epidemic_impact
    from stg_monitoring m
    join household_version v
      on v.household_id = m.household_id
     and m.month >= v.valid_from and (v.valid_to is null or m.month < v.valid_to)
)
select * from final order by household_id, month;

-- register_rule_hits(month, t01, t02, t09): which register rule (warning_rules.csv) fired for which
-- household-month, with the values that triggered it, for the given thresholds — a table macro, so that ingest
-- (with the thresholds of data/reference) and the what-if page (with an analyst's thresholds) run the very same
-- rules. Each rule tests what its clause (ref_warning_rules.clause) says; p_month null = every month.
create macro register_rule_hits(p_month, t01, t02, t09) as table
with rules as (
    select rule_id, name, severity,
           case rule_id when 'R01' then t01 when 'R02' then t02 when 'R09' then t09 end as t,
           string_split(applies_to, '|') as applies, enabled = '1' as enabled
    from ref_warning_rules
),
mm as (
    select m.*, r.rule_id, r.t
    from monitor_month m
    join rules r on r.enabled and list_contains(r.applies, m.household_category)
    where p_month is null or m.month = p_month
),
hits as (
    -- R01: below the line AND a risk point recorded this month (below the line alone is the class definition)
    select household_id, month, rule_id,
           '预估年人均纯收入 ' || cast(income_estimate as bigint) || ' 元，低于 ' || cast(t as bigint) || ' 元；风险点：'
           || replace(risk_points, '；', '、') as evidence
    from mm where rule_id = 'R01' and income_estimate < t and trim(risk_points) <> ''
    union all
    select household_id, month, rule_id,
           '预估 ' || cast(income_estimate as bigint) || ' 元，比上年 ' || cast(income_last_year as bigint) || ' 元下降 '
           || round(100 * (1 - income_estimate / income_last_year), 1) || '%（阈值 ' || round(100 * t) || '%）'
    from mm where rule_id = 'R02' and income_last_year > 0 and income_estimate < income_last_year * (1 - t)
    union all
    select household_id, month, rule_id,
           concat_ws('、',
               case when not food_clothing_ok or contains(risk_points, '吃穿不愁') then '吃穿' end,
               case when not education_ok or contains(risk_points, '义务教育') then '义务教育' end,
               case when not medical_ok or contains(risk_points, '基本医疗') then '基本医疗' end,
               case when not housing_ok or contains(risk_points, '住房安全') then '住房安全' end) || ' 未保障'
    from mm where rule_id = 'R03' and (not food_clothing_ok or not education_ok or not medical_ok or not housing_ok
        or contains(risk_points, '吃穿不愁') or contains(risk_points, '义务教育')
        or contains(risk_points, '基本医疗') or contains(risk_points, '住房安全'))
    union all
    select household_id, month, rule_id, '饮水安全未保障'
    from mm where rule_id = 'R04' and (not water_ok or contains(risk_points, '饮水安全'))
    union all
    -- R05: a confirmed or suspected case in the family and no 临时救助 recorded by the month's end
    select mm.household_id, mm.month, mm.rule_id,
           case when epidemic_impact = '家庭成员确诊' or contains(risk_points, '家庭成员确诊') then '家庭成员确诊' else '家庭成员疑似' end
           || '，截至' || strftime(last_day(mm.month), '%Y-%m-%d') || '未记录临时救助措施'
    from mm left join household_relief rl using (household_id)
    where mm.rule_id = 'R05' and (epidemic_impact in ('家庭成员确诊', '家庭成员疑似')
        or contains(risk_points, '家庭成员确诊') or contains(risk_points, '家庭成员疑似'))
      and (rl.first_relief_date is null or rl.first_relief_date > last_day(mm.month))
    union all
    select household_id, month, rule_id, '当月风险点：因灾'
    from mm where rule_id = 'R06' and contains(risk_points, '因灾')
    union all
    -- R07: 家庭变故, which the clause names (意外事故 alone is not 家庭变故)
    select household_id, month, rule_id,
           case when contains(risk_points, '家庭变故') then '当月风险点：家庭变故' else '户信息返贫致贫风险：家庭变故' end
    from mm where rule_id = 'R07' and (contains(risk_points, '家庭变故') or risk_type = '家庭变故')
    union all
    select household_id, month, rule_id,
           '务工受阻，预估收入比上年下降 ' || round(100 * (1 - income_estimate / income_last_year), 1) || '%'
    from mm where rule_id = 'R09' and income_last_year > 0 and income_estimate < income_last_year * (1 - t)
        and (contains(risk_points, '务工受阻') or epidemic_impact = '务工受阻')
)
select h.household_id, h.month, h.rule_id, r.name as rule_name, r.severity, h.evidence
from hits h
join rules r using (rule_id)
;

-- rule_hits(month, t01, t02, t09, d01, d05): every rule that counts in the red-flag score, for the what-if page —
-- the register rules, and each department comparison hit that produces 风险 (department_rules.csv, dept_rule_fired
-- of dept_rules.sql; d01 / d05: the D01 / D05 thresholds) on a monitored household-month, with its severity and
-- evidence (department, measure, date). Ingest builds warning_hit from the same two parts at the reference
-- thresholds, the department part from dept_fired (the macro evaluated once).
create macro rule_hits(p_month, t01, t02, t09, d01, d05) as table
select * from register_rule_hits(p_month, t01, t02, t09)
union all
select d.household_id, d.month, d.rule_id, d.rule_name, d.severity, d.department || '：' || d.evidence as evidence
from dept_rule_fired(p_month, d01, null, d05) d
semi join monitor_month m on m.household_id = d.household_id and m.month = d.month
where d.produces = '风险';

create table warning_hit as
with register as (
    select h.* from warning_thresholds t, register_rule_hits(null, t.t01, t.t02, t.t09) h
),
department as (  -- as in rule_hits
    select d.household_id, d.month, d.rule_id, d.rule_name, d.severity, d.department || '：' || d.evidence as evidence
    from dept_fired d
    semi join monitor_month m on m.household_id = d.household_id and m.month = d.month
    where d.produces = '风险'
)
select * from register
union all
select * from department
order by household_id, month, rule_id;

-- warning_flag_month: the red flag per household-month (score of the rules that fired against the
-- threshold in settings) and its lifecycle: new / continuing / cleared, first month raised, days open.
create table warning_flag_month as
with settings as (
    select * from warning_settings
),
scores as (
    select
        h.household_id, h.month,
        sum(case h.severity when '高' then s.s_high when '中' then s.s_mid else s.s_low end) as score,
        list(h.rule_id order by h.rule_id) as rules
    from warning_hit h, settings s
    group by all
),
base as (
    select
        m.household_id, m.month, m.village_code, m.township_code, m.county_code, m.household_category,
        m.income_estimate, m.exported_red_mark,
        coalesce(sc.score, 0) as score,
        coalesce(sc.rules, []::varchar[]) as rules,
        coalesce(sc.score, 0) >= s.min_score as red_flag
    from monitor_month m
    left join scores sc using (household_id, month)
    cross join settings s
),
life as (
    select *, coalesce(lag(red_flag) over (partition by household_id order by month), false) as prev_red
    from base
),
final as (
    select
        *,
        case
            when red_flag and not prev_red then 'new'
            when red_flag then 'continuing'
            when prev_red then 'cleared'
        end as flag_status,
        case when red_flag then max(case when red_flag and not prev_red then month end) over (
            partition by household_id order by month rows between unbounded preceding and current row) end as first_raised
    from life
)
select *, case when red_flag then date_diff('day', first_raised, last_day(month)) + 1 end as open_days
from final
order by household_id, month;

-- clearance_month: the 销号 stage each monitored household stands at, since when, and whether stuck.
create table clearance_month as
with settings as (
    select * from warning_settings
),
base as (
    select
        household_id, month, village_code, township_code, county_code, household_category, clearance_stage,
        greatest(village_filed_date, township_reviewed_date, county_audited_date, province_recorded_date,
                 township_filed_date, county_reviewed_date, province_cleared_date) as stage_date
    from monitor_month
    where clearance_stage <> '未启动'
)
select
    b.*,
    b.clearance_stage in ('省级备案', '省级销号') as cleared,
    date_diff('day', b.stage_date, last_day(b.month)) as days_waiting,
    b.clearance_stage not in ('省级备案', '省级销号')
        and date_diff('day', b.stage_date, last_day(b.month)) > s.stuck_days as stuck
from base b cross join settings s
order by household_id, month;

-- visit_sla_month: every edge household in every month, and whether its contact person got in touch.
create table visit_sla_month as
with edge as (
    select month, household_id, village_code, township_code, county_code
    from household_month
    where household_category = '边缘户'
),
visits as (
    select household_id, date_trunc('month', visit_date) as month, count(*) as visits,
           string_agg(distinct method, '、' order by method) as methods
    from stg_visit
    group by all
)
select e.*, coalesce(v.visits, 0) as visits, v.methods, coalesce(v.visits, 0) > 0 as visited
from edge e
left join visits v using (household_id, month)
order by month, household_id;

-- dq_category_mismatch: the policy's class definitions recomputed for every household's latest
-- state and compared with the exported 户类别. Listed as findings, never overwritten. A household whose latest
-- monitoring record has completed 销号 (省级备案 / 省级销号, clearance_month.cleared) has left monitoring by the
-- notice's procedure (三（三）): its income now above the line is why it left, not a wrong 户类别.
create table dq_category_mismatch as
with settings as (
    select * from warning_settings
),
latest_monitor as (
    select * from monitor_month
    qualify row_number() over (partition by household_id order by month desc) = 1
),
cleared as (
    select l.household_id
    from latest_monitor l join clearance_month c using (household_id, month)
    where c.cleared
),
latest_hits as (
    select h.household_id, count(*) as n_hits
    from warning_hit h join latest_monitor l using (household_id, month)
    group by all
),
state as (
    select
        h.household_id, h.village_code, h.household_category as exported, h.poverty_attribute, h.exit_year,
        coalesce(l.income_estimate, h.income_per_capita) as income,
        (nullif(h.risk_type, '') is not null or coalesce(l.risk_points, '') <> '' or coalesce(lh.n_hits, 0) > 0) as has_risk
    from stg_household h
    left join latest_monitor l using (household_id)
    left join latest_hits lh using (household_id)
),
expected as (
    select
        st.*,
        case
            when st.poverty_attribute = '非贫困户' then
                case when st.income < s.line and st.has_risk then '边缘户' else '不符合边缘户标准' end
            when st.exit_year is null then '未脱贫户'
            when st.income < s.line and st.has_risk then '脱贫监测户'
            when st.income >= s.rural_avg then '不享受政策的脱贫户'
            else '享受政策的脱贫户'
        end as expected,
        s.line, s.rural_avg
    from state st cross join settings s
)
select
    household_id, village_code, left(village_code, 6) as county_code, exported, expected, income, has_risk,
    case
        when expected = '不符合边缘户标准' then '非贫困户的年人均纯收入 ' || cast(income as bigint) || ' 元不低于 ' || cast(line as bigint) || ' 元或无致贫风险'
        when expected = '脱贫监测户' then '已脱贫，收入 ' || cast(income as bigint) || ' 元低于 ' || cast(line as bigint) || ' 元且有返贫风险'
        when exported = '脱贫监测户' then '收入 ' || cast(income as bigint) || ' 元不低于 ' || cast(line as bigint) || ' 元或无返贫风险'
        when expected = '不享受政策的脱贫户' then '收入 ' || cast(income as bigint) || ' 元达到全省农村居民平均水平 ' || cast(rural_avg as bigint) || ' 元'
        when exported = '不享受政策的脱贫户' then '收入 ' || cast(income as bigint) || ' 元低于全省农村居民平均水平 ' || cast(rural_avg as bigint) || ' 元'
        else '户类别与脱贫年度、贫困户属性不一致'
    end as reason
from expected
where expected <> exported
  and household_id not in (select household_id from cleared)
order by household_id;
