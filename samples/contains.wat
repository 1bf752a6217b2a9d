;; contains(haystack, needle): 1 if the TEXT needle occurs in the TEXT
;; haystack, else 0. An empty needle occurs in every text.
;;
;;   SELECT contains('eenie meenie', 'nie');   -- 1
;;   SELECT contains('miny', 'mo');            -- 0
;;
;; TEXT, BLOB and NULL reach Wasm through linear memory (libSQL's ABI): the
;; host calls libsql_malloc(n + 2), writes [0x03][n UTF-8 bytes][0x00] there
;; and passes the pointer. A NULL arrives as a pointer to the single byte
;; [0x05]; this function treats anything that is not TEXT as containing, and
;; being contained in, nothing.
(module
  (memory (export "memory") 1)

  ;; The next free byte. Bytes below 1024 are left for constants.
  (global $heap (mut i32) (i32.const 1024))

  ;; libsql_malloc(size): a bump allocator. It never frees: the host replaces
  ;; an instance whose memory has grown too much with a fresh one.
  (func $malloc (export "libsql_malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable)) ;; wrapped around
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        ;; grow by enough 64 KiB pages to cover the shortfall
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
                  (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; The number of bytes of the TEXT value at $p: from after the tag byte up
  ;; to, not including, the NUL terminator.
  (func $text_len (param $p i32) (result i32)
    (local $i i32)
    (local.set $i (i32.add (local.get $p) (i32.const 1)))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.sub (local.get $i) (i32.add (local.get $p) (i32.const 1))))

  (func (export "contains") (param $hay i32) (param $needle i32) (result i64)
    (local $hlen i32) (local $nlen i32) (local $i i32) (local $j i32)
    (if (i32.ne (i32.load8_u (local.get $hay)) (i32.const 3)) (then (return (i64.const 0))))
    (if (i32.ne (i32.load8_u (local.get $needle)) (i32.const 3)) (then (return (i64.const 0))))
    (local.set $hlen (call $text_len (local.get $hay)))
    (local.set $nlen (call $text_len (local.get $needle)))
    (if (i32.gt_u (local.get $nlen) (local.get $hlen)) (then (return (i64.const 0))))
    ;; from here on, point at the first byte of each text, past the tag
    (local.set $hay (i32.add (local.get $hay) (i32.const 1)))
    (local.set $needle (i32.add (local.get $needle) (i32.const 1)))
    ;; try each start position $i in 0 ..= hlen - nlen
    (loop $start
      (local.set $j (i32.const 0))
      (block $mismatch
        (loop $compare
          (if (i32.eq (local.get $j) (local.get $nlen)) (then (return (i64.const 1))))
          (br_if $mismatch
            (i32.ne
              (i32.load8_u (i32.add (local.get $hay) (i32.add (local.get $i) (local.get $j))))
              (i32.load8_u (i32.add (local.get $needle) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $compare)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $start (i32.le_u (local.get $i) (i32.sub (local.get $hlen) (local.get $nlen)))))
    (i64.const 0)))
