-- Performance floor and exactness cross-check for marts.seller_week_indicators.
--
-- One hand-written DuckDB script, straight from the raw landing tables and the
-- reference seeds, for every week (docs/SPEC.md §3-§5, §7 GroeiStart, §8, §12); the
-- events it counts are those of bench/floor_events.sql, which the weekly floor shares
-- (a Jinja template, rendered by bench/floor.py).
-- It creates schema `floor` and the table `floor.seller_week_indicators`.
-- Intermediate results are tables of schema `floor_work` (dropped at the end):
-- stored compressed in the database file, where TEMP tables spilled uncompressed
-- and needed more than 60 GB of temporary disk at marketplace scale.

SET TimeZone = 'UTC';
CREATE SCHEMA IF NOT EXISTS floor;
DROP SCHEMA IF EXISTS floor_work CASCADE;
CREATE SCHEMA floor_work;
USE floor_work;

{% include "floor_events.sql" %}

-- ---------------------------------------------------------------------------
-- REVIEWS: the kept reviews, per week the 3-calendar-month window
-- [end - 3 months, end), falling back to all reviews before `end` below 5.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE f_last_week AS
SELECT max(w) AS last_week FROM (
    SELECT max(week_start) AS w FROM f_counts WHERE denominator > 0
    UNION ALL
    SELECT CAST(date_trunc('week', max(submitted_date)) AS DATE) FROM f_reviews
);

CREATE OR REPLACE TABLE f_review_days AS
WITH daily AS (
    SELECT seller_id, submitted_date AS day, count(*) AS cnt, sum(grade) AS sm
    FROM f_kept_reviews GROUP BY ALL
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
SELECT seller_id, CAST(date_trunc('week', local_day(first_at)) AS DATE) AS gs_week
FROM (SELECT seller_id, order_id, min(ordered_at) AS first_at FROM f_items GROUP BY ALL)
QUALIFY row_number() OVER (PARTITION BY seller_id ORDER BY first_at, order_id) = 100;

-- ---------------------------------------------------------------------------
-- The table.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE TABLE floor.seller_week_indicators AS
WITH base AS (
    SELECT seller_id, indicator, week_start, numerator, denominator FROM f_counts
    WHERE denominator > 0
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
