{#- The events of the weekly indicators (SPEC §4, §8, §12), one CTE per kind of
    event, in one place: the weekly counts (fct_seller_week_indicator_counts)
    add them up, the incidents (seller_week_incidents) list them, the week in
    progress (seller_week_provisional) counts them as of now. They can only
    disagree if these rules do.

    Every CTE has the columns the circumstances need (macros/rules/circumstances.sql):
      event_key, seller_id, country, week_start, match_date (the date that
      places the event in its week, matched against circumstance windows),
      link_id, line_transporter_code, numerator, denominator (0 or 1 each).
    With `detail`, also what the incidents show:
      event_type, event_id, order_item_id, event_date, event_at (the moment,
      when it is a timestamp), reason_code and reason (a sentence for the seller).

    `weeks`: none for the run's week window (macros/time/run_parameters.sql), else a
    pair of SQL date expressions [first Monday, end Monday).
    `as_of`: none for finalised weeks; for a week in progress, a SQL expression
    of the local wall-clock moment the rules that use the measurement cut-off
    take instead, when it is earlier (an unanswered question is late only once
    its deadline has passed).

    The inputs are referenced in each event CTE, not through shared import CTEs
    (docs/decisions/0009-inputs-referenced-where-used.md). -#}
{% macro indicator_event_ctes(weeks=none, detail=false, as_of=none) -%}
{%- set text = dbt.type_string() -%}
fulfilment_events as (
    select
        order_item_id as event_key, seller_id, country, promise_week as week_start,
        promise_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        case when is_delivered_on_time then 1 else 0 end as numerator, 1 as denominator
        {%- if detail %},
        'ORDER_ITEM' as event_type,
        order_item_id as event_id,
        order_item_id,
        promise_date as event_date,
        {{ no_moment() }} as event_at,
        case
            when shipment_lines = 0 then 'NOT_SHIPPED'
            when is_tracked and first_attempt_date is null then 'NO_DELIVERY_ATTEMPT'
            when is_tracked then 'LATE_DELIVERY_ATTEMPT'
            else 'NOT_RECEIVED'
        end as reason_code,
        case
            when shipment_lines = 0
                then {{ dbt.concat(["'not shipped, promised '", date_text('promise_date')]) }}
            when is_tracked and first_attempt_date is null
                then {{ dbt.concat(["'no delivery attempt by the carrier, promised '", date_text('promise_date')]) }}
            when is_tracked
                then {{ dbt.concat(["'first delivery attempt '", date_text('first_attempt_date'),
                    "', promised '", date_text('promise_date')]) }}
            else {{ dbt.concat(["'the customer reported it not received (no valid track & trace), promised '",
                date_text('promise_date')]) }}
        end as reason
        {%- endif %}
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and shipping_method = 'OWN'
        and not is_cancelled
        and coalesce(time_frame_type, '') <> 'APPOINTMENT'
        and {{ in_event_weeks('promise_week', weeks) }}
),

handover_events as (
    select
        order_item_id as event_key, seller_id, country, latest_handover_week as week_start,
        latest_handover_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        case when is_handed_over_on_time then 1 else 0 end as numerator, 1 as denominator
        {%- if detail %},
        'ORDER_ITEM' as event_type,
        order_item_id as event_id,
        order_item_id,
        latest_handover_date as event_date,
        latest_handover_at as event_at,
        case when first_handed_over_at is null then 'NO_CARRIER_SCAN' else 'LATE_HANDOVER' end as reason_code,
        case
            when first_handed_over_at is null
                then {{ dbt.concat(["'no carrier scan, latest handover '",
                    local_minute_text(to_local('latest_handover_at'))]) }}
            else {{ dbt.concat(["'handed over to the carrier '",
                local_minute_text(to_local('first_handed_over_at')), "', '",
                duration_text('latest_handover_at', 'first_handed_over_at'),
                "' after the latest handover '", local_minute_text(to_local('latest_handover_at'))]) }}
        end as reason
        {%- endif %}
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and shipping_method = 'VVB'
        and not is_cancelled
        and latest_handover_at is not null
        and {{ in_event_weeks('latest_handover_week', weeks) }}
),

-- CANCELLATIONS: the denominator counts FBR items by order week, the
-- numerator counted cancellations by cancellation week.
cancellation_denominator_events as (
    select
        order_item_id as event_key, seller_id, country, ordered_week as week_start,
        ordered_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        0 as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and {{ in_event_weeks('ordered_week', weeks) }}
),

cancellation_numerator_events as (
    select
        items.order_item_id as event_key, items.seller_id, items.country, items.cancelled_week as week_start,
        items.cancelled_date as match_date, items.order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        1 as numerator, 0 as denominator
        {%- if detail %},
        'CANCELLATION' as event_type,
        items.order_item_id as event_id,
        items.order_item_id,
        items.cancelled_date as event_date,
        cancellations.cancelled_at as event_at,
        {{ dbt.concat(["'CANCELLED_BY_'", "items.cancellation_initiated_by"]) }} as reason_code,
        case items.cancellation_initiated_by
            when 'SELLER' then {{ dbt.concat(["'cancelled by the seller'",
                "coalesce(" ~ dbt.concat(["' ('", "cancellations.reason_code", "')'"]) ~ ", '')"]) }}
            when 'SYSTEM' then 'cancelled by the system: the order was not confirmed in time'
            else {{ dbt.concat(["'cancelled by the customer on '", date_text('items.cancelled_date'),
                "', after the promise date '", date_text('items.promise_date')]) }}
        end as reason
        {%- endif %}
    from {{ ref('int_order_items_measured') }} as items
    {%- if detail %}
    inner join {{ ref('stg_raw__cancellations') }} as cancellations
        on cancellations.order_item_id = items.order_item_id
    {%- endif %}
    where items.fulfilment_method = 'FBR'
        and items.is_counted_cancellation
        and {{ in_event_weeks('items.cancelled_week', weeks) }}
),

response_time_events as (
    select
        case_id as event_key, seller_id, country, created_week as week_start,
        created_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        case when {{ response_status(as_of) }} = 'ON_TIME' then 1 else 0 end as numerator, 1 as denominator
        {%- if detail %},
        'CUSTOMER_QUESTION' as event_type,
        case_id as event_id,
        order_item_id,
        created_date as event_date,
        created_at as event_at,
        case when first_response_at is null then 'NOT_ANSWERED' else 'ANSWERED_LATE' end as reason_code,
        case
            when first_response_at is null
                then {{ dbt.concat(["'not answered by the deadline '", local_minute_text('deadline_local')]) }}
            else {{ dbt.concat(["'answered '", duration_text('deadline_local', to_local('first_response_at')),
                "' after the deadline '", local_minute_text('deadline_local')]) }}
        end as reason
        {%- endif %}
    from {{ ref('int_customer_questions_sla') }} as questions
    where {{ response_status(as_of) }} <> 'PENDING'
        and {{ in_event_weeks('created_week', weeks) }}
),

track_and_trace_events as (
    select
        {{ dbt.concat(['lines.shipment_id', "'|'", 'lines.order_item_id']) }} as event_key,
        items.seller_id, items.country,
        {{ iso_week_start('lines.shipped_date') }} as week_start,
        lines.shipped_date as match_date,
        cast(null as {{ text }}) as link_id,
        lines.transporter_code as line_transporter_code,
        case when lines.has_valid_code then 1 else 0 end as numerator, 1 as denominator
        {%- if detail %},
        'SHIPMENT_LINE' as event_type,
        {{ dbt.concat(['lines.shipment_id', "'|'", 'lines.order_item_id']) }} as event_id,
        lines.order_item_id,
        lines.shipped_date as event_date,
        lines.shipped_at as event_at,
        case
            when carriers.transporter_code is null or not carriers.tracked then 'UNTRACKED_CARRIER'
            when lines.track_and_trace is null then 'NO_TRACK_AND_TRACE_CODE'
            else 'INVALID_TRACK_AND_TRACE_CODE'
        end as reason_code,
        case
            when carriers.transporter_code is null
                then {{ dbt.concat(["'parcel sent with '", "lines.transporter_code",
                    "', not a carrier with track & trace'"]) }}
            when not carriers.tracked
                then {{ dbt.concat(["'parcel sent with '", "carriers.name", "' ('", "lines.transporter_code",
                    "'), a carrier without track & trace'"]) }}
            when lines.track_and_trace is null
                then {{ dbt.concat(["'no track & trace code ('", "carriers.name", "')'"]) }}
            else {{ dbt.concat(["'track & trace code '''", "lines.track_and_trace",
                "''' does not match the format of '", "carriers.name"]) }}
        end as reason
        {%- endif %}
    from {{ ref('int_shipment_lines') }} as lines
    inner join {{ ref('int_order_items_measured') }} as items
        on items.order_item_id = lines.order_item_id
    {%- if detail %}
    left join {{ ref('transporters') }} as carriers
        on carriers.transporter_code = lines.transporter_code
    {%- endif %}
    where lines.parcel_type = 'PARCEL'
        and items.fulfilment_method = 'FBR'
        and {{ in_event_weeks(iso_week_start('lines.shipped_date'), weeks) }}
        and {{ event_dates_in_weeks('lines.shipped_date', weeks) }}
),

phone_events as (
    select
        call_id as event_key, seller_id, country, started_week as week_start,
        started_date as match_date,
        cast(null as {{ text }}) as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        case when answered then 1 else 0 end as numerator, 1 as denominator
        {%- if detail %},
        'PHONE_CALL' as event_type,
        call_id as event_id,
        cast(null as {{ text }}) as order_item_id,
        started_date as event_date,
        started_at as event_at,
        'CALL_NOT_ANSWERED' as reason_code,
        {{ dbt.concat(["'call at '", local_minute_text(to_local('started_at')), "' not answered'"]) }} as reason
        {%- endif %}
    from {{ ref('int_phone_calls_office_hours') }} as calls
    where {{ in_event_weeks('started_week', weeks) }}
),

-- CASE_ITEM_RATIO and RETURNS share their denominator: all items (FBR and FBB,
-- cancelled or not) by order week.
all_item_events as (
    select
        order_item_id as event_key, seller_id, country, ordered_week as week_start,
        ordered_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        0 as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where {{ in_event_weeks('ordered_week', weeks) }}
),

question_events as (
    select
        case_id as event_key, seller_id, country, created_week as week_start,
        created_date as match_date, order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        1 as numerator, 0 as denominator
        {%- if detail %},
        'CUSTOMER_QUESTION' as event_type,
        case_id as event_id,
        order_item_id,
        created_date as event_date,
        created_at as event_at,
        'CUSTOMER_QUESTION' as reason_code,
        {{ dbt.concat(["'customer question at '", local_minute_text(to_local('created_at')),
            "coalesce(" ~ dbt.concat(["' about item '", "order_item_id"]) ~ ", ' (not about an item)')"]) }} as reason
        {%- endif %}
    from {{ ref('int_customer_questions_sla') }} as questions
    where {{ in_event_weeks('created_week', weeks) }}
),

return_events as (
    select
        returns.return_id as event_key, returns.seller_id, returns.country, returns.registered_week as week_start,
        returns.registered_date as match_date, returns.order_item_id as link_id,
        cast(null as {{ text }}) as line_transporter_code,
        1 as numerator, 0 as denominator
        {%- if detail %},
        'RETURN' as event_type,
        returns.return_id as event_id,
        returns.order_item_id,
        returns.registered_date as event_date,
        returns.registered_at as event_at,
        'RETURN' as reason_code,
        {{ dbt.concat(["'return of item '", "returns.order_item_id", "' registered '",
            local_minute_text(to_local('returns.registered_at')),
            "coalesce(" ~ dbt.concat(["' ('", "return_rows.main_reason", "')'"]) ~ ", '')"]) }} as reason
        {%- endif %}
    from {{ ref('int_returns') }} as returns
    {%- if detail %}
    inner join {{ ref('stg_raw__returns') }} as return_rows
        on return_rows.return_id = returns.return_id
    {%- endif %}
    where {{ in_event_weeks('returns.registered_week', weeks) }}
)
{%- endmacro %}

{#- (indicator, event CTE, circumstance link, incidents) per set of events an
    indicator counts. `incidents` says which events are its incident_count:
    'unmet' the events of the denominator that miss the numerator (late items,
    late questions, ...), 'all' every event (counted cancellations, questions,
    returns), none for denominator-only events. -#}
{% macro indicator_event_sets() -%}
{{ return([
    ('FULFILMENT', 'fulfilment_events', 'item', 'unmet'),
    ('HANDOVER', 'handover_events', 'item', 'unmet'),
    ('CANCELLATIONS', 'cancellation_denominator_events', 'item', none),
    ('CANCELLATIONS', 'cancellation_numerator_events', 'item', 'all'),
    ('RESPONSE_TIME', 'response_time_events', 'item', 'unmet'),
    ('TRACK_AND_TRACE', 'track_and_trace_events', 'line', 'unmet'),
    ('PHONE_AVAILABILITY', 'phone_events', 'none', 'unmet'),
    ('CASE_ITEM_RATIO', 'all_item_events', 'item', none),
    ('CASE_ITEM_RATIO', 'question_events', 'item', 'all'),
    ('RETURNS', 'all_item_events', 'item', none),
    ('RETURNS', 'return_events', 'item', 'all'),
]) }}
{%- endmacro %}

{#- The event's week is in `weeks` (none: the run's window). -#}
{% macro in_event_weeks(week_start_column, weeks=none) -%}
    {%- if weeks is none -%}{{ in_week_window(week_start_column) }}
    {%- else -%}({{ week_start_column }} >= {{ weeks[0] }} and {{ week_start_column }} < {{ weeks[1] }})
    {%- endif -%}
{%- endmacro %}

{#- A date of those weeks (implied by in_event_weeks on its ISO week; on the
    date itself it prunes the scan). -#}
{% macro event_dates_in_weeks(date_column, weeks=none) -%}
    {%- if weeks is none -%}{{ dates_of_week_window(date_column) }}
    {%- else -%}({{ date_column }} >= {{ weeks[0] }} and {{ date_column }} < {{ weeks[1] }})
    {%- endif -%}
{%- endmacro %}

{#- A question's status: as stored (judged at the measurement cut-off), or, for
    a week in progress, an unanswered question is late only when its deadline
    passed before `as_of` (when that is before the cut-off). -#}
{% macro response_status(as_of=none) -%}
    {%- if as_of is none -%}response_status
    {%- else -%}
    case
        when first_response_at is not null then response_status
        when deadline_local < least(measurement_cutoff_local, {{ as_of }}) then 'LATE'
        else 'PENDING'
    end
    {%- endif -%}
{%- endmacro %}

{#- No moment: the event is placed by a date (a promise date). -#}
{% macro no_moment() -%}
    cast(null as {{ type_timestamptz() }})
{%- endmacro %}


{#- Numerator and denominator per seller, week and indicator of these events
    (all weekly indicators but REVIEWS), after EXCLUDE_EVENTS circumstances:
    the weekly counts (`weeks` none: the run's window) and those of the week in
    progress (macros/time/provisional.sql). Arguments as indicator_event_ctes. -#}
{% macro seller_week_indicator_counts(weeks=none, as_of=none) -%}
with {{ indicator_event_ctes(weeks=weeks, as_of=as_of) }},

counted as (
    {% for indicator, events, link, _incidents in indicator_event_sets() %}
    select
        seller_id,
        week_start,
        '{{ indicator }}' as indicator,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from ({{ without_excluded_events(events, indicator, link) }}) as kept_{{ loop.index }}
    group by seller_id, week_start
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        seller_id,
        week_start,
        indicator,
        cast(sum(numerator) as {{ dbt.type_bigint() }}) as numerator,
        cast(sum(denominator) as {{ dbt.type_bigint() }}) as denominator
    from counted
    group by seller_id, week_start, indicator
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
{%- endmacro %}
