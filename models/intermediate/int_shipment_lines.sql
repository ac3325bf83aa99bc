-- Shipment lines with their transporter's rules: a line carries a valid
-- track & trace code iff it is a PARCEL of a tracked transporter whose code
-- fully matches the transporter's pattern (case sensitive, untrimmed). An
-- unknown transporter is untracked and has no pattern (SPEC §3, §12).
with shipments as (
    select * from {{ ref('stg_raw__shipments') }}
),

transporters as (
    select * from {{ ref('transporters') }}
),

final as (
    select
        shipments.shipment_id,
        shipments.order_item_id,
        shipments.shipped_at,
        shipments.shipped_date,
        shipments.transporter_code,
        shipments.track_and_trace,
        shipments.parcel_type,
        shipments.handed_over_at,
        coalesce(
            shipments.parcel_type = 'PARCEL'
            and transporters.tracked
            and shipments.track_and_trace is not null
            and transporters.tnt_pattern is not null
            and {{ regex_full_match('shipments.track_and_trace', 'transporters.tnt_pattern') }},
            false
        ) as has_valid_code
    from shipments
    left join transporters
        on transporters.transporter_code = shipments.transporter_code
)

select * from final
