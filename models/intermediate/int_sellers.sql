-- Landed sellers with their country and GroeiStart boundary (SPEC §7, §12):
-- the week of the 100th order (every order, FBB and cancelled too, ranked by
-- its earliest ordered_at, ties by order_id; int_seller_early_orders). Until
-- and including that week, breaches never become strikes.
--
-- A table rebuilt every run: one row per seller, from the sellers and their
-- kept first orders (at most 100 each). `_load_id` is the greatest load id of
-- the seller's row and of the items of those orders; downstream models read
-- it to find sellers whose row changed.
with sellers as (
    select * from {{ ref('stg_raw__sellers') }}
),

early_orders as (
    select * from {{ ref('int_seller_early_orders') }}
),

hundredth_order as (
    select
        seller_id,
        first_ordered_at as hundredth_ordered_at,
        {{ iso_week_start(local_date('first_ordered_at')) }} as groeistart_last_week
    from early_orders
    where order_rank = {{ var('groeistart_orders') }}
),

order_loads as (
    select seller_id, max(_load_id) as _load_id
    from early_orders
    group by seller_id
),

final as (
    select
        sellers.seller_id,
        sellers.display_name,
        sellers.country,
        hundredth_order.groeistart_last_week,
        hundredth_order.hundredth_ordered_at,
        greatest(sellers._load_id, coalesce(order_loads._load_id, 0)) as _load_id
    from sellers
    left join hundredth_order
        on hundredth_order.seller_id = sellers.seller_id
    left join order_loads
        on order_loads.seller_id = sellers.seller_id
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
