-- How well the outlook's strike risk ranks the sellers who strike (docs/metrics.md):
-- the outlook as of every measured week but the last (macros/rules/outlook.sql, the
-- rules of seller_outlook), each seller's risk of a strike week next week
-- against whether the next week was a strike week. One row:
--   auc             the chance that a seller who struck got a higher risk than
--                   one who did not (ties count half; 0.5 is guessing);
--   precision_at_k  per week, of the k sellers with the highest risk (k = the
--                   sellers who struck that week), the share who struck, pooled;
--   expected_strikes / strikes   the sum of the risks against what happened.
-- orchestration/backtest.py compiles and runs it.
with {{ seller_outlook_ctes(
    "select week_start from " ~ ref('fct_platform_weeks')
    ~ " where week_start < (select max(week_start) from " ~ ref('fct_platform_weeks') ~ ")"
) }},

predictions as (
    select distinct seller_id, week_start, seller_strike_risk_next_week as risk
    from outlook
    where seller_strike_risk_next_week is not null
),

outcomes as (
    select
        predictions.seller_id,
        predictions.week_start,
        predictions.risk,
        case when next_week.is_strike_week then 1 else 0 end as struck
    from predictions
    inner join {{ ref('seller_trajectory_weeks') }} as next_week
        on next_week.seller_id = predictions.seller_id
        and next_week.week_start = cast({{ dbt.dateadd('day', 7, 'predictions.week_start') }} as date)
),

-- Mann-Whitney: the mean rank of equal risks for ties.
ranked as (
    select
        outcomes.*,
        rank() over (order by risk) + (count(*) over (partition by risk) - 1) / 2.0 as risk_rank,
        row_number() over (partition by week_start order by risk desc, seller_id) as week_position,
        sum(struck) over (partition by week_start) as week_strikes
    from outcomes
),

final as (
    select
        count(distinct week_start) as weeks,
        count(*) as seller_weeks,
        sum(struck) as strikes,
        sum(risk) as expected_strikes,
        (sum(case when struck = 1 then risk_rank else 0 end) - sum(struck) * (sum(struck) + 1) / 2.0)
            / nullif(sum(struck) * (count(*) - sum(struck)), 0) as auc,
        sum(case when week_position <= week_strikes then struck else 0 end) * 1.0
            / nullif(sum(struck), 0) as precision_at_k,
        avg(case when struck = 1 then risk end) as mean_risk_of_strikers,
        avg(case when struck = 0 then risk end) as mean_risk_of_others
    from ranked
)

select * from final
