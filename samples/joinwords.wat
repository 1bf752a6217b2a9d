;; joinwords(w): the TEXT of a group's rows joined by spaces, an aggregate with a state in memory.
;;
;;   SELECT joinwords(column1) FROM (VALUES ('hello'), ('wide'), ('world'));   -- hello wide world
;;   SELECT joinwords(w ORDER BY k DESC) FROM (SELECT column1 AS w, column2 AS k FROM (VALUES ('a', 1), ('b', 2), ('c', 3)));   -- c b a
;;   SELECT joinwords(column1) FROM (VALUES ('x'), (NULL), ('y'));   -- x y
;;   SELECT joinwords(column1) FROM (SELECT 'x' AS column1 WHERE 0);   -- NULL
;;   SELECT joinwords(column1) OVER () FROM (VALUES ('a'));   -- error: joinwords() may not be used as a window function (its module exports no joinwords_inverse)
;;
;; The state is an i32: for each group the host places a NULL ([0x05]) with
;; libsql_malloc and passes its address as the first state; step returns
;; the address of the state it wants back on the group's next row, and the
;; host never looks inside. Here the first step replaces that NULL with a
;; header, [0x07][pad 3][length i32][capacity i32][buffer i32], whose buffer
;; doubles when full, so joining n words costs time in proportion to n.
;; final writes the tag and the NUL around the text and returns it: a TEXT.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) " ")

  ;; libsql_malloc(size): bump allocator, grows memory as needed, never frees.
  (func $malloc (export "libsql_malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
                  (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; Append n bytes at src to the text of header h, doubling its buffer when full.
  (func $append (param $h i32) (param $src i32) (param $n i32)
    (local $len i32) (local $need i32) (local $cap i32) (local $new i32)
    (local.set $len (i32.load offset=4 (local.get $h)))
    (local.set $need (i32.add (i32.add (local.get $len) (local.get $n)) (i32.const 2)))
    (if (i32.gt_u (local.get $need) (i32.load offset=8 (local.get $h)))
      (then
        (local.set $cap (i32.shl (i32.load offset=8 (local.get $h)) (i32.const 1)))
        (if (i32.lt_u (local.get $cap) (local.get $need)) (then (local.set $cap (local.get $need))))
        (local.set $new (call $malloc (local.get $cap)))
        (memory.copy (i32.add (local.get $new) (i32.const 1))
                     (i32.add (i32.load offset=12 (local.get $h)) (i32.const 1))
                     (local.get $len))
        (i32.store offset=8 (local.get $h) (local.get $cap))
        (i32.store offset=12 (local.get $h) (local.get $new))))
    (memory.copy
      (i32.add (i32.add (i32.load offset=12 (local.get $h)) (i32.const 1)) (local.get $len))
      (local.get $src) (local.get $n))
    (i32.store offset=4 (local.get $h) (i32.add (local.get $len) (local.get $n))))

  ;; Byte length of the NUL-terminated bytes at p.
  (func $strlen (param $p i32) (result i32)
    (local $i i32)
    (local.set $i (local.get $p))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.sub (local.get $i) (local.get $p)))

  (func (export "joinwords_step") (param $s i32) (param $w i32) (result i32)
    (if (i32.ne (i32.load8_u (local.get $w)) (i32.const 3)) (then (return (local.get $s))))
    (if (i32.eq (i32.load8_u (local.get $s)) (i32.const 5))
      (then
        (local.set $s (call $malloc (i32.const 16)))
        (i32.store8 (local.get $s) (i32.const 7))
        (i32.store offset=4 (local.get $s) (i32.const 0))
        (i32.store offset=8 (local.get $s) (i32.const 0))
        (i32.store offset=12 (local.get $s) (i32.const 0)))
      (else (call $append (local.get $s) (i32.const 16) (i32.const 1))))
    (call $append (local.get $s)
      (i32.add (local.get $w) (i32.const 1))
      (call $strlen (i32.add (local.get $w) (i32.const 1))))
    (local.get $s))

  (func (export "joinwords_final") (param $s i32) (result i32)
    (local $buf i32)
    (if (i32.eq (i32.load8_u (local.get $s)) (i32.const 5)) (then (return (local.get $s))))
    (local.set $buf (i32.load offset=12 (local.get $s)))
    (i32.store8 (local.get $buf) (i32.const 3))
    (i32.store8
      (i32.add (i32.add (local.get $buf) (i32.const 1)) (i32.load offset=4 (local.get $s)))
      (i32.const 0))
    (local.get $buf)))
