{#- The raw layer the models read through `source('raw', ...)`. On DuckDB it
    is the warehouse's own raw tables, which landing writes. On Spark it is
    Parquet, one folder per entity with a file per landed batch (docs/spark.md):
    each run registers every raw source that declares its columns as a table of
    schema `raw` over its folder, before any model reads it (on-run-start). -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'servicenorms')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
{%- endmacro %}

{#- Dropped and created again each run (an external table: dropping it keeps
    the files), so the table has the columns declared in _sources.yml, reads
    the folder of this run's `raw_parquet_dir` and sees every file landed since
    the last run. -#}
{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
    {{- spark_session_of_this_warehouse() -}}
    {%- set folder = raw_parquet_dir() -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for source in graph.sources.values()
        if source.source_name == 'raw' and source.columns | length > 0 -%}
        {%- set columns = [] -%}
        {%- for column in source.columns.values() -%}
            {%- do columns.append(column.name ~ ' ' ~ spark_raw_type(column.data_type)) -%}
        {%- endfor -%}
        {%- do run_query('drop table if exists raw.' ~ source.name) -%}
        {%- do run_query(
            'create table raw.' ~ source.name ~ ' (' ~ columns | join(', ') ~ ') using parquet'
            ~ " location '" ~ folder ~ '/' ~ source.name ~ "'"
        ) -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- A contract type (DuckDB's name) as Spark names it. -#}
{% macro spark_raw_type(contract_type) -%}
    {%- set spark_names = {'timestamptz': 'timestamp', 'varchar': 'string'} -%}
    {{- return(spark_names.get(contract_type | lower, contract_type | lower)) -}}
{%- endmacro %}

{#- The folder of the raw Parquet layer: the `raw_parquet_dir` var, by default
    `raw/` in the Spark folder beside the warehouse. -#}
{% macro raw_parquet_dir() -%}
    {%- set given = var('raw_parquet_dir', '') -%}
    {%- if given -%}{{ return(given | string) }}{%- endif -%}
    {{- return(spark_folder() ~ '/raw') -}}
{%- endmacro %}

{#- Spark's folder beside the DuckDB warehouse, as the profile derives it
    (profiles/profiles.yml): the warehouse's path without `.duckdb`, plus `.spark`. -#}
{% macro spark_folder() -%}
    {%- set warehouse = env_var('SERVICENORMS_WAREHOUSE', 'warehouse/servicenorms.duckdb') -%}
    {{- return(modules.re.sub('[.]duckdb$', '', warehouse) ~ '.spark') -}}
{%- endmacro %}

{#- A process keeps the Spark session it started first, with that session's
    metastore and tables folder: a run for another warehouse in the same process
    would write into the first one's. Stop it with an error instead. -#}
{% macro spark_session_of_this_warehouse() -%}
    {%- set expected = spark_folder() ~ '/tables' -%}
    {%- set actual = run_query('set spark.sql.warehouse.dir').rows[0][1] | string -%}
    {%- if not actual.rstrip('/').endswith(expected.rstrip('/')) -%}
        {{ exceptions.raise_compiler_error(
            "This process's Spark session keeps its tables in " ~ actual ~ ", not in "
            ~ expected ~ " (SERVICENORMS_WAREHOUSE): a process builds one warehouse on Spark;"
            ~ " run this one in a new process.") }}
    {%- endif -%}
{%- endmacro %}
