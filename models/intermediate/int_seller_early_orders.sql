-- Each seller's first orders in GroeiStart's ranking (SPEC §7, §12): every
-- order (FBB and cancelled too) ranked by its earliest ordered_at, ties by
-- order_id; the first `groeistart_orders` (100) are kept, every order of a
-- seller with fewer. int_sellers reads the 100th from here. `_load_id` is the
-- greatest load id of the order's items.
--
-- Incremental by seller (macros/incremental/by_key.sql), without reading the
-- sellers' history: a changed item joins its order, and a seller is ranked again
-- over its kept orders and the changed ones only when that can change them (fewer
-- than 100 kept, or the item is of a kept order or ordered no later than the
-- 100th). A seller named by a version of an item that moved (seller, order or
-- ordered_at) is ranked again from all of its items, its kept orders forgotten
-- first (the pre-hook: a seller left without items keeps no rows). Why this is
-- exact: docs/decisions/0010-groeistart-from-kept-first-orders.md.
{{ by_key_config('seller_id') }}
{{ config(
    pre_hook="{% if is_incremental() %}delete from {{ this }} where seller_id in ({{ early_orders_rescanned_sellers() }}){% endif %}",
) }}
{%- set kept_orders = var('groeistart_orders') %}
with items as (
    select seller_id, order_id, ordered_at, _load_id
    from {{ ref('stg_raw__order_items') }}
    {%- if is_incremental() %}
    where {{ changed_since_built() }}
    {%- endif %}
),

{% if is_incremental() -%}
rescanned as (
    {{ early_orders_rescanned_sellers() }}
),

-- The sellers whose kept orders the changed items can change.
reranked as (
    select items.seller_id
    from items
    left join {{ this }} as hundredth
        on hundredth.seller_id = items.seller_id
        and hundredth.order_rank = {{ kept_orders }}
    where hundredth.seller_id is null
        or items.ordered_at <= hundredth.first_ordered_at
    union
    select items.seller_id
    from items
    inner join {{ this }} as kept
        on kept.seller_id = items.seller_id
        and kept.order_id = items.order_id
),

candidate_orders as (
    select seller_id, order_id, first_ordered_at, _load_id
    from {{ this }}
    where seller_id in (select seller_id from reranked)
        and seller_id not in (select seller_id from rescanned)
    union all
    select seller_id, order_id, min(ordered_at) as first_ordered_at, max(_load_id) as _load_id
    from items
    where seller_id in (select seller_id from reranked)
        and seller_id not in (select seller_id from rescanned)
    group by seller_id, order_id
    union all
    -- Empty unless an item moved: the join then reads the sellers' items.
    select all_items.seller_id, all_items.order_id, min(all_items.ordered_at) as first_ordered_at,
        max(all_items._load_id) as _load_id
    from {{ ref('stg_raw__order_items') }} as all_items
    where all_items.seller_id in (select seller_id from rescanned)
    group by all_items.seller_id, all_items.order_id
),

orders as (
    select seller_id, order_id, min(first_ordered_at) as first_ordered_at, max(_load_id) as _load_id
    from candidate_orders
    group by seller_id, order_id
),

{% else -%}
orders as (
    select seller_id, order_id, min(ordered_at) as first_ordered_at, max(_load_id) as _load_id
    from items
    group by seller_id, order_id
),

{% endif -%}
ranked as (
    select
        seller_id,
        order_id,
        first_ordered_at,
        row_number() over (partition by seller_id order by first_ordered_at, order_id) as order_rank,
        _load_id
    from orders
),

final as (
    select
        seller_id,
        order_id,
        first_ordered_at,
        cast(order_rank as integer) as order_rank,
        _load_id
    from ranked
    where order_rank <= {{ kept_orders }}
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
