with latest as (
    {{ latest_per_key(source('raw', 'sellers'), ['seller_id']) }}
),

final as (
    select
        seller_id,
        display_name,
        country,
        registered_at,
        -- the load of this version: the models incremental by key compare it (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
