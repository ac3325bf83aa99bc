-- The platform's measured weeks: from its first to its last week with
-- activity (a non-REVIEWS indicator with a denominator, or a submitted
-- review), up to the last week finalised as of the run (measured_weeks_end,
-- macros/time/run_parameters.sql). Every seller spine ends at the last of these
-- (SPEC §12). Bounded by the finalised weeks, not by the run's window
-- (docs/decisions/0004-weeks-finalised-wednesday-0600.md).
-- A table (a few dozen rows): as a view, each of the models and tests that read
-- it scanned the weekly counts and every review again.
{{ config(materialized='table') }}
{% set measured_end = "cast('" ~ measured_weeks_end() ~ "' as date)" %}
with counts as (
    select week_start from {{ ref('fct_seller_week_indicator_counts') }}
    where denominator > 0
),

reviews as (
    select {{ iso_week_start('reviews.submitted_date') }} as week_start
    from {{ ref('stg_raw__reviews') }} as reviews
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = reviews.seller_id
),

activity as (
    select week_start from counts
    union all
    select week_start from reviews
),

bounds as (
    select
        min(week_start) as first_week,
        max(case when week_start < {{ measured_end }} then week_start end) as last_week
    from activity
),

final as (
    select
        weeks.week_start,
        weeks.iso_year,
        weeks.iso_week,
        weeks.week_index
    from {{ ref('int_weeks') }} as weeks
    inner join bounds
        on weeks.week_start >= bounds.first_week
        and weeks.week_start <= bounds.last_week
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
