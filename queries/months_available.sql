-- Months that the warehouse holds data for, newest first.
-- Grain: one row per month.
-- Params: none
select distinct month
from summary_county_month
order by month desc
