{#- Key ranges inlined as literals.

    An incremental build joins a large table to the few keys that changed. The
    join alone keeps the right rows, but DuckDB then scans the whole table (its
    dynamic join filters do not reach every scan, e.g. not through a semi join
    of a join); a literal range beside it is pushed into the scan and skips the
    row groups outside it. The append-ordered tables are clustered by when their
    keys arose (ids carry their week, rows land week by week), so a week's keys
    cover a few row groups of the year. The range is implied by the join it
    stands beside: it never changes a result, only what is read. -#}

{#- The least and greatest `key` of `query`, read when the model runs, as a pair
    of SQL literals; none when the query has no keys (and outside execution). -#}
{% macro key_range(key, query) -%}
    {{ return(key_ranges([key], query)[key]) }}
{%- endmacro %}

{#- key_range of several columns of `query` at once (one scan): {column: range}. -#}
{% macro key_ranges(keys, query) -%}
    {%- set ranges = {} -%}
    {%- if not execute -%}
        {%- for key in keys -%}{%- do ranges.update({key: none}) -%}{%- endfor -%}
        {{ return(ranges) }}
    {%- endif -%}
    {#- As text with a prefix: dbt infers the types of a result's columns, and an
        id such as '000123' must not come back as a number. -#}
    {%- set columns = [] -%}
    {%- for key in keys -%}
        {%- do columns.append(
            key_range_text('min(' ~ key ~ ')') ~ ", " ~ key_range_text('max(' ~ key ~ ')')
            ~ ", " ~ sql_type_of('min(' ~ key ~ ')')
        ) -%}
    {%- endfor -%}
    {%- set bounds = run_query(
        "select " ~ columns | join(", ") ~ " from (" ~ query ~ ") as keyed"
    ).rows[0] -%}
    {%- for key in keys -%}
        {%- set lo, hi, key_type = bounds[3 * loop.index0], bounds[3 * loop.index0 + 1], bounds[3 * loop.index0 + 2] -%}
        {%- do ranges.update({key: none if lo is none else [
            key_range_literal(lo[1:], key_type), key_range_literal(hi[1:], key_type)
        ]}) -%}
    {%- endfor -%}
    {{ return(ranges) }}
{%- endmacro %}

{#- `column` within `range` (from key_range): no row when the range is empty;
    every row before execution (the model is only being parsed). -#}
{% macro in_key_range(column, range) -%}
    {%- if not execute -%}(1 = 1)
    {%- elif range is none -%}(1 = 0)
    {%- else -%}({{ column }} >= {{ range[0] }} and {{ column }} <= {{ range[1] }})
    {%- endif -%}
{%- endmacro %}

{% macro key_range_text(expression) -%}
    {{ dbt.concat(["'k'", dbt.cast(expression, dbt.type_string())]) }}
{%- endmacro %}

{% macro key_range_literal(text, key_type) -%}
    {%- set quoted = "'" ~ dbt.escape_single_quotes(text) ~ "'" -%}
    {{- return((dbt.cast(quoted, key_type) | trim) if key_type else quoted) -}}
{%- endmacro %}

{#- The SQL type of an expression, as text a cast accepts; elsewhere the literal
    stays text and the comparison coerces it. -#}
{% macro sql_type_of(expression) -%}
    {{ return(adapter.dispatch('sql_type_of', 'servicenorms')(expression)) }}
{%- endmacro %}

{% macro default__sql_type_of(expression) -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__sql_type_of(expression) -%}
    typeof({{ expression }})
{%- endmacro %}

{#- delete+insert (the keyed incremental models): the delete probes the target
    for the keys of the new rows; their range, inlined, keeps it from scanning
    the whole target. Otherwise dbt-duckdb's own statement. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set predicates = (incremental_predicates or []) | list -%}
    {%- set ranges = key_ranges(keys, 'select * from ' ~ source) -%}
    {%- for key in keys -%}
        {%- do predicates.append(in_key_range('DBT_INCREMENTAL_TARGET.' ~ key, ranges[key])) -%}
    {%- endfor -%}
    {{- dbt.duckdb__get_delete_insert_merge_sql(target, source, keys, dest_columns, predicates) -}}
{%- endmacro %}
