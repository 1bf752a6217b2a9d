;; fib with a start function that counts to 10^8: about as long as the fuzzer's time limit
;; (50 ms), so instantiating it sometimes succeeds and sometimes runs out of time. Found by the
;; fuzzer (fib.wat with a start function added).
(module
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  (func $count (local $i i32)
    (loop $more
      (br_if $more (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 100000000)))))
  (start $count))
