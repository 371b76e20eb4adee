-- The monitoring findings of one month (销号 before the risk is gone, no 帮扶责任人 / 联系人, red without a
-- measure, 确诊/疑似 without 临时救助, 不享受政策的脱贫户 on 财政专项扶贫资金), one check or all, in scope.
-- Households are identified by 户编号 only (no names).
-- Grain: one row per finding (household × check) in the month.
-- Params: $month (date), $scope_prefix (varchar, from the viewer), $area_prefix (varchar), $check_id (varchar,
--   '' = every check)
select f.check_id, f.check_name, f.clause, f.household_id, f.county_code, r.county_name, f.detail
from monitoring_finding f
left join ref_county r using (county_code)
where f.month = $month
  and starts_with(f.county_code, $scope_prefix)
  and starts_with(f.county_code, $area_prefix)
  and ($check_id = '' or f.check_id = $check_id)
order by f.check_id, f.county_code, f.household_id
