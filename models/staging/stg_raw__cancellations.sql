with latest as (
    {{ latest_per_key(source('raw', 'cancellations'), ['order_item_id']) }}
),

final as (
    select
        order_item_id,
        cancelled_at,
        {{ local_date('cancelled_at') }} as cancelled_date,
        initiated_by,
        reason_code,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
