{#- Keys of the events that an EXCLUDE_EVENTS circumstance takes out of an
    indicator (SPEC §8, §12). `events` is a relation or CTE with the columns
      event_key, match_date, country,
      link_id               (item id for link='item', order id for link='order'),
      line_transporter_code (for link='line': the T&T line's own transporter).
    A PLATFORM circumstance matches on date and country alone; a TRANSPORTER or
    TNT_PROCESSING one also needs the event's transporter; one without a
    transporter code matches nothing. -#}
{% macro circumstance_excluded_keys(events, indicator, link='none') -%}
select distinct candidate.event_key
from (
    select
        e.event_key,
        {% if link in ('item', 'order') %}e.link_id,{% endif %}
        {% if link == 'line' %}e.line_transporter_code,{% endif %}
        x.scope,
        x.transporter_code
    from {{ events }} as e
    inner join {{ ref('int_circumstance_windows') }} as x
        on x.indicator = '{{ indicator }}'
        and x.effect = 'EXCLUDE_EVENTS'
        and e.match_date >= x.starts_on
        and e.match_date <= x.ends_on
        and (x.country = 'ALL' or x.country = e.country)
) as candidate
{% if link == 'item' %}
left join {{ ref('int_item_transporters') }} as used
    on used.order_item_id = candidate.link_id
    and used.transporter_code = candidate.transporter_code
{% elif link == 'order' %}
left join {{ ref('int_item_transporters') }} as used
    on used.order_id = candidate.link_id
    and used.transporter_code = candidate.transporter_code
{% endif %}
where candidate.scope = 'PLATFORM'
{% if link in ('item', 'order') %}
    or used.transporter_code is not null
{% elif link == 'line' %}
    or (candidate.transporter_code is not null
        and candidate.transporter_code = candidate.line_transporter_code)
{% endif %}
{%- endmacro %}

{#- `events` without the keys a circumstance excludes. -#}
{% macro without_excluded_events(events, indicator, link='none') -%}
select kept.*
from {{ events }} as kept
left join (
    {{ circumstance_excluded_keys(events, indicator, link) }}
) as excluded
    on excluded.event_key = kept.event_key
where excluded.event_key is null
{%- endmacro %}

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

{#- Config of a model rebuilt per week window: a weekly run deletes the window's
    weeks and appends them again; a full refresh builds every week in the vars.
    `meta.week_window_weeks_after` also tells publishing which weeks a run
    rewrote (orchestration/publish.py). -#}
{% macro week_window_config(weeks_after=0) -%}
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
