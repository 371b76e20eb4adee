-- Rows that ingest quarantined, counted per table, file and reason.
-- Grain: one row per table × file × reason code.
-- Params: none (quarantine is an administrator's view of the batch, not of households)
select table_name, file, reason_code, count(*) as rows, min(message) as example_message
from quarantine
group by all
order by rows desc, table_name, file, reason_code
