{{ week_window_config() }}
-- Numerator and denominator per seller, week and indicator (all weekly
-- indicators but REVIEWS), after EXCLUDE_EVENTS circumstances (SPEC §4, §8).
-- Each indicator's events carry the date its circumstances are matched on.
-- Rows with a zero denominator are kept: their numerator events still count
-- in the six-week pools. Rebuilt per week window [week_start_min, week_start_max).
-- The inputs are referenced in each event CTE, not through shared import CTEs:
-- a CTE used more than once is materialised whole, which would copy every
-- measured item of the history into each weekly run.
with fulfilment_events as (
    select
        order_item_id as event_key, seller_id, country, promise_week as week_start,
        promise_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        case when is_delivered_on_time then 1 else 0 end as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and shipping_method = 'OWN'
        and not is_cancelled
        and coalesce(time_frame_type, '') <> 'APPOINTMENT'
        and {{ in_week_window('promise_week') }}
),

handover_events as (
    select
        order_item_id as event_key, seller_id, country, latest_handover_week as week_start,
        latest_handover_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        case when is_handed_over_on_time then 1 else 0 end as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and shipping_method = 'VVB'
        and not is_cancelled
        and latest_handover_at is not null
        and {{ in_week_window('latest_handover_week') }}
),

-- CANCELLATIONS: the denominator counts FBR items by order week, the
-- numerator counted cancellations by cancellation week.
cancellation_denominator_events as (
    select
        order_item_id as event_key, seller_id, country, ordered_week as week_start,
        ordered_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        0 as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and {{ in_week_window('ordered_week') }}
),

cancellation_numerator_events as (
    select
        order_item_id as event_key, seller_id, country, cancelled_week as week_start,
        cancelled_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        1 as numerator, 0 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where fulfilment_method = 'FBR'
        and is_counted_cancellation
        and {{ in_week_window('cancelled_week') }}
),

response_time_events as (
    select
        case_id as event_key, seller_id, country, created_week as week_start,
        created_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        case when response_status = 'ON_TIME' then 1 else 0 end as numerator, 1 as denominator
    from {{ ref('int_customer_questions_sla') }} as questions
    where response_status <> 'PENDING'
        and {{ in_week_window('created_week') }}
),

track_and_trace_events as (
    select
        {{ dbt.concat(['lines.shipment_id', "'|'", 'lines.order_item_id']) }} as event_key,
        items.seller_id, items.country,
        {{ iso_week_start('lines.shipped_date') }} as week_start,
        lines.shipped_date as match_date,
        cast(null as {{ dbt.type_string() }}) as link_id,
        lines.transporter_code as line_transporter_code,
        case when lines.has_valid_code then 1 else 0 end as numerator, 1 as denominator
    from {{ ref('int_shipment_lines') }} as lines
    inner join {{ ref('int_order_items_measured') }} as items
        on items.order_item_id = lines.order_item_id
    where lines.parcel_type = 'PARCEL'
        and items.fulfilment_method = 'FBR'
        and {{ in_week_window(iso_week_start('lines.shipped_date')) }}
        and {{ dates_of_week_window('lines.shipped_date') }}
        {%- if is_incremental() %}
        -- the window's lines are few: their items' range bounds the items' scan
        and {{ in_key_range('items.order_item_id', key_range('order_item_id',
            'select order_item_id from ' ~ ref('int_shipment_lines')
            ~ ' where ' ~ dates_of_week_window('shipped_date'))) }}
        {%- endif %}
),

phone_events as (
    select
        call_id as event_key, seller_id, country, started_week as week_start,
        started_date as match_date,
        cast(null as {{ dbt.type_string() }}) as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        case when answered then 1 else 0 end as numerator, 1 as denominator
    from {{ ref('int_phone_calls_office_hours') }} as calls
    where {{ in_week_window('started_week') }}
),

-- CASE_ITEM_RATIO and RETURNS share their denominator: all items (FBR and FBB,
-- cancelled or not) by order week.
all_item_events as (
    select
        order_item_id as event_key, seller_id, country, ordered_week as week_start,
        ordered_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        0 as numerator, 1 as denominator
    from {{ ref('int_order_items_measured') }} as items
    where {{ in_week_window('ordered_week') }}
),

question_events as (
    select
        case_id as event_key, seller_id, country, created_week as week_start,
        created_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        1 as numerator, 0 as denominator
    from {{ ref('int_customer_questions_sla') }} as questions
    where {{ in_week_window('created_week') }}
),

return_events as (
    select
        return_id as event_key, seller_id, country, registered_week as week_start,
        registered_date as match_date, order_item_id as link_id,
        cast(null as {{ dbt.type_string() }}) as line_transporter_code,
        1 as numerator, 0 as denominator
    from {{ ref('int_returns') }} as returns
    where {{ in_week_window('registered_week') }}
),

{% set indicator_events = [
    ('FULFILMENT', 'fulfilment_events', 'item'),
    ('HANDOVER', 'handover_events', 'item'),
    ('CANCELLATIONS', 'cancellation_denominator_events', 'item'),
    ('CANCELLATIONS', 'cancellation_numerator_events', 'item'),
    ('RESPONSE_TIME', 'response_time_events', 'item'),
    ('TRACK_AND_TRACE', 'track_and_trace_events', 'line'),
    ('PHONE_AVAILABILITY', 'phone_events', 'none'),
    ('CASE_ITEM_RATIO', 'all_item_events', 'item'),
    ('CASE_ITEM_RATIO', 'question_events', 'item'),
    ('RETURNS', 'all_item_events', 'item'),
    ('RETURNS', 'return_events', 'item'),
] %}

counted as (
    {% for indicator, events, link in indicator_events %}
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

select * from final
