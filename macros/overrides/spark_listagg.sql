{#- dbt.listagg on Spark: dbt-spark's ignores the order (collect_list, with a
    warning), so the same strike week lists its indicators in any order; Spark 4's
    listagg ... within group (order by ...) keeps it, as DuckDB's does. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with limit_num is not implemented for Spark (macros/overrides/spark_listagg.sql)") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
