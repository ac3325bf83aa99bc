{{ week_window_config() }}
-- The events behind the weekly counts' incidents (SPEC §4): one row per late
-- item, late handover, counted cancellation, late question, line without a
-- valid track & trace code, unanswered call, customer question and return,
-- with the sentence that tells the seller why it counts. The events are those
-- fct_seller_week_indicator_counts adds up (macros/rules/indicator_events.sql),
-- after the same EXCLUDE_EVENTS circumstances, built in the same run for the
-- same weeks: an event a circumstance takes out is no incident. Rebuilt per
-- week window [week_start_min, week_start_max), like the counts.
{%- set sets = [] %}
{%- for indicator, events, link, incidents in indicator_event_sets() if incidents %}
{%- do sets.append((indicator, events, link, incidents)) %}
{%- endfor %}
with {{ indicator_event_ctes(detail=true) }},

-- Each indicator's incidents before the circumstances: the events that miss the
-- numerator, or every event. Selected first, so that only they get a reason
-- and are matched against the circumstances (a circumstance excludes an event
-- for its own date, country and transporter, whatever the other events).
{%- for indicator, events, link, incidents in sets %}
{{ indicator | lower }}_incident_events as (
    select *
    from {{ events }}
    {%- if incidents == 'unmet' %}
    where numerator = 0
    {%- endif %}
),
{%- endfor %}

incidents as (
    {%- for indicator, events, link, incidents in sets %}
    select
        seller_id, week_start, '{{ indicator }}' as indicator,
        event_type, event_id, order_item_id, event_date, event_at, reason_code, reason
    from ({{ without_excluded_events(indicator | lower ~ '_incident_events', indicator, link) }}) as kept_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        seller_id,
        week_start,
        indicator,
        event_type,
        event_id,
        order_item_id,
        event_date,
        cast(event_at as {{ type_timestamptz() }}) as event_at,
        reason_code,
        reason
    from incidents
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
