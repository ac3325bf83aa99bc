-- Which transporters each order item (and each order) was shipped with: an
-- item-based event matches a transporter-scoped circumstance when any of its
-- shipment lines used that transporter (SPEC §12).
select distinct
    order_item_id,
    transporter_code
from {{ ref('stg_raw__shipments') }}
