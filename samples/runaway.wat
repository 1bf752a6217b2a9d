;; A runaway loop, to show the time limit at work.
;;
;; spin() never returns: only the per-call time limit (5 s by default)
;; stops it. ok() shows that the session, and this module, go on working.
;;
;;   .loadwasm samples/runaway.wat
;;   .wasmlimits timeout 200
;;   SELECT spin();   -- error: wasm trap in spin: time limit of 200 ms exceeded
;;   SELECT ok();     -- 42
;;
;; In the interactive shell Ctrl-C stops it at once, too.
(module
  ;; libSQL looks for an exported memory on every call, even one that only
  ;; does arithmetic; an empty one (0 pages) costs nothing.
  (memory (export "memory") 0)
  (func (export "spin") (result i64)
    (loop $forever (br $forever))
    (i64.const 0))
  (func (export "ok") (result i64)
    (i64.const 42)))
