{#- Incremental by week window (docs/decisions/0008-incremental-by-week-window.md):
    the weekly facts, the dynamic norms and the week-grained marts rewrite the
    run's weeks [week_start_min, week_start_max) (macros/time/run_parameters.sql),
    widened by `weeks_after` where a week depends on the weeks before it. A
    model says `{{ week_window_config(weeks_after) }}` and filters its rows with
    the macros below; each engine rewrites exactly the window's weeks its own
    way (week_window_config). -#}

{#- The week-assignment filter of incremental weekly models: half-open window. -#}
{#- `weeks_after` widens the window's end for models whose week W also depends on
    the weeks before W (six-week scores pool W-5 ... W); 'all' opens it for
    models whose every later week depends on W (trajectories carry their state
    from week to week). -#}
{% macro in_week_window(week_start_column, weeks_after=0) -%}
    ({{ week_start_column }} >= cast('{{ week_start_min() }}' as date)
    {%- if weeks_after != 'all' %}
     and {{ week_start_column }} < {{ week_window_end(weeks_after) }}
    {%- endif %})
{%- endmacro %}

{#- The rows a model rebuilt from its window's first week on (weeks_after='all')
    writes: a weekly run, the weeks from week_start_min; a build from nothing,
    every week, as its first weeks and trajectory state come from the whole
    history (also when a weekly run finds the table missing). -#}
{% macro in_open_week_window(week_start_column) -%}
    {%- if is_incremental() -%}{{ in_week_window(week_start_column, 'all') }}
    {%- else -%}(1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- The window's (exclusive) end, widened by `weeks_after` weeks. -#}
{% macro week_window_end(weeks_after=0) -%}
    {%- if weeks_after == 0 -%}cast('{{ week_start_max() }}' as date)
    {%- else -%}{{ dbt.dateadd('day', 7 * weeks_after, "cast('" ~ week_start_max() ~ "' as date)") }}
    {%- endif -%}
{%- endmacro %}

{#- Implied by in_week_window on the ISO week of `date_column` (a date lies in
    the six days from its week's Monday); on the date itself it prunes the scan. -#}
{% macro dates_of_week_window(date_column) -%}
    ({{ date_column }} >= cast('{{ week_start_min() }}' as date)
     and {{ date_column }} < cast({{ dbt.dateadd('day', 7, "cast('" ~ week_start_max() ~ "' as date)") }} as date))
{%- endmacro %}

{#- Config of a model rebuilt per week window; a full refresh builds every week
    in the vars. `meta.week_window_weeks_after` also tells publishing which
    weeks a run rewrote (orchestration/publish.py). -#}
{% macro week_window_config(weeks_after=0) -%}
    {{ return(adapter.dispatch('week_window_config', 'servicenorms')(weeks_after)) }}
{%- endmacro %}

{#- Engines with delete (DuckDB): a weekly run deletes the window's weeks and
    appends them again. -#}
{% macro default__week_window_config(weeks_after=0) -%}
{%- set weeks_after_arg = "'all'" if weeks_after == 'all' else weeks_after -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'week_window_weeks_after': weeks_after},
    pre_hook=[
        "{% if is_incremental() %}delete from {{ this }} where {{ in_week_window('week_start', " ~ weeks_after_arg ~ ") }}{% endif %}"
    ],
) }}
{%- endmacro %}

{#- Spark on Parquet tables (no delete): the table is partitioned by week and a
    weekly run overwrites the partitions of the weeks it writes (dynamic
    partition overwrite, profiles/profiles.yml). A week of the window can come
    out empty where it had rows (an EXCLUDE_EVENTS circumstance over the whole
    week leaves its counts and incidents none); it writes no partition, so the
    window's partitions are dropped first: the run leaves exactly the weeks
    DuckDB's delete and append leave (tests/e2e/test_cross_engine.py). -#}
{% macro spark__week_window_config(weeks_after=0) -%}
{%- set weeks_after_arg = "'all'" if weeks_after == 'all' else weeks_after -%}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['week_start'],
    on_schema_change='fail',
    meta={'week_window_weeks_after': weeks_after},
    pre_hook=[
        "{% if is_incremental() %}{{ spark_drop_week_window_partitions(" ~ weeks_after_arg ~ ") }}{% endif %}"
    ],
) }}
{%- endmacro %}

{#- `alter table ... drop partition` of the week partitions of {{ this }} in the
    window (nothing when it has none): read from the table's partition list. -#}
{% macro spark_drop_week_window_partitions(weeks_after=0) -%}
    {%- set first = week_start_min() | string -%}
    {%- if weeks_after == 'all' -%}
        {%- set end = none -%}
    {%- else -%}
        {%- set end = (modules.datetime.date.fromisoformat(week_start_max() | string)
            + modules.datetime.timedelta(days=7 * weeks_after)).isoformat() -%}
    {%- endif -%}
    {%- set weeks = [] -%}
    {%- for row in run_query('show partitions ' ~ this) -%}
        {%- set week = row[0].split('=')[1] -%}
        {%- if week >= first and (end is none or week < end) -%}{%- do weeks.append(week) -%}{%- endif -%}
    {%- endfor -%}
    {%- if weeks -%}
    alter table {{ this }} drop if exists
        {% for week in weeks %}partition (week_start = '{{ week }}'){% if not loop.last %}, {% endif %}{% endfor %}
    {%- endif -%}
{%- endmacro %}
