-- 部门数据比对: each comparison rule of department_rules.csv with its hits in the month and the households'
-- current state (already monitored, red-flagged, a measure recorded since).
-- Grain: one row per rule (enabled or not; zero hits included).
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar)
with hits as (
    select * from dept_hit
    where month = $month and starts_with(village_code, $scope_prefix) and starts_with(village_code, $area_prefix)
),
final as (
    select
        r.rule_id, r.department, r.name as rule_name, r.produces, r.severity, r.item,
        r.condition, r.threshold, r.unit, r.threshold_source, r.clause,
        count(h.row_id) as hits,
        count(h.row_id) filter (where h.new_hit) as new_hits,
        count(distinct coalesce(h.household_id, h.id_number)) as hit_households,
        count(h.row_id) filter (where h.already_monitored) as already_monitored,
        count(h.row_id) filter (where h.red_flag) as red_flagged,
        count(h.row_id) filter (where h.measure_recorded) as measure_recorded
    from ref_department_rules r
    left join hits h using (rule_id)
    group by all
)
select * from final order by rule_id
