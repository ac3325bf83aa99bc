{#- The norm a seller-week is judged against: the seller's dynamic norm for
    CASE_ITEM_RATIO and RETURNS (the static one when the seller had no items
    that week), else the norm version's value. -#}
{% macro applicable_norm_value(indicator, norms='norms', dynamic_norms='dynamic_norms') -%}
    case
        when {{ indicator }} = 'CASE_ITEM_RATIO'
            then coalesce({{ dynamic_norms }}.case_item_ratio_norm, {{ norms }}.norm_value)
        when {{ indicator }} = 'RETURNS'
            then coalesce({{ dynamic_norms }}.returns_norm, {{ norms }}.norm_value)
        else {{ norms }}.norm_value
    end
{%- endmacro %}

{#- Whether `value` meets a norm of the given condition ('>=' or '<='). -#}
{% macro meets_norm(value, condition, norm_value) -%}
    case when {{ condition }} = '>=' then {{ value }} >= {{ norm_value }} else {{ value }} <= {{ norm_value }} end
{%- endmacro %}
