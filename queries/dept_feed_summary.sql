-- 部门数据比对: what each department sent in the month and what became of it, in the selected area.
-- Grain: one row per department (all ten, zero when a department sent nothing).
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar)
with feed as (
    select * from dept_feed_month
    where month = $month and starts_with(township_code, $scope_prefix) and starts_with(township_code, $area_prefix)
),
departments as (
    select unnest(['民政', '医保', '卫健', '教育', '人社', '住建', '水利', '残联', '公安', '应急']) as department,
           unnest(range(10)) as ord
),
final as (
    select
        d.department,
        coalesce(sum(f.received), 0) as received,
        coalesce(sum(f.loaded), 0) as loaded,
        coalesce(sum(f.quarantined), 0) as quarantined,
        coalesce(sum(f.matched), 0) as matched,
        coalesce(sum(f.name_mismatch), 0) as name_mismatch,
        coalesce(sum(f.id_suspect), 0) as id_suspect,
        coalesce(sum(f.ambiguous), 0) as ambiguous,
        coalesce(sum(f.not_registered), 0) as not_registered,
        coalesce(sum(f.legacy_ids), 0) as legacy_ids,
        coalesce(sum(f.hits), 0) as hits,
        coalesce(sum(f.candidates), 0) as candidates
    from departments d
    left join feed f using (department)
    group by d.department, d.ord
    order by d.ord
)
select * from final
