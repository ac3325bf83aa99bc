-- Reviews of landed sellers that no EXCLUDE_EVENTS circumstance takes out
-- (matched by submitted date; transporter scope through any shipment of any
-- item of the reviewed order).
-- A view: its one reader, fct_seller_week_reviews, reads every review each
-- week (the fallback to all reviews before the week), so a table would be
-- rewritten whole every week (8–9 s at marketplace scale, ~2 s of it computing).
{{ config(materialized='view') }}
with reviews as (
    select
        reviews.review_id as event_key,
        reviews.review_id,
        reviews.seller_id,
        sellers.country,
        reviews.order_id,
        reviews.order_id as link_id,
        reviews.submitted_date,
        reviews.submitted_date as match_date,
        {{ iso_week_start('reviews.submitted_date') }} as submitted_week,
        reviews.grade
    from {{ ref('stg_raw__reviews') }} as reviews
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = reviews.seller_id
),

kept as (
    {{ without_excluded_events('reviews', 'REVIEWS', link='order') }}
),

final as (
    select
        review_id,
        seller_id,
        country,
        order_id,
        submitted_date,
        submitted_week,
        grade
    from kept
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
