-- One row per order item of a landed seller, with everything the item-based
-- indicators need: cancellation, promise date, on-time delivery (tracked first
-- attempt, or the customer's answer) and VVB handover (SPEC §4, §12).
-- Incremental by order item: an item is recomputed when its own row, its
-- seller, its cancellation, confirmation, a shipment line or a transport event
-- of one of its lines changed since the last build (`_load_id`, the greatest
-- load id of the rows it was computed from). The large inputs are referenced
-- directly, not through shared CTEs (docs/decisions/0009-inputs-referenced-where-used.md).
{{ by_key_config('order_item_id') }}
with
{%- if is_incremental() %}
-- The items to recompute: any of their inputs landed since the last build.
touched as (
    select order_item_id from {{ ref('stg_raw__order_items') }}
    where {{ changed_since_built() }}
    union
    select order_item_id from {{ ref('stg_raw__cancellations') }}
    where {{ changed_since_built() }}
    union
    select order_item_id from {{ ref('int_shipment_lines') }}
    where {{ changed_since_built() }}
    union
    select order_item_id from {{ ref('stg_raw__delivery_confirmations') }}
    where {{ changed_since_built() }}
    union
    select all_items.order_item_id
    from {{ ref('stg_raw__sellers') }} as sellers
    inner join {{ ref('stg_raw__order_items') }} as all_items
        on all_items.seller_id = sellers.seller_id
    where {{ changed_since_built('sellers._load_id') }}
    union
    select lines.order_item_id
    from {{ ref('stg_raw__transport_events') }} as events
    inner join {{ ref('int_shipment_lines') }} as lines
        on lines.shipment_id = events.shipment_id
    where {{ changed_since_built('events._load_id') }}
),
{%- endif %}

sellers as (
    select * from {{ ref('stg_raw__sellers') }}
),

cancellations as (
    select * from {{ ref('stg_raw__cancellations') }}
    {%- if is_incremental() %}
    where order_item_id in (select order_item_id from touched)
    {%- endif %}
),

confirmations as (
    select * from {{ ref('stg_raw__delivery_confirmations') }}
    {%- if is_incremental() %}
    where order_item_id in (select order_item_id from touched)
    {%- endif %}
),

items as (
    select * from {{ ref('stg_raw__order_items') }}
    {%- if is_incremental() %}
    where order_item_id in (select order_item_id from touched)
    {%- endif %}
),

-- The transport events per shipment first (a shipment has several events, an
-- item usually one shipment line): its first delivery attempt and the greatest
-- `_load_id` of its events.
shipment_events as (
    select
        shipment_id,
        min(
            case
                when event_code in (
                    'DELIVERY_ATTEMPTED', 'DELIVERED_AT_NEIGHBOURS', 'DELIVERED_AT_CUSTOMER', 'AT_PICK_UP_POINT'
                )
                    then event_date
            end
        ) as first_attempt_date,
        max(_load_id) as _load_id
    from {{ ref('stg_raw__transport_events') }}
    {%- if is_incremental() %}
    where shipment_id in (
        select shipment_id from {{ ref('int_shipment_lines') }}
        where order_item_id in (select order_item_id from touched)
    )
    {%- endif %}
    group by shipment_id
),

-- Per item over its shipment lines: the first delivery attempt over its tracked
-- lines only; every event of any of its lines counts towards `_load_id`.
item_lines as (
    select
        lines.order_item_id,
        count(*) as shipment_lines,
        max(case when lines.has_valid_code then 1 else 0 end) = 1 as is_tracked,
        min(lines.handed_over_at) as first_handed_over_at,
        min(case when lines.has_valid_code then shipment_events.first_attempt_date end) as first_attempt_date,
        max(lines._load_id) as _load_id,
        max(shipment_events._load_id) as events_load_id
    from {{ ref('int_shipment_lines') }} as lines
    left join shipment_events
        on shipment_events.shipment_id = lines.shipment_id
    {%- if is_incremental() %}
    where lines.order_item_id in (select order_item_id from touched)
    {%- endif %}
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
        item_lines.first_attempt_date,
        confirmations.answer as confirmation_answer,
        item_lines.first_handed_over_at,
        greatest(
            items._load_id,
            sellers._load_id,
            coalesce(cancellations._load_id, 0),
            coalesce(item_lines._load_id, 0),
            coalesce(item_lines.events_load_id, 0),
            coalesce(confirmations._load_id, 0)
        ) as _load_id
    from items
    inner join sellers
        on sellers.seller_id = items.seller_id
    left join cancellations
        on cancellations.order_item_id = items.order_item_id
    left join item_lines
        on item_lines.order_item_id = items.order_item_id
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

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
