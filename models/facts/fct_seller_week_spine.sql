-- One row per seller and week from the seller's first week with activity to
-- the platform's last week (SPEC §12). Weeks without activity are clean weeks.
with counts as (
    select seller_id, week_start from {{ ref('fct_seller_week_indicator_counts') }}
    where denominator > 0
),

reviews as (
    select
        reviews.seller_id,
        {{ iso_week_start('reviews.submitted_date') }} as week_start
    from {{ ref('stg_raw__reviews') }} as reviews
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = reviews.seller_id
),

first_activity as (
    select seller_id, min(week_start) as first_week
    from (
        select seller_id, week_start from counts
        union all
        select seller_id, week_start from reviews
    ) as activity
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
)

select * from final
