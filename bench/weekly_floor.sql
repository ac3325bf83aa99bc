-- Weekly performance floor and exactness cross-check for one week W: the rows of
-- marts.seller_week_indicators and marts.seller_six_week_scores of W, straight
-- from the raw landing tables and the reference seeds (docs/SPEC.md §3-§8, §12),
-- reading only the history W needs: the rows whose week-assigning date falls in
-- W-5 ... W (the six weeks pooled), the month before W (its dynamic norms), the
-- reviews before W's end (the 3-month window and its fallback), and every version
-- of the keys those rows touch (the latest version wins). GroeiStart, a seller's
-- whole order history, is read only for the sellers with a strike-eligible breach
-- in W: for the others it cannot change a verdict.
--
-- A Jinja template: `week` is W's Monday (bench/floor.py), so every bound below is a
-- constant DuckDB can push into the scans. It creates schema
-- `floor` and the tables `floor.week_seller_week_indicators` and
-- `floor.week_seller_six_week_scores`; intermediate tables go to schema
-- `floor_week_work` (dropped at the end).

SET TimeZone = 'UTC';
CREATE SCHEMA IF NOT EXISTS floor;
DROP SCHEMA IF EXISTS floor_week_work CASCADE;
CREATE SCHEMA floor_week_work;
USE floor_week_work;

-- The week's bounds, local dates (half-open), and a local midnight as an instant.
CREATE OR REPLACE TEMP MACRO w0() AS DATE '{{ week }}';
CREATE OR REPLACE TEMP MACRO six_lo() AS CAST(w0() - INTERVAL 35 DAY AS DATE);
CREATE OR REPLACE TEMP MACRO w_hi() AS CAST(w0() + INTERVAL 7 DAY AS DATE);
CREATE OR REPLACE TEMP MACRO month_lo() AS CAST(date_trunc('month', w0()) - INTERVAL 1 MONTH AS DATE);
CREATE OR REPLACE TEMP MACRO month_hi() AS CAST(date_trunc('month', w0()) AS DATE);
CREATE OR REPLACE TEMP MACRO any_lo() AS least(six_lo(), month_lo());
CREATE OR REPLACE TEMP MACRO instant(d) AS timezone('Europe/Amsterdam', CAST(d AS TIMESTAMP));
CREATE OR REPLACE TEMP MACRO local_day(ts) AS CAST(timezone('Europe/Amsterdam', ts) AS DATE);

-- ---------------------------------------------------------------------------
-- Latest row per natural key, as in bench/floor.sql, but only for the keys with
-- a version in the range a step needs (the latest version is then filtered again).
-- ---------------------------------------------------------------------------
{#- The latest version of each `key` of a raw table: the file whose relative path sorts
    last, then the last row in that file. Only the versions `where` keeps are read; with
    `dated`, every version of the keys with a version it keeps, the latest one kept only
    when it keeps that one too. -#}
{% macro latest(table, key, where=none, dated=none) -%}
SELECT * FROM {{ table }}
{% if where %}
    WHERE {{ where }}
{% elif dated %}
    WHERE {{ key }} IN (SELECT {{ key }} FROM {{ table }} WHERE {{ dated }})
{% endif %}
    QUALIFY row_number() OVER (
        PARTITION BY {{ key }} ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
{% if dated %}
        AND {{ dated }}
{% endif %}
{%- endmacro %}

{#- An instant in [`since`, W's end), `since` a local date (none: from the beginning). -#}
{% macro before_w_end(column, since=none) -%}
{% if since %}{{ column }} >= instant({{ since }}) AND {% endif %}{{ column }} < instant(w_hi())
{%- endmacro %}

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

-- EXCLUDE_EVENTS windows, one row per country ('ALL' expanded).
CREATE OR REPLACE TABLE f_excl AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.scope, e.transporter_code, c.country
FROM f_circ e
JOIN (SELECT DISTINCT country FROM f_sellers) c ON e.country IN ('ALL', c.country)
WHERE e.effect = 'EXCLUDE_EVENTS';

-- Reviews: every one submitted before W's end (the fallback reads them all).
CREATE OR REPLACE TABLE f_reviews AS
SELECT r.seller_id, s.country, r.order_id, r.grade, local_day(r.submitted_at) AS submitted_date
FROM ({{ latest("raw.reviews", "review_id", dated=before_w_end("submitted_at")) }}) r
JOIN f_sellers s USING (seller_id);

-- Questions and returns of the six weeks and of the month before W (its ratios).
CREATE OR REPLACE TABLE f_questions AS
SELECT q.case_id, q.seller_id, s.country, q.order_item_id, q.created_at, q.first_response_at,
       timezone('Europe/Amsterdam', q.created_at) AS created_local,
       local_day(q.created_at) AS created_date
FROM ({{ latest("raw.customer_questions", "case_id",
                 dated=before_w_end("created_at", "any_lo()")) }}) q
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_returns AS
SELECT r.seller_id, s.country, r.order_item_id, local_day(r.registered_at) AS registered_date
FROM ({{ latest("raw.returns", "return_id", dated=before_w_end("registered_at", "any_lo()")) }}) r
JOIN f_sellers s USING (seller_id);

CREATE OR REPLACE TABLE f_calls AS
SELECT c.seller_id, s.country, c.answered,
       timezone('Europe/Amsterdam', c.started_at) AS started_local
FROM ({{ latest("raw.phone_calls", "call_id", dated=before_w_end("started_at", "six_lo()")) }}) c
JOIN f_sellers s USING (seller_id);

-- Orders whose reviews a transporter-scoped REVIEWS exclusion can match: their
-- items' lines decide it.
CREATE OR REPLACE TABLE f_review_orders AS
SELECT DISTINCT r.order_id
FROM f_reviews r
JOIN f_excl e
  ON e.indicator = 'REVIEWS' AND e.scope <> 'PLATFORM' AND e.country = r.country
 AND r.submitted_date BETWEEN e.starts_on AND e.ends_on;

-- ---------------------------------------------------------------------------
-- The items the week needs: ordered, due or to be handed over in the range,
-- cancelled or shipped (a T&T line) in the six weeks, named by a question or
-- return read above, or of an order a review exclusion can match.
-- ---------------------------------------------------------------------------
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

{% set of_the_items = "order_item_id IN (SELECT order_item_id FROM f_item_keys)" %}
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

-- Every shipment line of those items, with its transporter and code validity
-- (the patterns folded into one constant regex, as in bench/floor.sql).
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

-- First delivery attempt of the tracked lines' shipments.
CREATE OR REPLACE TABLE f_attempt AS
SELECT shipment_id, min(event_at) AS first_attempt
FROM raw.transport_events
WHERE event_code IN ('DELIVERY_ATTEMPTED', 'DELIVERED_AT_NEIGHBOURS',
                     'DELIVERED_AT_CUSTOMER', 'AT_PICK_UP_POINT')
  AND shipment_id IN (SELECT shipment_id FROM f_lines WHERE tracked_line)
GROUP BY shipment_id;

CREATE OR REPLACE TABLE f_item_ship AS
SELECT l.order_item_id,
       bool_or(l.tracked_line) AS tracked,
       min(CASE WHEN l.tracked_line THEN a.first_attempt END) AS first_attempt,
       min(l.handed_over_at) AS first_handover
FROM f_lines l
LEFT JOIN f_attempt a USING (shipment_id)
GROUP BY l.order_item_id;

-- ---------------------------------------------------------------------------
-- RESPONSE_TIME deadlines of the six weeks' questions (bench/floor.sql).
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_workdays AS
WITH bounds AS (
    SELECT min(created_date) - 1 AS lo, max(created_date) + 60 AS hi
    FROM f_questions WHERE created_date >= six_lo()
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
    WHERE q.created_date >= six_lo()
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
SELECT case_id, seller_id, country, order_item_id, created_date,
       CASE WHEN first_response_at IS NOT NULL
                THEN timezone('Europe/Amsterdam', first_response_at) <= deadline_local
            WHEN deadline_local < CAST(week_start + 9 AS TIMESTAMP) + INTERVAL 6 HOUR
                THEN false
       END AS on_time      -- NULL = pending
FROM qd;

-- ---------------------------------------------------------------------------
-- Events of the six weeks, one row per counted unit (bench/floor.sql's f_events,
-- each kept when its week-assigning date falls in W-5 ... W).
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TEMP VIEW f_events AS
SELECT * FROM (
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
    SELECT i.seller_id, i.country, 'HANDOVER', local_day(i.latest_handover_at), i.order_item_id, NULL,
           CAST(coalesce(s.first_handover <= i.latest_handover_at, false) AS INTEGER), 1
    FROM f_items i
    LEFT JOIN f_item_ship s USING (order_item_id)
    ANTI JOIN f_cancel x USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR' AND i.shipping_method = 'VVB'
      AND i.latest_handover_at IS NOT NULL
    UNION ALL
    SELECT i.seller_id, i.country, 'CANCELLATIONS', i.ordered_date, i.order_item_id, NULL, 0, 1
    FROM f_items i
    WHERE i.fulfilment_method = 'FBR'
    UNION ALL
    SELECT i.seller_id, i.country, 'CANCELLATIONS', local_day(x.cancelled_at), i.order_item_id, NULL, 1, 0
    FROM f_cancel x
    JOIN f_items i USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR'
      AND (x.initiated_by IN ('SELLER', 'SYSTEM')
           OR (x.initiated_by = 'CUSTOMER' AND local_day(x.cancelled_at) > i.promise_date))
    UNION ALL
    SELECT q.seller_id, q.country, 'RESPONSE_TIME', q.created_date, q.order_item_id, NULL,
           CAST(q.on_time AS INTEGER), 1
    FROM f_question_status q
    WHERE q.on_time IS NOT NULL
    UNION ALL
    SELECT i.seller_id, i.country, 'TRACK_AND_TRACE', local_day(l.shipped_at), NULL, l.transporter_code,
           CAST(l.valid_code AS INTEGER), 1
    FROM f_lines l
    JOIN f_items i USING (order_item_id)
    WHERE i.fulfilment_method = 'FBR' AND l.parcel_type = 'PARCEL'
    UNION ALL
    SELECT c.seller_id, c.country, 'PHONE_AVAILABILITY', CAST(c.started_local AS DATE), NULL, NULL,
           CAST(c.answered AS INTEGER), 1
    FROM f_calls c
    ANTI JOIN reference.public_holidays h
      ON h.country = c.country AND h.holiday_date = CAST(c.started_local AS DATE)
    WHERE isodow(c.started_local) <= 5
      AND CAST(c.started_local AS TIME) >= TIME '09:00:00'
      AND CAST(c.started_local AS TIME) < TIME '17:00:00'
    UNION ALL
    SELECT q.seller_id, q.country, 'CASE_ITEM_RATIO', q.created_date, q.order_item_id, NULL, 1, 0
    FROM f_questions q
    UNION ALL
    SELECT r.seller_id, r.country, 'RETURNS', r.registered_date, r.order_item_id, NULL, 1, 0
    FROM f_returns r
    UNION ALL
    SELECT i.seller_id, i.country, ind.indicator, i.ordered_date, i.order_item_id, NULL, 0, 1
    FROM f_items i
    CROSS JOIN (VALUES ('CASE_ITEM_RATIO'), ('RETURNS')) ind(indicator)
)
WHERE match_date >= six_lo() AND match_date < w_hi();

CREATE OR REPLACE TABLE f_excl_items AS
SELECT DISTINCT e.indicator, e.starts_on, e.ends_on, e.country, l.order_item_id
FROM f_excl e
JOIN f_lines l ON l.transporter_code = e.transporter_code
WHERE e.scope <> 'PLATFORM' AND e.indicator NOT IN ('TRACK_AND_TRACE', 'PHONE_AVAILABILITY');

-- Counts of each of the six weeks, zero-denominator weeks kept: their numerators
-- still count in the pools (SPEC §12).
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

-- ---------------------------------------------------------------------------
-- REVIEWS of W: the kept reviews of [end - 3 months, end), else all before end.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_review_row AS
WITH excl_orders AS (
    SELECT DISTINCT x.starts_on, x.ends_on, x.country, i.order_id
    FROM f_excl_items x
    JOIN f_items i USING (order_item_id)
    WHERE x.indicator = 'REVIEWS'
), kept AS (
    SELECT r.*
    FROM f_reviews r
    ANTI JOIN (SELECT * FROM f_excl WHERE indicator = 'REVIEWS' AND scope = 'PLATFORM') e
      ON e.country = r.country
     AND r.submitted_date BETWEEN e.starts_on AND e.ends_on
    ANTI JOIN excl_orders x
      ON x.order_id = r.order_id AND x.country = r.country
     AND r.submitted_date BETWEEN x.starts_on AND x.ends_on
), per_seller AS (
    SELECT seller_id,
           count(*) AS cnt_end, sum(grade) AS sum_end,
           count(*) FILTER (WHERE submitted_date >= CAST(CAST(w_hi() AS TIMESTAMP) - INTERVAL 3 MONTH AS DATE)) AS cnt_w,
           sum(grade) FILTER (WHERE submitted_date >= CAST(CAST(w_hi() AS TIMESTAMP) - INTERVAL 3 MONTH AS DATE)) AS sum_w
    FROM kept GROUP BY seller_id
)
SELECT seller_id, 'REVIEWS' AS indicator, w0() AS week_start,
       CAST(CASE WHEN cnt_w >= 5 THEN sum_w ELSE sum_end END AS BIGINT) AS numerator,
       CAST(CASE WHEN cnt_w >= 5 THEN cnt_w ELSE cnt_end END AS BIGINT) AS denominator
FROM per_seller;

-- ---------------------------------------------------------------------------
-- Dynamic norms of W: the platform ratios of the month before W's Monday and the
-- seller's item shares of W (bench/floor.sql).
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_dyn_norm AS
WITH items_m AS (
    SELECT product_group, count(*) AS n_items
    FROM f_items WHERE ordered_date >= month_lo() AND ordered_date < month_hi() GROUP BY ALL
), q_m AS (
    SELECT i.product_group, count(*) AS n
    FROM f_questions q JOIN f_items i USING (order_item_id)
    WHERE q.created_date >= month_lo() AND q.created_date < month_hi() GROUP BY ALL
), r_m AS (
    SELECT i.product_group, count(*) AS n
    FROM f_returns r JOIN f_items i USING (order_item_id)
    WHERE r.registered_date >= month_lo() AND r.registered_date < month_hi() GROUP BY ALL
), ratio AS (
    SELECT 'CASE_ITEM_RATIO' AS indicator, m.product_group, coalesce(q.n, 0) / m.n_items AS ratio
    FROM items_m m LEFT JOIN q_m q USING (product_group)
    UNION ALL
    SELECT 'RETURNS', m.product_group, coalesce(r.n, 0) / m.n_items
    FROM items_m m LEFT JOIN r_m r USING (product_group)
), shares AS (
    SELECT seller_id, product_group, count(*) AS n
    FROM f_items WHERE ordered_date >= w0() AND ordered_date < w_hi() GROUP BY ALL
), weighted AS (
    SELECT s.seller_id, ind.indicator, s.product_group,
           s.n / sum(s.n) OVER (PARTITION BY s.seller_id, ind.indicator) AS share
    FROM shares s
    CROSS JOIN (VALUES ('CASE_ITEM_RATIO'), ('RETURNS')) ind(indicator)
)
SELECT w.seller_id, w.indicator,
       sum(w.share * coalesce(g.ratio, (
           SELECT n.norm_value FROM reference.service_norms n
           WHERE n.indicator = w.indicator AND w0() BETWEEN n.valid_from AND n.valid_to
           ORDER BY n.valid_from DESC, n.valid_to ASC LIMIT 1))) AS dyn
FROM weighted w
LEFT JOIN ratio g ON g.indicator = w.indicator AND g.product_group = w.product_group
GROUP BY ALL;

-- The norm version of W per indicator, the seller's norm value (dynamic, capped
-- for CASE_ITEM_RATIO; the static one without items in W) and NO_STRIKE.
-- (least() skips NULLs in DuckDB, hence the explicit test for no dynamic norm.)
CREATE OR REPLACE TEMP MACRO norm_of(indicator, dyn, static_norm) AS
    CASE WHEN indicator NOT IN ('CASE_ITEM_RATIO', 'RETURNS') OR dyn IS NULL THEN static_norm
         WHEN indicator = 'CASE_ITEM_RATIO' THEN least(dyn, 0.15)
         ELSE dyn END;

CREATE OR REPLACE TABLE f_norms AS
SELECT * FROM reference.service_norms n
WHERE w0() BETWEEN n.valid_from AND n.valid_to
QUALIFY row_number() OVER (PARTITION BY indicator ORDER BY valid_from DESC, valid_to ASC) = 1;

CREATE OR REPLACE TEMP VIEW f_judged AS
WITH normed AS (
    SELECT b.seller_id, b.indicator, b.numerator, b.denominator, s.country,
           CAST(b.numerator AS DOUBLE) / b.denominator AS value,
           n.condition AS norm_condition,
           CAST(norm_of(b.indicator, d.dyn, n.norm_value) AS DOUBLE) AS norm_value,
           n.incident_floor, n.strike_eligible
    FROM (
        SELECT seller_id, indicator, numerator, denominator
        FROM f_counts WHERE week_start = w0() AND denominator > 0
        UNION ALL
        SELECT seller_id, indicator, numerator, denominator FROM f_review_row WHERE denominator > 0
    ) b
    JOIN f_sellers s USING (seller_id)
    JOIN f_norms n USING (indicator)
    LEFT JOIN f_dyn_norm d USING (seller_id, indicator)
)
SELECT x.*,
       CAST(CASE WHEN x.indicator IN ('CANCELLATIONS', 'CASE_ITEM_RATIO', 'RETURNS') THEN x.numerator
                 WHEN x.indicator = 'REVIEWS' THEN NULL
                 ELSE x.denominator - x.numerator END AS BIGINT) AS incident_count,
       CASE x.norm_condition WHEN '>=' THEN x.value >= x.norm_value
                             WHEN '<=' THEN x.value <= x.norm_value END AS conforms,
       EXISTS (SELECT 1 FROM f_circ c
               WHERE c.effect = 'NO_STRIKE' AND c.indicator = x.indicator
                 AND (c.country = 'ALL' OR c.country = x.country)
                 AND c.starts_on <= w0() + 6 AND c.ends_on >= w0()) AS neutralised
FROM normed x;

CREATE OR REPLACE TABLE f_verdicts AS
SELECT j.*,
       CASE WHEN indicator = 'REVIEWS' THEN NOT conforms
            ELSE NOT conforms AND incident_count >= incident_floor END AS is_breach
FROM f_judged j;

-- ---------------------------------------------------------------------------
-- GroeiStart, only for the sellers whose verdict it can change (a strike-eligible
-- breach in W): past it iff 100 of the seller's orders started before W.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_gs_candidates AS
SELECT DISTINCT seller_id FROM f_verdicts WHERE is_breach AND strike_eligible;

CREATE OR REPLACE TABLE f_past_groeistart AS
SELECT i.seller_id
FROM (
    SELECT seller_id, order_id, ordered_at FROM raw.order_items
    WHERE order_item_id IN (SELECT order_item_id FROM raw.order_items
                            WHERE seller_id IN (SELECT seller_id FROM f_gs_candidates))
    QUALIFY row_number() OVER (
        PARTITION BY order_item_id ORDER BY _source_file DESC, _load_id DESC, _row_number DESC) = 1
) i
WHERE i.seller_id IN (SELECT seller_id FROM f_gs_candidates)
  AND i.ordered_at < instant(w0())
GROUP BY i.seller_id
HAVING count(DISTINCT i.order_id) >= 100;

-- ---------------------------------------------------------------------------
-- The tables.
-- ---------------------------------------------------------------------------
-- W is a measured week when it or a later week has activity (a non-REVIEWS
-- denominator or a review): the REVIEWS row and the six-week rows exist only then.
-- A later week's activity is judged from its landed rows alone (any row dated in
-- it), without their versions, sellers or exclusions: the one place the floor is
-- not exact, and only for a week without activity of its own.
CREATE OR REPLACE TABLE f_measured AS
SELECT EXISTS (SELECT 1 FROM f_counts WHERE week_start = w0() AND denominator > 0)
    OR EXISTS (SELECT 1 FROM f_reviews WHERE submitted_date >= w0())
    OR EXISTS (SELECT 1 FROM raw.reviews WHERE submitted_at >= instant(w_hi()))
    OR EXISTS (SELECT 1 FROM raw.order_items
               WHERE ordered_at >= instant(w_hi()) OR latest_handover_at >= instant(w_hi())
                  OR coalesce(exact_delivery_date, latest_delivery_date) >= w_hi())
    OR EXISTS (SELECT 1 FROM raw.cancellations WHERE cancelled_at >= instant(w_hi()))
    OR EXISTS (SELECT 1 FROM raw.shipments WHERE shipped_at >= instant(w_hi()))
    OR EXISTS (SELECT 1 FROM raw.customer_questions WHERE created_at >= instant(w_hi()))
    OR EXISTS (SELECT 1 FROM raw.returns WHERE registered_at >= instant(w_hi()))
    OR EXISTS (SELECT 1 FROM raw.phone_calls WHERE started_at >= instant(w_hi())) AS measured;

CREATE OR REPLACE TABLE floor.week_seller_week_indicators AS
SELECT v.seller_id, w0() AS week_start,
       CAST(isoyear(w0()) AS INTEGER) AS iso_year,
       CAST(week(w0()) AS INTEGER) AS iso_week,
       v.indicator, v.numerator, v.denominator, v.value, v.norm_condition, v.norm_value, v.conforms,
       v.value - v.norm_value AS distance_to_norm,
       v.incident_count, v.is_breach,
       v.is_breach AND v.strike_eligible AND p.seller_id IS NOT NULL AND NOT v.neutralised AS is_strike,
       v.neutralised
FROM f_verdicts v
LEFT JOIN f_past_groeistart p USING (seller_id)
WHERE (SELECT measured FROM f_measured)
ORDER BY v.seller_id, v.indicator;

CREATE OR REPLACE TABLE floor.week_seller_six_week_scores AS
WITH pooled AS (
    SELECT seller_id, indicator, sum(numerator) AS numerator_6w, sum(denominator) AS denominator_6w
    FROM f_counts
    WHERE (SELECT measured FROM f_measured)
    GROUP BY ALL
    HAVING sum(denominator) > 0
), scores AS (
    SELECT p.seller_id, p.indicator, p.numerator_6w, p.denominator_6w,
           CAST(p.numerator_6w AS DOUBLE) / p.denominator_6w AS value_6w,
           n.condition AS norm_condition,
           CAST(norm_of(p.indicator, d.dyn, n.norm_value) AS DOUBLE) AS norm_value
    FROM pooled p
    JOIN f_norms n USING (indicator)
    LEFT JOIN f_dyn_norm d USING (seller_id, indicator)
    UNION ALL
    SELECT seller_id, indicator, numerator, denominator, value, norm_condition, norm_value
    FROM floor.week_seller_week_indicators
    WHERE indicator = 'REVIEWS'
), judged AS (
    SELECT *, CASE norm_condition WHEN '>=' THEN value_6w >= norm_value
                                  WHEN '<=' THEN value_6w <= norm_value END AS conforms_6w
    FROM scores
)
SELECT seller_id, w0() AS week_start,
       CAST(isoyear(w0()) AS INTEGER) AS iso_year,
       CAST(week(w0()) AS INTEGER) AS iso_week,
       indicator, CAST(numerator_6w AS BIGINT) AS numerator_6w,
       CAST(denominator_6w AS BIGINT) AS denominator_6w, value_6w, norm_condition, norm_value,
       conforms_6w, CASE WHEN conforms_6w THEN 'GREEN' ELSE 'RED' END AS colour
FROM judged
ORDER BY seller_id, indicator;

USE main;
DROP SCHEMA floor_week_work CASCADE;
