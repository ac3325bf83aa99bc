-- Transporters per order, for reviews (matched through any shipment of any item of the order).
select distinct
    items.order_id,
    shipments.transporter_code
from {{ ref('stg_raw__shipments') }} as shipments
inner join {{ ref('stg_raw__order_items') }} as items
    on items.order_item_id = shipments.order_item_id
