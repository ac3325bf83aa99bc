-- Each seller's first orders in GroeiStart's ranking (SPEC §7, §12): every
-- order (FBB and cancelled too) ranked by its earliest ordered_at, ties by
-- order_id; the first `groeistart_orders` (100) are kept, every order of a
-- seller with fewer. int_sellers reads the 100th from here. `_load_id` is the
-- greatest load id of the order's items. Rebuilt whole each run: incremental by
-- seller did not pay at `tenth` (docs/decisions/0015-by-key-only-where-it-pays.md).
{%- set kept_orders = var('groeistart_orders') %}
with items as (
    select seller_id, order_id, ordered_at, _load_id
    from {{ ref('stg_raw__order_items') }}
),

orders as (
    select seller_id, order_id, min(ordered_at) as first_ordered_at, max(_load_id) as _load_id
    from items
    group by seller_id, order_id
),

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
