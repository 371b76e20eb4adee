-- Remaining poor persons and households per county for one month, with incidence per 10,000
-- registered persons.
-- Grain: one row per county in the viewer's scope.
-- Params: $month (date), $scope_prefix (varchar)
with counties as (
    select month, county_code, county_name, city_name, persons, remaining_poor_persons, remaining_poor_households
    from summary_county_month
    where month = $month
      and starts_with(county_code, $scope_prefix)
),
final as (
    select
        county_code, county_name, city_name, remaining_poor_persons, remaining_poor_households,
        case when persons > 0 then 10000.0 * remaining_poor_persons / persons end as incidence_per_10k
    from counties
)
select * from final
order by remaining_poor_persons desc, county_code
