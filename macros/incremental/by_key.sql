{#- Incremental by key (config: materialized='incremental',
    incremental_strategy='delete+insert', unique_key=<its key>): a model that
    recomputes only the keys whose inputs changed since it was last built, and
    replaces their rows. Its rows carry `_load_id`, the greatest load id of the landed rows
    they were computed from; load ids only grow, so an input row with a load id
    above the table's greatest is one the table has not seen. Worth it only for
    the large tables (docs/benchmarks.md); the others are rebuilt whole. -#}

{#- Rows of a model's inputs landed since the model was last built: their
    `load_id_column` is above the greatest `_load_id` the model's own table
    holds (every row carries the greatest load id of the rows it was computed
    from). DuckDB pushes the subquery's value into the scan as a filter, so
    the append-ordered inputs are read from their newest row groups only. -#}
{% macro changed_since_built(load_id_column='_load_id') -%}
    {{ load_id_column }} > (select coalesce(max(_load_id), 0) from {{ this }})
{%- endmacro %}
