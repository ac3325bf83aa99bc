with latest as (
    {{ latest_per_key(source('raw', 'reviews'), ['review_id']) }}
),

final as (
    select
        review_id,
        seller_id,
        order_id,
        submitted_at,
        {{ local_date('submitted_at') }} as submitted_date,
        grade,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
