-- The comparison thresholds the 情景推演 page can move, as data/reference/department_rules.csv sets them (省定参数):
-- D01 医保 self-paid for registered people, D02 医保 self-paid for other rural people, D05 教育 self-paid.
-- Grain: one row.
-- Params: none (reference data)
select d01, d02, d05 from dept_thresholds
