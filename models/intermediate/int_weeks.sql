-- Every ISO week the warehouse can measure: its Monday, ISO year and number,
-- and its measurement cut-off (the Wednesday after it, 06:00 local).
with days as (
    {{ dbt.date_spine('day', "cast('2015-01-05' as date)", "cast('2037-01-05' as date)") }}
),

mondays as (
    select cast(date_day as date) as week_start
    from days
    where {{ iso_day_of_week('cast(date_day as date)') }} = 1
),

final as (
    select
        week_start,
        {{ iso_year('week_start') }} as iso_year,
        {{ iso_week('week_start') }} as iso_week,
        cast({{ dbt.dateadd('day', 7, 'week_start') }} as date) as week_end_exclusive,
        {{ dbt.dateadd('hour', 9 * 24 + 6, 'cast(week_start as timestamp)') }} as measurement_cutoff_local,
        -- A running week number, so "n weeks later" is plain arithmetic.
        cast({{ dbt.datediff("cast('2015-01-05' as date)", 'week_start', 'day') }} / 7 as integer) as week_index
    from mondays
)

select * from final
