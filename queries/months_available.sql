-- Months that the current batch holds data for, newest first.
-- Grain: one row per month.
-- Params: none (batch metadata, no household data)
select cast(m || '-01' as date) as month
from (select unnest(months) as m from ingest_batch)
order by month desc
