-- category_transition_month: households entering or leaving 脱贫监测户 and 边缘户 in a month. Built once at
-- ingest so that 月核查's counts (queries/month_check_by_county.sql) and the records behind them
-- (queries/month_check_records.sql) read the same rows and cannot drift apart.
-- The previous category is the household's category in the calendar month before (null: not in the register
-- that month — a 新增户; in the warehouse's first month every household has no previous month).
-- An edge household leaves monitoring when the province marks it 销号 (防返贫意见 三（三）: 经乡（镇）汇总填报、县级审核后，
-- 由省扶贫办……予以销号标注): it stays 边缘户 in the register, so its first 省级销号 month counts as edge_out.
-- Grain: household × month × kind (monitor_in / monitor_out / edge_in / edge_out).
create table category_transition_month as
with hm as (
    select
        cur.household_id, cur.county_code, cur.month, cur.household_category,
        prev.household_category as prev_category
    from household_month cur
    left join household_month prev
        on prev.household_id = cur.household_id and prev.month = cast(cur.month - interval 1 month as date)
),
kinds as (
    select 'monitor_in' as kind, '脱贫监测户' as category, true as entering
    union all select 'monitor_out', '脱贫监测户', false
    union all select 'edge_in', '边缘户', true
    union all select 'edge_out', '边缘户', false
),
final as (
    select hm.month, hm.county_code, hm.household_id, k.kind, hm.prev_category, hm.household_category
    from hm
    join kinds k
        on case
            when k.entering then hm.household_category = k.category and coalesce(hm.prev_category, '') <> k.category
            else hm.household_category <> k.category and hm.prev_category = k.category
        end
),
edge_cleared as (
    select month, county_code, household_id, 'edge_out' as kind, '边缘户' as prev_category,
           '边缘户（省级销号）' as household_category
    from clearance_month
    where household_category = '边缘户' and clearance_stage = '省级销号'
    qualify row_number() over (partition by household_id order by month) = 1
)
select * from final
union all
select c.* from edge_cleared c
where not exists (  -- left the class the same month: counted once
    select 1 from final f where f.household_id = c.household_id and f.month = c.month and f.kind = 'edge_out'
)
order by month, household_id, kind;
