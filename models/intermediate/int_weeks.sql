-- Every ISO week the warehouse can measure: its Monday, ISO year and number,
-- and its measurement cut-off (the Wednesday after it, 06:00 local).
-- The weeks whose Monday is in the calendar's days or the six days before them.
with days as (
    {{ dbt.date_spine(
        'day',
        dbt.dateadd('day', -6, "cast('" ~ calendar_first_day() ~ "' as date)"),
        "cast('" ~ calendar_end_day() ~ "' as date)"
    ) }}
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
        -- A running week number, so "n weeks later" is plain arithmetic (counted
        -- from a fixed Monday: stored rows keep their numbers if the calendar grows).
        cast({{ dbt.datediff("cast('2015-01-05' as date)", 'week_start', 'day') }} / 7 as integer) as week_index
    from mondays
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
