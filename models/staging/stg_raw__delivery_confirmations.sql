with latest as (
    {{ latest_per_key(source('raw', 'delivery_confirmations'), ['order_item_id']) }}
),

final as (
    select
        order_item_id,
        asked_at,
        answer
    from latest
)

select * from final
