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
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
