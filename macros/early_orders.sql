{#- The sellers int_seller_early_orders ranks again from all of their items: every
    seller named by a landed version of an order item changed since the model was
    last built, where those versions differ in seller, order or ordered_at. The
    versions are read over the changed keys' range (join_touched_keys). -#}
{% macro early_orders_rescanned_sellers() -%}
    {%- set relation = source('raw', 'order_items') -%}
    {%- set differs = [] -%}
    {%- for column in ['seller_id', 'order_id', 'ordered_at'] -%}
        {%- do differs.append(
            'min(landed.' ~ column ~ ') over (partition by landed.order_item_id)'
            ~ ' <> max(landed.' ~ column ~ ') over (partition by landed.order_item_id)'
        ) -%}
    {%- endfor %}
    select distinct seller_id
    from (
        select
            landed.seller_id,
            ({{ differs | join(' or ') }}) as has_moved
        from {{ relation }} as landed
        {{- join_touched_keys(relation, ['order_item_id']) }}
    ) as versions
    where has_moved and seller_id is not null
{%- endmacro %}
