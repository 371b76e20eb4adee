-- One household's monthly monitoring history: income estimate, rules fired, red flag, 销号 stage.
-- Grain: one row per month the household was monitored.
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select
    m.month, m.household_category, m.income_estimate, m.income_last_year, m.risk_points,
    f.score, f.rules, f.red_flag, f.flag_status, f.first_raised, f.open_days, m.exported_red_mark,
    m.clearance_stage, m.village_filed_date, m.township_reviewed_date, m.county_audited_date,
    m.province_recorded_date, m.township_filed_date, m.county_reviewed_date, m.province_cleared_date
from monitor_month m
join warning_flag_month f using (household_id, month)
where m.household_id = $household_id
  and starts_with(m.household_id, $scope_prefix)
order by m.month
