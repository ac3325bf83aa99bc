{{ week_window_config() }}
-- The events behind every incident_count of seller_week_indicators (SPEC §4):
-- one row per late item, late handover, counted cancellation, late question,
-- line without a valid track & trace code, unanswered call, customer question
-- and return, with the sentence that tells the seller why it counts. The
-- events are those the weekly counts add up (macros/indicator_events.sql),
-- after the same EXCLUDE_EVENTS circumstances: an event a circumstance takes
-- out is no incident. Only seller-week-indicators with a row in
-- seller_week_indicators (a non-zero denominator) have incidents. Rebuilt per
-- week window, like the weekly rows it explains.
with {{ indicator_event_ctes(detail=true) }},

measured as (
    select seller_id, week_start, iso_year, iso_week, indicator
    from {{ ref('seller_week_indicators') }}
    where indicator <> 'REVIEWS' and {{ in_week_window('week_start') }}
),

incidents as (
    {%- set sets = [] %}
    {%- for indicator, events, link, incidents in indicator_event_sets() if incidents %}
    {%- do sets.append((indicator, events, link, incidents)) %}
    {%- endfor %}
    {% for indicator, events, link, incidents in sets %}
    select
        seller_id, week_start, '{{ indicator }}' as indicator,
        event_type, event_id, order_item_id, event_date, event_at, reason_code, reason
    from ({{ without_excluded_events(events, indicator, link) }}) as kept_{{ loop.index }}
    {%- if incidents == 'unmet' %}
    where numerator = 0
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        incidents.seller_id,
        incidents.week_start,
        measured.iso_year,
        measured.iso_week,
        incidents.indicator,
        incidents.event_type,
        incidents.event_id,
        incidents.order_item_id,
        incidents.event_date,
        cast(incidents.event_at as {{ type_timestamptz() }}) as event_at,
        incidents.reason_code,
        incidents.reason
    from incidents
    inner join measured
        on measured.seller_id = incidents.seller_id
        and measured.week_start = incidents.week_start
        and measured.indicator = incidents.indicator
)

select * from final
