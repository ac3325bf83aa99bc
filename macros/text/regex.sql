{#- True when `value` matches `pattern` completely (case sensitive, untrimmed). -#}
{% macro regex_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'servicenorms')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    regexp_like({{ value }}, '^(?:' || {{ pattern }} || ')$')
{%- endmacro %}

{% macro duckdb__regex_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, {{ pattern }})
{%- endmacro %}

{#- `value` without any whitespace (spaces, tabs, line breaks). -#}
{% macro without_whitespace(value) -%}
    {{ return(adapter.dispatch('without_whitespace', 'servicenorms')(value)) }}
{%- endmacro %}

{% macro default__without_whitespace(value) -%}
    regexp_replace({{ value }}, '\s', '')
{%- endmacro %}

{% macro duckdb__without_whitespace(value) -%}
    regexp_replace({{ value }}, '\s', '', 'g')
{%- endmacro %}

{#- A backslash in a Spark string literal escapes the next character. -#}
{% macro spark__without_whitespace(value) -%}
    regexp_replace({{ value }}, '\\s', '')
{%- endmacro %}
