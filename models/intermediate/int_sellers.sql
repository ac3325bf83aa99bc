-- Landed sellers with their country and GroeiStart boundary (SPEC §7, §12):
-- the week of the 100th order (every order, FBB and cancelled too, ranked by
-- its earliest ordered_at, ties by order_id). Until and including that week,
-- breaches never become strikes.
--
-- Incremental by seller. A seller is recomputed when its own row changed, or
-- when a changed order item (any landed version of it, old or new) belonged to
-- it and was ordered at or before its 100th order (or it has no 100th order
-- yet): a change after the 100th order cannot move it. `_load_id` is the
-- greatest load id of the seller's row and of its items up to the 100th order,
-- so it does not move when only later items change.
{{ keyed_incremental_config('seller_id') }}
with sellers as (
    select * from {{ ref('stg_raw__sellers') }}
),

items as (
    select * from {{ ref('stg_raw__order_items') }}
),

{% if is_incremental() -%}
changed_versions as (
    select landed.seller_id, landed.ordered_at
    from {{ source('raw', 'order_items') }} as landed
    {{- join_touched_keys(source('raw', 'order_items'), ['order_item_id']) }}
),

touched as (
    select seller_id from sellers where {{ changed_since_built() }}
    union
    select changed_versions.seller_id
    from changed_versions
    left join {{ this }} as built
        on built.seller_id = changed_versions.seller_id
    where built.hundredth_ordered_at is null
        or changed_versions.ordered_at <= built.hundredth_ordered_at
),

{% endif -%}
seller_items as (
    select * from items
    {%- if is_incremental() %}
    where seller_id in (select seller_id from touched)
    {%- endif %}
),

orders as (
    select
        seller_id,
        order_id,
        min(ordered_at) as first_ordered_at
    from seller_items
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
        first_ordered_at as hundredth_ordered_at,
        {{ iso_week_start(local_date('first_ordered_at')) }} as groeistart_last_week
    from ranked_orders
    where order_rank = {{ var('groeistart_orders') }}
),

item_loads as (
    select
        seller_items.seller_id,
        max(seller_items._load_id) as _load_id
    from seller_items
    left join hundredth_order
        on hundredth_order.seller_id = seller_items.seller_id
    where hundredth_order.hundredth_ordered_at is null
        or seller_items.ordered_at <= hundredth_order.hundredth_ordered_at
    group by seller_items.seller_id
),

final as (
    select
        sellers.seller_id,
        sellers.display_name,
        sellers.country,
        hundredth_order.groeistart_last_week,
        hundredth_order.hundredth_ordered_at,
        greatest(sellers._load_id, coalesce(item_loads._load_id, 0)) as _load_id
    from sellers
    left join hundredth_order
        on hundredth_order.seller_id = sellers.seller_id
    left join item_loads
        on item_loads.seller_id = sellers.seller_id
    {%- if is_incremental() %}
    where sellers.seller_id in (select seller_id from touched)
    {%- endif %}
)

select * from final
