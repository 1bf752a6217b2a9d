;; upper_latin(t): the TEXT t with ASCII and Latin-1 letters in upper case
;; (à..þ to À..Þ), which SQLite's own upper() leaves alone without ICU. Other
;; characters are copied as they are; ß and ÿ have no Latin-1 capital.
;;
;;   SELECT upper_latin('crème brûlée');   -- CRÈME BRÛLÉE
;;   SELECT upper('crème brûlée');         -- CRèME BRûLéE (built in)
;;   SELECT upper_latin('straße');         -- STRAßE
;;   SELECT upper_latin(NULL);             -- NULL
;;
;; A TEXT argument arrives as a pointer to [0x03][UTF-8 bytes][0x00]: the
;; host asked libsql_malloc for the room and wrote it there. The result is
;; built the same way in memory the function allocates itself, and the
;; function returns its pointer. Anything that is not TEXT gives NULL.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  ;; A NULL value, [0x05], to return for non-TEXT input.
  (data (i32.const 16) "\05")

  ;; libsql_malloc(size): the host calls it to place arguments. A bump
  ;; allocator is enough: the host replaces the instance when its memory has
  ;; grown too far, so nothing needs freeing.
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

  (func (export "upper_latin") (param $in i32) (result i32)
    (local $n i32) (local $out i32) (local $i i32) (local $c i32) (local $prev i32)
    (if (i32.ne (i32.load8_u (local.get $in)) (i32.const 3)) (then (return (i32.const 16))))
    ;; The text ends at its 0x00 terminator.
    (block $end
      (loop $measure
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $in) (i32.add (local.get $n) (i32.const 1))))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $measure)))
    ;; tag + bytes + terminator
    (local.set $out (call $malloc (i32.add (local.get $n) (i32.const 2))))
    (i32.store8 (local.get $out) (i32.const 3))
    (block $done
      (loop $copy
        (br_if $done (i32.eq (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $in) (i32.add (local.get $i) (i32.const 1)))))
        ;; 'a'..'z' is 0x61..0x7a, one byte each.
        (if (i32.le_u (i32.sub (local.get $c) (i32.const 0x61)) (i32.const 25))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 0x20)))))
        ;; U+00E0..U+00FE are two bytes, 0xC3 then 0xA0..0xBE; their capitals
        ;; are 0xC3 then 0x80..0x9E. U+00F7 (0xC3 0xB7) is the sign ÷.
        (if (i32.and
              (i32.eq (local.get $prev) (i32.const 0xC3))
              (i32.and
                (i32.le_u (i32.sub (local.get $c) (i32.const 0xA0)) (i32.const 0x1E))
                (i32.ne (local.get $c) (i32.const 0xB7))))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 0x20)))))
        ;; The byte as read, so that a changed byte is not taken for a lead byte.
        (local.set $prev (i32.load8_u (i32.add (local.get $in) (i32.add (local.get $i) (i32.const 1)))))
        (i32.store8 (i32.add (local.get $out) (i32.add (local.get $i) (i32.const 1))) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $n) (i32.const 1))) (i32.const 0))
    (local.get $out)))
