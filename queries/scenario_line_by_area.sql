-- What-if: move the monitoring line and the rule thresholds (department 风险 rules D01 / D05 count in the score). For each county (or township) in scope:
-- the stored 脱贫监测户 / 边缘户 / red-flagged counts, and the scenario counts = stored + (rules at the
-- scenario thresholds − the same rules at the reference thresholds), with how many would become or
-- stop being each. At the reference thresholds every delta is zero: the scenario equals the stored data.
-- Grain: one row per county (or township, with $group_by = 'township') in scope.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar),
--   $group_by (varchar: 'county' or 'township'), $line (double), $t02 (double),
--   $t09 (double), $min_score (integer), $d01 (double, D01 医保 self-paid), $d05 (double, D05 教育 self-paid)
with ref as (
    select w.t01 as line, w.t02, w.t09, d.d01, d.d05 from warning_thresholds w, dept_thresholds d
),
settings as (
    select * from warning_settings
),
households as (
    select b.*, case when $group_by = 'township' then b.township_code else b.county_code end as area_code
    from household_income_base b
    where starts_with(b.household_id, $scope_prefix) and starts_with(b.household_id, $area_prefix)
),
classes as (
    select
        h.area_code,
        count(*) filter (where h.household_category = '脱贫监测户') as monitor_stored,
        count(*) filter (where h.household_category = '边缘户') as edge_stored,
        count(*) filter (where lifted and h.income_pc < $line and h.has_risk
                         and not (h.income_pc < r.line)) as monitor_become,
        count(*) filter (where lifted and not (h.income_pc < $line) and h.has_risk
                         and h.income_pc < r.line) as monitor_stop,
        count(*) filter (where not lifted and h.poverty_attribute = '非贫困户' and h.income_pc < $line and h.has_risk
                         and not (h.income_pc < r.line)) as edge_become,
        count(*) filter (where not lifted and h.poverty_attribute = '非贫困户' and not (h.income_pc < $line)
                         and h.has_risk and h.income_pc < r.line) as edge_stop
    from (select *, exit_year is not null and poverty_attribute <> '非贫困户' as lifted from households) h
    cross join ref r
    group by h.area_code
),
scores as (
    select h.household_id, h.rule_id, h.severity, 'scenario' as run
    from rule_hits($month, $line, $t02, $t09, $d01, $d05) h
    where starts_with(h.household_id, $scope_prefix) and starts_with(h.household_id, $area_prefix)
    union all
    select h.household_id, h.rule_id, h.severity, 'reference'
    from ref r, rule_hits($month, r.line, r.t02, r.t09, r.d01, r.d05) h
    where starts_with(h.household_id, $scope_prefix) and starts_with(h.household_id, $area_prefix)
),
red as (
    select household_id,
           coalesce(sum(case severity when '高' then s.s_high when '中' then s.s_mid else s.s_low end)
                    filter (where run = 'scenario'), 0) >= $min_score as red_scenario,
           coalesce(sum(case severity when '高' then s.s_high when '中' then s.s_mid else s.s_low end)
                    filter (where run = 'reference'), 0) >= s.min_score as red_reference
    from scores cross join settings s
    group by household_id, s.min_score
),
red_area as (
    select case when $group_by = 'township' then left(w.household_id, 9) else left(w.household_id, 6) end as area_code,
           count(*) filter (where w.red_flag) as red_stored,
           count(*) filter (where coalesce(r.red_scenario, false) and not coalesce(r.red_reference, false)) as red_become,
           count(*) filter (where not coalesce(r.red_scenario, false) and coalesce(r.red_reference, false)) as red_stop
    from warning_flag_month w
    left join red r using (household_id)
    where w.month = $month
      and starts_with(w.household_id, $scope_prefix) and starts_with(w.household_id, $area_prefix)
    group by all
),
final as (
    select
        c.area_code,
        coalesce(t.township_name, k.county_name) as area_name,
        k.county_name,
        c.monitor_stored, c.monitor_become, c.monitor_stop,
        c.monitor_stored + c.monitor_become - c.monitor_stop as monitor_scenario,
        c.edge_stored, c.edge_become, c.edge_stop,
        c.edge_stored + c.edge_become - c.edge_stop as edge_scenario,
        coalesce(ra.red_stored, 0) as red_stored, coalesce(ra.red_become, 0) as red_become,
        coalesce(ra.red_stop, 0) as red_stop,
        coalesce(ra.red_stored, 0) + coalesce(ra.red_become, 0) - coalesce(ra.red_stop, 0) as red_scenario
    from classes c
    left join red_area ra using (area_code)
    left join ref_township t on t.township_code = c.area_code
    left join ref_county k on k.county_code = left(c.area_code, 6)
)
select * from final
order by area_code
