{{ week_window_config(weeks_after='all') }}
-- One row per seller and week from the seller's first week with activity to
-- the platform's last week (SPEC §12). Weeks without activity are clean weeks.
-- Rebuilt from the window's first week on: a weekly run appends the new week
-- for every seller; the weeks before the window are finalised, so a seller's
-- first week is its first row before the window, else its first activity in it.
{% set window_start = "cast('" ~ week_start_min() ~ "' as date)" %}
with counts as (
    select seller_id, week_start from {{ ref('fct_seller_week_indicator_counts') }}
    where denominator > 0
    {% if is_incremental() %}and week_start >= {{ window_start }}{% endif %}
),

reviews as (
    select
        reviews.seller_id,
        {{ iso_week_start('reviews.submitted_date') }} as week_start
    from {{ ref('stg_raw__reviews') }} as reviews
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = reviews.seller_id
    {% if is_incremental() %}where reviews.submitted_date >= {{ window_start }}{% endif %}
),

activity as (
    select seller_id, week_start from counts
    union all
    select seller_id, week_start from reviews
    {% if is_incremental() %}
    union all
    select seller_id, min(week_start) as week_start
    from {{ this }}
    where week_start < {{ window_start }}
    group by seller_id
    {% endif %}
),

first_activity as (
    select seller_id, min(week_start) as first_week
    from activity
    group by seller_id
),

final as (
    select
        first_activity.seller_id,
        weeks.week_start,
        weeks.iso_year,
        weeks.iso_week,
        weeks.week_index
    from first_activity
    inner join {{ ref('fct_platform_weeks') }} as weeks
        on weeks.week_start >= first_activity.first_week
    where {{ in_open_week_window('weeks.week_start') }}
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
