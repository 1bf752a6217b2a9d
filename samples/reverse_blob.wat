;; reverse_blob(b): the bytes of the BLOB b in reverse order, as a BLOB.
;;
;;   SELECT hex(reverse_blob(X'0102030405'));   -- 0504030201
;;   SELECT reverse_blob(NULL);                 -- NULL
;;
;; A BLOB is [0x04][length, big-endian i32][bytes], both as argument and as
;; result. Anything that is not a BLOB gives NULL.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  ;; A NULL value, to return for non-BLOB input.
  (data (i32.const 16) "\05")

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

  ;; Wasm memory is little-endian; the BLOB length is big-endian.
  (func $load_be32 (param $p i32) (result i32)
    (i32.or
      (i32.or
        (i32.shl (i32.load8_u (local.get $p)) (i32.const 24))
        (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
      (i32.or
        (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
        (i32.load8_u offset=3 (local.get $p)))))

  (func $store_be32 (param $p i32) (param $v i32)
    (i32.store8 (local.get $p) (i32.shr_u (local.get $v) (i32.const 24)))
    (i32.store8 offset=1 (local.get $p) (i32.shr_u (local.get $v) (i32.const 16)))
    (i32.store8 offset=2 (local.get $p) (i32.shr_u (local.get $v) (i32.const 8)))
    (i32.store8 offset=3 (local.get $p) (local.get $v)))

  (func (export "reverse_blob") (param $in i32) (result i32)
    (local $n i32) (local $out i32) (local $src i32) (local $dst i32) (local $i i32)
    (if (i32.ne (i32.load8_u (local.get $in)) (i32.const 4)) (then (return (i32.const 16))))
    (local.set $n (call $load_be32 (i32.add (local.get $in) (i32.const 1))))
    (local.set $out (call $malloc (i32.add (local.get $n) (i32.const 5))))
    (i32.store8 (local.get $out) (i32.const 4))                         ;; BLOB tag
    (call $store_be32 (i32.add (local.get $out) (i32.const 1)) (local.get $n))
    (local.set $src (i32.add (local.get $in) (i32.const 5)))
    ;; fill the output from its end backwards
    (local.set $dst (i32.add (i32.add (local.get $out) (i32.const 5)) (local.get $n)))
    (block $done
      (loop $copy
        (br_if $done (i32.eq (local.get $i) (local.get $n)))
        (local.set $dst (i32.sub (local.get $dst) (i32.const 1)))
        (i32.store8 (local.get $dst) (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $out)))
