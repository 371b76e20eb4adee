-- work_finding: what the province hands to counties as 督办事项, one row per finding per month in which
-- it is present. `finding_key` names the finding across months (a household's red flag, a compliance
-- record, a project), so the store keeps one work item per finding: a finding that comes back re-opens its
-- item, one that disappears is marked 风险已消除 there (fupin/work/sync.py). Which kinds are raised comes
-- from ref_work_item_rules (data/reference/work_item_rules.csv, enabled = 1); deadlines are the store's.
create table work_finding as
with kinds as (
    select kind from ref_work_item_rules where enabled = '1'
),
months as (
    select distinct month from household_month
),
red_flag as (
    -- a red flag raised this month; continuing months keep the item present, cleared months drop it
    select
        'red_flag' as kind, 'RF:' || household_id as finding_key, month, county_code, township_code, village_code,
        household_id, null::varchar as record_id,
        household_category || ' 红色预警（规则 ' || array_to_string(rules, '、') || '）' as title,
        '预警分值 ' || score || '；持续 ' || open_days || ' 天；预估年人均纯收入 '
            || cast(round(income_estimate) as bigint) || ' 元' as detail
    from warning_flag_month
    where red_flag
),
stuck as (
    select
        'clearance_stuck', 'CS:' || household_id, month, county_code, township_code, village_code,
        household_id, null,
        household_category || ' 销号滞留于「' || clearance_stage || '」',
        '在该阶段已 ' || days_waiting || ' 天'
    from clearance_month
    where stuck
),
not_visited as (
    select
        'edge_not_visited', 'EV:' || household_id, month, county_code, township_code, village_code,
        household_id, null, '边缘户本月无联系人走访记录', '联系人当月未入户、未电话/微信联系'
    from visit_sla_month
    where not visited
),
overdue as (
    select
        'overdue_project', 'OP:' || p.project_id, p.month, p.county_code, left(p.village_code, 9),
        p.village_code, null, p.project_id,
        '项目逾期未开工：' || p.project_name,
        '计划开工 ' || strftime(p.planned_start_date, '%Y-%m-%d') || '，月末已逾期 '
            || date_diff('day', p.planned_start_date, last_day(p.month)) || ' 天；计划总投资 '
            || p.planned_investment || ' 万元'
    from stg_project p
    where p.actual_start_date is null and p.planned_start_date < last_day(p.month)
),
compliance as (
    -- the compliance checks run over the whole batch as of its last month: a finding stands from the month
    -- it was found until it is no longer found
    select
        'compliance', 'CF:' || f.check_id || ':' || f.record_id, m.month, f.county_code, null, null,
        null, f.record_id, f.check_id || ' ' || f.check_name, f.detail
    from compliance_finding f
    join months m on m.month >= date_trunc('month', f.found_month)
),
department as (
    -- department-comparison hits (部门数据比对) at or above the severity set in work_settings.csv, one finding per
    -- household (a person outside the register: per person) and month; the township verifies them on the spot
    select
        'department', 'DH:' || coalesce(h.household_id, 'P' || h.id_number), h.month, any_value(h.county_code),
        any_value(h.township_code), any_value(h.village_code), h.household_id, null,
        -- Lists sorted afterwards, not string_agg(… order by …): an ordered aggregate sorts each of the 470 k
        -- groups on its own (1 s each at province scale, two of them); the hits of one rule by their text.
        '部门比对：' || array_to_string(list_sort(list_distinct(list(h.rule_name))), '、')
            || case when h.household_id is null then '（非登记人口）' else '' end,
        array_to_string(
            list_transform(list_sort(list({'rule': h.rule_id, 'text': h.department || ' ' || h.evidence})),
                           lambda x: x.text),
            '；')
    from dept_hit h
    cross join (select value from ref_work_settings where key = 'department_min_severity') m
    where case h.severity when '高' then 3 when '中' then 2 else 1 end
        >= case m.value when '高' then 3 when '中' then 2 else 1 end
    group by h.month, h.household_id, coalesce(h.household_id, 'P' || h.id_number)
),
monitoring as (
    -- what the notice demands of the register and nobody did (monitoring_checks.csv: 销号 before the risk was
    -- eliminated, no 帮扶责任人 / 联系人, no measure for a red flag, no 临时救助 …)
    select
        'monitoring', 'MC:' || f.check_id || ':' || f.household_id, f.month, f.county_code,
        left(f.household_id, 9), left(f.household_id, 12), f.household_id, null,
        f.check_id || ' ' || f.check_name, f.detail
    from monitoring_finding f
),
everything as (
    select * from red_flag
    union all select * from stuck
    union all select * from not_visited
    union all select * from overdue
    union all select * from compliance
    union all select * from department
    union all select * from monitoring
)
select e.* from everything e join kinds using (kind)
order by e.month, e.kind, e.finding_key;
