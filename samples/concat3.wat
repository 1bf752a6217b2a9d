;; concat3(a, b, c): the three TEXT arguments joined, as TEXT.
;;
;;   SELECT concat3('hello', ', ', 'world');   -- hello, world
;;   SELECT concat3('a', NULL, 'c');           -- NULL
;;
;; A TEXT result is returned the way arguments arrive: the function builds
;; [0x03][UTF-8 bytes][0x00] in its own memory and returns the pointer.
;; A NULL argument is itself a valid NULL value ([0x05]), so returning its
;; pointer returns NULL.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  ;; libsql_malloc(size): bump allocator, grows memory as needed, never frees.
  (func $malloc (export "libsql_malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (global.get $heap))
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

  ;; Byte length of the TEXT at $p (tag byte, bytes, NUL).
  (func $text_len (param $p i32) (result i32)
    (local $i i32)
    (local.set $i (i32.add (local.get $p) (i32.const 1)))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.sub (local.get $i) (i32.add (local.get $p) (i32.const 1))))

  ;; Copy the bytes of the TEXT at $src to $dst; return the byte after them.
  (func $append (param $dst i32) (param $src i32) (result i32)
    (local $n i32)
    (local.set $n (call $text_len (local.get $src)))
    (memory.copy (local.get $dst) (i32.add (local.get $src) (i32.const 1)) (local.get $n))
    (i32.add (local.get $dst) (local.get $n)))

  (func (export "concat3") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $out i32) (local $p i32)
    ;; NULL in, NULL out
    (if (i32.eq (i32.load8_u (local.get $a)) (i32.const 5)) (then (return (local.get $a))))
    (if (i32.eq (i32.load8_u (local.get $b)) (i32.const 5)) (then (return (local.get $b))))
    (if (i32.eq (i32.load8_u (local.get $c)) (i32.const 5)) (then (return (local.get $c))))
    (local.set $out
      (call $malloc
        (i32.add (i32.const 2)               ;; tag byte + NUL
          (i32.add (call $text_len (local.get $a))
            (i32.add (call $text_len (local.get $b)) (call $text_len (local.get $c)))))))
    (i32.store8 (local.get $out) (i32.const 3))  ;; TEXT tag
    (local.set $p (i32.add (local.get $out) (i32.const 1)))
    (local.set $p (call $append (local.get $p) (local.get $a)))
    (local.set $p (call $append (local.get $p) (local.get $b)))
    (local.set $p (call $append (local.get $p) (local.get $c)))
    (i32.store8 (local.get $p) (i32.const 0))    ;; NUL terminator
    (local.get $out)))
