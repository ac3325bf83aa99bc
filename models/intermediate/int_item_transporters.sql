-- Which transporters each order item was shipped with, and the item's order: an
-- item-based event matches a transporter-scoped circumstance when any of its
-- shipment lines used that transporter; a review (order-based) when any line of
-- any item of its order did (SPEC §12); `order_id` is NULL for an item not
-- landed. Incremental by order item: an item is recomputed when its staging
-- row or one of its shipment lines changed.
{{ by_key_config('order_item_id') }}
-- Each input is read by two CTEs, so it is referenced directly, not through an
-- import CTE (docs/decisions/0009-inputs-referenced-where-used.md).
with
{% if is_incremental() -%}
touched as (
    select order_item_id from {{ ref('stg_raw__shipments') }} where {{ changed_since_built() }}
    union
    select order_item_id from {{ ref('stg_raw__order_items') }} where {{ changed_since_built() }}
),

{% endif -%}
-- Both sides restricted to the touched items before the join, so a weekly run
-- never builds a hash table over every item.
item_shipments as (
    select * from {{ ref('stg_raw__shipments') }}
    {%- if is_incremental() %}
    where order_item_id in (select order_item_id from touched)
    {%- endif %}
),

shipped_items as (
    select * from {{ ref('stg_raw__order_items') }}
    {%- if is_incremental() %}
    where order_item_id in (select order_item_id from touched)
    {%- endif %}
),

final as (
    select
        item_shipments.order_item_id,
        shipped_items.order_id,
        item_shipments.transporter_code,
        max(greatest(item_shipments._load_id, coalesce(shipped_items._load_id, 0))) as _load_id
    from item_shipments
    -- Left: a question may point at an item whose order_items row is not landed.
    left join shipped_items
        on shipped_items.order_item_id = item_shipments.order_item_id
    group by 1, 2, 3
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
