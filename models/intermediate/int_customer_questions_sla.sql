-- Every customer question of a landed seller with its response deadline and
-- outcome (SPEC §4, §12). Deadlines are local wall-clock times:
--   24H_EXCL_WEEKENDS: 24 hours of counting time, where every hour of a
--                      Monday-Friday that is not a holiday of the seller's country counts;
--   8_WORKING_HOURS:   8 hours of office time (09:00-17:00 on those days).
-- Counting starts at created_at (or the window's opening, if later); the part
-- left over after the creation day runs from the opening of the next counting
-- day. A deadline that uses up a day's window ends at that window's end.
{% set hour_us = 3600 * 1000000 %}
with questions as (
    select * from {{ ref('stg_raw__customer_questions') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

weeks as (
    select * from {{ ref('int_weeks') }}
),

norms as (
    select * from {{ ref('service_norms') }}
    where indicator = 'RESPONSE_TIME'
),

with_sla as (
    select
        questions.case_id,
        questions.seller_id,
        sellers.country,
        questions.order_item_id,
        questions.created_at,
        questions.created_at_local,
        questions.created_date,
        {{ iso_week_start('questions.created_date') }} as created_week,
        questions.first_response_at,
        questions.first_response_at_local,
        norms.sla,
        greatest(questions._load_id, sellers._load_id) as _load_id
    from questions
    inner join sellers
        on sellers.seller_id = questions.seller_id
    left join norms
        on {{ iso_week_start('questions.created_date') }} >= cast(norms.valid_from as date)
        and {{ iso_week_start('questions.created_date') }} <= cast(norms.valid_to as date)
),

windows as (
    select
        with_sla.*,
        -- The counting window of a day, in microseconds after its midnight: a
        -- question's fractional seconds count too (a whole-second clock would
        -- put its deadline up to a second early).
        case when sla = '8_WORKING_HOURS' then {{ 9 * hour_us }} else 0 end as window_open_us,
        case when sla = '8_WORKING_HOURS' then {{ 17 * hour_us }} else {{ 24 * hour_us }} end as window_close_us,
        case when sla = '8_WORKING_HOURS' then {{ 8 * hour_us }} else {{ 24 * hour_us }} end as required_us,
        {{ dbt.datediff('cast(created_date as timestamp)', 'created_at_local', 'microsecond') }} as created_us
    from with_sla
),

first_day as (
    select
        windows.*,
        creation_day.counting_days_through,
        -- Counting time available on the creation day itself.
        case
            when creation_day.is_counting_day
                then greatest(0, window_close_us - greatest(created_us, window_open_us))
            else 0
        end as first_day_us
    from windows
    inner join calendar as creation_day
        on creation_day.country = windows.country
        and creation_day.date_day = windows.created_date
),

deadlines as (
    select
        first_day.*,
        case
            when first_day_us >= required_us
                then {{ date_plus_microseconds('created_date', 'greatest(created_us, window_open_us) + required_us') }}
            else {{ date_plus_microseconds('next_day.date_day', 'window_open_us + required_us - first_day_us') }}
        end as deadline_local
    from first_day
    -- The first counting day after the creation day. The window length equals
    -- the required time in both modes, so the remainder always fits in that one day.
    left join calendar as next_day
        on next_day.country = first_day.country
        and next_day.is_counting_day
        and next_day.counting_days_through = first_day.counting_days_through + 1
),

final as (
    select
        deadlines.case_id,
        deadlines.seller_id,
        deadlines.country,
        deadlines.order_item_id,
        deadlines.created_at,
        deadlines.created_date,
        deadlines.created_week,
        deadlines.first_response_at,
        deadlines.sla,
        deadlines.deadline_local,
        weeks.measurement_cutoff_local,
        case
            when deadlines.first_response_at_local is not null
                then case when deadlines.first_response_at_local <= deadlines.deadline_local
                    then 'ON_TIME' else 'LATE' end
            when deadlines.deadline_local < weeks.measurement_cutoff_local then 'LATE'
            else 'PENDING'
        end as response_status,
        deadlines._load_id
    from deadlines
    inner join weeks
        on weeks.week_start = deadlines.created_week
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
