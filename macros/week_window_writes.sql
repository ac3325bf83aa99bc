{#- The record of writes to the week-window models, `audit.week_window_writes`.

    Every build of a week-window model adds one row in the model's own
    transaction (a pre-hook: it commits with the write, or not at all): the weeks
    a weekly run replaced (`window`: week_start in [week_start_min, week_end)),
    or `full` for a build of every week. Publishing reads the marts' rows to copy
    again only the weeks written since the copy it replaces
    (orchestration/publish.py). The uuid tells this warehouse's writes from those
    of one rebuilt in its place, whose ids start again at 1. -#}

{#- on-run-start: the schema, the table and the id sequence, once per
    invocation and before any model (created concurrently by two models'
    transactions they would conflict). -#}
{% macro create_week_window_writes() -%}
    {%- if execute -%}
        {%- for statement in adapter.dispatch('week_window_writes_ddl', 'servicenorms')() -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__week_window_writes_ddl() -%}
    {%- set text = dbt.type_string() -%}
    {%- set audit = adapter.quote(target.database) ~ ".audit" -%}
    {{ return([
        "create schema if not exists " ~ audit,
        "create sequence if not exists " ~ audit ~ ".week_window_write_ids",
        "create table if not exists " ~ audit ~ ".week_window_writes ("
            ~ "write_id bigint not null, write_uuid " ~ text ~ " not null, model " ~ text ~ " not null, "
            ~ "mode " ~ text ~ " not null, week_column " ~ text ~ " not null, "
            ~ "week_start_min date, week_end date, written_at timestamp with time zone not null)",
    ]) }}
{%- endmacro %}

{#- The pre-hook of a week-window model: one row for this build. -#}
{% macro record_week_window_write(week_column, weeks_after) -%}
    {{ return(adapter.dispatch('record_week_window_write', 'servicenorms')(week_column, weeks_after)) }}
{%- endmacro %}

{% macro default__record_week_window_write(week_column, weeks_after) -%}
    {%- set text = dbt.type_string() -%}
    {{ return(
        "insert into {{ adapter.quote(this.database) }}.audit.week_window_writes select"
        ~ " nextval('{{ adapter.quote(this.database) }}.audit.week_window_write_ids'), cast(gen_random_uuid() as " ~ text ~ "),"
        ~ " '{{ this.identifier }}', {% if is_incremental() %}'window'{% else %}'full'{% endif %}, '" ~ week_column ~ "',"
        ~ " {% if is_incremental() %}cast('{{ week_start_min() }}' as date), cast({{ week_window_end("
        ~ weeks_after ~ ") }} as date){% else %}null, null{% endif %}, current_timestamp"
    ) }}
{%- endmacro %}
