with latest as (
    {{ latest_per_key(source('raw', 'customer_questions'), ['case_id']) }}
),

final as (
    select
        case_id,
        seller_id,
        order_item_id,
        created_at,
        {{ to_local('created_at') }} as created_at_local,
        {{ local_date('created_at') }} as created_date,
        first_response_at,
        {{ to_local('first_response_at') }} as first_response_at_local,
        forwarded_by_bol,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
