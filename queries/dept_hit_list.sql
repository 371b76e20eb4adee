-- 部门数据比对 hit list: each hit with its evidence (department, file and line, measure, date) and the household's
-- state that month (class, monitored, red flag, a measure recorded since). Household rows.
-- Grain: one row per rule hit (rule × department record), most severe first, at most $limit rows.
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar), $department (varchar, '' = all),
--   $produces (varchar, '' = all), $limit (integer)
with hits as (
    select * from dept_hit
    where month = $month and starts_with(village_code, $scope_prefix) and starts_with(village_code, $area_prefix)
      and ($department = '' or department = $department) and ($produces = '' or produces = $produces)
),
final as (
    select
        h.rule_id, h.rule_name, h.department, h.produces, h.severity, h.name, h.id_number, h.household_id,
        c.county_name, t.township_name, v.village_name, h.village_code,
        coalesce(h.household_category, '非登记人口') as household_category,
        h.already_monitored, h.red_flag, h.measure_recorded, h.new_hit, h.evidence,
        h.file || ' 第' || h.line || '行' as source
    from hits h
    left join ref_county c on c.county_code = h.county_code
    left join ref_township t on t.township_code = h.township_code
    left join ref_village v on v.village_code = h.village_code
)
select * from final
order by case severity when '高' then 0 when '中' then 1 else 2 end, rule_id, village_code, household_id
limit $limit
