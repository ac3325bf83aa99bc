{#- The dynamic norms of CASE_ITEM_RATIO and RETURNS per seller and week of
    `weeks` (none: the run's window; else [first, end) as SQL dates), as
    int_dynamic_norms documents them: that model and the week in progress
    (int_provisional_dynamic_norms) run this. -#}
{% macro dynamic_norms(weeks=none) -%}
{%- set first = weeks[0] if weeks is not none else "cast('" ~ week_start_min() ~ "' as date)" %}
{%- set window_max = weeks[1] if weeks is not none else "cast('" ~ week_start_max() ~ "' as date)" %}
{#- The calendar months whose ratios the window's weeks use: from the month
    before the first week's month up to (not including) the month of the window's end. -#}
{%- set months_from = dbt.dateadd('month', -1, dbt.date_trunc('month', first)) %}
{%- set months_to = dbt.date_trunc('month', window_max) %}
with returns as (
    select returns.*
    from {{ ref('stg_raw__returns') }} as returns
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = returns.seller_id
),

static_norms as (
    select indicator, norm_value, valid_from, valid_to
    from {{ ref('service_norms') }}
    where indicator in ('CASE_ITEM_RATIO', 'RETURNS')
),

group_month_items as (
    select
        product_group,
        {{ dbt.date_trunc('month', 'ordered_date') }} as month_start,
        count(*) as items
    from {{ ref('int_order_items_measured') }} as items
    where ordered_date >= {{ months_from }}
        and ordered_date < {{ months_to }}
    group by 1, 2
),

group_month_questions as (
    select
        items.product_group,
        {{ dbt.date_trunc('month', 'questions.created_date') }} as month_start,
        count(*) as questions
    from {{ ref('int_customer_questions_sla') }} as questions
    inner join {{ ref('int_order_items_measured') }} as items
        on items.order_item_id = questions.order_item_id
    where questions.created_date >= {{ months_from }}
        and questions.created_date < {{ months_to }}
    group by 1, 2
),

group_month_returns as (
    select
        items.product_group,
        {{ dbt.date_trunc('month', 'returns.registered_date') }} as month_start,
        count(*) as returns
    from returns
    inner join {{ ref('int_order_items_measured') }} as items
        on items.order_item_id = returns.order_item_id
    where returns.registered_date >= {{ months_from }}
        and returns.registered_date < {{ months_to }}
    group by 1, 2
),

group_month_ratios as (
    select
        group_month_items.product_group,
        cast(group_month_items.month_start as date) as month_start,
        cast(coalesce(group_month_questions.questions, 0) as double) / group_month_items.items as question_ratio,
        cast(coalesce(group_month_returns.returns, 0) as double) / group_month_items.items as return_ratio
    from group_month_items
    left join group_month_questions
        on group_month_questions.product_group = group_month_items.product_group
        and group_month_questions.month_start = group_month_items.month_start
    left join group_month_returns
        on group_month_returns.product_group = group_month_items.product_group
        and group_month_returns.month_start = group_month_items.month_start
),

seller_week_groups as (
    select
        seller_id,
        ordered_week as week_start,
        product_group,
        count(*) as items
    from {{ ref('int_order_items_measured') }} as items
    where {{ in_event_weeks('ordered_week', weeks) }}
    group by 1, 2, 3
),

seller_week_shares as (
    select
        seller_id,
        week_start,
        product_group,
        cast(items as double) / sum(items) over (partition by seller_id, week_start) as item_share,
        cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'week_start')) }} as date) as previous_month
    from seller_week_groups
),

weighted as (
    select
        shares.seller_id,
        shares.week_start,
        -- Each term is rounded to a DECIMAL before summing: decimal sums are
        -- exact, so the norm does not depend on the order a parallel
        -- aggregation adds the terms in (byte-identical reruns). 30 decimals
        -- keep more digits than a DOUBLE holds for any ratio above 1e-13, so
        -- a single term comes back as the very DOUBLE it was.
        sum(cast(shares.item_share * coalesce(ratios.question_ratio, cir.norm_value) as decimal(38, 30)))
            as case_item_ratio_norm,
        sum(cast(shares.item_share * coalesce(ratios.return_ratio, ret.norm_value) as decimal(38, 30)))
            as returns_norm
    from seller_week_shares as shares
    left join group_month_ratios as ratios
        on ratios.product_group = shares.product_group
        and ratios.month_start = shares.previous_month
    inner join static_norms as cir
        on cir.indicator = 'CASE_ITEM_RATIO'
        and shares.week_start >= cast(cir.valid_from as date)
        and shares.week_start <= cast(cir.valid_to as date)
    inner join static_norms as ret
        on ret.indicator = 'RETURNS'
        and shares.week_start >= cast(ret.valid_from as date)
        and shares.week_start <= cast(ret.valid_to as date)
    group by 1, 2
),

final as (
    select
        seller_id,
        week_start,
        least(cast(case_item_ratio_norm as double), {{ var('case_item_ratio_cap') }}) as case_item_ratio_norm,
        cast(returns_norm as double) as returns_norm
    from weighted
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
{%- endmacro %}
