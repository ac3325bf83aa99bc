{{ by_key_config(['shipment_id', 'event_code', 'event_at']) }}
-- The natural key is the whole row, so a group by key (keeping the latest load)
-- gives what ranking every version would, and an incremental build reads only
-- the new loads (docs/decisions/0003-append-only-raw-latest-row-per-key.md).
with latest as (
    select
        landed.shipment_id,
        landed.event_code,
        landed.event_at,
        max(landed._load_id) as _load_id
    from {{ source('raw', 'transport_events') }} as landed
    {%- if is_incremental() %}
    where {{ changed_since_built('landed._load_id') }}
    {%- endif %}
    group by landed.shipment_id, landed.event_code, landed.event_at
),

final as (
    select
        shipment_id,
        event_code,
        event_at,
        {{ local_date('event_at') }} as event_date,
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
