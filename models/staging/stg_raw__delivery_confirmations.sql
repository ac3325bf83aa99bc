{{ keyed_incremental_config(['order_item_id']) }}
with latest as (
    {{ latest_per_key(source('raw', 'delivery_confirmations'), ['order_item_id']) }}
),

final as (
    select
        order_item_id,
        asked_at,
        answer,
        -- the incremental watermark (macro latest_per_key)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
