;; fib(n): the n-th Fibonacci number, computed the slow, recursive way.
;;
;;   .loadwasm samples/fib.wat
;;   SELECT fib(10);   -- 55
;;   SELECT fib(-3);   -- -3
;;
;; The parameter and the result are i64, so SQL passes and gets back a full
;; 64-bit INTEGER (libSQL cuts both to 32 bits: from fib(47) on it differs).
;; fib(n) for n < 2 is n itself.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2))))))))
