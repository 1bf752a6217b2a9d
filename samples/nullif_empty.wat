;; NULL in and out.
;;
;; nullif_empty(v): NULL when v is NULL, an empty TEXT or an empty BLOB;
;; otherwise v itself, TEXT or BLOB as it came.
;; is_null(v): 1 when v is NULL, else 0 (for TEXT and BLOB values).
;;
;;   SELECT nullif_empty('');          -- NULL
;;   SELECT nullif_empty(x'');         -- NULL
;;   SELECT nullif_empty('abc');       -- abc
;;   SELECT nullif_empty(NULL);        -- NULL
;;   SELECT is_null(NULL), is_null('');  -- 1|0
;;
;; How NULL travels depends on the parameter's type:
;; - to an i64/f64/f32 parameter, a NULL argument makes the whole call
;;   return NULL without running the function;
;; - to an i32 parameter of a module that exports memory (a pointer), NULL
;;   arrives like any other value: a pointer to the single byte [0x05]. The
;;   function sees it and decides.
;; A pointer result works the same way back: returning a pointer to [0x05]
;; returns NULL, and returning the argument's own pointer returns the
;; argument unchanged.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (data (i32.const 16) "\05")

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

  (func (export "nullif_empty") (param $v i32) (result i32)
    (local $tag i32)
    (local.set $tag (i32.load8_u (local.get $v)))
    ;; An empty TEXT is [0x03][0x00]: its first byte after the tag ends it.
    (if (i32.and (i32.eq (local.get $tag) (i32.const 3))
                 (i32.eqz (i32.load8_u offset=1 (local.get $v))))
      (then (return (i32.const 16))))
    ;; An empty BLOB is [0x04][0 0 0 0]: its length, in any byte order, is 0.
    (if (i32.and (i32.eq (local.get $tag) (i32.const 4))
                 (i32.eqz (i32.load offset=1 align=1 (local.get $v))))
      (then (return (i32.const 16))))
    ;; NULL in, NULL out: the argument itself is a NULL value.
    (local.get $v))

  (func (export "is_null") (param $v i32) (result i64)
    (i64.extend_i32_u (i32.eq (i32.load8_u (local.get $v)) (i32.const 5)))))
