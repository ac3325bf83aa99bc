{{ keyed_incremental_config(['return_id']) }}
with latest as (
    {{ latest_per_key(source('raw', 'returns'), ['return_id']) }}
),

final as (
    select
        return_id,
        order_item_id,
        seller_id,
        registered_at,
        {{ local_date('registered_at') }} as registered_date,
        quantity,
        main_reason,
        -- the incremental watermark (macro latest_per_key)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
