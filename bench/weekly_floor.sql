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
-- The events it counts are those of bench/floor_events.sql, which the full floor
-- shares (a Jinja template, rendered by bench/floor.py with `week` W's Monday, so
-- every bound is a constant DuckDB can push into the scans). It creates schema
-- `floor` and the tables `floor.week_seller_week_indicators` and
-- `floor.week_seller_six_week_scores`; intermediate tables go to schema
-- `floor_week_work` (dropped at the end).

SET TimeZone = 'UTC';
CREATE SCHEMA IF NOT EXISTS floor;
DROP SCHEMA IF EXISTS floor_week_work CASCADE;
CREATE SCHEMA floor_week_work;
USE floor_week_work;

{% include "floor_events.sql" %}

-- ---------------------------------------------------------------------------
-- REVIEWS of W: the kept reviews of [end - 3 months, end), else all before end.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_review_row AS
WITH per_seller AS (
    SELECT seller_id,
           count(*) AS cnt_end, sum(grade) AS sum_end,
           count(*) FILTER (WHERE submitted_date >= CAST(CAST(w_hi() AS TIMESTAMP) - INTERVAL 3 MONTH AS DATE)) AS cnt_w,
           sum(grade) FILTER (WHERE submitted_date >= CAST(CAST(w_hi() AS TIMESTAMP) - INTERVAL 3 MONTH AS DATE)) AS sum_w
    FROM f_kept_reviews GROUP BY seller_id
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
