-- One row per platform week: how many sellers were measured, the share of
-- measured sellers conforming per indicator, strikes and trajectory actions.
-- Rebuilt from the window's first week on, like the trajectories it counts.
{{ week_window_config(weeks_after='all') }}
{% set indicators = ['FULFILMENT', 'HANDOVER', 'CANCELLATIONS', 'RESPONSE_TIME', 'TRACK_AND_TRACE',
                     'PHONE_AVAILABILITY', 'CASE_ITEM_RATIO', 'RETURNS', 'REVIEWS'] %}
with indicators as (
    select * from {{ ref('seller_week_indicators') }}
    where {{ in_open_week_window('week_start') }}
),

trajectory as (
    select * from {{ ref('seller_trajectory_weeks') }}
    where {{ in_open_week_window('week_start') }}
),

weeks as (
    select * from {{ ref('fct_platform_weeks') }}
    where {{ in_open_week_window('week_start') }}
),

measured as (
    select
        week_start,
        count(distinct seller_id) as sellers_measured,
        sum(case when is_breach then 1 else 0 end) as breaches,
        {% for indicator in indicators %}
        avg(case when indicator = '{{ indicator }}' then case when conforms then 1 else 0 end end)
            as share_conforming_{{ indicator | lower }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from indicators
    group by week_start
),

actions as (
    select
        week_start,
        sum(case when is_strike_week then 1 else 0 end) as strike_weeks,
        sum(case when action = 'MAIL' then 1 else 0 end) as mail_actions,
        sum(case when action = 'TEMPORARY_CLOSURE' then 1 else 0 end) as temporary_closures,
        sum(case when action = 'FINAL_WARNING' then 1 else 0 end) as final_warnings,
        sum(case when action = 'DEFINITIVE_CLOSURE' then 1 else 0 end) as definitive_closures,
        sum(case when trajectory_status = 'OPEN' then 1 else 0 end) as open_trajectories,
        sum(case when trajectory_status = 'COMPLETED' then 1 else 0 end) as completed_trajectories,
        sum(case when trajectory_status = 'CLOSED' then 1 else 0 end) as closed_sellers,
        sum(case when in_groeistart then 1 else 0 end) as sellers_in_groeistart
    from trajectory
    group by week_start
),

final as (
    select
        weeks.week_start,
        weeks.iso_year,
        weeks.iso_week,
        cast(coalesce(measured.sellers_measured, 0) as {{ dbt.type_bigint() }}) as sellers_measured,
        cast(coalesce(measured.breaches, 0) as {{ dbt.type_bigint() }}) as breaches,
        cast(coalesce(actions.strike_weeks, 0) as {{ dbt.type_bigint() }}) as strikes,
        cast(coalesce(actions.mail_actions, 0) as {{ dbt.type_bigint() }}) as mail_actions,
        cast(coalesce(actions.temporary_closures, 0) as {{ dbt.type_bigint() }}) as temporary_closures,
        cast(coalesce(actions.final_warnings, 0) as {{ dbt.type_bigint() }}) as final_warnings,
        cast(coalesce(actions.definitive_closures, 0) as {{ dbt.type_bigint() }}) as definitive_closures,
        cast(coalesce(actions.open_trajectories, 0) as {{ dbt.type_bigint() }}) as open_trajectories,
        cast(coalesce(actions.completed_trajectories, 0) as {{ dbt.type_bigint() }}) as completed_trajectories,
        cast(coalesce(actions.closed_sellers, 0) as {{ dbt.type_bigint() }}) as closed_sellers,
        cast(coalesce(actions.sellers_in_groeistart, 0) as {{ dbt.type_bigint() }}) as sellers_in_groeistart,
        {% for indicator in indicators %}
        measured.share_conforming_{{ indicator | lower }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from weeks
    left join measured
        on measured.week_start = weeks.week_start
    left join actions
        on actions.week_start = weeks.week_start
)

select * from final
