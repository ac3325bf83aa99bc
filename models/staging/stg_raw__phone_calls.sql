{{ keyed_incremental_config(['call_id']) }}
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
        -- the incremental watermark (macro latest_per_key)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
