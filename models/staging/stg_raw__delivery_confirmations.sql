with latest as (
    {{ latest_per_key(source('raw', 'delivery_confirmations'), ['order_item_id']) }}
),

final as (
    select
        order_item_id,
        asked_at,
        answer,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
