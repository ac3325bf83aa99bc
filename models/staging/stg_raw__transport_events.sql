{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['shipment_id', 'event_code', 'event_at'],
) }}
-- The natural key is the whole row: every landed version of a key is the same
-- event, so the latest version (macro latest_per_key) differs from the others
-- only in its load. A group by key gives the same rows without ranking every
-- landed event (the largest raw table); `_load_id` (what the keyed models compare)
-- is the latest load that carried the event. Incrementally, that load is one of
-- those landed since the last build (their ids are above every earlier one), so
-- only the new loads are read.
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
