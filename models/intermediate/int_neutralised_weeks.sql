-- Seller-weeks and indicators that a NO_STRIKE circumstance neutralises: every
-- week overlapping the window, for every seller of the country (scope and
-- transporter do not matter for NO_STRIKE, SPEC §12).
with windows as (
    select * from {{ ref('int_circumstance_windows') }}
    where effect = 'NO_STRIKE'
),

final as (
    select distinct
        sellers.seller_id,
        weeks.week_start,
        windows.indicator
    from windows
    inner join {{ ref('int_weeks') }} as weeks
        on weeks.week_start <= windows.ends_on
        and cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date) >= windows.starts_on
    inner join {{ ref('int_sellers') }} as sellers
        on windows.country = 'ALL' or windows.country = sellers.country
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
