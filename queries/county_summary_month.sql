-- Every figure of summary_county_month for the counties in the viewer's scope, for one month.
-- Grain: one row per county.
-- Params: $month (date), $scope_prefix (varchar, bound from the viewer)
select *
from summary_county_month
where month = $month
  and starts_with(county_code, $scope_prefix)
order by county_code
