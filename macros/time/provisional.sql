{#- The week in progress: the weeks after the last finalised one
    (measured_weeks_end) up to the week of the run's moment (`as_of`), measured
    by the same rules as a finalised week from what has landed so far. Where a
    rule uses the measurement cut-off (an unanswered question is late once its
    deadline is before it), the earlier of the cut-off and `as_of` stands in:
    computed after the cut-off, the week is what its Wednesday run makes of it.
    Without `as_of` the run is taken to be at the cut-off of the last
    finalised week: the week after it, as of its Wednesday 06:00. -#}

{#- The run's moment, an aware datetime. -#}
{% macro provisional_as_of() -%}
    {%- set zone = modules.pytz.timezone(var('local_timezone')) -%}
    {%- set given = run_as_of() -%}
    {%- if given -%}
        {{ return(modules.datetime.datetime.fromisoformat(given | string)) }}
    {%- endif -%}
    {#- The cut-off of the week before measured_weeks_end: its Wednesday 06:00. -#}
    {%- set wednesday = modules.datetime.date.fromisoformat(measured_weeks_end()) + modules.datetime.timedelta(days=2) -%}
    {{ return(zone.localize(modules.datetime.datetime.combine(wednesday, modules.datetime.time(6, 0)))) }}
{%- endmacro %}

{#- [first Monday, end Monday) of the weeks in progress, as SQL dates (an empty
    range when the run's moment is before the first one). -#}
{% macro provisional_weeks() -%}
    {%- set zone = modules.pytz.timezone(var('local_timezone')) -%}
    {%- set local_day = provisional_as_of().astimezone(zone).date() -%}
    {%- set first = modules.datetime.date.fromisoformat(measured_weeks_end()) -%}
    {%- set end = local_day + modules.datetime.timedelta(days=7 - local_day.weekday()) -%}
    {%- if end < first -%}{%- set end = first -%}{%- endif -%}
    {{ return(["cast('" ~ first.isoformat() ~ "' as date)", "cast('" ~ end.isoformat() ~ "' as date)"]) }}
{%- endmacro %}

{#- The run's moment as a local wall-clock timestamp (the rules compare deadlines so). -#}
{% macro provisional_as_of_local() -%}
    {%- set zone = modules.pytz.timezone(var('local_timezone')) -%}
    {%- set local = provisional_as_of().astimezone(zone).replace(tzinfo=none) -%}
    {{ return("cast('" ~ local.isoformat(' ') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- The run's moment as an instant (the marts' `as_of`). -#}
{% macro provisional_as_of_instant() -%}
    {{ return(timestamptz_literal(provisional_as_of().isoformat())) }}
{%- endmacro %}
