-- The Wednesday mail (SPEC §9): one row per seller, week and indicator that
-- needs telling. A strike is a STRIKE notification (with the trajectory action
-- it triggers); every other breach, and a monthly NPS below its norm, is a MAIL.
-- NPS mails go out with the week that contains the month's last day.
-- Rebuilt from the window's first week on, like the trajectories whose actions
-- it sends: a week's mail keeps the names and responses it went out with
-- until that week is run again.
{{ week_window_config(weeks_after='all') }}
with indicators as (
    select * from {{ ref('seller_week_indicators') }}
    where is_breach and {{ in_open_week_window('week_start') }}
),

trajectory as (
    select * from {{ ref('seller_trajectory_weeks') }}
    where {{ in_open_week_window('week_start') }}
),

nps as (
    select * from {{ ref('seller_monthly_nps') }}
    where not conforms
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

weekly as (
    select
        indicators.seller_id,
        indicators.week_start,
        indicators.indicator,
        case when indicators.is_strike then 'STRIKE' else 'MAIL' end as notification_type,
        indicators.value,
        indicators.norm_condition,
        indicators.norm_value,
        indicators.incident_count,
        case when indicators.is_strike then trajectory.action end as trajectory_action,
        case
            when indicators.is_strike then 'strike'
            when indicators.indicator_kind = 'STRIKE' and indicators.in_groeistart then 'no strike: GroeiStart'
            when indicators.indicator_kind = 'STRIKE' and indicators.neutralised then 'no strike: mitigating circumstance'
            else 'improvement needed'
        end as reason
    from indicators
    left join trajectory
        on trajectory.seller_id = indicators.seller_id
        and trajectory.week_start = indicators.week_start
),

monthly as (
    select
        nps.seller_id,
        {{ iso_week_start(dbt.last_day('nps.month_start', 'month')) }} as week_start,
        'NPS' as indicator,
        'MAIL' as notification_type,
        nps.nps as value,
        nps.norm_condition,
        nps.norm_value,
        cast(null as {{ dbt.type_bigint() }}) as incident_count,
        cast(null as {{ dbt.type_string() }}) as trajectory_action,
        case when nps.reliable then 'improvement needed' else 'improvement needed (fewer than 25 responses)' end as reason
    from nps
    where {{ in_open_week_window(iso_week_start(dbt.last_day('nps.month_start', 'month'))) }}
),

notifications as (
    select * from weekly
    union all
    select * from monthly
),

final as (
    select
        notifications.seller_id,
        sellers.display_name,
        sellers.country,
        notifications.week_start,
        notifications.indicator,
        notifications.notification_type,
        notifications.value,
        notifications.norm_condition,
        notifications.norm_value,
        notifications.incident_count,
        notifications.trajectory_action,
        notifications.reason,
        {{ dbt.concat([
            "case when notifications.notification_type = 'STRIKE' then 'Strike' else 'Attention' end",
            "': '", "notifications.indicator",
            "' was '", "cast(round(cast(notifications.value as numeric(18, 6)), 4) as " ~ dbt.type_string() ~ ")",
            "' in the week of '", "cast(notifications.week_start as " ~ dbt.type_string() ~ ")",
            "', norm '", "notifications.norm_condition", "' '",
            "cast(round(cast(notifications.norm_value as numeric(18, 6)), 4) as " ~ dbt.type_string() ~ ")",
            "' ('", "notifications.reason", "')'",
            "coalesce(' - action: ' || notifications.trajectory_action, '')",
        ]) }} as message
    from notifications
    inner join sellers
        on sellers.seller_id = notifications.seller_id
)

select * from final
