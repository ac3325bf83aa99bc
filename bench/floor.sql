-- Performance floor and exactness cross-check for marts.seller_week_indicators.
--
-- One hand-written DuckDB script, straight from the raw landing tables and the
-- reference seeds, for every week (docs/SPEC.md §3-§5, §7 GroeiStart, §8, §12).
-- It creates schema `floor` and the table `floor.seller_week_indicators`.
-- Intermediate results are tables of schema `floor_work` (dropped at the end):
-- stored compressed in the database file, where TEMP tables spilled uncompressed
-- and needed more than 60 GB of temporary disk at marketplace scale.

SET TimeZone = 'UTC';
CREATE SCHEMA IF NOT EXISTS floor;
DROP SCHEMA IF EXISTS floor_work CASCADE;
CREATE SCHEMA floor_work;
USE floor_work;

-- ---------------------------------------------------------------------------
-- Latest row per natural key: the file whose relative path sorts last, then the
-- last row in that file. Rows of sellers that were never landed are ignored.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_sellers AS
SELECT seller_id, country
FROM raw.sellers
QUALIFY row_number() OVER (
    PARTITION BY seller_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1;

CREATE OR REPLACE TABLE f_items AS
SELECT i.order_item_id, i.order_id, i.seller_id, s.country, i.ordered_at,
       CAST(timezone('Europe/Amsterdam', i.ordered_at) AS DATE) AS ordered_date,
       i.product_group, i.fulfilment_method, i.shipping_method, i.time_frame_type,
       coalesce(i.exact_delivery_date, i.latest_delivery_date) AS promise_date,
       i.latest_handover_at
FROM (
    SELECT * FROM raw.order_items
    QUALIFY row_number() OVER (
        PARTITION BY order_item_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) i
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_cancel AS
SELECT order_item_id, cancelled_at, initiated_by
FROM raw.cancellations
QUALIFY row_number() OVER (
    PARTITION BY order_item_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1;

CREATE OR REPLACE TABLE f_confirm AS
SELECT order_item_id, answer
FROM raw.delivery_confirmations
QUALIFY row_number() OVER (
    PARTITION BY order_item_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1;

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
    FROM raw.shipments l
    QUALIFY row_number() OVER (
        PARTITION BY l.shipment_id, l.order_item_id
        ORDER BY l._source_file DESC, l._load_id DESC, l._row_number DESC) = 1
)
SELECT l.*, (l.parcel_type = 'PARCEL' AND coalesce(t.tracked, false) AND l.valid_code) AS tracked_line
FROM l
LEFT JOIN reference.transporters t USING (transporter_code);

-- First delivery attempt per shipment (the natural key is the whole event).
CREATE OR REPLACE TABLE f_attempt AS
SELECT shipment_id, min(event_at) AS first_attempt
FROM raw.transport_events
WHERE event_code IN ('DELIVERY_ATTEMPTED', 'DELIVERED_AT_NEIGHBOURS',
                     'DELIVERED_AT_CUSTOMER', 'AT_PICK_UP_POINT')
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

CREATE OR REPLACE TABLE f_questions AS
SELECT q.case_id, q.seller_id, s.country, q.order_item_id, q.created_at, q.first_response_at,
       timezone('Europe/Amsterdam', q.created_at) AS created_local,
       CAST(timezone('Europe/Amsterdam', q.created_at) AS DATE) AS created_date
FROM (
    SELECT * FROM raw.customer_questions
    QUALIFY row_number() OVER (
        PARTITION BY case_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) q
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_returns AS
SELECT r.return_id, r.seller_id, s.country, r.order_item_id,
       CAST(timezone('Europe/Amsterdam', r.registered_at) AS DATE) AS registered_date
FROM (
    SELECT * FROM raw.returns
    QUALIFY row_number() OVER (
        PARTITION BY return_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) r
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_calls AS
SELECT c.seller_id, s.country, c.answered,
       timezone('Europe/Amsterdam', c.started_at) AS started_local
FROM (
    SELECT * FROM raw.phone_calls
    QUALIFY row_number() OVER (
        PARTITION BY call_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) c
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_reviews AS
SELECT r.seller_id, s.country, r.order_id, r.grade,
       CAST(timezone('Europe/Amsterdam', r.submitted_at) AS DATE) AS submitted_date
FROM (
    SELECT * FROM raw.reviews
    QUALIFY row_number() OVER (
        PARTITION BY review_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) r
JOIN f_sellers s USING (seller_id);

-- ---------------------------------------------------------------------------
-- Mitigating circumstances: latest row per id, withdrawn rows retract, the
-- indicator list split on '|', trimmed, upper-cased, ALL = the nine weekly ones.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_circ AS
WITH latest AS (
    SELECT * FROM raw.mitigating_circumstances
    QUALIFY row_number() OVER (
        PARTITION BY circumstance_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
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

-- ---------------------------------------------------------------------------
-- RESPONSE_TIME deadlines (local wall-clock). Counting days: Monday-Friday that
-- are not a holiday of the seller's country.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_workdays AS
WITH bounds AS (
    SELECT min(created_date) - 1 AS lo, max(created_date) + 60 AS hi FROM f_questions
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
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TEMP VIEW f_events AS
-- FULFILMENT: FBR/OWN, not cancelled, not APPOINTMENT, by promise date.
SELECT i.seller_id, i.country, 'FULFILMENT' AS indicator, i.promise_date AS match_date,
       i.order_item_id, CAST(NULL AS VARCHAR) AS tcode,
       CAST(CASE WHEN s.order_item_id IS NULL THEN false
                 WHEN s.tracked THEN coalesce(
                     CAST(timezone('Europe/Amsterdam', s.first_attempt) AS DATE) <= i.promise_date, false)
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
SELECT i.seller_id, i.country, 'HANDOVER',
       CAST(timezone('Europe/Amsterdam', i.latest_handover_at) AS DATE), i.order_item_id, NULL,
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
SELECT i.seller_id, i.country, 'CANCELLATIONS',
       CAST(timezone('Europe/Amsterdam', x.cancelled_at) AS DATE), i.order_item_id, NULL, 1, 0
FROM f_cancel x
JOIN f_items i USING (order_item_id)
WHERE i.fulfilment_method = 'FBR'
  AND (x.initiated_by IN ('SELLER', 'SYSTEM')
       OR (x.initiated_by = 'CUSTOMER'
           AND CAST(timezone('Europe/Amsterdam', x.cancelled_at) AS DATE) > i.promise_date))
UNION ALL
-- RESPONSE_TIME: questions by created date, pending ones left out.
SELECT q.seller_id, q.country, 'RESPONSE_TIME', q.created_date, q.order_item_id, NULL,
       CAST(q.on_time AS INTEGER), 1
FROM f_question_status q
WHERE q.on_time IS NOT NULL
UNION ALL
-- TRACK_AND_TRACE: PARCEL lines of FBR items by shipped date; the line's own transporter.
SELECT i.seller_id, i.country, 'TRACK_AND_TRACE',
       CAST(timezone('Europe/Amsterdam', l.shipped_at) AS DATE), NULL, l.transporter_code,
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
CROSS JOIN (VALUES ('CASE_ITEM_RATIO'), ('RETURNS')) ind(indicator);

-- One row per country ('ALL' expanded) so that every match is an equi-join.
CREATE OR REPLACE TABLE f_excl AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.scope, e.transporter_code, c.country
FROM f_circ e
JOIN (SELECT DISTINCT country FROM f_sellers) c ON e.country IN ('ALL', c.country)
WHERE e.effect = 'EXCLUDE_EVENTS';

-- Transporter-scoped exclusions, resolved to the items with a line of that transporter.
CREATE OR REPLACE TABLE f_excl_items AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.country, l.order_item_id
FROM f_excl e
JOIN f_lines l ON l.transporter_code = e.transporter_code
WHERE e.scope <> 'PLATFORM' AND e.indicator NOT IN ('TRACK_AND_TRACE', 'PHONE_AVAILABILITY');

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
GROUP BY ALL
HAVING sum(ev.den) > 0;

-- ---------------------------------------------------------------------------
-- REVIEWS: excluded reviews removed, then per week the 3-calendar-month window
-- [end - 3 months, end), falling back to all reviews before `end` below 5.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_excl_orders AS
SELECT DISTINCT x.starts_on, x.ends_on, x.country, i.order_id
FROM f_excl_items x
JOIN f_items i USING (order_item_id)
WHERE x.indicator = 'REVIEWS';

CREATE OR REPLACE TABLE f_last_week AS
SELECT max(w) AS last_week FROM (
    SELECT max(week_start) AS w FROM f_counts
    UNION ALL
    SELECT CAST(date_trunc('week', max(submitted_date)) AS DATE) FROM f_reviews
);

CREATE OR REPLACE TABLE f_review_days AS
WITH kept AS (
    SELECT r.*
    FROM f_reviews r
    ANTI JOIN (SELECT * FROM f_excl WHERE indicator = 'REVIEWS' AND scope = 'PLATFORM') e
      ON e.country = r.country
     AND r.submitted_date BETWEEN e.starts_on AND e.ends_on
    ANTI JOIN f_excl_orders x
      ON x.order_id = r.order_id AND x.country = r.country
     AND r.submitted_date BETWEEN x.starts_on AND x.ends_on
), daily AS (
    SELECT seller_id, submitted_date AS day, count(*) AS cnt, sum(grade) AS sm
    FROM kept GROUP BY ALL
)
SELECT seller_id, day,
       sum(cnt) OVER (PARTITION BY seller_id ORDER BY day) AS cum_cnt,
       sum(sm) OVER (PARTITION BY seller_id ORDER BY day) AS cum_sum
FROM daily;

CREATE OR REPLACE TABLE f_review_rows AS
WITH weeks AS (
    SELECT seller_id,
           CAST(unnest(generate_series(
               CAST(date_trunc('week', min(day)) AS TIMESTAMP),
               CAST((SELECT last_week FROM f_last_week) AS TIMESTAMP),
               INTERVAL 7 DAY)) AS DATE) AS week_start
    FROM f_review_days GROUP BY seller_id
), bounded AS (
    SELECT seller_id, week_start, week_start + 7 AS end_day,
           CAST(CAST(week_start + 7 AS TIMESTAMP) - INTERVAL 3 MONTH AS DATE) AS start_day
    FROM weeks
), at_end AS (
    SELECT b.*, d.cum_cnt AS cnt_end, d.cum_sum AS sum_end
    FROM bounded b
    ASOF LEFT JOIN f_review_days d ON b.seller_id = d.seller_id AND b.end_day > d.day
), at_start AS (
    SELECT e.*, coalesce(d.cum_cnt, 0) AS cnt_start, coalesce(d.cum_sum, 0) AS sum_start
    FROM at_end e
    ASOF LEFT JOIN f_review_days d ON e.seller_id = d.seller_id AND e.start_day > d.day
)
SELECT seller_id, 'REVIEWS' AS indicator, week_start,
       CAST(CASE WHEN cnt_end - cnt_start >= 5 THEN sum_end - sum_start ELSE sum_end END AS BIGINT) AS numerator,
       CAST(CASE WHEN cnt_end - cnt_start >= 5 THEN cnt_end - cnt_start ELSE cnt_end END AS BIGINT) AS denominator
FROM at_start
WHERE cnt_end > 0;

-- ---------------------------------------------------------------------------
-- Dynamic norms: platform ratio per product group and calendar month, the
-- seller's item shares of the week, the previous month's ratio (static norm for
-- a group without items that month), capped at 0.15 for CASE_ITEM_RATIO.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_group_ratio AS
WITH items_m AS (
    SELECT product_group, CAST(date_trunc('month', ordered_date) AS DATE) AS month, count(*) AS n_items
    FROM f_items GROUP BY ALL
), q_m AS (
    SELECT i.product_group, CAST(date_trunc('month', q.created_date) AS DATE) AS month, count(*) AS n
    FROM f_questions q JOIN f_items i USING (order_item_id) GROUP BY ALL
), r_m AS (
    SELECT i.product_group, CAST(date_trunc('month', r.registered_date) AS DATE) AS month, count(*) AS n
    FROM f_returns r JOIN f_items i USING (order_item_id) GROUP BY ALL
)
SELECT 'CASE_ITEM_RATIO' AS indicator, m.product_group, m.month,
       coalesce(q.n, 0) / m.n_items AS ratio
FROM items_m m LEFT JOIN q_m q USING (product_group, month)
UNION ALL
SELECT 'RETURNS', m.product_group, m.month, coalesce(r.n, 0) / m.n_items
FROM items_m m LEFT JOIN r_m r USING (product_group, month);

CREATE OR REPLACE TABLE f_dyn_norm AS
WITH shares AS (
    SELECT seller_id, CAST(date_trunc('week', ordered_date) AS DATE) AS week_start,
           product_group, count(*) AS n
    FROM f_items GROUP BY ALL
), weighted AS (
    SELECT s.seller_id, s.week_start, ind.indicator, s.product_group,
           s.n / sum(s.n) OVER (PARTITION BY s.seller_id, s.week_start, ind.indicator) AS share
    FROM shares s
    CROSS JOIN (VALUES ('CASE_ITEM_RATIO'), ('RETURNS')) ind(indicator)
)
SELECT w.seller_id, w.week_start, w.indicator,
       sum(w.share * coalesce(g.ratio, (
           SELECT n.norm_value FROM reference.service_norms n
           WHERE n.indicator = w.indicator AND w.week_start BETWEEN n.valid_from AND n.valid_to
           ORDER BY n.valid_from DESC, n.valid_to ASC LIMIT 1))) AS dyn
FROM weighted w
LEFT JOIN f_group_ratio g
  ON g.indicator = w.indicator AND g.product_group = w.product_group
 AND g.month = CAST(date_trunc('month', w.week_start) - INTERVAL 1 MONTH AS DATE)
GROUP BY ALL;

-- ---------------------------------------------------------------------------
-- GroeiStart: the week of each seller's 100th distinct order.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_groeistart AS
SELECT seller_id, CAST(date_trunc('week', CAST(timezone('Europe/Amsterdam', first_at) AS DATE)) AS DATE) AS gs_week
FROM (SELECT seller_id, order_id, min(ordered_at) AS first_at FROM f_items GROUP BY ALL)
QUALIFY row_number() OVER (PARTITION BY seller_id ORDER BY first_at, order_id) = 100;

-- ---------------------------------------------------------------------------
-- The table.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE floor.seller_week_indicators AS
WITH base AS (
    SELECT seller_id, indicator, week_start, numerator, denominator FROM f_counts
    UNION ALL
    SELECT seller_id, indicator, week_start, numerator, denominator FROM f_review_rows
), normed AS (
    SELECT b.*, s.country,
           CAST(b.numerator AS DOUBLE) / b.denominator AS value,
           n.condition AS norm_condition,
           CAST(CASE WHEN b.indicator = 'CASE_ITEM_RATIO' THEN least(d.dyn, 0.15)
                     WHEN b.indicator = 'RETURNS' THEN d.dyn
                     ELSE n.norm_value END AS DOUBLE) AS norm_value,
           n.incident_floor, n.strike_eligible,
           CAST(CASE WHEN b.indicator IN ('CANCELLATIONS', 'CASE_ITEM_RATIO', 'RETURNS') THEN b.numerator
                     WHEN b.indicator = 'REVIEWS' THEN NULL
                     ELSE b.denominator - b.numerator END AS BIGINT) AS incident_count
    FROM base b
    JOIN f_sellers s USING (seller_id)
    LEFT JOIN f_dyn_norm d USING (seller_id, week_start, indicator)
    LEFT JOIN LATERAL (
        SELECT * FROM reference.service_norms n
        WHERE n.indicator = b.indicator AND b.week_start BETWEEN n.valid_from AND n.valid_to
        ORDER BY n.valid_from DESC, n.valid_to ASC LIMIT 1) n ON true
), judged AS (
    SELECT x.*,
           CASE x.norm_condition WHEN '>=' THEN x.value >= x.norm_value
                                 WHEN '<=' THEN x.value <= x.norm_value END AS conforms,
           EXISTS (SELECT 1 FROM f_circ c
                   WHERE c.effect = 'NO_STRIKE' AND c.indicator = x.indicator
                     AND (c.country = 'ALL' OR c.country = x.country)
                     AND c.starts_on <= x.week_start + 6 AND c.ends_on >= x.week_start) AS neutralised,
           (g.gs_week IS NULL OR x.week_start <= g.gs_week) AS in_groeistart
    FROM normed x
    LEFT JOIN f_groeistart g USING (seller_id)
)
SELECT seller_id, week_start,
       CAST(isoyear(week_start) AS INTEGER) AS iso_year,
       CAST(week(week_start) AS INTEGER) AS iso_week,
       indicator, numerator, denominator, value, norm_condition, norm_value, conforms,
       value - norm_value AS distance_to_norm,
       incident_count,
       CASE WHEN indicator = 'REVIEWS' THEN NOT conforms
            ELSE NOT conforms AND incident_count >= incident_floor END AS is_breach,
       CASE WHEN indicator = 'REVIEWS' THEN NOT conforms
            ELSE NOT conforms AND incident_count >= incident_floor END
           AND strike_eligible AND NOT in_groeistart AND NOT neutralised AS is_strike,
       neutralised
FROM judged
ORDER BY seller_id, week_start, indicator;

USE main;
DROP SCHEMA floor_work CASCADE;
