-- One row per order item of a landed seller, with everything the item-based
-- indicators need: cancellation, promise date, on-time delivery (tracked first
-- attempt, or the customer's answer) and VVB handover (SPEC §4, §12).
with items as (
    select * from {{ ref('stg_raw__order_items') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

cancellations as (
    select * from {{ ref('stg_raw__cancellations') }}
),

lines as (
    select * from {{ ref('int_shipment_lines') }}
),

events as (
    select * from {{ ref('stg_raw__transport_events') }}
),

confirmations as (
    select * from {{ ref('stg_raw__delivery_confirmations') }}
),

item_lines as (
    select
        order_item_id,
        count(*) as shipment_lines,
        max(case when has_valid_code then 1 else 0 end) = 1 as is_tracked,
        min(handed_over_at) as first_handed_over_at
    from lines
    group by order_item_id
),

-- The first delivery attempt over the item's tracked lines only.
first_attempts as (
    select
        lines.order_item_id,
        min(events.event_date) as first_attempt_date
    from lines
    inner join events
        on events.shipment_id = lines.shipment_id
    where lines.has_valid_code
        and events.event_code in (
            'DELIVERY_ATTEMPTED', 'DELIVERED_AT_NEIGHBOURS', 'DELIVERED_AT_CUSTOMER', 'AT_PICK_UP_POINT'
        )
    group by lines.order_item_id
),

joined as (
    select
        items.order_item_id,
        items.order_id,
        items.seller_id,
        sellers.country,
        items.ordered_at,
        items.ordered_date,
        {{ iso_week_start('items.ordered_date') }} as ordered_week,
        items.product_group,
        items.fulfilment_method,
        items.shipping_method,
        items.time_frame_type,
        items.promise_date,
        {{ iso_week_start('items.promise_date') }} as promise_week,
        items.latest_handover_at,
        items.latest_handover_date,
        {{ iso_week_start('items.latest_handover_date') }} as latest_handover_week,
        cancellations.order_item_id is not null as is_cancelled,
        cancellations.cancelled_date,
        {{ iso_week_start('cancellations.cancelled_date') }} as cancelled_week,
        cancellations.initiated_by as cancellation_initiated_by,
        coalesce(item_lines.shipment_lines, 0) as shipment_lines,
        coalesce(item_lines.is_tracked, false) as is_tracked,
        first_attempts.first_attempt_date,
        confirmations.answer as confirmation_answer,
        item_lines.first_handed_over_at
    from items
    inner join sellers
        on sellers.seller_id = items.seller_id
    left join cancellations
        on cancellations.order_item_id = items.order_item_id
    left join item_lines
        on item_lines.order_item_id = items.order_item_id
    left join first_attempts
        on first_attempts.order_item_id = items.order_item_id
    left join confirmations
        on confirmations.order_item_id = items.order_item_id
),

final as (
    select
        *,
        case
            when shipment_lines = 0 then false
            when is_tracked then coalesce(first_attempt_date <= promise_date, false)
            else coalesce(confirmation_answer <> 'NOT_RECEIVED', true)
        end as is_delivered_on_time,
        coalesce(first_handed_over_at <= latest_handover_at, false) as is_handed_over_on_time,
        -- Counted cancellation: seller or system always; a customer only after the promise date.
        case
            when not is_cancelled then false
            when cancellation_initiated_by in ('SELLER', 'SYSTEM') then true
            when cancellation_initiated_by = 'CUSTOMER' then cancelled_date > promise_date
            else false
        end as is_counted_cancellation
    from joined
)

select * from final
