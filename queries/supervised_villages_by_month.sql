-- 挂牌督战 villages (from ref_supervision) month by month up to the as-of month: remaining poor,
-- red flags, projects carried out in the village (started / all) and payments to them.
-- Grain: one row per supervised village per month.
-- Params: $month (date), $scope_prefix (varchar, from the viewer)
with listed as (
    select county_code, county_name, township_name, village_code, village_name from ref_supervision
    where level = 'village' and starts_with(county_code, $scope_prefix)
),
months as (
    select distinct month from summary_village_month where month <= $month
),
projects as (
    select p.month, p.village_code, count(*) as projects,
           count(*) filter (where p.actual_start_date is not null) as projects_started
    from stg_project p join listed l using (village_code)
    group by all
),
paid as (
    select m.month, pr.village_code, sum(pay.amount) as paid
    from months m
    join stg_payment pay on pay.payment_date <= last_day(m.month)
    join (select distinct project_id, village_code from stg_project) pr using (project_id)
    join listed l on l.village_code = pr.village_code
    group by all
),
final as (
    select
        m.month, l.county_code, l.county_name, l.township_name, l.village_code, l.village_name,
        coalesce(v.remaining_poor_persons, 0) as remaining_poor_persons,
        coalesce(v.red_flag_households, 0) as red_flag_households,
        coalesce(p.projects, 0) as projects, coalesce(p.projects_started, 0) as projects_started,
        coalesce(pd.paid, 0) as paid
    from months m
    cross join listed l
    left join summary_village_month v on v.month = m.month and v.village_code = l.village_code
    left join projects p on p.month = m.month and p.village_code = l.village_code
    left join paid pd on pd.month = m.month and pd.village_code = l.village_code
)
select * from final
order by village_code, month
