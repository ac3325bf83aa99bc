-- Landed sellers with their country and GroeiStart boundary (SPEC §7, §12):
-- the week of the 100th order (every order, FBB and cancelled too, ranked by
-- its earliest ordered_at, ties by order_id). Until and including that week,
-- breaches never become strikes.
with sellers as (
    select * from {{ ref('stg_raw__sellers') }}
),

items as (
    select * from {{ ref('stg_raw__order_items') }}
),

orders as (
    select
        seller_id,
        order_id,
        min(ordered_at) as first_ordered_at
    from items
    group by seller_id, order_id
),

ranked_orders as (
    select
        seller_id,
        order_id,
        first_ordered_at,
        row_number() over (
            partition by seller_id order by first_ordered_at, order_id
        ) as order_rank
    from orders
),

hundredth_order as (
    select
        seller_id,
        {{ iso_week_start(local_date('first_ordered_at')) }} as groeistart_last_week
    from ranked_orders
    where order_rank = {{ var('groeistart_orders') }}
),

final as (
    select
        sellers.seller_id,
        sellers.display_name,
        sellers.country,
        hundredth_order.groeistart_last_week
    from sellers
    left join hundredth_order
        on hundredth_order.seller_id = sellers.seller_id
)

select * from final
