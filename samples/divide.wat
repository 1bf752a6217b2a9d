;; divide(a, b): integer division, truncating toward zero (like C).
;;
;;   SELECT divide(7, 2);    -- 3
;;   SELECT divide(-7, 2);   -- -3
;;   SELECT divide(1, 0);    -- error: wasm trap in divide: integer divide by zero
;;   SELECT divide(NULL, 0); -- NULL (a NULL number skips the call; libSQL fails)
;;
;; i64.div_s traps on a zero divisor and on -9223372036854775808 / -1; the
;; trap becomes an SQL error and the statement is rolled back.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func (export "divide") (param $a i64) (param $b i64) (result i64)
    (i64.div_s (local.get $a) (local.get $b))))
