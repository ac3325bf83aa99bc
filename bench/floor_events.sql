{#-
  The events both floors count, written once (docs/SPEC.md §3-§5, §8, §12): the
  latest version of every raw row they read, each indicator's events with the date
  that assigns their week, the EXCLUDE_EVENTS windows, and the counts per seller,
  indicator and week (f_counts) and the reviews that count (f_kept_reviews).

  Included by bench/floor.sql and bench/weekly_floor.sql (Jinja, rendered by
  bench/floor.py). `week` is none for the full floor: every row, every week. For
  the weekly floor it is W's Monday and only the history W needs is read: the rows
  whose week-assigning date falls in W-5 ... W (the six weeks pooled), the month
  before W (its dynamic norms), the reviews before W's end (the 3-month window and
  its fallback), and every version of the keys those rows touch (the latest version
  wins). Every bound is a constant DuckDB pushes into the scans.
-#}

{#- The latest version of each `key` of a raw table: the file whose relative path sorts
    last, then the last row in that file. For one week, only the versions `where` keeps
    are read; with `dated`, every version of the keys with a version it keeps, the latest
    one kept only when it keeps that one too. -#}
{% macro latest(table, key, where=none, dated=none) -%}
SELECT * FROM {{ table }}
{% if week and where %}
    WHERE {{ where }}
{% elif week and dated %}
    WHERE {{ key }} IN (SELECT {{ key }} FROM {{ table }} WHERE {{ dated }})
{% endif %}
    QUALIFY row_number() OVER (
        PARTITION BY {{ key }} ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
{% if week and dated %}
        AND {{ dated }}
{% endif %}
{%- endmacro %}

{#- An instant in [`since`, W's end), `since` a local date (none: from the beginning). -#}
{% macro before_w_end(column, since=none) -%}
{% if since %}{{ column }} >= instant({{ since }}) AND {% endif %}{{ column }} < instant(w_hi())
{%- endmacro %}

{#- A local date in the six weeks W pools (any date for the full floor). -#}
{% macro pooled(day) -%}
{% if week %}{{ day }} >= six_lo() AND {{ day }} < w_hi(){% else %}true{% endif %}
{%- endmacro %}

{% set of_the_items = "order_item_id IN (SELECT order_item_id FROM f_item_keys)" %}
-- A local date's midnight as an instant, and an instant's local date.
CREATE OR REPLACE TEMP MACRO instant(d) AS timezone('Europe/Amsterdam', CAST(d AS TIMESTAMP));
CREATE OR REPLACE TEMP MACRO local_day(ts) AS CAST(timezone('Europe/Amsterdam', ts) AS DATE);
{% if week %}

-- W's bounds, local dates (half-open).
CREATE OR REPLACE TEMP MACRO w0() AS DATE '{{ week }}';
CREATE OR REPLACE TEMP MACRO six_lo() AS CAST(w0() - INTERVAL 35 DAY AS DATE);
CREATE OR REPLACE TEMP MACRO w_hi() AS CAST(w0() + INTERVAL 7 DAY AS DATE);
CREATE OR REPLACE TEMP MACRO month_lo() AS CAST(date_trunc('month', w0()) - INTERVAL 1 MONTH AS DATE);
CREATE OR REPLACE TEMP MACRO month_hi() AS CAST(date_trunc('month', w0()) AS DATE);
CREATE OR REPLACE TEMP MACRO any_lo() AS least(six_lo(), month_lo());
{% endif %}

-- ---------------------------------------------------------------------------
-- Sellers (rows of sellers that were never landed are ignored) and mitigating
-- circumstances: latest row per id, withdrawn rows retract, the indicator list
-- split on '|', trimmed, upper-cased, ALL = the nine weekly ones.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_sellers AS
SELECT seller_id, country
FROM ({{ latest("raw.sellers", "seller_id") }});

CREATE OR REPLACE TABLE f_circ AS
WITH latest AS (
    {{ latest("raw.mitigating_circumstances", "circumstance_id") }}
), tokens AS (
    SELECT circumstance_id, starts_on, ends_on, scope, transporter_code, country, effect,
           upper(regexp_replace(unnest(string_split(indicators, '|')), '^\s+|\s+$', '', 'g')) AS token
    FROM latest
    WHERE NOT coalesce(withdrawn, false)
)
SELECT DISTINCT t.circumstance_id, t.starts_on, t.ends_on, t.scope, t.transporter_code,
       t.country, t.effect, n.indicator
FROM tokens t
JOIN (VALUES ('FULFILMENT'), ('HANDOVER'), ('CANCELLATIONS'), ('RESPONSE_TIME'),
             ('TRACK_AND_TRACE'), ('PHONE_AVAILABILITY'), ('CASE_ITEM_RATIO'),
             ('RETURNS'), ('REVIEWS')) n(indicator)
  ON t.token = 'ALL' OR t.token = n.indicator;

-- EXCLUDE_EVENTS windows, one row per country ('ALL' expanded) so that every match
-- is an equi-join.
CREATE OR REPLACE TABLE f_excl AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.scope, e.transporter_code, c.country
FROM f_circ e
JOIN (SELECT DISTINCT country FROM f_sellers) c ON e.country IN ('ALL', c.country)
WHERE e.effect = 'EXCLUDE_EVENTS';

-- ---------------------------------------------------------------------------
-- Reviews (for one week: every one submitted before W's end, the fallback reads
-- them all), questions and returns (the six weeks and the month before W, its
-- ratios) and phone calls (the six weeks), each with its seller's country.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_reviews AS
SELECT r.seller_id, s.country, r.order_id, r.grade, local_day(r.submitted_at) AS submitted_date
FROM ({{ latest("raw.reviews", "review_id", dated=before_w_end("submitted_at")) }}) r
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_questions AS
SELECT q.case_id, q.seller_id, s.country, q.order_item_id, q.created_at, q.first_response_at,
       timezone('Europe/Amsterdam', q.created_at) AS created_local,
       local_day(q.created_at) AS created_date
FROM ({{ latest("raw.customer_questions", "case_id",
                 dated=before_w_end("created_at", "any_lo()")) }}) q
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_returns AS
SELECT r.return_id, r.seller_id, s.country, r.order_item_id,
       local_day(r.registered_at) AS registered_date
FROM ({{ latest("raw.returns", "return_id", dated=before_w_end("registered_at", "any_lo()")) }}) r
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_calls AS
SELECT c.seller_id, s.country, c.answered,
       timezone('Europe/Amsterdam', c.started_at) AS started_local
FROM ({{ latest("raw.phone_calls", "call_id", dated=before_w_end("started_at", "six_lo()")) }}) c
JOIN f_sellers s USING (seller_id);
{% if week %}

-- Orders whose reviews a transporter-scoped REVIEWS exclusion can match: their
-- items' lines decide it.
CREATE OR REPLACE TABLE f_review_orders AS
SELECT DISTINCT r.order_id
FROM f_reviews r
JOIN f_excl e
  ON e.indicator = 'REVIEWS' AND e.scope <> 'PLATFORM' AND e.country = r.country
 AND r.submitted_date BETWEEN e.starts_on AND e.ends_on;

-- The items the week needs: ordered, due or to be handed over in the range,
-- cancelled or shipped (a T&T line) in the six weeks, named by a question or
-- return read above, or of an order a review exclusion can match.
CREATE OR REPLACE TABLE f_item_keys AS
SELECT order_item_id FROM raw.order_items
WHERE ({{ before_w_end("ordered_at", "any_lo()") }})
   OR (coalesce(exact_delivery_date, latest_delivery_date) >= six_lo()
       AND coalesce(exact_delivery_date, latest_delivery_date) < w_hi())
   OR ({{ before_w_end("latest_handover_at", "six_lo()") }})
   OR order_id IN (SELECT order_id FROM f_review_orders)
UNION
SELECT order_item_id FROM raw.cancellations
WHERE {{ before_w_end("cancelled_at", "six_lo()") }}
UNION
SELECT order_item_id FROM raw.shipments
WHERE {{ before_w_end("shipped_at", "six_lo()") }}
UNION
SELECT order_item_id FROM f_questions WHERE order_item_id IS NOT NULL
UNION
SELECT order_item_id FROM f_returns;
{% endif %}

-- ---------------------------------------------------------------------------
-- Items (for one week, those of f_item_keys), their cancellation, delivery
-- confirmation and shipment lines.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_items AS
SELECT i.order_item_id, i.order_id, i.seller_id, s.country, i.ordered_at,
       local_day(i.ordered_at) AS ordered_date,
       i.product_group, i.fulfilment_method, i.shipping_method, i.time_frame_type,
       coalesce(i.exact_delivery_date, i.latest_delivery_date) AS promise_date,
       i.latest_handover_at
FROM ({{ latest("raw.order_items", "order_item_id", of_the_items) }}) i
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_cancel AS
SELECT order_item_id, cancelled_at, initiated_by
FROM ({{ latest("raw.cancellations", "order_item_id", of_the_items) }});

CREATE OR REPLACE TABLE f_confirm AS
SELECT order_item_id, answer
FROM ({{ latest("raw.delivery_confirmations", "order_item_id", of_the_items) }});

-- Shipment lines with their transporter: a code is valid iff it fully matches the
-- pattern; a line is tracked iff it is a PARCEL of a tracked transporter with a valid code.
-- All patterns are folded into one constant regex over `code <0x01> track_and_trace`
-- (a per-row pattern would be recompiled for every row).
SET VARIABLE floor_tnt_re = (
    SELECT coalesce('(?:' || string_agg(regexp_escape(transporter_code) || '\x01(?:' || tnt_pattern || ')', '|')
                    || ')', '[^\s\S]')
    FROM reference.transporters
    WHERE tnt_pattern IS NOT NULL AND tnt_pattern <> ''
);

CREATE OR REPLACE TABLE f_lines AS
WITH l AS (
    SELECT l.shipment_id, l.order_item_id, l.shipped_at, l.transporter_code, l.parcel_type,
           l.handed_over_at,
           coalesce(regexp_full_match(l.transporter_code || chr(1) || l.track_and_trace,
                                      getvariable('floor_tnt_re')), false) AS valid_code
    FROM ({{ latest("raw.shipments", "shipment_id, order_item_id", of_the_items) }}) l
)
SELECT l.*, (l.parcel_type = 'PARCEL' AND coalesce(t.tracked, false) AND l.valid_code) AS tracked_line
FROM l
LEFT JOIN reference.transporters t USING (transporter_code);

-- First delivery attempt per shipment (the natural key is the whole event); for one
-- week, of the tracked lines' shipments only.
CREATE OR REPLACE TABLE f_attempt AS
SELECT shipment_id, min(event_at) AS first_attempt
FROM raw.transport_events
WHERE event_code IN ('DELIVERY_ATTEMPTED', 'DELIVERED_AT_NEIGHBOURS',
                     'DELIVERED_AT_CUSTOMER', 'AT_PICK_UP_POINT')
{% if week %}
  AND shipment_id IN (SELECT shipment_id FROM f_lines WHERE tracked_line)
{% endif %}
GROUP BY shipment_id;

-- Per item: tracked, first attempt over tracked lines only, earliest handover over
-- all lines.
CREATE OR REPLACE TABLE f_item_ship AS
SELECT l.order_item_id,
       bool_or(l.tracked_line) AS tracked,
       min(CASE WHEN l.tracked_line THEN a.first_attempt END) AS first_attempt,
       min(l.handed_over_at) AS first_handover
FROM f_lines l
LEFT JOIN f_attempt a USING (shipment_id)
GROUP BY l.order_item_id;

-- ---------------------------------------------------------------------------
-- RESPONSE_TIME deadlines (local wall-clock) of the pooled weeks' questions.
-- Counting days: Monday-Friday that are not a holiday of the seller's country.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_workdays AS
WITH bounds AS (
    SELECT min(created_date) - 1 AS lo, max(created_date) + 60 AS hi
    FROM f_questions WHERE {{ pooled("created_date") }}
), days AS (
    SELECT CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
    FROM bounds WHERE lo IS NOT NULL
)
SELECT c.country, d.day
FROM days d
CROSS JOIN (SELECT DISTINCT country FROM f_sellers) c
WHERE isodow(d.day) <= 5
  AND NOT EXISTS (SELECT 1 FROM reference.public_holidays h
                  WHERE h.country = c.country AND h.holiday_date = d.day);

CREATE OR REPLACE TABLE f_question_status AS
WITH q AS (
    SELECT q.*,
           CAST(date_trunc('week', q.created_date) AS DATE) AS week_start,
           q.created_local - CAST(q.created_date AS TIMESTAMP) AS tod,
           (SELECT n.sla FROM reference.service_norms n
            WHERE n.indicator = 'RESPONSE_TIME'
              AND CAST(date_trunc('week', q.created_date) AS DATE) BETWEEN n.valid_from AND n.valid_to
            ORDER BY n.valid_from DESC, n.valid_to ASC LIMIT 1) AS sla
    FROM f_questions q
    WHERE {{ pooled("q.created_date") }}
), qn AS (
    SELECT q.*, w.day AS next_work,
           EXISTS (SELECT 1 FROM f_workdays w0
                   WHERE w0.country = q.country AND w0.day = q.created_date) AS work0
    FROM q
    ASOF JOIN f_workdays w ON q.country = w.country AND q.created_date < w.day
), qd AS (
    SELECT qn.*,
           CASE WHEN coalesce(sla, '24H_EXCL_WEEKENDS') = '8_WORKING_HOURS' THEN
                CASE WHEN work0 AND tod <= INTERVAL 9 HOUR
                         THEN CAST(created_date AS TIMESTAMP) + INTERVAL 17 HOUR
                     WHEN work0 AND tod < INTERVAL 17 HOUR
                         THEN CAST(next_work AS TIMESTAMP) + tod
                     ELSE CAST(next_work AS TIMESTAMP) + INTERVAL 17 HOUR END
           ELSE
                CASE WHEN work0 AND tod = INTERVAL 0 SECOND
                         THEN CAST(created_date AS TIMESTAMP) + INTERVAL 1 DAY
                     WHEN work0
                         THEN CAST(next_work AS TIMESTAMP) + tod
                     ELSE CAST(next_work AS TIMESTAMP) + INTERVAL 1 DAY END
           END AS deadline_local
    FROM qn
)
SELECT case_id, seller_id, country, order_item_id, created_date, deadline_local,
       CASE WHEN first_response_at IS NOT NULL
                THEN timezone('Europe/Amsterdam', first_response_at) <= deadline_local
            WHEN deadline_local < CAST(week_start + 9 AS TIMESTAMP) + INTERVAL 6 HOUR
                THEN false
       END AS on_time      -- NULL = pending
FROM qd;

-- ---------------------------------------------------------------------------
-- Events: one row per counted unit, with the date that assigns its week (and is
-- matched against EXCLUDE_EVENTS windows), the item it relates to (transporter
-- scope: any shipment line of the item) or, for T&T, its line's own transporter.
-- For one week, the events of the six weeks it pools.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TEMP VIEW f_events AS
SELECT * FROM (
    -- FULFILMENT: FBR/OWN, not cancelled, not APPOINTMENT, by promise date.
    SELECT i.seller_id, i.country, 'FULFILMENT' AS indicator, i.promise_date AS match_date,
           i.order_item_id, CAST(NULL AS VARCHAR) AS tcode,
           CAST(CASE WHEN s.order_item_id IS NULL THEN false
                     WHEN s.tracked THEN coalesce(local_day(s.first_attempt) <= i.promise_date, false)
                     ELSE coalesce(c.answer, '') <> 'NOT_RECEIVED' END AS INTEGER) AS num,
           1 AS den
    FROM f_items i
    LEFT JOIN f_item_ship s USING (order_item_id)
    LEFT JOIN f_confirm c USING (order_item_id)
    ANTI JOIN f_cancel x USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR' AND i.shipping_method = 'OWN'
      AND coalesce(i.time_frame_type, '') <> 'APPOINTMENT'
    UNION ALL
    -- HANDOVER: FBR/VVB, not cancelled, by latest_handover_at.
    SELECT i.seller_id, i.country, 'HANDOVER', local_day(i.latest_handover_at), i.order_item_id, NULL,
           CAST(coalesce(s.first_handover <= i.latest_handover_at, false) AS INTEGER), 1
    FROM f_items i
    LEFT JOIN f_item_ship s USING (order_item_id)
    ANTI JOIN f_cancel x USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR' AND i.shipping_method = 'VVB'
      AND i.latest_handover_at IS NOT NULL
    UNION ALL
    -- CANCELLATIONS denominator: FBR items by ordered date.
    SELECT i.seller_id, i.country, 'CANCELLATIONS', i.ordered_date, i.order_item_id, NULL, 0, 1
    FROM f_items i
    WHERE i.fulfilment_method = 'FBR'
    UNION ALL
    -- CANCELLATIONS numerator: counted cancellations of FBR items by cancelled date.
    SELECT i.seller_id, i.country, 'CANCELLATIONS', local_day(x.cancelled_at), i.order_item_id, NULL, 1, 0
    FROM f_cancel x
    JOIN f_items i USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR'
      AND (x.initiated_by IN ('SELLER', 'SYSTEM')
           OR (x.initiated_by = 'CUSTOMER' AND local_day(x.cancelled_at) > i.promise_date))
    UNION ALL
    -- RESPONSE_TIME: questions by created date, pending ones left out.
    SELECT q.seller_id, q.country, 'RESPONSE_TIME', q.created_date, q.order_item_id, NULL,
           CAST(q.on_time AS INTEGER), 1
    FROM f_question_status q
    WHERE q.on_time IS NOT NULL
    UNION ALL
    -- TRACK_AND_TRACE: PARCEL lines of FBR items by shipped date; the line's own transporter.
    SELECT i.seller_id, i.country, 'TRACK_AND_TRACE', local_day(l.shipped_at), NULL, l.transporter_code,
           CAST(l.valid_code AS INTEGER), 1
    FROM f_lines l
    JOIN f_items i USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR' AND l.parcel_type = 'PARCEL'
    UNION ALL
    -- PHONE_AVAILABILITY: calls inside office hours; never matched by a transporter scope.
    SELECT c.seller_id, c.country, 'PHONE_AVAILABILITY', CAST(c.started_local AS DATE), NULL, NULL,
           CAST(c.answered AS INTEGER), 1
    FROM f_calls c
    ANTI JOIN reference.public_holidays h
      ON h.country = c.country AND h.holiday_date = CAST(c.started_local AS DATE)
    WHERE isodow(c.started_local) <= 5
      AND CAST(c.started_local AS TIME) >= TIME '09:00:00'
      AND CAST(c.started_local AS TIME) < TIME '17:00:00'
    UNION ALL
    -- CASE_ITEM_RATIO numerator: every question created in the week.
    SELECT q.seller_id, q.country, 'CASE_ITEM_RATIO', q.created_date, q.order_item_id, NULL, 1, 0
    FROM f_questions q
    UNION ALL
    -- RETURNS numerator: return rows by registered date.
    SELECT r.seller_id, r.country, 'RETURNS', r.registered_date, r.order_item_id, NULL, 1, 0
    FROM f_returns r
    UNION ALL
    -- CASE_ITEM_RATIO and RETURNS denominators: all items by ordered date.
    SELECT i.seller_id, i.country, ind.indicator, i.ordered_date, i.order_item_id, NULL, 0, 1
    FROM f_items i
    CROSS JOIN (VALUES ('CASE_ITEM_RATIO'), ('RETURNS')) ind(indicator)
)
WHERE {{ pooled("match_date") }};

-- Transporter-scoped exclusions, resolved to the items with a line of that transporter.
CREATE OR REPLACE TABLE f_excl_items AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.country, l.order_item_id
FROM f_excl e
JOIN f_lines l ON l.transporter_code = e.transporter_code
WHERE e.scope <> 'PLATFORM' AND e.indicator NOT IN ('TRACK_AND_TRACE', 'PHONE_AVAILABILITY');

-- Counts per seller, indicator and week of the events no exclusion matches.
-- Zero-denominator weeks are kept: their numerators still count in the six-week
-- pools (SPEC §12).
CREATE OR REPLACE TABLE f_counts AS
SELECT ev.seller_id, ev.indicator,
       CAST(date_trunc('week', ev.match_date) AS DATE) AS week_start,
       CAST(sum(ev.num) AS BIGINT) AS numerator,
       CAST(sum(ev.den) AS BIGINT) AS denominator
FROM f_events ev
ANTI JOIN (SELECT * FROM f_excl WHERE scope = 'PLATFORM') e
  ON e.indicator = ev.indicator AND e.country = ev.country
 AND ev.match_date BETWEEN e.starts_on AND e.ends_on
ANTI JOIN (SELECT * FROM f_excl WHERE scope <> 'PLATFORM') t
  ON t.indicator = ev.indicator AND t.country = ev.country AND t.transporter_code = ev.tcode
 AND ev.match_date BETWEEN t.starts_on AND t.ends_on
ANTI JOIN f_excl_items x
  ON x.indicator = ev.indicator AND x.country = ev.country AND x.order_item_id = ev.order_item_id
 AND ev.match_date BETWEEN x.starts_on AND x.ends_on
GROUP BY ALL;

-- The reviews that count: none of a country's REVIEWS exclusion window, none of an
-- order with a line of an excluded transporter in its window.
CREATE OR REPLACE TEMP VIEW f_kept_reviews AS
WITH excl_orders AS (
    SELECT DISTINCT x.starts_on, x.ends_on, x.country, i.order_id
    FROM f_excl_items x
    JOIN f_items i USING (order_item_id)
    WHERE x.indicator = 'REVIEWS'
)
SELECT r.*
FROM f_reviews r
ANTI JOIN (SELECT * FROM f_excl WHERE indicator = 'REVIEWS' AND scope = 'PLATFORM') e
  ON e.country = r.country
 AND r.submitted_date BETWEEN e.starts_on AND e.ends_on
ANTI JOIN excl_orders x
  ON x.order_id = r.order_id AND x.country = r.country
 AND r.submitted_date BETWEEN x.starts_on AND x.ends_on;
