-- What-if: move the department comparison thresholds — D01 (医保 self-paid after reimbursement, registered
-- people), D02 (the same for other rural people: new-identification candidates) and D05 (教育 non-compulsory
-- self-paid) — and see who would be caught in the month, against the reference thresholds (department_rules.csv),
-- with the same warehouse macro ingest uses (dept_rule_fired). People are counted once per rule (by ID number).
-- Grain: one row per county (or township, with $group_by = 'township') in scope with a record either way.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar),
--   $group_by (varchar: 'county' or 'township'), $d01 (double), $d02 (double), $d05 (double)
with ref as (
    select d01, d02, d05 from dept_thresholds
),
runs as (
    select f.rule_id, f.id_number, f.household_id, f.village_code, true as scenario, false as reference
    from dept_rule_fired($month, $d01, $d02, $d05) f
    where f.rule_id in ('D01', 'D02', 'D05')
      and starts_with(f.village_code, $scope_prefix) and starts_with(f.village_code, $area_prefix)
    union all
    select f.rule_id, f.id_number, f.household_id, f.village_code, false, true
    from ref r, dept_rule_fired($month, r.d01, r.d02, r.d05) f
    where f.rule_id in ('D01', 'D02', 'D05')
      and starts_with(f.village_code, $scope_prefix) and starts_with(f.village_code, $area_prefix)
),
people as (
    select
        rule_id, id_number,
        case when $group_by = 'township' then left(any_value(village_code), 9) else left(any_value(village_code), 6) end
            as area_code,
        bool_or(scenario) as in_scenario, bool_or(reference) as in_reference
    from runs
    group by rule_id, id_number
),
by_area as (
    select
        area_code,
        count(*) filter (where rule_id = 'D01' and in_reference) as d01_stored,
        count(*) filter (where rule_id = 'D01' and in_scenario) as d01_scenario,
        count(*) filter (where rule_id = 'D01' and in_scenario and not in_reference) as d01_become,
        count(*) filter (where rule_id = 'D05' and in_reference) as d05_stored,
        count(*) filter (where rule_id = 'D05' and in_scenario) as d05_scenario,
        count(*) filter (where rule_id = 'D05' and in_scenario and not in_reference) as d05_become,
        count(*) filter (where rule_id = 'D02' and in_reference) as d02_stored,
        count(*) filter (where rule_id = 'D02' and in_scenario) as d02_scenario,
        count(*) filter (where rule_id = 'D02' and in_scenario and not in_reference) as d02_become
    from people
    group by area_code
),
final as (
    select
        a.area_code,
        coalesce(t.township_name, k.county_name) as area_name,
        k.county_name,
        a.* exclude (area_code),
        (a.d01_scenario - a.d01_stored) + (a.d05_scenario - a.d05_stored) + (a.d02_scenario - a.d02_stored)
            as dept_change
    from by_area a
    left join ref_township t on t.township_code = a.area_code
    left join ref_county k on k.county_code = left(a.area_code, 6)
)
select * from final
order by area_code
