{{ by_key_config(['order_item_id']) }}
with latest as (
    {{ latest_per_key(source('raw', 'order_items'), ['order_item_id']) }}
),

final as (
    select
        order_item_id,
        order_id,
        seller_id,
        ordered_at,
        {{ to_local('ordered_at') }} as ordered_at_local,
        {{ local_date('ordered_at') }} as ordered_date,
        product_group,
        ean,
        quantity,
        unit_price,
        fulfilment_method,
        shipping_method,
        time_frame_type,
        latest_delivery_date,
        exact_delivery_date,
        expiry_date,
        -- The promise date: an exact delivery date when agreed, else the latest one.
        coalesce(exact_delivery_date, latest_delivery_date) as promise_date,
        latest_handover_at,
        {{ to_local('latest_handover_at') }} as latest_handover_at_local,
        {{ local_date('latest_handover_at') }} as latest_handover_date,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
