;; A memory bomb, to show the memory limit at work.
;;
;; bomb() grows its linear memory a page (64 KiB) at a time until
;; memory.grow says no (-1), then traps. The cap is per instance, 64 MiB by
;; default, so the machine never feels it. pages() gives the memory's size
;; in pages: after the trap the instance has been replaced by a fresh one.
;;
;;   .loadwasm samples/memory_bomb.wat
;;   SELECT bomb();
;;   -- error: wasm trap in bomb: memory limit of 64 MiB reached (unreachable instruction executed)
;;   SELECT pages();  -- 1
(module
  ;; Exported, so the host can see how far it grew and name the limit.
  (memory (export "memory") 1)
  (func (export "bomb") (result i64)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable)
  (func (export "pages") (result i64)
    (i64.extend_i32_u (memory.size))))
