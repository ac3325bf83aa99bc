-- How the week in progress is going: seller_week_indicators for the weeks not
-- finalised yet (the week before a Wednesday, the current week), from what has
-- landed so far, by the same rules (macros/rules/verdicts.sql over
-- int_provisional_*), as of the run's moment, for the weeks in progress with
-- activity (int_provisional_weeks). is_strike says whether the week
-- would strike as it stands: nothing here is a strike, reaches a trajectory or
-- a mail until the Wednesday run finalises the week into
-- seller_week_indicators. Rebuilt whole by every run (daily, and the Wednesday
-- run, which leaves the new week in progress only).
{{ config(materialized='table') }}
with verdicts as (
    {{ seller_week_verdicts(
        counts=ref('int_provisional_week_counts'),
        reviews=ref('int_provisional_week_reviews'),
        dynamic_norms=ref('int_provisional_dynamic_norms'),
        measured_weeks=ref('int_provisional_weeks'),
        in_window=false,
    ) }}
),

measured_weeks as (
    select * from {{ ref('int_provisional_weeks') }}
),

final as (
    select
        verdicts.*,
        true as is_provisional,
        cast(measured_weeks.as_of as {{ type_timestamptz() }}) as as_of
    from verdicts
    inner join measured_weeks
        on measured_weeks.week_start = verdicts.week_start
)

select * from final
