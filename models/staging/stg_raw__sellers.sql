with latest as (
    {{ latest_per_key(source('raw', 'sellers'), ['seller_id']) }}
),

final as (
    select
        seller_id,
        display_name,
        country,
        registered_at
    from latest
)

select * from final
