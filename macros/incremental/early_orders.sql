{#- The sellers int_seller_early_orders ranks again from all of their items in an
    incremental build: every seller named by a landed version of an order item
    changed since the model was last built, where those versions differ in
    seller, order or ordered_at (an item that moved). The versions are read over
    the changed keys only (join_touched_keys); in most runs no item moved. -#}
{% macro early_orders_rescanned_sellers() -%}
    {%- set relation = source('raw', 'order_items') -%}
    {%- set versions -%}
        select landed.order_item_id, landed.seller_id, landed.order_id, landed.ordered_at
        from {{ relation }} as landed
        {{- join_touched_keys(relation, ['order_item_id']) }}
    {%- endset %}
    select distinct versions.seller_id
    from ({{ versions }}) as versions
    where versions.seller_id is not null
        and versions.order_item_id in (
            select order_item_id
            from ({{ versions }}) as changed
            group by order_item_id
            having min(seller_id) <> max(seller_id)
                or min(order_id) <> max(order_id)
                or min(ordered_at) <> max(ordered_at)
        )
{%- endmacro %}
