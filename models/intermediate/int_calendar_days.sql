-- One row per local calendar day and seller country, with what the time rules
-- need: weekday, public holiday (seed from the `holidays` package) and the
-- running count of "counting days" (Monday-Friday, not a holiday) that the
-- response-SLA deadlines step through.
with days as (
    {{ dbt.date_spine('day', "cast('" ~ calendar_first_day() ~ "' as date)", "cast('" ~ calendar_end_day() ~ "' as date)") }}
),

countries as (
    select 'NL' as country
    union all
    select 'BE' as country
),

holidays as (
    select distinct country, cast(holiday_date as date) as holiday_date
    from {{ ref('public_holidays') }}
),

flagged as (
    select
        cast(days.date_day as date) as date_day,
        countries.country,
        {{ iso_day_of_week('cast(days.date_day as date)') }} as iso_day_of_week,
        holidays.holiday_date is not null as is_holiday
    from days
    cross join countries
    left join holidays
        on holidays.country = countries.country
        and holidays.holiday_date = cast(days.date_day as date)
),

final as (
    select
        date_day,
        country,
        iso_day_of_week,
        is_holiday,
        (iso_day_of_week <= 5 and not is_holiday) as is_counting_day,
        -- Counting days up to and including this day; the first counting day
        -- strictly after `date_day` has sequence number counting_days_through + 1.
        sum(case when iso_day_of_week <= 5 and not is_holiday then 1 else 0 end) over (
            partition by country order by date_day rows between unbounded preceding and current row
        ) as counting_days_through
    from flagged
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
