;; int_range(start, stop, step): a table-valued function, the integers from start to stop
;; (inclusive) by step, in a column "value". A step of 0 gives no rows; left out, it is 1
;; (the declaration says DEFAULT 1).
;;   SELECT group_concat(value) FROM int_range(1, 10, 3);  -- 1,4,7,10
;;   SELECT group_concat(value) FROM int_range(1, 5);      -- 1,2,3,4,5
;;   SELECT sum(value) FROM int_range(1, 100, 1);          -- 5050
;;   SELECT group_concat(value) FROM int_range(3, -3, -2); -- 3,1,-1,-3
;;   SELECT count(*) FROM int_range(1, 10, 0);             -- 0
;; Exports of a table-valued function (see README, "Table-valued functions"):
;; int_range_columns, int_range_open, int_range_next (and libsql_malloc, memory).
(module
  (memory (export "memory") 1)
  ;; 0..127: the column declaration; 64..: the batch; 8192..: the heap (states)
  (data (i32.const 0) "\03value INTEGER, start INTEGER HIDDEN, stop INTEGER HIDDEN, step INTEGER HIDDEN DEFAULT 1\00")
  (global $heap (mut i32) (i32.const 8192))
  (global $batch i32 (i32.const 128))
  (func $malloc (export "libsql_malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 16)) (i32.const 1))) (i32.const 0))
        (then unreachable))))
    (local.get $p))
  (func (export "int_range_columns") (result i32) (i32.const 0))
  ;; state: [current i64][stop i64][step i64][done i32]
  (func (export "int_range_open") (param $start i64) (param $stop i64) (param $step i64) (result i32)
    (local $s i32)
    (local.set $s (call $malloc (i32.const 32)))
    (i64.store (local.get $s) (local.get $start))
    (i64.store offset=8 (local.get $s) (local.get $stop))
    (i64.store offset=16 (local.get $s) (local.get $step))
    (i32.store offset=24 (local.get $s) (i64.eqz (local.get $step)))
    (local.get $s))
  ;; up to 512 rows a batch: each [0x01][8-byte value]
  (func (export "int_range_next") (param $s i32) (result i32)
    (local $cur i64) (local $stop i64) (local $step i64) (local $n i32) (local $at i32)
    (local.set $cur (i64.load (local.get $s)))
    (local.set $stop (i64.load offset=8 (local.get $s)))
    (local.set $step (i64.load offset=16 (local.get $s)))
    (local.set $at (i32.add (global.get $batch) (i32.const 8)))
    (block $full
      (loop $row
        (br_if $full (i32.load offset=24 (local.get $s)))
        (br_if $full (i32.eq (local.get $n) (i32.const 512)))
        (br_if $full (if (result i32) (i64.gt_s (local.get $step) (i64.const 0))
          (then (i64.gt_s (local.get $cur) (local.get $stop)))
          (else (i64.lt_s (local.get $cur) (local.get $stop)))))
        (i32.store8 (local.get $at) (i32.const 1))
        (i64.store offset=1 (local.get $at) (local.get $cur))
        (local.set $at (i32.add (local.get $at) (i32.const 9)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        ;; the next value, or done when it would overflow
        (if (i32.xor (i64.lt_s (i64.add (local.get $cur) (local.get $step)) (local.get $cur))
                     (i64.lt_s (local.get $step) (i64.const 0)))
          (then (i32.store offset=24 (local.get $s) (i32.const 1))))
        (local.set $cur (i64.add (local.get $cur) (local.get $step)))
        (br $row)))
    (i64.store (local.get $s) (local.get $cur))
    (i32.store (global.get $batch) (local.get $n))
    (i32.store offset=4 (global.get $batch) (i32.mul (local.get $n) (i32.const 9)))
    (global.get $batch)))
