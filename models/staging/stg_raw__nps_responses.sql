with latest as (
    {{ latest_per_key(source('raw', 'nps_responses'), ['response_id']) }}
),

final as (
    select
        response_id,
        seller_id,
        case_id,
        responded_at,
        {{ local_date('responded_at') }} as responded_date,
        score,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
