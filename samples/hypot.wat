;; hypot(x, y): the length of the vector (x, y), sqrt(x*x + y*y).
;;
;;   SELECT hypot(3.0, 4.0);   -- 5.0
;;   SELECT hypot(1.5, 2.0);   -- 2.5
;;   SELECT hypot(3, 4);       -- 5.0
;;
;; f64 parameters accept REAL, and here INTEGER converted to REAL; the f64
;; result comes back as REAL (a NaN result would come back as NULL). libSQL
;; passes an INTEGER as an i64, which an f64 parameter refuses: write 3.0.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func (export "hypot") (param $x f64) (param $y f64) (result f64)
    (f64.sqrt
      (f64.add
        (f64.mul (local.get $x) (local.get $x))
        (f64.mul (local.get $y) (local.get $y))))))
