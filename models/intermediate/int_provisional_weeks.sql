-- The weeks in progress that are measured, as fct_platform_weeks decides for
-- the finalised ones: from the first week after the last finalised one up to
-- the last week in progress with activity (a non-REVIEWS indicator with a
-- denominator, or a review submitted), as of the run's moment. A week in
-- progress with nothing landed yet has no rows anywhere.
{{ config(materialized='table') }}
{% set weeks = provisional_weeks() %}
with activity as (
    select week_start from {{ ref('int_provisional_week_counts') }}
    where denominator > 0
    union all
    select {{ iso_week_start('submitted_date') }} as week_start
    from {{ ref('int_reviews') }}
    where {{ event_dates_in_weeks('submitted_date', weeks) }}
),

bounds as (
    select max(week_start) as last_week from activity
),

final as (
    select
        weeks.week_start,
        weeks.iso_year,
        weeks.iso_week,
        {{ provisional_as_of_instant() }} as as_of
    from {{ ref('int_weeks') }} as weeks
    inner join bounds
        on weeks.week_start <= bounds.last_week
    where {{ in_event_weeks('weeks.week_start', weeks) }}
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
