-- 部门数据比对 over the months: records received, matched, hits and candidates per department and month.
-- Grain: one row per department × month with records.
-- Params: $scope_prefix (varchar), $area_prefix (varchar)
select department, month, sum(received) as received, sum(matched) as matched, sum(hits) as hits,
       sum(candidates) as candidates
from dept_feed_month
where starts_with(township_code, $scope_prefix) and starts_with(township_code, $area_prefix)
group by all
order by month, department
