-- Shipment lines with their transporter's rules: a line carries a valid
-- track & trace code iff it is a PARCEL of a tracked transporter whose code
-- fully matches the transporter's pattern (case sensitive, untrimmed). An
-- unknown transporter is untracked and has no pattern (SPEC §3, §12).
-- depends_on: {{ ref('transporters') }}
-- Incremental by shipment line: only lines whose staging row changed since the
-- last build are recomputed (a changed transporters seed needs --full-refresh).
{{ by_key_config(['shipment_id', 'order_item_id']) }}
{#- One constant pattern per transporter, read from the seed when the model runs:
    a pattern taken from a joined column is recompiled for every row. -#}
{% set tracked_patterns = [] %}
{% if execute %}
    {% set pattern_rows = run_query(
        "select transporter_code, tnt_pattern from " ~ ref('transporters')
        ~ " where tracked and tnt_pattern is not null order by transporter_code"
    ) %}
    {% set tracked_patterns = pattern_rows.rows %}
{% endif %}
with shipments as (
    select * from {{ ref('stg_raw__shipments') }}
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
            and shipments.track_and_trace is not null
            {%- if tracked_patterns | length > 0 %}
            and case shipments.transporter_code
                {%- for code, pattern in tracked_patterns %}
                when {{ text_literal(code) }}
                    then {{ regex_full_match('shipments.track_and_trace', text_literal(pattern)) }}
                {%- endfor %}
                else false
            end
            {%- else %}
            and false
            {%- endif %},
            false
        ) as has_valid_code,
        shipments._load_id
    from shipments
    {%- if is_incremental() %}
    where {{ changed_since_built('shipments._load_id') }}
    {%- endif %}
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
