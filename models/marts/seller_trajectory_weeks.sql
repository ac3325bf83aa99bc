{{ week_window_config(weeks_after='all') }}
-- The improvement trajectory per seller and spine week (SPEC §7, §12).
-- A strike week is a week with at least one strike. A trajectory opens at the
-- first strike week while none is open; its strikes 1-4 send a MAIL, strike 5
-- a TEMPORARY_CLOSURE, 6 a FINAL_WARNING, 7 the DEFINITIVE_CLOSURE (terminal).
-- It is COMPLETED in the week that makes 24 consecutive clean weeks; the next
-- strike then opens a new trajectory at 1. Computed with window functions
-- over the strike weeks; no row-by-row state.
-- Rebuilt from the window's first week on (every later week carries its
-- state): the state comes from all of a seller's strike weeks, a few percent
-- of its weeks, and only the window's weeks are written.
{% set complete_after = var('trajectory_clean_weeks_to_complete') %}
{% set temporary_closure_at = var('trajectory_temporary_closure_at') %}
{% set final_warning_at = var('trajectory_final_warning_at') %}
{% set definitive_closure_at = var('trajectory_definitive_closure_at') %}
with spine as (
    select * from {{ ref('fct_seller_week_spine') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

strikes as (
    select seller_id, week_start, indicator
    from {{ ref('seller_week_indicators') }}
    where is_strike
),

window_strikes as (
    select
        seller_id,
        week_start,
        {{ dbt.listagg('indicator', "','", 'order by indicator') }} as strike_indicators
    from strikes
    where {{ in_open_week_window('week_start') }}
    group by seller_id, week_start
),

weeks as (
    select
        spine.seller_id,
        spine.week_start,
        spine.iso_year,
        spine.iso_week,
        spine.week_index,
        (sellers.groeistart_last_week is null or spine.week_start <= sellers.groeistart_last_week) as in_groeistart,
        window_strikes.seller_id is not null as is_strike_week,
        window_strikes.strike_indicators
    from spine
    inner join sellers
        on sellers.seller_id = spine.seller_id
    left join window_strikes
        on window_strikes.seller_id = spine.seller_id
        and window_strikes.week_start = spine.week_start
    where {{ in_open_week_window('spine.week_start') }}
),

-- Every strike week of the seller's spine, the weeks before the window included.
strike_weeks as (
    select
        spine.seller_id,
        spine.week_index,
        lag(spine.week_index) over (partition by spine.seller_id order by spine.week_index) as previous_strike_index
    from spine
    inner join sellers
        on sellers.seller_id = spine.seller_id
    inner join (select distinct seller_id, week_start from strikes) as struck
        on struck.seller_id = spine.seller_id
        and struck.week_start = spine.week_start
),

-- A strike opens a new trajectory when there was none before, or when the
-- clean weeks since the previous strike completed the previous one.
trajectory_starts as (
    select
        seller_id,
        week_index,
        case
            when previous_strike_index is null then 1
            when week_index - previous_strike_index - 1 >= {{ complete_after }} then 1
            else 0
        end as opens_trajectory
    from strike_weeks
),

numbered_strikes as (
    select
        seller_id,
        week_index,
        sum(opens_trajectory) over (
            partition by seller_id order by week_index rows between unbounded preceding and current row
        ) as trajectory_id
    from trajectory_starts
),

counted_strikes as (
    select
        seller_id,
        week_index,
        trajectory_id,
        row_number() over (partition by seller_id, trajectory_id order by week_index) as trajectory_strike_count
    from numbered_strikes
),

closures as (
    select
        seller_id,
        week_index as closed_from_index,
        trajectory_id as closed_trajectory_id
    from (
        select
            seller_id,
            week_index,
            trajectory_id,
            row_number() over (partition by seller_id order by week_index) as closure_rank
        from counted_strikes
        where trajectory_strike_count = {{ definitive_closure_at }}
    ) as reached_closure
    where closure_rank = 1
),

-- Strikes after the definitive closure belong to no trajectory.
effective_strikes as (
    select counted_strikes.*
    from counted_strikes
    left join closures
        on closures.seller_id = counted_strikes.seller_id
    where closures.closed_from_index is null
        or counted_strikes.week_index <= closures.closed_from_index
),

-- The last strike week at or before each of the window's weeks: the strike
-- weeks and the window's weeks in one timeline per seller.
timeline as (
    select seller_id, week_index, week_index as strike_index, 0 as is_window_week
    from strike_weeks
    union all
    select seller_id, week_index, cast(null as integer) as strike_index, 1 as is_window_week
    from weeks
),

last_strikes as (
    select seller_id, week_index, last_strike_index
    from (
        select
            seller_id,
            week_index,
            is_window_week,
            max(strike_index) over (
                partition by seller_id order by week_index
                range between unbounded preceding and current row
            ) as last_strike_index
        from timeline
    ) as running
    where is_window_week = 1
),

first_spine_weeks as (
    select seller_id, min(week_index) as first_spine_index
    from spine
    group by seller_id
),

with_last_strike as (
    select
        weeks.*,
        last_strikes.last_strike_index,
        first_spine_weeks.first_spine_index
    from weeks
    inner join last_strikes
        on last_strikes.seller_id = weeks.seller_id
        and last_strikes.week_index = weeks.week_index
    inner join first_spine_weeks
        on first_spine_weeks.seller_id = weeks.seller_id
),

located as (
    select
        with_last_strike.*,
        closures.closed_from_index,
        closures.closed_trajectory_id,
        current_strike.trajectory_id as strike_trajectory_id,
        current_strike.trajectory_strike_count as strike_count,
        last_strike.trajectory_id as last_trajectory_id,
        last_strike.trajectory_strike_count as last_strike_count
    from with_last_strike
    left join closures
        on closures.seller_id = with_last_strike.seller_id
    left join effective_strikes as current_strike
        on current_strike.seller_id = with_last_strike.seller_id
        and current_strike.week_index = with_last_strike.week_index
    left join effective_strikes as last_strike
        on last_strike.seller_id = with_last_strike.seller_id
        and last_strike.week_index = with_last_strike.last_strike_index
),

final as (
    select
        seller_id,
        week_start,
        iso_year,
        iso_week,
        in_groeistart,
        is_strike_week,
        strike_indicators,
        cast(case
            when closed_from_index is not null and week_index >= closed_from_index then closed_trajectory_id
            when last_strike_index is null then null
            when week_index - last_strike_index <= {{ complete_after }} then last_trajectory_id
        end as integer) as trajectory_id,
        cast(case
            when closed_from_index is not null and week_index >= closed_from_index then {{ definitive_closure_at }}
            when last_strike_index is null then 0
            when week_index - last_strike_index <= {{ complete_after }} then last_strike_count
            else 0
        end as integer) as trajectory_strike_count,
        case
            when closed_from_index is not null and week_index > closed_from_index then null
            when strike_count is null then null
            when strike_count >= {{ definitive_closure_at }} then 'DEFINITIVE_CLOSURE'
            when strike_count = {{ final_warning_at }} then 'FINAL_WARNING'
            when strike_count = {{ temporary_closure_at }} then 'TEMPORARY_CLOSURE'
            else 'MAIL'
        end as action,
        cast(case
            when last_strike_index is null then week_index - first_spine_index + 1
            else week_index - last_strike_index
        end as integer) as consecutive_clean_weeks,
        case
            when closed_from_index is not null and week_index >= closed_from_index then 'CLOSED'
            when last_strike_index is null then 'NONE'
            when week_index - last_strike_index < {{ complete_after }} then 'OPEN'
            when week_index - last_strike_index = {{ complete_after }} then 'COMPLETED'
            else 'NONE'
        end as trajectory_status
    from located
)

select * from final
