-- Returns of landed sellers, attributed to the seller on the return row.
with returns as (
    select * from {{ ref('stg_raw__returns') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

final as (
    select
        returns.return_id,
        returns.order_item_id,
        returns.seller_id,
        sellers.country,
        returns.registered_at,
        returns.registered_date,
        {{ iso_week_start('returns.registered_date') }} as registered_week,
        returns.quantity,
        greatest(returns._load_id, sellers._load_id) as _load_id
    from returns
    inner join sellers
        on sellers.seller_id = returns.seller_id
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
