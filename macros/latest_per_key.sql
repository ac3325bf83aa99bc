{#- The latest landed row per natural key (SPEC §3, §12): the file whose path
    relative to the landing root sorts last wins; a file landed again under the
    same path (its content changed) wins over its earlier loads; inside one
    file, the last row.

    Incrementally, only the keys touched by loads landed since the table was last
    built are re-ranked, over every landed version of those keys, so the result
    is what a full rebuild gives; the model's delete+insert on the natural key
    replaces their rows. The watermark is the highest `_load_id` among the rows
    kept: load ids only grow, and every load up to it was landed before that
    build. A load whose rows all lose keeps the watermark where it is and is
    simply re-ranked (to the same winners) next time. -#}
{% macro latest_per_key(relation, key_columns) -%}
select *
from (
    select
        landed.*,
        row_number() over (
            partition by {% for k in key_columns %}landed.{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}
            order by landed._source_file desc, landed._load_id desc, landed._row_number desc
        ) as _version_rank
    from {{ relation }} as landed
    {{- join_touched_keys(relation, key_columns) }}
) as ranked
where _version_rank = 1
{%- endmacro %}

{#- In an incremental build, keeps only the rows of `relation` (aliased `landed`)
    whose key has a version landed since the model was last built. -#}
{% macro join_touched_keys(relation, key_columns) -%}
    {%- if is_incremental() %}
    inner join (
        select distinct {{ key_columns | join(', ') }}
        from {{ relation }}
        where {{ changed_since_built() }}
    ) as touched
        on {% for k in key_columns %}touched.{{ k }} = landed.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    {%- endif %}
{%- endmacro %}

{#- Config of a model incremental by key: staging (see latest_per_key) and the
    intermediate models that recompute only changed keys (changed_since_built). -#}
{% macro keyed_incremental_config(key_columns) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=key_columns,
) }}
{%- endmacro %}

{#- Incremental models downstream of staging carry `_load_id`, the greatest load
    id among the staging rows a row was computed from. Rows of their inputs with
    a higher load id changed since the model was last built. A model that asks
    several times passes `watermark` (load_watermark(), read once). -#}
{% macro changed_since_built(load_id_column='_load_id', watermark=none) -%}
    {{ load_id_column }} > {{ load_watermark() if watermark is none else watermark }}
{%- endmacro %}

{#- The highest `_load_id` of the model's table, inlined as a constant: a
    literal bound is pushed into the scans (and prunes the append-ordered raw
    tables by their zone maps), where a scalar subquery would make the filter a
    join evaluated after any join it guards. The orchestrator reads it for the
    tests before the run (watermarks_before_run); a model runs once per run, so
    that value still holds when it runs, and the model takes it instead of
    scanning its table again. Otherwise it is read when the model runs. (A lower
    watermark would only recompute more keys, to the same rows.) -#}
{% macro load_watermark() -%}
    {%- if execute and is_incremental() -%}
        {%- set before_run = watermarks_before_run().get(model.name) -%}
        {%- if before_run is not none -%}{{ return(before_run | int) }}{%- endif -%}
        {%- set result = run_query("select coalesce(max(_load_id), 0) from " ~ this) -%}
        {{- return(result.columns[0].values()[0] | int) -}}
    {%- else -%}
        {{- return(0) -}}
    {%- endif -%}
{%- endmacro %}
