;; gcd(a, b): the greatest common divisor of two INTEGERs, by Euclid's
;; algorithm, always zero or positive.
;;
;;   SELECT gcd(12, 18);    -- 6
;;   SELECT gcd(-4, 6);     -- 2
;;   SELECT gcd(0, 0);      -- 0
;;   SELECT gcd(NULL, 6);   -- NULL (a NULL number skips the call; libSQL fails)
;;
;; i64 parameters take SQL INTEGERs whole, all 64 bits (libSQL cuts them to
;; 32), and an i64 result comes back as an INTEGER. A REAL or TEXT argument
;; is an error naming the argument, before the function runs.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func $abs (param $x i64) (result i64)
    (select
      (i64.sub (i64.const 0) (local.get $x))
      (local.get $x)
      (i64.lt_s (local.get $x) (i64.const 0))))

  (func (export "gcd") (param $a i64) (param $b i64) (result i64)
    (local $t i64)
    ;; Work on magnitudes. abs(-9223372036854775808) wraps to itself, so
    ;; the remainders below use unsigned division, which handles it.
    (local.set $a (call $abs (local.get $a)))
    (local.set $b (call $abs (local.get $b)))
    (block $done
      (loop $step
        (br_if $done (i64.eqz (local.get $b)))
        (local.set $t (i64.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $step)))
    (local.get $a)))
