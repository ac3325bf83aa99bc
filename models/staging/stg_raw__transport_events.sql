{{ keyed_incremental_config(['shipment_id', 'event_code', 'event_at']) }}
-- The natural key is the whole row: every landed version of a key is the same
-- event, so the latest version (macro latest_per_key) differs from the others
-- only in its load. A group by key gives the same rows without ranking every
-- landed event (the largest raw table); `_load_id`, the incremental watermark,
-- is the latest load that carried the event.
with latest as (
    select
        landed.shipment_id,
        landed.event_code,
        landed.event_at,
        max(landed._load_id) as _load_id
    from {{ source('raw', 'transport_events') }} as landed
    {{- join_touched_keys(source('raw', 'transport_events'), ['shipment_id', 'event_code', 'event_at']) }}
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

select * from final
