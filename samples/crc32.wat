;; crc32(b): the CRC-32 checksum (the one zlib, gzip and PNG use) of a BLOB,
;; or of the UTF-8 bytes of a TEXT, as an INTEGER from 0 to 4294967295.
;;
;;   SELECT crc32(x'');                                            -- 0
;;   SELECT crc32('The quick brown fox jumps over the lazy dog');  -- 1095738169
;;   SELECT printf('%08x', crc32(x'00'));                          -- d202ef8d
;;
;; A BLOB arrives as [0x04][length, big-endian i32][bytes], a TEXT as
;; [0x03][bytes][0x00]: the parameter is i32 in a module with memory, so it
;; is a pointer to a tagged value. The result is i64, a plain INTEGER
;; (libSQL keeps 32 bits of it: there a checksum of 2147483648 or more comes
;; back negative; crc32(b) & 4294967295 gives it back). An
;; INTEGER result has no way to say NULL (libSQL's ABI tags only TEXT, BLOB
;; and NULL in memory), so a NULL argument, which arrives as [0x05], counts
;; as no bytes: crc32(NULL) is 0. Where NULL should stay NULL, write
;; CASE WHEN b IS NULL THEN NULL ELSE crc32(b) END.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

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

  ;; CRC-32 of n bytes at p, bit by bit (reflected polynomial 0xEDB88320).
  (func $crc (param $p i32) (param $n i32) (result i32)
    (local $crc i32) (local $end i32) (local $bit i32)
    (local.set $crc (i32.const -1))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done
      (loop $byte
        (br_if $done (i32.eq (local.get $p) (local.get $end)))
        (local.set $crc (i32.xor (local.get $crc) (i32.load8_u (local.get $p))))
        (local.set $bit (i32.const 8))
        (loop $shift
          (local.set $crc
            (i32.xor
              (i32.shr_u (local.get $crc) (i32.const 1))
              ;; 0xEDB88320 when the low bit is set, else 0
              (i32.and (i32.const 0xEDB88320)
                       (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
          (local.set $bit (i32.sub (local.get $bit) (i32.const 1)))
          (br_if $shift (local.get $bit)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i32.xor (local.get $crc) (i32.const -1)))

  ;; The BLOB length is big-endian; Wasm loads are little-endian.
  (func $load_be32 (param $p i32) (result i32)
    (i32.or
      (i32.or
        (i32.shl (i32.load8_u (local.get $p)) (i32.const 24))
        (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
      (i32.or
        (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
        (i32.load8_u offset=3 (local.get $p)))))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $end
      (loop $more
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $more)))
    (local.get $n))

  ;; Anything but a BLOB or a TEXT (that is, NULL) counts as no bytes.
  (func (export "crc32") (param $in i32) (result i64)
    (local $tag i32)
    (local.set $tag (i32.load8_u (local.get $in)))
    (if (i32.eq (local.get $tag) (i32.const 4))
      (then
        (return (i64.extend_i32_u
          (call $crc (i32.add (local.get $in) (i32.const 5))
                     (call $load_be32 (i32.add (local.get $in) (i32.const 1))))))))
    (if (i32.eq (local.get $tag) (i32.const 3))
      (then
        (return (i64.extend_i32_u
          (call $crc (i32.add (local.get $in) (i32.const 1))
                     (call $strlen (i32.add (local.get $in) (i32.const 1))))))))
    (i64.const 0)))
