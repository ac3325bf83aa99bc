with latest as (
    {{ latest_per_key(source('raw', 'returns'), ['return_id']) }}
),

final as (
    select
        return_id,
        order_item_id,
        seller_id,
        registered_at,
        {{ local_date('registered_at') }} as registered_date,
        quantity,
        main_reason
    from latest
)

select * from final
