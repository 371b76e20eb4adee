-- 部门数据比对: new-identification candidates (政策找人: non-registered rural people with a large medical bill or a
-- disaster loss) counted per village — aggregates only, no names.
-- Grain: one row per village with at least one candidate in the month.
-- Params: $month (date), $scope_prefix (varchar), $area_prefix (varchar)
with cand as (
    select * from dept_hit
    where produces = '新识别候选' and month = $month
      and starts_with(village_code, $scope_prefix) and starts_with(village_code, $area_prefix)
),
final as (
    select
        c.county_code, co.county_name, t.township_name, c.village_code, v.village_name,
        count(distinct c.id_number) as candidates,
        count(*) filter (where c.department = '医保') as medical,
        count(*) filter (where c.department = '应急') as disaster,
        max(c.amount) as max_amount
    from cand c
    left join ref_county co on co.county_code = c.county_code
    left join ref_township t on t.township_code = c.township_code
    left join ref_village v on v.village_code = c.village_code
    group by all
)
select * from final order by candidates desc, max_amount desc, village_code
