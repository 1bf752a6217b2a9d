;; add1(n): n + 1, the smallest useful Wasm SQL function.
;;
;;   SELECT add1(41);   -- 42
;;
;; Wasm integer arithmetic wraps: add1(9223372036854775807) is
;; -9223372036854775808. libSQL passes and returns INTEGERs cut to 32 bits,
;; so there the same call gives 0: a file both run keeps to 32-bit numbers.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func (export "add1") (param $n i64) (result i64)
    (i64.add (local.get $n) (i64.const 1))))
