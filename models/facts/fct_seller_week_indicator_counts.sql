{{ week_window_config() }}
-- Numerator and denominator per seller, week and indicator (all weekly
-- indicators but REVIEWS), after EXCLUDE_EVENTS circumstances (SPEC §4, §8).
-- The events are those of macros/indicator_events.sql, which the incidents
-- and the week in progress read too; each carries the date its circumstances
-- are matched on. Rows with a zero denominator are kept: their numerator
-- events still count in the six-week pools. Rebuilt per week window
-- [week_start_min, week_start_max).
with {{ indicator_event_ctes() }},

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

select * from final
