-- The platform's measured weeks: from its first to its last week with
-- activity (a non-REVIEWS indicator with a denominator, or a submitted
-- review). Every seller spine ends at the last of these (SPEC §12).
-- The weekly counts exist for the weeks built; a review after the run's
-- window is in a week not measured yet (the one in progress on a Wednesday),
-- which would otherwise enter the spines and six-week scores half-built.
-- A table (a few dozen rows): as a view, each of the models and tests that read
-- it scanned the weekly counts and every review again.
{{ config(materialized='table') }}
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
    select week_start, 1 as is_measured from counts
    union all
    select week_start, case when week_start < {{ week_window_end() }} then 1 else 0 end as is_measured
    from reviews
),

bounds as (
    select
        min(week_start) as first_week,
        max(case when is_measured = 1 then week_start end) as last_week
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

select * from final
