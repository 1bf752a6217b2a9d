;; reverse_text(t): the characters of the TEXT t in reverse order.
;;
;;   SELECT reverse_text('hello');   -- olleh
;;   SELECT reverse_text('añb');     -- bña
;;   SELECT reverse_text(NULL);      -- NULL
;;
;; The text arrives as UTF-8, [0x03][bytes][0x00]. Reversing bytes would
;; break multi-byte characters, so each character (a lead byte and its
;; 10xxxxxx continuation bytes) is copied as a unit. Non-TEXT input gives NULL.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  ;; A NULL value, to return for non-TEXT input.
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

  (func (export "reverse_text") (param $in i32) (result i32)
    (local $n i32) (local $out i32) (local $src i32) (local $dst i32)
    (local $i i32) (local $k i32)
    (if (i32.ne (i32.load8_u (local.get $in)) (i32.const 3)) (then (return (i32.const 16))))
    (local.set $n (call $text_len (local.get $in)))
    (local.set $out (call $malloc (i32.add (local.get $n) (i32.const 2))))
    (i32.store8 (local.get $out) (i32.const 3))                               ;; TEXT tag
    (i32.store8 (i32.add (i32.add (local.get $out) (i32.const 1)) (local.get $n))
                (i32.const 0))                                                ;; NUL
    (local.set $src (i32.add (local.get $in) (i32.const 1)))
    (local.set $dst (i32.add (i32.add (local.get $out) (i32.const 1)) (local.get $n)))
    (block $done
      (loop $char
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; $k = byte length of the character starting at $i
        (local.set $k (i32.const 1))
        (block $end_of_char
          (loop $continuation
            (br_if $end_of_char
              (i32.ge_u (i32.add (local.get $i) (local.get $k)) (local.get $n)))
            (br_if $end_of_char
              (i32.ne
                (i32.and
                  (i32.load8_u (i32.add (local.get $src) (i32.add (local.get $i) (local.get $k))))
                  (i32.const 0xc0))
                (i32.const 0x80)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $continuation)))
        (local.set $dst (i32.sub (local.get $dst) (local.get $k)))
        ;; A one-byte character is a load and a store: memory.copy is a call into the
        ;; runtime, which for one byte costs more than the copy.
        (if (i32.eq (local.get $k) (i32.const 1))
          (then (i32.store8 (local.get $dst) (i32.load8_u (i32.add (local.get $src) (local.get $i)))))
          (else (memory.copy (local.get $dst) (i32.add (local.get $src) (local.get $i)) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (local.get $k)))
        (br $char)))
    (local.get $out)))
