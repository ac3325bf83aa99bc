{{ keyed_incremental_config(['seller_id']) }}
with latest as (
    {{ latest_per_key(source('raw', 'sellers'), ['seller_id']) }}
),

final as (
    select
        seller_id,
        display_name,
        country,
        registered_at,
        -- the incremental watermark (macro latest_per_key)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
