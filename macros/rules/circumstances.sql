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
