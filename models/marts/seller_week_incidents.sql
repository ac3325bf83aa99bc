{{ week_window_config() }}
-- The events behind every incident_count of seller_week_indicators (SPEC §4),
-- with the reason a seller reads: the incidents the weekly run found beside
-- the counts (fct_seller_week_incidents, the same events after the same
-- circumstances), for the seller-week-indicators with a row there (a non-zero
-- denominator). Rebuilt per week window, like the weekly rows it explains.
with incidents as (
    select * from {{ ref('fct_seller_week_incidents') }}
    where {{ in_week_window('week_start') }}
),

measured as (
    select seller_id, week_start, iso_year, iso_week, indicator
    from {{ ref('seller_week_indicators') }}
    where indicator <> 'REVIEWS' and {{ in_week_window('week_start') }}
),

final as (
    select
        incidents.seller_id,
        incidents.week_start,
        measured.iso_year,
        measured.iso_week,
        incidents.indicator,
        incidents.event_type,
        incidents.event_id,
        incidents.order_item_id,
        incidents.event_date,
        incidents.event_at,
        incidents.reason_code,
        incidents.reason
    from incidents
    inner join measured
        on measured.seller_id = incidents.seller_id
        and measured.week_start = incidents.week_start
        and measured.indicator = incidents.indicator
)

select * from final
