with latest as (
    {{ latest_per_key(source('raw', 'phone_calls'), ['call_id']) }}
),

final as (
    select
        call_id,
        seller_id,
        started_at,
        {{ to_local('started_at') }} as started_at_local,
        {{ local_date('started_at') }} as started_date,
        answered,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
