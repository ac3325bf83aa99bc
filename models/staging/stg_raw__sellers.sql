with latest as (
    {{ latest_per_key(source('raw', 'sellers'), ['seller_id']) }}
),

final as (
    select
        seller_id,
        display_name,
        country,
        registered_at,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
