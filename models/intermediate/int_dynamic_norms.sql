-- The dynamic norms of CASE_ITEM_RATIO and RETURNS per seller and week
-- (SPEC §4, §12): for each product group and calendar month, the platform
-- ratio (questions, or returns, linked to items of the group / items of the
-- group ordered that month). A seller's norm for week W is the sum over its
-- product groups of (its share of its items of W in that group x the group's
-- ratio for the month before W's Monday); a group without items in that month
-- contributes the static norm. CASE_ITEM_RATIO is capped. Circumstances never
-- change these ratios. Rebuilt per week window [week_start_min, week_start_max),
-- like the weekly facts: only the window's seller-weeks and the months before
-- them are read. The measured items are referenced where used, not through one
-- import CTE (docs/decisions/0009-inputs-referenced-where-used.md).
{{ week_window_config() }}
{{ dynamic_norms() }}
