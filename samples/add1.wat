;; add1(n): n + 1, the smallest useful Wasm SQL function.
;;
;;   SELECT add1(41);   -- 42
;;
;; Wasm integer arithmetic wraps: add1(9223372036854775807) is
;; -9223372036854775808.
(module
  (func (export "add1") (param $n i64) (result i64)
    (i64.add (local.get $n) (i64.const 1))))
