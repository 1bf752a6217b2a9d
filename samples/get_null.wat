;; get_null(): always NULL.
;;
;;   SELECT get_null() IS NULL;   -- 1
;;
;; An i32 result from a module that exports memory is a pointer to a tagged
;; value; [0x05] is NULL. Here it is a constant placed by a data segment.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (data (i32.const 16) "\05")

  ;; libsql_malloc(size): bump allocator, grows memory as needed, never frees.
  ;; (Only needed to pass TEXT/BLOB/NULL in; kept so the module follows the ABI.)
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

  (func (export "get_null") (result i32)
    (i32.const 16)))
