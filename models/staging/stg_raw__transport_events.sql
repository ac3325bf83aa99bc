{{ keyed_incremental_config(['shipment_id', 'event_code', 'event_at']) }}
with latest as (
    {{ latest_per_key(source('raw', 'transport_events'), ['shipment_id', 'event_code', 'event_at']) }}
),

final as (
    select
        shipment_id,
        event_code,
        event_at,
        {{ local_date('event_at') }} as event_date,
        -- the incremental watermark (macro latest_per_key)
        _load_id
    from latest
)

select * from final
