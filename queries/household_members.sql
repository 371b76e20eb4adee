-- The members of one household (latest record of each member).
-- Grain: one row per member.
-- Params: $household_id (varchar), $scope_prefix (varchar, from the viewer)
select name, id_number, relation, sex, birth_date, labour_ability, health, schooling, migrant_status, work_place
from stg_member
where household_id = $household_id
  and starts_with(household_id, $scope_prefix)
order by case relation when '户主' then 0 else 1 end, birth_date
