-- Phone calls of landed sellers that started inside office hours: Monday-Friday,
-- 09:00 <= local time < 17:00, not a public holiday of the seller's country.
with calls as (
    select * from {{ ref('stg_raw__phone_calls') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

final as (
    select
        calls.call_id,
        calls.seller_id,
        sellers.country,
        calls.started_at,
        calls.started_date,
        {{ iso_week_start('calls.started_date') }} as started_week,
        calls.answered
    from calls
    inner join sellers
        on sellers.seller_id = calls.seller_id
    inner join calendar
        on calendar.country = sellers.country
        and calendar.date_day = calls.started_date
    where calendar.is_counting_day
        and {{ dbt.datediff('cast(calls.started_date as timestamp)', 'calls.started_at_local', 'second') }} >= 9 * 3600
        and {{ dbt.datediff('cast(calls.started_date as timestamp)', 'calls.started_at_local', 'second') }} < 17 * 3600
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
