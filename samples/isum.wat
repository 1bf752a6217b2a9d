;; isum(x): an integer sum written in Wasm, an aggregate and a window function.
;;
;;   SELECT isum(column1) FROM (VALUES (1), (2), (39));      -- 42
;;   SELECT isum(column1) FROM (VALUES (5), (NULL), (6));    -- 11 (NULL rows are skipped)
;;   SELECT isum(x) FROM (SELECT 1 AS x WHERE 0);              -- 0 (an empty group)
;;   SELECT isum(DISTINCT column1) FROM (VALUES (2), (2), (3));   -- 5
;;   SELECT isum(column1) FILTER (WHERE column1 > 1) FROM (VALUES (1), (2), (3));   -- 5
;;   SELECT group_concat(s, ',') FROM (SELECT isum(column1) OVER (ORDER BY column1 ROWS 1 PRECEDING) AS s FROM (VALUES (1), (2), (3), (4)));   -- 1,3,5,7
;;
;; A module exporting NAME_step and NAME_final is an aggregate NAME; with
;; NAME_inverse it is also a window function. The state is step's first
;; parameter and its result, here an i64 that starts at 0: step adds a row,
;; inverse takes away the row leaving a window frame, final gives the result
;; (also for an empty group). A NULL argument skips the row, as SQL's sum.
(module
  (memory (export "memory") 1)
  (func (export "isum_step") (param $sum i64) (param $x i64) (result i64)
    (i64.add (local.get $sum) (local.get $x)))
  (func (export "isum_inverse") (param $sum i64) (param $x i64) (result i64)
    (i64.sub (local.get $sum) (local.get $x)))
  (func (export "isum_final") (param $sum i64) (result i64)
    (local.get $sum)))
