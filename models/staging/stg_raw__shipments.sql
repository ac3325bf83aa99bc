{{ by_key_config(['shipment_id', 'order_item_id']) }}
with latest as (
    {{ latest_per_key(source('raw', 'shipments'), ['shipment_id', 'order_item_id']) }}
),

final as (
    select
        shipment_id,
        order_item_id,
        shipped_at,
        {{ local_date('shipped_at') }} as shipped_date,
        transporter_code,
        track_and_trace,
        parcel_type,
        handed_over_at,
        {{ to_local('handed_over_at') }} as handed_over_at_local,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
