{#- The sellers int_seller_early_orders ranks again from all of their items: every
    seller named by a landed version of an order item changed since the model was
    last built, where those versions differ in seller, order or ordered_at. The
    versions are read over the changed keys' range (join_touched_keys); only the
    few items that moved are read again for their sellers (none in most runs, and
    DuckDB then skips the second read). -#}
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

{#- The session (temporary) table holding early_orders_rescanned_sellers() for one
    incremental build of int_seller_early_orders: its pre-hooks fill it and forget
    those sellers' kept orders, the model ranks them again, the post-hook drops it.
    Computing the sellers once saves a second read of the changed items' versions. -#}
{% macro early_orders_rescanned_table() -%}
    {{ return(api.Relation.create(identifier=this.identifier ~ '__rescanned_sellers', type='table')) }}
{%- endmacro %}

{#- Fills early_orders_rescanned_table() (dropped first: a failed build in the same
    session may have left it). -#}
{% macro early_orders_save_rescanned_sellers() -%}
    {%- set rescanned = early_orders_rescanned_table() -%}
    {%- do adapter.drop_relation(rescanned) -%}
    {{ create_table_as(True, rescanned, early_orders_rescanned_sellers()) }}
{%- endmacro %}
