{#- The outlook of every seller and indicator as of the weeks `as_of_weeks` (a
    query returning `week_start`): the six-week score and norm, what it takes to
    conform next week and to bring the six-week score back to the norm, the risk
    of a breach and of a strike next week, and where the seller stands in its
    improvement trajectory. docs/metrics.md explains each figure with worked
    examples. seller_outlook takes the latest finalised week; the backtest
    (analyses/seller_outlook_backtest.sql) every week before it.

    The CTEs end with `outlook`: one row per seller, as-of week and indicator
    with a six-week score in that week.

    * Volume: the median of the six weekly denominators W-5 ... W (weeks without
      events count 0), rounded to a whole number of events (halves up).
    * Allowed failures next week: the most failing events (late items, counted
      cancellations, ...) among that many events with which the week still
      conforms, by the same comparison the weekly verdict makes.
    * Conforming weeks to the norm: the fewest next weeks, each at that volume
      with that many failures (the worst conforming week), after which the
      six-week score conforms: each new week pushes the oldest week out of the
      window. 0 when it conforms already; NULL when no such week comes within
      six (possible only without volume).
    * Breach risk: the probability of a breach next week when its failures are
      binomial: that many events, each failing at the six-week incident rate;
      a breach needs more failures than allowed and at least the incident floor.
    * Strike risk: the breach risk of a strike norm, 0 when next week cannot
      strike (GroeiStart, a NO_STRIKE circumstance already landed for it).
    Probabilities are summed as decimals: the same inputs give the same bits
    whatever order a parallel aggregation adds them in. -#}
{% macro seller_outlook_ctes(as_of_weeks) -%}
{%- set temporary_closure_at = var('trajectory_temporary_closure_at') -%}
{%- set definitive_closure_at = var('trajectory_definitive_closure_at') -%}
{%- set complete_after = var('trajectory_clean_weeks_to_complete') -%}
as_of as (
    {{ as_of_weeks }}
),

scores as (
    select scores.*
    from {{ ref('seller_six_week_scores') }} as scores
    inner join as_of
        on as_of.week_start = scores.week_start
),

offsets as (
    select 0 as n union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6
),

-- The six weeks W-5 ... W of each score (weeks_back 0 = W), zero without a row.
weekly as (
    select
        scores.seller_id,
        scores.week_start,
        scores.indicator,
        offsets.n as weeks_back,
        coalesce(counts.numerator, 0) as numerator,
        coalesce(counts.denominator, 0) as denominator
    from scores
    cross join offsets
    left join {{ ref('fct_seller_week_indicator_counts') }} as counts
        on counts.seller_id = scores.seller_id
        and counts.indicator = scores.indicator
        and counts.week_start = cast({{ dbt.dateadd('day', '-7 * offsets.n', 'scores.week_start') }} as date)
    where offsets.n <= 5
        and scores.indicator <> 'REVIEWS'
),

-- The median of six values: the mean of the 3rd and 4th, halves rounded up.
volumes as (
    select
        seller_id,
        week_start,
        indicator,
        floor((sum(case when volume_rank in (3, 4) then denominator else 0 end) + 1) / cast(2 as double))
            as median_weekly_denominator
    from (
        select
            weekly.*,
            row_number() over (
                partition by seller_id, week_start, indicator order by denominator, weeks_back
            ) as volume_rank
        from weekly
    ) as ranked
    group by seller_id, week_start, indicator
),

judged as (
    select
        scores.seller_id,
        scores.week_start,
        scores.indicator,
        case when norms.strike_eligible then 'STRIKE' else 'MAIL' end as indicator_kind,
        norms.strike_eligible,
        scores.numerator_6w,
        scores.denominator_6w,
        scores.value_6w,
        scores.norm_condition,
        scores.norm_value,
        scores.conforms_6w,
        norms.incident_floor,
        -- Failing events of the six weeks: the misses of a '>=' norm, the
        -- incidents themselves of a '<=' one.
        case
            when scores.indicator = 'REVIEWS' then null
            when scores.norm_condition = '>=' then scores.denominator_6w - scores.numerator_6w
            else scores.numerator_6w
        end as incidents_6w,
        cast(volumes.median_weekly_denominator as {{ dbt.type_bigint() }}) as median_weekly_denominator,
        -- The largest whole number of failures the norm leaves room for, from
        -- above: verified against the verdict's own comparison below.
        case
            when volumes.median_weekly_denominator > 0 then least(
                volumes.median_weekly_denominator,
                cast(floor(volumes.median_weekly_denominator * case
                    when scores.norm_condition = '>=' then 1 - scores.norm_value else scores.norm_value
                end + 0.000001) as {{ dbt.type_bigint() }})
            )
        end as failures_room
    from scores
    inner join {{ ref('service_norms') }} as norms
        on norms.indicator = scores.indicator
        and scores.week_start >= cast(norms.valid_from as date)
        and scores.week_start <= cast(norms.valid_to as date)
    left join volumes
        on volumes.seller_id = scores.seller_id
        and volumes.week_start = scores.week_start
        and volumes.indicator = scores.indicator
),

allowed as (
    select
        judged.*,
        case
            when failures_room is null then null
            when {{ meets_norm(outlook_value('norm_condition', 'failures_room', 'median_weekly_denominator'),
                'norm_condition', 'norm_value') }}
                then failures_room
            else failures_room - 1
        end as allowed_failures_next_week
    from judged
),

-- The six-week pool after k more weeks at the allowed failures (k = 0 ... 6):
-- the weeks W-5+k ... W of the old ones are left.
projected as (
    select
        allowed.seller_id,
        allowed.week_start,
        allowed.indicator,
        allowed.norm_condition,
        allowed.norm_value,
        ahead.n as weeks_ahead,
        sum(case when weekly.weeks_back <= 5 - ahead.n then weekly.numerator else 0 end)
            + ahead.n * coalesce(case
                when allowed.norm_condition = '>='
                    then allowed.median_weekly_denominator - allowed.allowed_failures_next_week
                else allowed.allowed_failures_next_week
            end, 0) as pooled_numerator,
        sum(case when weekly.weeks_back <= 5 - ahead.n then weekly.denominator else 0 end)
            + ahead.n * coalesce(allowed.median_weekly_denominator, 0) as pooled_denominator
    from allowed
    cross join offsets as ahead
    inner join weekly
        on weekly.seller_id = allowed.seller_id
        and weekly.week_start = allowed.week_start
        and weekly.indicator = allowed.indicator
    group by allowed.seller_id, allowed.week_start, allowed.indicator, allowed.norm_condition,
        allowed.norm_value, ahead.n, allowed.median_weekly_denominator, allowed.allowed_failures_next_week
),

weeks_to_norm as (
    select
        seller_id,
        week_start,
        indicator,
        min(weeks_ahead) as conforming_weeks_to_norm
    from projected
    where pooled_denominator > 0
        and {{ meets_norm('cast(pooled_numerator as double) / pooled_denominator', 'norm_condition', 'norm_value') }}
    group by seller_id, week_start, indicator
),

-- Binomial risk: a breach needs `breach_at` failures or more among `volume` events.
rates as (
    select
        seller_id,
        week_start,
        indicator,
        median_weekly_denominator as volume,
        least(cast(incidents_6w as double) / denominator_6w, cast(1 as double)) as incident_rate,
        greatest(allowed_failures_next_week + 1, incident_floor) as breach_at
    from allowed
    where allowed_failures_next_week is not null
),

-- 0 ... 99,999: the failure counts below `breach_at` whose probabilities are summed.
digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

failure_counts as (
    select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d as k
    from digits as a
    cross join digits as b
    cross join digits as c
    cross join digits as e
    cross join digits as f
),

-- ln P(F = k) = n ln(1-p) + sum over j = 1 ... k of ln((n-j+1)/j) + ln(p/(1-p)).
binomial_terms as (
    select
        rates.seller_id,
        rates.week_start,
        rates.indicator,
        rates.volume * ln(1 - rates.incident_rate) + sum(
            cast(case
                when failure_counts.k = 0 then 0
                else ln(rates.volume - failure_counts.k + 1) - ln(greatest(failure_counts.k, 1))
                    + ln(rates.incident_rate) - ln(1 - rates.incident_rate)
            end as decimal(38, 20))
        ) over (
            partition by rates.seller_id, rates.week_start, rates.indicator
            order by failure_counts.k
            rows between unbounded preceding and current row
        ) as log_probability
    from rates
    inner join failure_counts
        on failure_counts.k < rates.breach_at
    where rates.incident_rate > 0
        and rates.incident_rate < 1
        and rates.breach_at <= rates.volume
),

below_breach as (
    select
        seller_id,
        week_start,
        indicator,
        sum(cast(exp(cast(log_probability as double)) as decimal(38, 30))) as probability
    from binomial_terms
    group by seller_id, week_start, indicator
),

risks as (
    select
        rates.seller_id,
        rates.week_start,
        rates.indicator,
        case
            when rates.breach_at > rates.volume or rates.incident_rate <= 0 then cast(0 as double)
            when rates.incident_rate >= 1 then cast(1 as double)
            else least(cast(1 as double), greatest(cast(0 as double), 1 - cast(below_breach.probability as double)))
        end as breach_risk_next_week
    from rates
    left join below_breach
        on below_breach.seller_id = rates.seller_id
        and below_breach.week_start = rates.week_start
        and below_breach.indicator = rates.indicator
),

with_risk as (
    select
        allowed.*,
        weeks_to_norm.conforming_weeks_to_norm,
        -- No volume: no event expected next week, so no breach.
        case when allowed.indicator <> 'REVIEWS' then coalesce(risks.breach_risk_next_week, 0) end
            as breach_risk_next_week,
        cast(case
            when allowed.indicator = 'REVIEWS' then null
            when not allowed.strike_eligible then 0
            when sellers.groeistart_last_week is null
                or cast({{ dbt.dateadd('day', 7, 'allowed.week_start') }} as date) <= sellers.groeistart_last_week
                then 0
            when neutralised.seller_id is not null then 0
            else coalesce(risks.breach_risk_next_week, 0)
        end as double) as strike_risk_next_week
    from allowed
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = allowed.seller_id
    left join weeks_to_norm
        on weeks_to_norm.seller_id = allowed.seller_id
        and weeks_to_norm.week_start = allowed.week_start
        and weeks_to_norm.indicator = allowed.indicator
    left join risks
        on risks.seller_id = allowed.seller_id
        and risks.week_start = allowed.week_start
        and risks.indicator = allowed.indicator
    left join {{ ref('int_neutralised_weeks') }} as neutralised
        on neutralised.seller_id = allowed.seller_id
        and neutralised.week_start = cast({{ dbt.dateadd('day', 7, 'allowed.week_start') }} as date)
        and neutralised.indicator = allowed.indicator
),

-- A strike week needs one strike: 1 - the product of (1 - risk) over the indicators.
-- Never below the largest single risk, which the sum of logarithms can undercut
-- by a rounding error (one indicator at risk: 1 - exp(ln(1 - p)) can be p - 1e-16).
seller_risks as (
    select
        seller_id,
        week_start,
        case
            when max(strike_risk_next_week) >= 1 then cast(1 as double)
            else greatest(max(strike_risk_next_week), 1 - exp(cast(sum(cast(case
                when strike_risk_next_week < 1 then ln(1 - strike_risk_next_week) else 0
            end as decimal(38, 20))) as double)))
        end as seller_strike_risk_next_week
    from with_risk
    where strike_risk_next_week is not null
    group by seller_id, week_start
),

outlook as (
    select
        with_risk.seller_id,
        with_risk.week_start,
        weeks.iso_year,
        weeks.iso_week,
        with_risk.indicator,
        with_risk.indicator_kind,
        with_risk.numerator_6w,
        with_risk.denominator_6w,
        with_risk.value_6w,
        with_risk.norm_condition,
        with_risk.norm_value,
        with_risk.conforms_6w,
        cast(with_risk.incidents_6w as {{ dbt.type_bigint() }}) as incidents_6w,
        with_risk.incident_floor,
        with_risk.median_weekly_denominator,
        cast(with_risk.allowed_failures_next_week as {{ dbt.type_bigint() }}) as allowed_failures_next_week,
        cast(with_risk.conforming_weeks_to_norm as integer) as conforming_weeks_to_norm,
        with_risk.breach_risk_next_week,
        with_risk.strike_risk_next_week,
        seller_risks.seller_strike_risk_next_week,
        trajectory.trajectory_status,
        trajectory.trajectory_id,
        trajectory.trajectory_strike_count,
        trajectory.consecutive_clean_weeks,
        cast(case
            when trajectory.trajectory_status in ('NONE', 'COMPLETED') then {{ temporary_closure_at }}
            when trajectory.trajectory_status = 'OPEN'
                and trajectory.trajectory_strike_count < {{ temporary_closure_at }}
                then {{ temporary_closure_at }} - trajectory.trajectory_strike_count
        end as integer) as strikes_until_temporary_closure,
        cast(case
            when trajectory.trajectory_status in ('NONE', 'COMPLETED') then {{ definitive_closure_at }}
            when trajectory.trajectory_status = 'OPEN'
                then {{ definitive_closure_at }} - trajectory.trajectory_strike_count
        end as integer) as strikes_until_definitive_closure,
        cast(case
            when trajectory.trajectory_status = 'OPEN'
                then {{ complete_after }} - trajectory.consecutive_clean_weeks
        end as integer) as clean_weeks_to_complete
    from with_risk
    inner join {{ ref('int_weeks') }} as weeks
        on weeks.week_start = with_risk.week_start
    left join seller_risks
        on seller_risks.seller_id = with_risk.seller_id
        and seller_risks.week_start = with_risk.week_start
    left join {{ ref('seller_trajectory_weeks') }} as trajectory
        on trajectory.seller_id = with_risk.seller_id
        and trajectory.week_start = with_risk.week_start
)
{%- endmacro %}

{#- The value of a week with `failures` failing events among `volume`. -#}
{% macro outlook_value(condition, failures, volume) -%}
    cast(case when {{ condition }} = '>=' then {{ volume }} - {{ failures }} else {{ failures }} end as double) / {{ volume }}
{%- endmacro %}
