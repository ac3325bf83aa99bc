{#- Incremental by key: a model that recomputes only the keys whose inputs
    changed since it was last built, and replaces their rows. Its rows carry
    `_load_id`, the greatest load id of the landed rows they were computed
    from; load ids only grow, so an input row with a load id above the table's
    greatest is one the table has not seen. Worth it only for the large tables
    (docs/decisions/0015-by-key-only-where-it-pays.md); the others are rebuilt
    whole. A model says `{{ by_key_config(<its key>) }}` and reads its changed
    input rows with changed_since_built() under `is_incremental()`. -#}

{#- Config of a model incremental by key. -#}
{% macro by_key_config(unique_key) -%}
    {{ return(adapter.dispatch('by_key_config', 'servicenorms')(unique_key)) }}
{%- endmacro %}

{#- Engines with delete (DuckDB): the changed keys' rows are deleted and inserted again. -#}
{% macro default__by_key_config(unique_key) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=unique_key,
) }}
{%- endmacro %}

{#- Spark on Parquet tables can neither delete nor merge rows: the model is a
    table rebuilt whole each run, which gives what the incremental build gives
    (docs/decisions/0016-spark-by-key-models-are-tables.md). -#}
{% macro spark__by_key_config(unique_key) -%}
{{ config(materialized='table') }}
{%- endmacro %}

{#- Rows of a model's inputs landed since the model was last built: their
    `load_id_column` is above the greatest `_load_id` the model's own table
    holds (every row carries the greatest load id of the rows it was computed
    from). DuckDB pushes the subquery's value into the scan as a filter, so
    the append-ordered inputs are read from their newest row groups only. -#}
{% macro changed_since_built(load_id_column='_load_id') -%}
    {{ load_id_column }} > (select coalesce(max(_load_id), 0) from {{ this }})
{%- endmacro %}
